"""Which articles are worth sending to whom: BM25 (bm25s + Snowball stemmer), both ways.

Documents are articles: title (twice: it says what the piece is about) + summary + author
tags + the feed's tags. A contact's query is built from their fields, each with a weight
(interests say most, notes least). Scores per field come from bm25s's precomputed term
scores and are summed with those weights, plus a bonus when the article names the
contact's company. The sum is multiplied by a recency decay and must reach ``MIN_SCORE``,
so weak, incidental matches are not shown. Articles shared with or dismissed for a
contact are never suggested to them again.

Weighted queries read bm25s's eager score matrix (``BM25.scores``: token-major postings
``indptr``/``indices``/``data``) directly: one pass per contact over a handful of posting
lists, instead of one ``get_scores`` call per field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import arrow
import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from crm_tui.domain.models import Article, Contact, Feed
from crm_tui.store.repository import Store

FIELD_WEIGHTS = {"interests": 3.0, "tags": 2.0, "company": 1.5, "role": 1.0, "notes": 0.5}
COMPANY_BONUS = 6.0  # the article names their company: worth a note whatever else it says
HALF_LIFE_DAYS = 30.0  # an article a month old counts half
MIN_SCORE = 2.0  # below this a match is incidental (one common word in the notes)

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_STOP = frozenset(STOPWORDS_EN)
_STEMMER = Stemmer.Stemmer("english")


def tokens(text: str) -> list[str]:
    words = [w for w in _WORD.findall(text.casefold()) if w not in _STOP and len(w) > 1]
    return _STEMMER.stemWords(words)


def contact_fields(contact: Contact) -> dict[str, str]:
    return {
        "interests": " ".join(contact.interests),
        "tags": " ".join(contact.tags),
        "company": contact.company,
        "role": contact.role,
        "notes": contact.notes,
    }


@dataclass
class _Query:
    token_ids: np.ndarray
    weights: np.ndarray


class Ranker:
    """Built once per set of articles (see :func:`ranker`); cheap to query."""

    def __init__(self, articles: list[Article], feeds: Iterable[Feed], now: arrow.Arrow, store: Store | None = None) -> None:
        self.articles = articles
        self.store = store
        self.now = now
        self._position = {a.id: i for i, a in enumerate(articles)}
        feed_tags = {f.id: " ".join(f.tags) for f in feeds}
        docs = [
            f"{a.title} {a.title} {a.summary} {' '.join(a.tags)} {feed_tags.get(a.feed_id, '')}" for a in articles
        ]
        self._folded = "\n\x00".join(d.casefold() for d in docs)  # for company-name matches
        self._starts = np.cumsum([0] + [len(d) + 2 for d in docs])
        self._company_hits: dict[str, np.ndarray] = {}
        self._queries: dict[tuple[str, ...], _Query] = {}
        self.bm25 = bm25s.BM25()
        self.vocab: dict[str, int] = {}
        if articles:
            corpus = [tokens(d) or ["\x00empty"] for d in docs]
            self.bm25.index(corpus, show_progress=False)
            self.vocab = self.bm25.vocab_dict
            scores = self.bm25.scores
            self._data, self._indices, self._indptr = scores["data"], scores["indices"], scores["indptr"]
        now_ts = now.timestamp()
        ages = np.array([max(0.0, now_ts - _timestamp(a.published)) / 86400 for a in articles], dtype=np.float64)
        self.decay = np.power(0.5, ages / HALF_LIFE_DAYS)

    # ------------------------------------------------------------------ scoring
    def _query(self, contact: Contact) -> _Query:
        fields = contact_fields(contact)
        cache_key = tuple(fields.values())
        cached = self._queries.get(cache_key)
        if cached is not None:
            return cached
        weights: dict[int, float] = {}
        for name, text in fields.items():
            for token in set(tokens(text)):
                token_id = self.vocab.get(token)
                if token_id is not None:
                    weights[token_id] = weights.get(token_id, 0.0) + FIELD_WEIGHTS[name]
        query = _Query(np.fromiter(weights, dtype=np.int64), np.fromiter(weights.values(), dtype=np.float64))
        if len(self._queries) > 50_000:
            self._queries.clear()
        self._queries[cache_key] = query
        return query

    def _company_docs(self, company: str) -> np.ndarray:
        """Indices of articles naming ``company`` as whole words (case-insensitive)."""
        name = company.strip().casefold()
        if len(name) < 2:
            return np.empty(0, dtype=np.int64)
        hits = self._company_hits.get(name)
        if hits is None:
            found: list[int] = []
            text, start = self._folded, 0
            while (start := text.find(name, start)) != -1:
                end = start + len(name)
                before = text[start - 1] if start else " "
                after = text[end] if end < len(text) else " "
                if not before.isalnum() and not after.isalnum():
                    found.append(int(np.searchsorted(self._starts, start, side="right")) - 1)
                start = end
            hits = np.unique(np.array(found, dtype=np.int64))
            self._company_hits[name] = hits
        return hits

    def scores(self, contact: Contact) -> np.ndarray:
        """Every article's score for this contact (before exclusions and the minimum)."""
        total = np.zeros(len(self.articles), dtype=np.float64)
        if not self.articles:
            return total
        query = self._query(contact)
        for token_id, weight in zip(query.token_ids, query.weights):
            lo, hi = self._indptr[token_id], self._indptr[token_id + 1]
            total[self._indices[lo:hi]] += weight * self._data[lo:hi]
        if contact.company:
            total[self._company_docs(contact.company)] += COMPANY_BONUS
        return total * self.decay

    def _excluded_articles(self, contact_id: str) -> set[str]:
        if self.store is None or not contact_id:
            return set()
        return {s.article_id for s in self.store.shares(contact_id)} | {
            d.article_id for d in self.store.dismissals(contact_id)
        }

    # ------------------------------------------------------------------ queries
    def for_contact(self, contact: Contact, k: int = 5) -> list[tuple[Article, float]]:
        """The best ``k`` articles for ``contact``, best first, above ``MIN_SCORE``."""
        if not self.articles or k <= 0:
            return []
        total = self.scores(contact)
        for article_id in self._excluded_articles(contact.id):
            position = self._position.get(article_id)
            if position is not None:
                total[position] = 0.0
        candidates = np.flatnonzero(total >= MIN_SCORE)
        if len(candidates) > k:
            candidates = candidates[np.argpartition(-total[candidates], k - 1)[:k]]
        ordered = sorted(candidates, key=lambda i: (-total[i], self.articles[i].id))
        return [(self.articles[i], round(float(total[i]), 3)) for i in ordered]

    def for_article(self, article: Article, contacts: Iterable[Contact], k: int = 5) -> list[tuple[Contact, float]]:
        """The best ``k`` contacts to send ``article`` to, best first, above ``MIN_SCORE``."""
        position = self._position.get(article.id)
        if position is None or k <= 0:
            return []
        column = self._doc_scores(position)
        excluded: set[str] = set()
        if self.store is not None:
            excluded = {s.contact_id for s in self.store.shares() if s.article_id == article.id}
            excluded |= {d.contact_id for d in self.store.dismissals() if d.article_id == article.id}
        found: list[tuple[float, str, Contact]] = []
        for contact in contacts:
            if contact.id in excluded:
                continue
            query = self._query(contact)
            score = sum(w * column.get(int(t), 0.0) for t, w in zip(query.token_ids, query.weights))
            if contact.company and position in self._company_docs(contact.company):
                score += COMPANY_BONUS
            score *= float(self.decay[position])
            if score >= MIN_SCORE:
                found.append((-score, contact.id, contact))
        found.sort(key=lambda item: (item[0], item[1]))
        return [(contact, round(float(-neg), 3)) for neg, _, contact in found[:k]]

    def _doc_scores(self, position: int) -> dict[int, float]:
        """token id -> BM25 score of that token in one article."""
        column: dict[int, float] = {}
        for token in set(tokens(self._doc_text(position))):
            token_id = self.vocab.get(token)
            if token_id is None:
                continue
            lo, hi = self._indptr[token_id], self._indptr[token_id + 1]
            at = np.searchsorted(self._indices[lo:hi], position)
            if at < hi - lo and self._indices[lo + at] == position:
                column[token_id] = float(self._data[lo + at])
        return column

    def _doc_text(self, position: int) -> str:
        return self._folded[self._starts[position] : self._starts[position + 1] - 2]


def _timestamp(iso: str) -> float:
    try:
        return arrow.get(iso).timestamp() if iso else 0.0
    except (arrow.parser.ParserError, ValueError):
        return 0.0


_CACHE: dict[int, tuple[tuple[object, ...], Ranker]] = {}


def ranker(store: Store, now: arrow.Arrow) -> Ranker:
    """A Ranker over the store's articles, rebuilt only when articles, feed tags or the day
    change (building indexes every article; querying is cheap)."""
    articles = store.articles()
    feeds = store.feeds()
    key = (
        len(articles),
        max((int(a.id[1:]) for a in articles if a.id[1:].isdigit()), default=0),
        tuple((f.id, tuple(f.tags)) for f in feeds),
        now.format("YYYY-MM-DD"),
    )
    cached = _CACHE.get(id(store))
    if cached is not None and cached[0] == key and cached[1].store is store:
        return cached[1]
    built = Ranker(articles, feeds, now, store)
    _CACHE.clear()  # one store per process in practice; never keep old ones alive
    _CACHE[id(store)] = (key, built)
    return built
