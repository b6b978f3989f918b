"""The articles' BM25 index: their words, stemmed (Snowball), and bm25s's scores.

Building it is most of the first visit to Articles at 5,000 articles (3 MB of text), so
the two slow steps are done array-wise here:

- **Words.** A regular expression over every character cost 0.27 s for 3 MB. ASCII
  punctuation is turned into spaces with ``bytes.translate`` and the text split, in a
  fifth of that; only pieces that are not plain ASCII letters and digits (an apostrophe,
  an accent, a dash from another script) go through the expression, which stays the
  definition of a word: the result is the same list (``tests/feeds/test_index.py``).
- **Scores.** ``bm25s.BM25.index`` counts each document's terms with a ``Counter``, one
  document at a time (0.24 s). :class:`_BM25` overrides its ``build_index_from_ids``, the
  hook bm25s names for building the index differently: term counts for all documents at
  once with ``numpy.unique``, then bm25s's own idf and term-frequency functions and its
  own CSC builder, so the score matrix is the one bm25s builds, value for value (the same
  test compares them).

Token ids follow the sorted stems (``EMPTY`` last), so every process numbers them alike.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import bm25s
import numpy as np
import Stemmer
from bm25s import scoring
from bm25s.stopwords import STOPWORDS_EN

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)  # what a word is
EMPTY = "\x00empty"  # the one token of an article with no words (bm25s needs one)
_STOP = frozenset(STOPWORDS_EN)
_STEMMER = Stemmer.Stemmer("english")
# ASCII bytes that are never part of a word become spaces (bytes 128+ and the apostrophe
# stay: they are looked at by WORD).
_SPACES = bytes(i if i >= 128 or chr(i).isalnum() or chr(i) == "'" else 32 for i in range(256))

_SPACES_BUT_NUL = b"\x00" + _SPACES[1:]  # (NUL kept: it separates texts)

_STEMS: dict[str, str] = {}  # word -> its stem, "" for a stop word or a single letter
_STEMS_MAX = 200_000


def _spaced(folded: str, table: bytes = _SPACES) -> str:
    return folded.encode("utf-8", "surrogatepass").translate(table).decode("utf-8", "surrogatepass")


def _words_in(spaced: str) -> list[str]:
    pieces = spaced.split()
    if spaced.isascii() and "'" not in spaced:
        return pieces  # every piece is ASCII letters and digits: a word
    found: list[str] = []
    for piece in pieces:
        if piece.isascii() and piece.isalnum():
            found.append(piece)
        else:
            found += WORD.findall(piece)
    return found


def words(folded: str) -> list[str]:
    """``WORD.findall(folded)``, a few times faster on mostly-ASCII text."""
    return _words_in(_spaced(folded))


def _learn(found: Iterable[str]) -> dict[str, str]:
    """Stem the words not stemmed yet; the stems (word -> stem) with every one of them."""
    stems = _STEMS
    if len(stems) > _STEMS_MAX:
        stems.clear()
    new = [w for w in set(found) if w not in stems]
    if new:
        for word, stem in zip(new, _STEMMER.stemWords(new), strict=True):
            stems[word] = "" if word in _STOP or len(word) < 2 else stem
    return stems


def tokens(text: str) -> list[str]:
    """The text's stemmed words, stop words and single letters left out. Each distinct
    word is stemmed once per process: 5,000 articles and 10,000 contacts' notes use a few
    thousand words, so indexing them mostly looks stems up."""
    found = words(text.casefold())
    return [t for t in map(_learn(found).__getitem__, found) if t]


@functools.lru_cache(maxsize=32_768)
def field_tokens(text: str) -> frozenset[str]:
    """A contact field's distinct tokens. Companies, roles and interests repeat across
    contacts, so most look-ups skip the tokenizer and stemmer."""
    return frozenset(tokens(text))


def token_ids(texts: Iterable[str], vocab: Mapping[str, int]) -> dict[str, list[int]]:
    """Each text's distinct tokens (:func:`field_tokens`) that ``vocab`` holds, as ids;
    all texts at once (10,000 contacts' fields: 15,000 texts, a tenth of the time)."""
    found: dict[str, list[int]] = {}
    distinct = list(dict.fromkeys(texts))
    texts = [t for t in distinct if "\x00" not in t]
    for text in distinct:  # (never in cleaned text; it separates the texts here)
        if "\x00" in text:
            found[text] = [i for i in map(vocab.get, field_tokens(text)) if i is not None]
    if texts:
        spaced = _spaced("\x00".join(texts).casefold(), _SPACES_BUT_NUL)
        pieces = spaced.split("\x00")
        if spaced.isascii() and "'" not in spaced:
            each = [piece.split() for piece in pieces]  # (as _words_in, without a call each)
        else:
            each = [_words_in(piece) for piece in pieces]
        every_word = {w for ws in each for w in ws}
        stems = _learn(every_word)
        id_of = {w: vocab.get(stems[w]) if stems[w] else None for w in every_word}
        for text, ws in zip(texts, each, strict=True):
            ids = set(map(id_of.__getitem__, ws))
            ids.discard(None)
            found[text] = list(ids)  # type: ignore[arg-type]
    return found


@dataclass
class _Flat:
    """Every document's tokens at once: ``docs[i]`` holds token ``ids[i]``."""

    docs: np.ndarray
    ids: np.ndarray
    lengths: np.ndarray


@dataclass
class _Corpus:  # what bm25s.BM25.index takes as "an object with ids and vocab"
    ids: _Flat
    vocab: dict[str, int]


class _BM25(bm25s.BM25):
    """bm25s's BM25, its index built for all documents at once (see the module docstring).
    Also keeps the matrix document-major (``by_doc``): one article's terms are a slice."""

    by_doc: tuple[np.ndarray, np.ndarray, np.ndarray]  # (start of each doc, token ids, scores)

    def build_index_from_ids(self, unique_token_ids: Any, corpus_token_ids: Any,
                             show_progress: bool = True, leave_progress: bool = False) -> dict[str, Any]:
        if not isinstance(corpus_token_ids, _Flat) or self.method in self.methods_requiring_nonoccurrence:
            return super().build_index_from_ids(unique_token_ids, corpus_token_ids, show_progress, leave_progress)
        flat = corpus_token_ids
        n_docs, n_vocab = len(flat.lengths), len(unique_token_ids)
        avg_doc_len = flat.lengths.mean()
        # Each (document, token) once, by document then token, with its count.
        pairs, counts = np.unique(flat.docs * n_vocab + flat.ids, return_counts=True)
        doc_idx, vocab_idx = pairs // n_vocab, pairs % n_vocab
        doc_frequencies = dict(enumerate(np.bincount(vocab_idx, minlength=n_vocab).tolist()))
        idf_array = scoring._build_idf_array(doc_frequencies=doc_frequencies, n_docs=n_docs,
                                             compute_idf_fn=scoring._select_idf_scorer(self.idf_method),
                                             dtype=self.dtype)
        tfc = scoring._select_tfc_scorer(self.method)(
            tf_array=counts.astype(self.dtype), l_d=flat.lengths[doc_idx], l_avg=avg_doc_len,
            k1=self.k1, b=self.b, delta=self.delta)
        scores_flat = (idf_array[vocab_idx] * tfc).astype(self.dtype)
        self.by_doc = (np.searchsorted(doc_idx, np.arange(n_docs + 1)), vocab_idx, scores_flat)
        int_dtype = np.dtype(self.int_dtype)
        data, indices, indptr = self._np_csc(data=scores_flat, rows=doc_idx.astype(int_dtype),
                                             cols=vocab_idx.astype(int_dtype), shape=(n_docs, n_vocab))
        return {"data": data.astype(self.dtype), "indices": indices, "indptr": indptr, "num_docs": n_docs}


def build(docs: list[str]) -> _BM25:
    """The BM25 index of ``docs`` (``vocab_dict``: stem -> token id; ``scores``: bm25s's
    token-major matrix; ``by_doc``: the same, document-major)."""
    everything: list[str] = []
    counts: list[int] = []
    for doc in docs:
        found = words(doc.casefold())
        everything += found
        counts.append(len(found))
    distinct = set(everything)
    stems = _learn(distinct)
    stem_of = {w: stems[w] for w in distinct}
    vocab = {stem: i for i, stem in enumerate(sorted({s for s in stem_of.values() if s}))}
    id_of = {w: vocab.get(s, -1) if s else -1 for w, s in stem_of.items()}
    ids = np.fromiter(map(id_of.__getitem__, everything), dtype=np.int64, count=len(everything))
    doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), counts)
    keep = ids >= 0
    ids, doc_of = ids[keep], doc_of[keep]
    lengths = np.bincount(doc_of, minlength=len(docs))
    empty = np.flatnonzero(lengths == 0)
    if len(empty):  # one EMPTY token each, at its place in document order
        vocab[EMPTY] = len(vocab)
        at = np.searchsorted(doc_of, empty)
        ids = np.insert(ids, at, vocab[EMPTY])
        doc_of = np.insert(doc_of, at, empty)
        lengths[empty] = 1
    index = _BM25()
    index.index(_Corpus(_Flat(doc_of, ids, lengths), vocab), show_progress=False)
    return index
