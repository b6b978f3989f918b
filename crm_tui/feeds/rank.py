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
lists, instead of one ``get_scores`` call per field. Tokens found in many articles (one in
eight or more) also get a dense row, added with one contiguous vector op instead of a
scatter over thousands of positions: the rows cost at most 8x the postings in memory.

The index itself (words, stems, bm25s's score matrix) is built in
:mod:`crm_tui.feeds.index`, all articles at once. Per article over contacts
(:meth:`Ranker.for_articles`, the Articles screen), a batch of articles is summed token by
token over the contacts' inverted queries (:meth:`Ranker._contact_postings`, built from
each distinct field text once).

Every score is the same sum in the same order (query tokens by id, then the company bonus,
then the decay), whichever way it is computed: per contact, for many contacts at once
(:meth:`Ranker.for_contacts`), or per article over contacts (:meth:`Ranker.for_article`,
vectorised across contacts). So the three agree exactly, ties included (equal scores are
ordered by id).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import arrow
import numpy as np

from crm_tui.domain.models import Article, Contact, Feed
from crm_tui.feeds import index
from crm_tui.feeds.index import field_tokens as _field_tokens
from crm_tui.feeds.index import tokens
from crm_tui.store.repository import Store

FIELD_WEIGHTS = {"interests": 3.0, "tags": 2.0, "company": 1.5, "role": 1.0, "notes": 0.5}
COMPANY_BONUS = 6.0  # the article names their company: worth a note whatever else it says
HALF_LIFE_DAYS = 30.0  # an article a month old counts half
MIN_SCORE = 2.0  # below this a match is incidental (one common word in the notes)
DENSE_SHARE = 8  # a token in at least 1/DENSE_SHARE of the articles gets a dense score row
SUMS_PER_BATCH = 2_000_000  # (article, contact) sums worked out at once by for_articles: 16 MB


def field_texts(contact: Contact) -> tuple[str, str, str, str, str]:
    """The contact's fields' texts, in the order of ``FIELD_WEIGHTS``."""
    return (" ".join(contact.interests), " ".join(contact.tags), contact.company, contact.role, contact.notes)


def contact_fields(contact: Contact) -> dict[str, str]:
    return dict(zip(FIELD_WEIGHTS, field_texts(contact), strict=True))


# (start of each token's postings, contact rows, weights, company names): see
# Ranker._contact_postings.
_Postings = tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]


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
        self._ids = [a.id for a in articles]
        feeds = list(feeds)
        feed_tags = {f.id: " ".join(f.tags) for f in feeds}
        # A contact's own posts (their blog's feed) are never suggested back to them.
        owner = {f.id: f.contact_id for f in feeds if f.contact_id}
        self._owner_of: dict[str, str] = {}  # article id -> the contact who wrote it
        self._own: dict[str, set[str]] = {}  # contact id -> ids of their own articles
        if owner:
            for a in articles:
                who = owner.get(a.feed_id)
                if who:
                    self._owner_of[a.id] = who
                    self._own.setdefault(who, set()).add(a.id)
        docs = [
            f"{a.title} {a.title} {a.summary} {' '.join(a.tags)} {feed_tags.get(a.feed_id, '')}" for a in articles
        ]
        self._folded = "\n\x00".join(d.casefold() for d in docs)  # for company-name matches
        self._starts = np.cumsum([0] + [len(d) + 2 for d in docs])
        self._company_hits: dict[str, np.ndarray] = {}
        self._queries: dict[tuple[str, ...], _Query] = {}
        self._doc_words: dict[int, frozenset[str]] = {}  # article position -> its tokens (reasons)
        self.vocab: dict[str, int] = {}
        if articles:
            built = index.build(docs)
            self.vocab = built.vocab_dict
            scores = built.scores
            # bm25s keeps float32; every sum here is float64 from the same (exact) values
            self._data = scores["data"].astype(np.float64)
            self._indices, self._indptr = scores["indices"], scores["indptr"]
            starts, token_ids, values = built.by_doc  # the same matrix, article by article
            self._by_doc = (starts, token_ids, values.astype(np.float64))
        self._dense: dict[int, np.ndarray] = {}
        if articles:
            lengths = np.diff(self._indptr)
            for token_id in np.flatnonzero(lengths >= max(1, len(articles) // DENSE_SHARE)):
                lo, hi = self._indptr[token_id], self._indptr[token_id + 1]
                row = np.zeros(len(articles), dtype=np.float64)
                row[self._indices[lo:hi]] = self._data[lo:hi]
                self._dense[int(token_id)] = row
        # The contacts' queries inverted (token id -> the contacts using it, with their
        # weight), for one list of contacts: see :meth:`_contact_postings`.
        self._postings: tuple[tuple[object, ...], _Postings] | None = None
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
            for token in _field_tokens(text):
                token_id = self.vocab.get(token)
                if token_id is not None:
                    weights[token_id] = weights.get(token_id, 0.0) + FIELD_WEIGHTS[name]
        ordered = sorted(weights)  # the one summation order, see the module docstring
        query = _Query(np.array(ordered, dtype=np.int64), np.array([weights[t] for t in ordered], dtype=np.float64))
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
        dense = self._dense
        for token_id, weight in zip(query.token_ids.tolist(), query.weights.tolist(), strict=False):
            row = dense.get(token_id)
            if row is not None:
                total += weight * row  # + 0.0 where the token is absent: the same sums
            else:
                lo, hi = self._indptr[token_id], self._indptr[token_id + 1]
                total[self._indices[lo:hi]] += weight * self._data[lo:hi]
        if contact.company:
            total[self._company_docs(contact.company)] += COMPANY_BONUS
        return total * self.decay

    def _excluded_articles(self, contact_id: str) -> set[str]:
        own = self._own.get(contact_id, set())
        if self.store is None or not contact_id:
            return set(own)
        return {s.article_id for s in self.store.shares(contact_id)} | {
            d.article_id for d in self.store.dismissals(contact_id)
        } | own

    # ------------------------------------------------------------------ queries
    def for_contact(self, contact: Contact, k: int = 5) -> list[tuple[Article, float]]:
        """The best ``k`` articles for ``contact``, best first, above ``MIN_SCORE``."""
        return self._best_articles(contact, k, self._excluded_articles(contact.id))

    def for_contacts(self, contacts: Iterable[Contact], k: int = 5) -> dict[str, list[tuple[Article, float]]]:
        """:meth:`for_contact` for many contacts (contact id -> list), exclusions read once."""
        excluded: dict[str, set[str]] = {}
        if self.store is not None:
            pairs = [(r.contact_id, r.article_id) for r in self.store.shares()]
            pairs += [(r.contact_id, r.article_id) for r in self.store.dismissals()]
            for contact_id, article_id in pairs:
                excluded.setdefault(contact_id, set()).add(article_id)
        for contact_id, own in self._own.items():
            excluded.setdefault(contact_id, set()).update(own)
        empty: set[str] = set()
        return {c.id: self._best_articles(c, k, excluded.get(c.id, empty)) for c in contacts}

    def _best_articles(self, contact: Contact, k: int, excluded: set[str]) -> list[tuple[Article, float]]:
        if not self.articles or k <= 0:
            return []
        total = self.scores(contact)
        for article_id in excluded:
            position = self._position.get(article_id)
            if position is not None:
                total[position] = 0.0
        return [(self.articles[i], score) for i, score in _top(total, k, self._ids)]

    def for_article(self, article: Article, contacts: Iterable[Contact], k: int = 5) -> list[tuple[Contact, float]]:
        """The best ``k`` contacts to send ``article`` to, best first, above ``MIN_SCORE``."""
        return self.for_articles([article], contacts, k).get(article.id, [])

    def for_articles(self, articles: Sequence[Article], contacts: Iterable[Contact],
                     k: int = 5, exclusions: Iterable[tuple[str, str]] | None = None,
                     ) -> dict[str, list[tuple[Contact, float]]]:
        """:meth:`for_article` for many articles at once: the contacts' query matrix, their
        ids and who already has or declined each article are worked out once, not once per
        article (at 10,000 contacts that was most of the cost of the Articles screen).
        ``exclusions``: the (article id, contact id) pairs shared or dismissed, when the
        caller read them already (a thread must not read the store); else the store's."""
        contacts = list(contacts)
        found: dict[str, list[tuple[Contact, float]]] = {}
        wanted = [(a, self._position.get(a.id)) for a in articles]
        if not contacts or k <= 0 or all(p is None for _, p in wanted):
            return {a.id: [] for a in articles}
        starts, rows, row_weights, companies = self._contact_postings(contacts)
        ids = [c.id for c in contacts]
        row_of = {cid: i for i, cid in enumerate(ids)}
        excluded: dict[str, set[str]] = {}
        if exclusions is None and self.store is not None:
            exclusions = [(s.article_id, s.contact_id) for s in self.store.shares()]
            exclusions += [(d.article_id, d.contact_id) for d in self.store.dismissals()]
        for article_id, contact_id in exclusions or ():
            excluded.setdefault(article_id, set()).add(contact_id)
        # Which articles name which of these companies, once (not every company per article).
        codes: dict[str, int] = {}
        for name in companies:
            if name and name not in codes:
                codes[name] = len(codes)
        company_code = np.array([codes.get(name, -1) for name in companies], dtype=np.int64)
        naming: dict[int, list[int]] = {}
        for name, code in codes.items():
            for at in self._company_docs(name):
                naming.setdefault(int(at), []).append(code)
        known = [(article, position) for article, position in wanted if position is not None]
        for article, position in wanted:
            if position is None:
                found[article.id] = []
        for batch, totals in self._article_sums(known, starts, rows, row_weights, len(contacts)):
            for (article, position), total in zip(batch, totals, strict=True):
                named = naming.get(position)
                if named:
                    total += COMPANY_BONUS * np.isin(company_code, named)
                total *= float(self.decay[position])
                author = self._owner_of.get(article.id)  # their own post: not for them
                for contact_id in {*excluded.get(article.id, ()), *([author] if author else [])}:
                    i = row_of.get(contact_id)
                    if i is not None:
                        total[i] = 0.0
                found[article.id] = [(contacts[i], score) for i, score in _top(total, k, ids)]
        return found

    def _article_sums(self, wanted: list[tuple[Article, int]], starts: np.ndarray, rows: np.ndarray,
                      row_weights: np.ndarray, n_contacts: int,
                      ) -> Iterable[tuple[list[tuple[Article, int]], np.ndarray]]:
        """Each wanted article's BM25 sums over the contacts (a row each), for batches of
        articles (``SUMS_PER_BATCH`` sums at most).

        Token by token in ascending id, for every article of the batch using it: the
        contacts whose queries use the token get its term (a token used by many contacts,
        one in ``DENSE_SHARE`` or more, is added as a dense row, 0.0 for the others: the
        same sums). So each contact's terms add up in the order of its query (the one
        summation order) and the scores are exactly those of a per-contact sum; a query
        holds a token once, so no row repeats within one token's postings."""
        doc_starts, doc_tokens, doc_values = self._by_doc
        per_batch = max(1, SUMS_PER_BATCH // max(1, n_contacts))
        dense_from = max(1, n_contacts // DENSE_SHARE)
        for first in range(0, len(wanted), per_batch):
            batch = wanted[first:first + per_batch]
            at = np.array([position for _, position in batch], dtype=np.int64)
            counts = doc_starts[at + 1] - doc_starts[at]
            entries = _ranges(doc_starts[at], counts)
            article_of = np.repeat(np.arange(len(batch), dtype=np.int64), counts)
            token_of, value_of = doc_tokens[entries], doc_values[entries]
            reach = starts[token_of + 1] - starts[token_of]
            used = reach > 0  # tokens no contact uses add nothing
            article_of, token_of, value_of = article_of[used], token_of[used], value_of[used]
            order = np.argsort(token_of, kind="stable")
            article_of, token_of, value_of = article_of[order], token_of[order], value_of[order]
            totals = np.zeros((len(batch), n_contacts), dtype=np.float64)
            term = np.empty(n_contacts, dtype=np.float64)
            heads = [*np.flatnonzero(np.diff(token_of, prepend=-1)).tolist(), len(token_of)]
            for head, end in itertools.pairwise(heads):
                token_id = int(token_of[head])
                lo, hi = int(starts[token_id]), int(starts[token_id + 1])
                arts, values = article_of[head:end], value_of[head:end]
                if hi - lo >= dense_from:
                    row = np.zeros(n_contacts, dtype=np.float64)
                    row[rows[lo:hi]] = row_weights[lo:hi]
                    for a, value in zip(arts.tolist(), values.tolist(), strict=True):
                        np.multiply(row, value, out=term)
                        np.add(totals[a], term, out=totals[a])
                else:
                    cells = np.ix_(arts, rows[lo:hi])
                    totals[cells] += values[:, None] * row_weights[lo:hi]
            yield batch, totals

    def reasons(self, article: Article, contact: Contact, limit: int = 3) -> list[str]:
        """Why ``article`` suits ``contact``, in the contact's own words: their interests
        whose every word the article uses (their tags instead when no interest does), then
        their company if it names it, else their role's or notes' words. What the UI shows
        instead of a raw score."""
        position = self._position.get(article.id)
        if position is None:
            return []
        words = self._doc_words.get(position)
        if words is None:
            words = self._doc_words[position] = frozenset(tokens(self._doc_text(position)))
        found: list[str] = []
        covered: set[str] = set()
        for phrases in (contact.interests, contact.tags):
            for phrase in phrases:
                wanted = _field_tokens(phrase)
                if wanted and wanted <= words and not wanted <= covered:  # "data" adds nothing
                    found.append(phrase)                                  # to "data engineering"
                    covered |= wanted
            if found:
                break
        company = contact.company.strip()
        if len(company) >= 2 and _holds(self._company_docs(company), position):
            found.append(company)
        if not found and _field_tokens(contact.role) & words:
            found.append(contact.role)
        if not found and _field_tokens(contact.notes) & words:
            found.append("your notes")
        return found[:limit]

    def _contact_postings(self, contacts: Sequence[Contact]) -> _Postings:
        """Every contact's query inverted: (start of each token's postings, contact rows,
        weights), sorted by token id then row; and each contact's company name as
        :meth:`_company_docs` keys it. Cached per contact list.

        Built field by field from each distinct text's token ids (companies, roles, tags
        and interests repeat across contacts), not contact by contact; a token in several
        of one contact's fields is one posting with the fields' weights added. Those are
        sums of a few of 3, 2, 1.5, 1 and 0.5, exact in any order: the weights of
        :meth:`_query`, so the scores are the same sums."""
        key = tuple((c.id, *field_texts(c)) for c in contacts)
        if self._postings is not None and self._postings[0] == key:
            return self._postings[1]
        ids_of = index.token_ids((text for fields in key for text in fields[1:]), self.vocab)
        number = {text: i for i, text in enumerate(ids_of)}
        counts = np.array([len(ids) for ids in ids_of.values()], dtype=np.int64)
        firsts = np.cumsum(counts) - counts
        flat = np.fromiter((i for ids in ids_of.values() for i in ids), dtype=np.int64, count=int(counts.sum()))
        every_row = np.arange(len(key), dtype=np.int64)
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for column, weight in enumerate(FIELD_WEIGHTS.values(), start=1):  # key: (id, *fields)
            texts = np.fromiter((number[fields[column]] for fields in key), dtype=np.int64, count=len(key))
            lengths = counts[texts]
            parts.append((flat[_ranges(firsts[texts], lengths)], np.repeat(every_row, lengths),
                          np.full(int(lengths.sum()), weight, dtype=np.float64)))
        tokens_a = np.concatenate([p[0] for p in parts])
        rows_a = np.concatenate([p[1] for p in parts])
        weights_a = np.concatenate([p[2] for p in parts])
        order = np.lexsort((rows_a, tokens_a))  # by token id, then row
        tokens_a, rows_a, weights_a = tokens_a[order], rows_a[order], weights_a[order]
        if len(tokens_a):
            first = np.ones(len(tokens_a), dtype=bool)
            first[1:] = (tokens_a[1:] != tokens_a[:-1]) | (rows_a[1:] != rows_a[:-1])
            heads = np.flatnonzero(first)
            weights_a = np.add.reduceat(weights_a, heads)
            tokens_a, rows_a = tokens_a[heads], rows_a[heads]
        starts = np.searchsorted(tokens_a, np.arange(len(self._indptr) + 1))
        companies = [c.company.strip().casefold() if c.company and len(c.company.strip()) >= 2 else "" for c in contacts]
        postings = (starts, rows_a, weights_a, companies)
        self._postings = (key, postings)
        return postings

    def _doc_text(self, position: int) -> str:
        return self._folded[self._starts[position] : self._starts[position + 1] - 2]


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])``, array-wise."""
    total = int(lengths.sum()) if len(lengths) else 0
    if total == 0:
        return np.empty(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    return np.repeat(starts - ends + lengths, lengths) + np.arange(total, dtype=np.int64)


def _holds(sorted_positions: np.ndarray, position: int) -> bool:
    at = int(np.searchsorted(sorted_positions, position))
    return at < len(sorted_positions) and int(sorted_positions[at]) == position


def _top(scores: np.ndarray, k: int, ids: Sequence[str]) -> list[tuple[int, float]]:
    """Positions and rounded scores of the best ``k`` at or above ``MIN_SCORE``: highest
    score first, equal scores by id (so the cut at ``k`` never depends on array order)."""
    candidates = np.flatnonzero(scores >= MIN_SCORE)
    if len(candidates) > k:
        cutoff = np.partition(scores[candidates], len(candidates) - k)[len(candidates) - k]
        candidates = candidates[scores[candidates] >= cutoff]  # the k best and any tied with the k-th
    values = scores[candidates].tolist()
    ordered = sorted(zip(candidates.tolist(), values, strict=False), key=lambda item: (-item[1], ids[item[0]]))[:k]
    return [(i, round(value, 3)) for i, value in ordered]


def _timestamp(iso: str) -> float:
    if not iso:
        return 0.0
    try:
        moment = datetime.fromisoformat(iso)  # what the store writes; ~50x cheaper than arrow
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    except ValueError:
        pass
    try:
        return arrow.get(iso).timestamp()
    except (arrow.parser.ParserError, ValueError):
        return 0.0


_CACHE: dict[int, tuple[tuple[object, ...], Ranker]] = {}


def _cache_key(articles: list[Article], feeds: list[Feed], now: arrow.Arrow) -> tuple[object, ...]:
    return (
        len(articles),
        max((int(a.id[1:]) for a in articles if a.id[1:].isdigit()), default=0),
        tuple((f.id, tuple(f.tags)) for f in feeds),
        now.format("YYYY-MM-DD"),
    )


def ranker(store: Store, now: arrow.Arrow) -> Ranker:
    """A Ranker over the store's articles, rebuilt only when articles, feed tags or the day
    change (building indexes every article; querying is cheap)."""
    articles = store.articles()
    feeds = store.feeds()
    found = built_ranker(store, now)
    if found is not None:
        return found
    return install(store, now, articles, feeds, Ranker(articles, feeds, now, store))


def built_ranker(store: Store, now: arrow.Arrow) -> Ranker | None:
    """The ranker :func:`ranker` would return, if it is built already (else None: the
    caller may build it off the event loop with :class:`Ranker` and :func:`install`)."""
    return built_for(store, now, store.articles(), store.feeds())


def built_for(store: Store, now: arrow.Arrow, articles: list[Article], feeds: list[Feed]) -> Ranker | None:
    """:func:`built_ranker` for the articles and feeds read already (a thread reads no store)."""
    key = _cache_key(articles, feeds, now)
    cached = _CACHE.get(id(store))
    if cached is not None and cached[0] == key and cached[1].store is store:
        return cached[1]
    return None


def install(store: Store, now: arrow.Arrow, articles: list[Article], feeds: list[Feed],
            built: Ranker) -> Ranker:
    """Keep ``built`` (made from these ``articles`` and ``feeds``) as the store's ranker."""
    _CACHE.clear()  # one store per process in practice; never keep old ones alive
    _CACHE[id(store)] = (_cache_key(articles, feeds, now), built)
    return built
