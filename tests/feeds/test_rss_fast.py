"""The RSS fast path gives exactly what feedparser gives, or declines.

Article identity (the guid), links, dates, summaries: a feed must read the same whichever
path one refresh takes, or the next refresh would see "new" articles.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from xml.sax.saxutils import escape, quoteattr

from crm_tui.feeds import parse as parse_module
from crm_tui.feeds.parse import parse_feed
from crm_tui.feeds.rss_fast import parse_rss

DC = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'
CONTENT = 'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
BASE = "http://127.0.0.1:8080/blog/feed.xml"


def doc(items: str, channel: str = "<title>A &amp; B</title>", declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return f'{declaration}<rss version="2.0" {DC} {CONTENT}><channel>{channel}{items}</channel></rss>'.encode()


def item(*parts: str) -> str:
    return "<item>" + "".join(parts) + "</item>"


def via_feedparser(body: bytes, headers: dict[str, str], base: str, monkeypatch: pytest.MonkeyPatch):
    with monkeypatch.context() as patch:
        patch.setattr(parse_module, "parse_rss", lambda *args: None)
        return parse_feed(body, headers, base)


CASES = {
    "plain": doc(item("<title>One</title><link>https://x.example/1?utm_source=rss&amp;a=1</link>"
                      "<guid>one</guid><pubDate>Sun, 01 Mar 2026 10:00:00 +0000</pubDate>"
                      "<description>&lt;p&gt;Hi &amp;amp; bye&lt;/p&gt;</description><category>python</category>"
                      "<category></category><category> data </category>")),
    "permalink guid, no link": doc(item("<title>t</title><guid>/posts/2</guid>")),
    "guid not a permalink": doc(item("<title>t</title><guid isPermaLink=\"false\">tag:x,2026:3</guid><link>p/3</link>")),
    "relative link": doc(item("<title>t</title><link>../p/4</link><guid>4</guid>")),
    "link then guid": doc(item("<link>https://x.example/5</link><guid>https://x.example/guid5</guid>")),
    "guid then link": doc(item("<guid>https://x.example/guid6</guid><link>https://x.example/6</link>")),
    "empty guid": doc(item("<title>t</title><guid></guid><description>no id</description>")),
    "nothing": doc(item("<description>only a summary</description>")),
    "content only": doc(item("<title>c</title><content:encoded>&lt;b&gt;body&lt;/b&gt;</content:encoded>")),
    "description then content": doc(item("<description>short</description><content:encoded>long</content:encoded>")),
    "empty description then content": doc(item("<description></description><content:encoded>long</content:encoded>")),
    "content then description": doc(item("<content:encoded>long</content:encoded><description>short</description>")),
    "dc": doc(item("<title>d</title><dc:creator> Jane Doe </dc:creator><dc:date>2026-02-27T08:00:00+01:00</dc:date>")),
    "dc creator with e-mail": doc(item("<dc:creator>jane@example.com (Jane)</dc:creator>")),
    "author element": doc(item("<author>jane@example.com (Jane)</author>")),
    "dates": doc(
        item("<guid>a</guid><pubDate>Mon, 2 Mar 2026 09:00:00 GMT</pubDate>")
        + item("<guid>b</guid><pubDate>2 Mar 2026 09:00 EST</pubDate>")
        + item("<guid>c</guid><pubDate>not a date</pubDate>")
        + item("<guid>d</guid><pubDate>2026-03-01T12:00:00Z</pubDate>")
        + item("<guid>e</guid><pubDate>Tue, 31 Feb 2026 09:00:00 +0000</pubDate>")
    ),
    "cdata and spaces": doc(item("<title>\n  <![CDATA[Spaced <i>out</i>]]>  </title><description><![CDATA[<p>x</p><script>alert(1)</script>]]></description>")),
    "controls and bidi": doc(item("<title>\u202eevil\u202c &#x9d;52;c;aGk=&#x9c; [bold]x[/bold]</title><guid>&#x9b;31m</guid>")),
    "escape sequences": doc(item("<title>&#x1b;]52;c;aGk=&#7; x</title>")),  # not XML 1.0 characters
    "cp1252 and mojibake": doc(item("<title>caf&#xc3;&#xa9; &#x93;quoted&#x94; &#x80;</title><description>na&#xef;ve</description>")),
    "nested markup": doc(item("<title>t</title><description><p>raw</p></description>")),
    "unknown element": doc(item("<title>t</title><media:title xmlns:media=\"http://search.yahoo.com/mrss/\">m</media:title>")),
    "ignored elements": doc(item("<title>t</title><comments>https://x/c</comments><enclosure url=\"https://x/a.mp3\" length=\"1\" type=\"audio/mpeg\"/>")),
    "repeated title": doc(item("<title>a</title><title>b</title>")),
    "doctype": b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x "y">]><rss version="2.0"><channel><title>&x;</title>'
               b"<item><title>&x;</title></item></channel></rss>",
    "comment": doc(item("<title>a<!-- hidden --></title>")),
    "xml:base": doc(item("<title>a</title><link xml:base=\"https://other.example/\">p</link>")),
    "latin-1": doc(item("<title>caf\u00e9</title>"), declaration='<?xml version="1.0" encoding="iso-8859-1"?>').decode().encode("latin-1"),
    "no declaration": doc(item("<title>x</title><guid>g</guid>"), declaration=""),
    "undefined entity": doc(item("<title>a&nbsp;b</title>")),
    "atom": b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>a</title><entry><id>x</id><title>t</title></entry></feed>',
    "rss 0.91": b'<?xml version="1.0"?><rss version="0.91"><channel><title>old</title><item><title>t</title></item></channel></rss>',
    "image title": doc(item("<title>i</title>"), channel="<image><title>logo</title><url>https://x/l.png</url></image><title>real</title>"),
    "dc title in channel": doc(item("<title>i</title>"), channel="<title>a</title><dc:title>b</dc:title>"),
    "not well formed": doc(item("<title>a</title>")).replace(b"</channel>", b""),
}
DECLINED = {
    "escape sequences",    "dc creator with e-mail", "author element", "content then description", "nested markup", "unknown element",
    "repeated title", "doctype", "comment", "xml:base", "latin-1", "undefined entity", "atom", "rss 0.91",
    "dc title in channel", "not well formed",
}
HEADERS = [{}, {"content-type": "application/rss+xml; charset=utf-8"}, {"content-type": "application/xml"},
           {"content-type": "text/xml"}, {"content-type": "application/rss+xml; charset=iso-8859-1"},
           {"content-type": "text/html"}, {"content-location": "https://moved.example/feed"}]


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("base", [BASE, ""])
def test_fast_path_matches_feedparser(name, base, monkeypatch):
    body = CASES[name]
    headers = {"content-type": "application/rss+xml"} if base else {}  # a web server, or a file
    assert (parse_rss(body, headers | ({"content-location": base} if base else {}), base) is None) == (name in DECLINED)
    assert parse_feed(body, headers, base) == via_feedparser(body, headers, base, monkeypatch)


@pytest.mark.parametrize("headers", HEADERS)
def test_headers_either_match_or_decline(headers, monkeypatch):
    for body in (CASES["plain"], CASES["cp1252 and mojibake"], CASES["no declaration"]):
        assert parse_feed(body, headers, BASE) == via_feedparser(body, headers, BASE, monkeypatch)
    assert parse_rss(CASES["plain"], {"content-type": "text/xml"}, BASE) is None


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(title=_TEXT, guid=_TEXT, link=_TEXT, summary=_TEXT, tag=_TEXT, creator=_TEXT, permalink=st.sampled_from(["", "true", "false"]))
def test_any_text_reads_the_same(title, guid, link, summary, tag, creator, permalink, monkeypatch_module):
    attr = f" isPermaLink={quoteattr(permalink)}" if permalink else ""
    body = doc(item(f"<title>{escape(title)}</title><guid{attr}>{escape(guid)}</guid><link>{escape(link)}</link>"
                    f"<description>{escape(summary)}</description><category>{escape(tag)}</category>"
                    f"<dc:creator>{escape(creator)}</dc:creator>"))
    headers = {"content-type": "application/rss+xml; charset=UTF-8"}
    assert parse_feed(body, headers, BASE) == via_feedparser(body, headers, BASE, monkeypatch_module)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_demo_rss_feeds_take_the_fast_path(monkeypatch):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    bodies = [p.read_bytes().replace(b"{{rfc822:-", b"Sun, 01 Mar 2026 1").replace(b"}}", b":00:00 +0000")
              for p in sorted((root / "data" / "demo" / "feeds").glob("*.xml"))]
    assert bodies
    for body in bodies:
        assert (parse_rss(body, {}, "") is not None) == (b"<rss" in body)
        assert parse_feed(body, {}, "") == via_feedparser(body, {}, "", monkeypatch)


_URL_ALPHABET = "abcXYZ019.-_~/:?&=#;%+@!$'()*,[] \\\t"
_BASES = ["", BASE, "https://example.org/a/b", "http://example.org", "feed.xml", "javascript:x"]


@settings(max_examples=300, deadline=None)
@given(scheme=st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "", "//", "http:///"]),
       rest=st.text(st.sampled_from(_URL_ALPHABET), max_size=30), base=st.sampled_from(_BASES))
def test_url_shortcut_is_feedparsers_join(scheme, rest, base):
    from feedparser.urls import _urljoin

    from crm_tui.feeds.rss_fast import _join

    assert _join(base, scheme + rest) == _urljoin(base, scheme + rest)


_DATES = [
    "Sun, 01 Mar 2026 10:00:00 +0000", "Mon, 2 Mar 2026 09:00:00 GMT", "Mon, 02 Mar 26 09:00 EST",
    "Mon, 2 Mar 2026 09:00:00", "Tue, 31 Feb 2026 09:00:00 +0000", "Sun, 01 Mar 2026 25:00:00 +0000",
    "Thu, 01 Jan 1970 00:00:00 Z", "Wed, 4 Mar 2026 9:5:3 -0830", "Fri, 2006/09/15 08:19:53 EDT",
    "Sun, 1 Marz 2026 10:00:00 +0000", "Sun, 01 Mar 2026", "2026-03-01T12:00:00Z", "Sun Jan  4 16:29:06 2004",
]


@settings(max_examples=200, deadline=None)
@given(value=st.one_of(st.sampled_from(_DATES), st.from_regex(r"[A-Za-z]{3}, \d[ -~]{0,30}", fullmatch=True)))
def test_date_shortcut_is_feedparsers_parse_date(value):
    from feedparser.datetimes import _parse_date

    from crm_tui.feeds.rss_fast import _date

    assert _date(value) == _parse_date(value)


_PIECES = [
    "<p>", "</p>", "<P>", "</P >", "<b>", "</b>", "<br>", "<br/>", "<br />", "<li>", "</li>", "<ul>", "</ul>",
    "<div class=\"x\">", "</div>", "<a href='https://x.example/?a=1&amp;b=2'>", "</a>", "<span data-x=1>", "</span>",
    "<h2>", "</h2>", "<p/>", "<img src=x alt='pic'>", "<script>alert(1)</script>", "<style>p{}</style>", "<!-- c -->",
    "<a title=\"x>y\">", "< p>", "</ p>", "</p class=x>", "<my-tag>", "<", ">", "&amp;", "&lt;b&gt;", "&#x1b;", "&nbsp;",
    "&bogus;", "&", "\n", "\t", "  ", "text", "Caf\u00e9", "\u202e", "\x1b[31m", "</br>", "<tr>", "</td>", "<br/ >",
]


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=14), limit=st.sampled_from([20, 2400]))
def test_simple_markup_reads_as_html_to_text_does(pieces, limit):
    from crm_tui.domain.text import html_to_text
    from crm_tui.feeds.parse import _html_text

    value = "".join(pieces)
    assert _html_text(value, limit) == html_to_text(value, limit)


@settings(max_examples=200, deadline=None)
@given(value=st.text(max_size=60), limit=st.sampled_from([5, 300]))
def test_clean_shortcuts_match_clean(value, limit):
    from crm_tui.domain.text import clean, html_to_text
    from crm_tui.feeds.parse import TITLE_CHARS, _clean, _html_text, _title

    assert _clean(value, limit) == clean(value, limit)
    assert _title(value) == clean(html_to_text(value), TITLE_CHARS)
    assert _html_text(value, limit) == html_to_text(value, limit)


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.text(max_size=60), st.text(st.sampled_from("ab \n\t\r.-\x1b\x85\u00a0é"), max_size=40)),
       limit=st.sampled_from([3, 2400]))
def test_multiline_shortcut_matches_clean_multiline(value, limit):
    from crm_tui.domain.text import clean_multiline
    from crm_tui.feeds.parse import _clean_multiline

    assert _clean_multiline(value, limit) == clean_multiline(value, limit)


_QUERY = st.text(st.sampled_from("utmUTM_=&+%5Fsrcab;?"), max_size=24)


@settings(max_examples=300, deadline=None)
@given(query=_QUERY, scheme=st.sampled_from(["http", "https"]), path=st.sampled_from(["", "/", "/a/b"]))
def test_dedupe_key_shortcut_matches_the_general_rule(query, scheme, path):
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    from crm_tui.feeds.links import normalise

    url = f"{scheme}://Example.org{path}?{query}"
    parts = urlsplit(url)
    expected = urlunsplit((scheme, "example.org", parts.path or "/", urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("utm_")]), ""))
    assert normalise(url) == expected
