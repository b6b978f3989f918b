"""Hostile feeds: nothing crashes, no control code or markup reaches the store, no local
file is read, no request goes to an entity's URL."""

from __future__ import annotations

import re

from crm_tui.config import Settings
from crm_tui.domain.models import Feed
from crm_tui.domain.text import html_to_text
from crm_tui.feeds.links import normalise, safe_to_open
from crm_tui.feeds.parse import parse_feed
from crm_tui.services import feeds as service

from .helpers import rss

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
NASTY = [
    "\x1b[31mred\x1b[0m title",
    "clip \x1b]52;c;ZXZpbA==\x07 board",
    "\x1b]0;title\x07 retitled",
    "link \x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "dcs \x1bP1$r0m\x1b\\ done",
    "c1 \x9b31m csi and \x9d0;x\x9c osc",
    "[/] [link=https://evil.example]x[/link] [@click=app.quit]boom[/]",
    "bidi \u202eevil\u202c and \u2066iso\u2069",
]


def all_strings(store):
    for a in store.articles():
        yield from (a.title, a.summary, a.author, a.link, *a.tags)
    for f in store.feeds():
        yield from (f.title, f.last_error or "", f.warning or "")


async def test_escape_sequences_and_markup_are_inert(store, now, tmp_path):
    items = [
        {"title": text, "link": f"https://example.org/{i}", "guid": f"g{i}", "description": f"<p>{text}</p><b>{text}</b>"}
        for i, text in enumerate(NASTY)
    ]
    path = tmp_path / "nasty.xml"
    path.write_bytes(rss(items, title="Feed \x1b]0;pwned\x07 [b]x[/b]"))
    store.add_feed(Feed(url=str(path)))
    summary = await service.refresh(store, Settings(), now)
    assert summary.new_articles == len(NASTY)
    for text in all_strings(store):
        assert not CONTROL.search(text), repr(text)
        assert "\x1b" not in text and "52;" not in text
    titles = {a.title for a in store.articles()}
    # markup-looking text survives as literal text (the UI never parses it as markup)
    assert "[/] [link=https://evil.example]x[/link] [@click=app.quit]boom[/]" in titles
    assert "clip board" in titles and "retitled" in titles


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>laughs</title>
<item><title>&lol9;</title><guid>x</guid><description>&lol9;</description></item>
</channel></rss>"""


def test_billion_laughs_does_not_expand():
    parsed = parse_feed(BILLION_LAUGHS)
    for entry in parsed.entries:
        assert len(entry.title) < 1000 and len(entry.summary) < 5000


def external_entity(target: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE rss [ <!ENTITY xxe SYSTEM "{target}"> ]>
<rss version="2.0"><channel><title>xxe</title>
<item><title>leak &xxe; here</title><guid>x</guid><description>&xxe;</description></item>
</channel></rss>""".encode()


def test_external_entity_file_is_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    parsed = parse_feed(external_entity(secret.as_uri()))
    assert all("TOP-SECRET" not in e.title + e.summary for e in parsed.entries)


def test_external_entity_url_is_not_fetched(httpserver):
    httpserver.expect_request("/x").respond_with_data("FETCHED")
    parsed = parse_feed(external_entity(httpserver.url_for("/x")))
    assert all("FETCHED" not in e.title + e.summary for e in parsed.entries)
    assert httpserver.log == []


def test_a_body_that_names_a_local_file_is_not_read(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_bytes(rss([{"title": "SECRET ENTRY", "guid": "s"}]))
    parsed = parse_feed(str(secret).encode())
    assert parsed.entries == [] and parsed.error


def test_only_web_links_are_kept_and_opened():
    parsed = parse_feed(
        rss(
            [
                {"title": "js", "link": "javascript:alert(1)", "guid": "1"},
                {"title": "file", "link": "file:///etc/passwd", "guid": "2"},
                {"title": "ok", "link": "https://example.org/a", "guid": "3"},
            ]
        )
    )
    assert [e.link for e in parsed.entries] == ["", "", "https://example.org/a"]
    assert safe_to_open("https://x.org/") and safe_to_open("http://x.org")
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "ftp://x.org", "", "https://"):
        assert not safe_to_open(bad)


def test_html_to_text():
    assert html_to_text("<p>a &amp; b</p><script>evil()</script><ul><li>one</li><li>two</li></ul>") == "a & b\n\n- one\n- two"
    assert html_to_text("5 < 6 and 7 > 3") == "5 < 6 and 7 > 3"
    # an unclosed comment runs to the end, as in HTML5 (was: "sa<!-- -- x >fe" kept as text)
    assert html_to_text("sa<!-- -- x >fe<script>alert(1)</script>") == "sa"
    assert html_to_text("safe<!--") == "safe"
    # <object>'s content is its fallback text, what a reader without plugins sees
    assert html_to_text('safe<object classid="x"> description') == "safe description"


def test_normalise_drops_tracking_and_fragment():
    assert normalise("HTTPS://Example.org:443/a?utm_source=x&id=3&utm_medium=y#top") == "https://example.org/a?id=3"
    assert normalise("http://example.org") == "http://example.org/"
