"""Feed bytes -> plain, cleaned article fields. Pure and picklable: runs in worker processes.

feedparser is only ever given bytes wrapped in ``io.BytesIO``: handed a bare ``bytes`` or
``str`` it treats it as a file name or URL when it can, and would read a local file or make
a request with no timeout (its own docstring warns). We fetch the bytes ourselves.

XML safety (verified in tests/feeds/test_hostile.py): feedparser strips the DOCTYPE and keeps
only entity declarations whose value is literal text (no ``&`` references, no SYSTEM/PUBLIC),
so neither a billion-laughs nest nor an external entity survives to the parser; expat
(2.4+) would refuse the amplification anyway and Python's sax reader leaves external general
entities off. We therefore do not pre-screen bytes with defusedxml for feeds (OPML is a
different path and does use defusedxml).

Nothing HTML survives: summaries become plain text (``html_to_text``) and every string goes
through ``crm_tui.domain.text.clean*``. feedparser's own HTML sanitiser and relative-URI
rewriting are switched off: their output would be thrown away, and they double the cost.

Every feed goes through feedparser, as the feeds issue asks. A hand-written RSS 2.0 fast
path (defusedxml ElementTree, ~4x less CPU) was tried and removed: it did not bring the
refresh within its goal either, and it re-implemented what feedparser is for, using four
of its private helpers. It is in the history (d14006d) should the question come back.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import urljoin

import feedparser

from crm_tui.domain.text import (
    _BLOCKS,
    _SKIP,
    clean,
    clean_list,
    clean_multiline,
    html_to_text,
)
from crm_tui.feeds import saxdriver  # noqa: F401  (imported before the pool forks: see below)
from crm_tui.feeds.bounds import MAX_ENTRIES, MAX_TAGS, PARSE_SECONDS, ParseTimeout, deadline, trim_entries
from crm_tui.feeds.links import web_key

# feedparser asks SAX for libxml2's driver first (PREFERRED_XML_PARSERS), which means a
# failed import of drv_libxml2 on every body (~1.5 ms each) and, were it installed, a parser
# other than the expat whose entity handling the docstring above relies on: expat only,
# through the standard library's reader with expat's text buffering on (saxdriver: the
# same text in far fewer callbacks, ~12% less CPU on the bench's feeds).
feedparser.api.PREFERRED_XML_PARSERS[:] = ["crm_tui.feeds.saxdriver"]

SUMMARY_CHARS = 1200  # enough for ranking and a preview; the link has the rest
TITLE_CHARS = 300


@dataclass
class ParsedEntry:
    ident: str  # identity within the feed: guid, else link, else hash of title+summary
    title: str
    link: str  # http(s) only, else ""
    summary: str
    author: str
    tags: list[str]
    published: float  # POSIX seconds (UTC); clamped and defaulted by the caller
    dated: bool  # False when the feed gave no usable date
    link_key: str = ""  # the normalised link (dedupe across feeds), computed here, off the loop


@dataclass
class ParsedFeed:
    title: str = ""
    entries: list[ParsedEntry] = field(default_factory=list)
    warning: str | None = None  # kept despite a problem (bozo feed with entries)
    known: int = 0  # entries left out because the caller already has them (see parse_feed)
    error: str | None = None  # nothing usable


def parse_feed(
    body: bytes,
    headers: dict[str, str] | None = None,
    base_url: str = "",
    known: frozenset[str] = frozenset(),
    seconds: float = PARSE_SECONDS,
) -> ParsedFeed:
    """Parse one feed body. Never raises for bad input: problems land in ``error``.

    ``known``: identities (``ParsedEntry.ident``) of this feed's entries already stored.
    Those entries are only counted (``ParsedFeed.known``), not converted: a changed feed
    usually repeats most of what it had, and the summary conversion is the costly part.
    ``seconds``: the time limit, enforced in a process's main thread only (callers in a
    thread use :func:`crm_tui.feeds.subparse.parse_bounded`).
    """
    if not body or not body.strip():
        return ParsedFeed(error="empty response (no feed in it)")
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    # Relative entry links are resolved here, against the feed's address (or a
    # Content-Location it was sent with), not by feedparser: given a base, it joins it
    # with every element's xml:base, a third of its time on ordinary feeds (measured:
    # 50 bodies x 100 entries, ~1.0 s of CPU with a base, ~0.6 s without).
    located = response_headers.pop("content-location", "")
    base = urljoin(base_url, located) if located else base_url
    body, cut = trim_entries(body)
    if body.count(b"<") > MAX_TAGS:
        return ParsedFeed(error=f"not parsed: more than {MAX_TAGS:,} tags (a broken or hostile feed)")
    if _utf8_despite_its_label(body):
        # Bytes that are valid UTF-8 (and not plain ASCII) are UTF-8, whatever the XML
        # declaration or the server says ("Euro \u20ac" declared windows-1252 would read
        # "Euro \u00e2\u201a\u00ac"): the HTTP charset outranks the declaration in
        # feedparser (RFC 3023), so say it there. Miniflux decides the same way.
        response_headers["content-type"] = "application/xml; charset=utf-8"
    try:
        with deadline(seconds):
            data = feedparser.parse(
                io.BytesIO(body),
                response_headers=response_headers,
                resolve_relative_uris=False,
                sanitize_html=False,
            )
    except ParseTimeout as exc:
        return ParsedFeed(error=str(exc))
    except Exception as exc:  # feedparser is loose; a crash in it must not stop a refresh
        return ParsedFeed(error=f"could not parse: {clean(type(exc).__name__)}: {clean(exc, 200)}")
    raw = data.get("entries", [])
    total = len(raw) + cut
    if len(raw) > MAX_ENTRIES:
        raw = sorted(raw, key=_stamp, reverse=True)[:MAX_ENTRIES]
    entries, skipped = _entries(raw, known, base)
    problem = None
    if data.get("bozo"):
        problem = clean(f"{type(data.get('bozo_exception')).__name__}: {data.get('bozo_exception')}", 200)
    title = clean(html_to_text(data.get("feed", {}).get("title", "")), TITLE_CHARS)
    if not entries and not skipped and not data.get("version"):
        detail = problem or "no RSS or Atom root element; an HTML page?"
        return ParsedFeed(title=title, error=f"not a feed ({detail})")
    count = len(entries) + skipped
    warning = f"feed is not well-formed, kept its {count} entries ({problem})" if problem and count else None
    if total > count:
        capped = f"took the newest {count} of its {total} entries"
        warning = f"{warning}; {capped}" if warning else capped
    return ParsedFeed(title=title, entries=entries, warning=warning, known=skipped)


def _utf8_despite_its_label(body: bytes) -> bool:
    """Whether ``body`` is non-ASCII, valid UTF-8 and not UTF-16/32 (no NUL, no BOM of
    theirs): legacy single-byte text almost never decodes as UTF-8 by chance."""
    if body.isascii() or b"\x00" in body or body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# FeedParserDict.get maps legacy key names (guid, description...) at ~1 us a call; the names
# read here are feedparser's own, stored as they are, so the plain dict lookup is the same.
_get = dict.get


def _stamp(entry: Any) -> tuple[int, ...]:
    stamp = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    return tuple(stamp[:6]) if stamp else ()


def _entries(raw: list[Any], known: frozenset[str], base: str = "") -> tuple[list[ParsedEntry], int]:
    entries: list[ParsedEntry] = []
    skipped = 0
    for entry in raw:
        if known and _known_ident(entry, base) in known:
            skipped += 1
        else:
            entries.append(_entry(entry, base))
    return entries, skipped


def _known_ident(entry: Any, base: str = "") -> str | None:
    """The entry's identity as :func:`_entry` computes it, when that is cheap (guid or
    link); None for entries identified by a hash of their text (always converted)."""
    guid = _clean(_get(entry, "id", ""), 2000)
    if guid:
        return guid
    link = _link(entry, base)
    return link if link and web_key(link) is not None else None


def _link(entry: Any, base: str) -> str:
    """The entry's link, made absolute against ``base`` when it is relative."""
    link = _clean(_get(entry, "link", ""), 2000)
    if link and base and not link.startswith(("http://", "https://")):
        try:
            link = urljoin(base, link)
        except ValueError:
            return ""
    return link


def _clean(value: object, limit: int) -> str:
    """``clean(value, limit)``; printable ASCII (most feed fields) skips its regexes and
    normalisation, which leave such text as it is, bar runs of spaces (same result)."""
    if isinstance(value, str) and value.isascii() and value.isprintable():
        return " ".join(value.split())[:limit]
    return clean(value, limit)


# A start or end tag with a plain name and well-quoted attributes (no < or > inside).
_SIMPLE_TAG = re.compile(
    r"""<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'=<>`]+))?)*)\s*(/?)>"""
)


def _html_text(value: str, max_length: int) -> str:
    """``html_to_text(value, max_length)``; markup made only of simple tags (most feed
    summaries: p, a, b, br, li...) is read with one regex instead of HTMLParser (~4x
    cheaper), doing what ``_TextExtractor`` does for each tag. Anything else (comments,
    script or style, img, a stray ``<``, odd end tags) goes to ``html_to_text``."""
    if "<" not in value:
        return html_to_text(value, max_length)
    parts: list[str] = []
    position = 0
    for match in _SIMPLE_TAG.finditer(value):
        text = value[position : match.start()]
        if "<" in text:
            return html_to_text(value, max_length)
        if text:
            parts.append(unescape(text).replace("\n", " "))
        closing, name, attributes, slash = match.groups()
        name = name.lower()
        if name in _SKIP or name == "img":
            return html_to_text(value, max_length)
        if closing:
            if attributes or slash:
                return html_to_text(value, max_length)
            if name in _BLOCKS and name != "li":
                parts.append("\n\n")
        elif name == "br":
            parts.append("\n")
        elif name == "li":
            parts.append("\n- ")
        elif name in _BLOCKS:
            parts.append("\n\n")
        position = match.end()
    tail = value[position:]
    if "<" in tail:
        return html_to_text(value, max_length)
    parts.append(unescape(tail).replace("\n", " "))
    return _clean_multiline("".join(parts), max_length)


_BLANK_LINES = re.compile(r"\n{3,}")


def _clean_multiline(value: str, max_length: int) -> str:
    """``clean_multiline(value, max_length)``; printable ASCII lines skip its control and
    escape regexes and normalisation, which leave such text as it is (same result)."""
    if value.isascii() and value.replace("\n", "").isprintable():
        lines = "\n".join(" ".join(line.split()) for line in value.split("\n"))
        return _BLANK_LINES.sub("\n\n", lines).strip()[:max_length]
    return clean_multiline(value, max_length)


def _title(value: object) -> str:
    """``clean(html_to_text(value), TITLE_CHARS)``, skipping both for plain ASCII text."""
    if isinstance(value, str) and "<" not in value and "&" not in value:
        return _clean(value, TITLE_CHARS)
    return clean(html_to_text(value), TITLE_CHARS)


def _entry(entry: Any, base: str = "") -> ParsedEntry:
    title = _title(_get(entry, "title", ""))
    raw_summary = _get(entry, "summary") or ""
    if not raw_summary and _get(entry, "content"):
        raw_summary = _get(entry["content"][0], "value", "")
    summary = _html_text("" if raw_summary is None else str(raw_summary), SUMMARY_CHARS * 2)
    if len(summary) > SUMMARY_CHARS:
        summary = summary[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " ..."
    link = _link(entry, base)
    link_key = web_key(link)
    if link_key is None:
        link = link_key = ""
    guid = _clean(_get(entry, "id", ""), 2000)
    if guid:
        ident = guid
    elif link:
        ident = link
    else:
        digest = hashlib.sha1(f"{title}\n{summary}".encode()).hexdigest()
        ident = f"sha1:{digest}"
    # dict.get: feedparser's own get() maps a missing updated_parsed to published_parsed,
    # with a DeprecationWarning; that is the value tried first anyway.
    stamp = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    published = float(calendar.timegm(stamp)) if stamp else 0.0
    tags = clean_list(_get(t, "term") or _get(t, "label") for t in _get(entry, "tags", []) or [])
    return ParsedEntry(
        ident=ident,
        title=title or "(untitled)",
        link=link,
        summary=summary,
        author=_clean(_get(entry, "author", ""), 200),
        tags=tags,
        published=published,
        dated=bool(stamp),
        link_key=link_key,
    )
