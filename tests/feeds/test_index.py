"""The articles' index (crm_tui/feeds/index.py) is what its slow definitions give: the same
words as the regular expression, the same scores as bm25s's own index, the same token ids
as one contact field at a time; on text nobody on the team wrote (feedparser's test feeds)
and on generated text."""

from __future__ import annotations

import bm25s
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.feeds import index
from tests.corpora import corpus, files

FEEDS = files("feedparser", "*.xml")[:600]

# Letters, digits, ASCII punctuation, both apostrophes, accents, other scripts, dashes,
# odd spaces, underscores and control characters: every kind of piece the fast path splits.
ALPHABET = st.sampled_from([*list("ab zZ09'’_-.,;:!?()\"\t\n\xa0\u2003éßİΣσςк日本—…\x00\x1b\x7f\u200b"), "don't", "café", "'s"])
TEXTS = st.lists(ALPHABET, max_size=40).map("".join)


def _messy_docs() -> list[str]:
    docs = [path.read_text("utf-8", "replace") for path in FEEDS]
    return [*docs, "", "the a of", "Don't stop — café’s naïve résumé", "x_y __init__ 3.14 O'Brien ’quoted’", "日本語のテキスト"]


REACHED = {"plain": 0, "looked at": 0}


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def _same_words(text: str) -> None:
    folded = text.casefold()
    assert index.words(folded) == index.WORD.findall(folded)
    REACHED["plain" if folded.isascii() and "'" not in folded else "looked at"] += 1


def test_words_are_the_expressions_words():
    _same_words()
    assert REACHED["plain"] >= 20 and REACHED["looked at"] >= 100, REACHED  # both paths taken
    for doc in _messy_docs():
        assert index.words(doc.casefold()) == index.WORD.findall(doc.casefold())


def _by_token(bm25: bm25s.BM25) -> dict[tuple[str, int], float]:
    name = {i: token for token, i in bm25.vocab_dict.items()}
    data, indices, indptr = bm25.scores["data"], bm25.scores["indices"], bm25.scores["indptr"]
    return {(name[t], int(d)): float(v) for t in range(len(indptr) - 1)
            for d, v in zip(indices[indptr[t]:indptr[t + 1]], data[indptr[t]:indptr[t + 1]], strict=True)}


def test_the_index_is_bm25s_own_value_for_value():
    docs = _messy_docs()
    built = index.build(docs)
    reference = bm25s.BM25()
    reference.index([index.tokens(d) or [index.EMPTY] for d in docs], show_progress=False)
    ours = _by_token(built)
    assert ours == _by_token(reference)  # exact: the same float32 scores
    assert (index.EMPTY, len(FEEDS)) in ours and (index.EMPTY, len(FEEDS) + 1) in ours  # no words, stop words only
    # Document-major, the same matrix: each document's tokens ascending, the same values.
    starts, tokens, values = built.by_doc
    name = {i: token for token, i in built.vocab_dict.items()}
    for doc in range(len(docs)):
        lo, hi = starts[doc], starts[doc + 1]
        assert list(tokens[lo:hi]) == sorted(tokens[lo:hi])
        assert {(name[int(t)], doc): float(v) for t, v in zip(tokens[lo:hi], values[lo:hi], strict=True)} == \
            {key: v for key, v in ours.items() if key[1] == doc}
    # Token ids follow the sorted stems: any process numbers them alike.
    stems = [t for t in built.vocab_dict if t not in (index.EMPTY, "")]
    assert [built.vocab_dict[t] for t in stems] == sorted(built.vocab_dict[t] for t in stems)
    assert stems == sorted(stems)


def test_real_feeds_were_indexed():
    corpus("feedparser")  # (under CI the corpus must be there: the tests above used it)
    assert len(FEEDS) >= 500


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXTS, max_size=12))
def test_token_ids_are_each_fields_tokens(texts):
    vocab = {stem: i for i, stem in enumerate(["dont", "cafe", "café", "zz", "ab", "09", "к", "日本", "s"])}
    found = index.token_ids(texts, vocab)
    assert set(found) == set(texts)
    for text in texts:
        expected = {vocab[t] for t in index.field_tokens(text) if t in vocab}
        assert sorted(found[text]) == sorted(expected)
