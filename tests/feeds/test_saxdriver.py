"""feedparser parses through crm_tui.feeds.saxdriver (expat with its text buffered): the
same results as through the standard library's expat reader, on our feeds and on
feedparser's own corpus of ~1,750 well- and ill-formed feeds."""

from __future__ import annotations

import io
import xml.sax
from contextlib import contextmanager

import feedparser
import pytest

from crm_tui.feeds import parse, saxdriver
from tests.corpora import files
from tests.feeds.helpers import rss

FEEDS = files("feedparser", "*.xml") + files("feedparser", "*.rdf")


@contextmanager
def drivers(names: list[str]):
    chosen = feedparser.api.PREFERRED_XML_PARSERS
    before = list(chosen)
    chosen[:] = names
    try:
        yield
    finally:
        chosen[:] = before


def _both(body: bytes, **options) -> tuple[dict, dict]:
    results = []
    for names in ([], ["crm_tui.feeds.saxdriver"]):
        with drivers(names):
            data = feedparser.parse(io.BytesIO(body), resolve_relative_uris=False, sanitize_html=False, **options)
        problem = data.pop("bozo_exception", None)
        data["bozo_exception"] = f"{type(problem).__name__}: {problem}" if problem is not None else None
        results.append(data)
    return results[0], results[1]


def test_parse_uses_the_buffered_driver():
    assert feedparser.api.PREFERRED_XML_PARSERS == ["crm_tui.feeds.saxdriver"]
    made = xml.sax.make_parser(feedparser.api.PREFERRED_XML_PARSERS)
    assert isinstance(made, saxdriver.BufferedExpatParser)
    made.setContentHandler(xml.sax.ContentHandler())
    made.feed(b"<a>x</a>")
    assert made._parser.buffer_text is True


def test_text_in_many_pieces_arrives_whole_and_parses_the_same():
    summary = "&lt;p&gt;Notes on &lt;b&gt;python&lt;/b&gt; &amp;amp; more&lt;/p&gt;\n" * 50
    items = [{"title": f"Item &amp; {i}", "link": f"https://example.com/{i}?a=1&amp;b=2",
              "guid": f"g{i}", "description": summary, "pubDate": "Mon, 02 Mar 2026 10:00:00 +0000"}
             for i in range(20)]
    body = rss(items)
    stock, ours = _both(body)
    assert ours == stock
    assert len(ours["entries"]) == 20
    assert "python" in ours["entries"][0]["summary"]
    with drivers([]):
        unbuffered = parse.parse_feed(body)
    assert parse.parse_feed(body) == unbuffered

    pieces: list[int] = []

    class Counter(xml.sax.ContentHandler):
        def characters(self, content: str) -> None:
            pieces.append(len(content))

    for names in ([], ["crm_tui.feeds.saxdriver"]):
        reader = xml.sax.make_parser(names)
        reader.setContentHandler(Counter())
        reader.parse(io.BytesIO(body))
        pieces.append(-1)
    split = pieces.index(-1)
    assert sum(pieces[:split]) == sum(pieces[split + 1 : -1])  # the same text...
    assert len(pieces[split + 1 : -1]) * 10 < split  # ...in far fewer calls


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_corpus_parses_the_same_buffered(path):
    body = path.read_bytes()
    stock, ours = _both(body)
    assert ours == stock, path.name
