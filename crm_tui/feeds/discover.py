"""Find the feed behind a blog's address (issue 18): paste a page, get its feed.

1. An address without a scheme (``example.com/blog``) means https, unless it names a file
   that exists or looks like a path (``/``, ``./``, ``~``): those are local feed files.
2. The page is fetched by the feed fetcher (same limits: size cap read as a stream, time
   outs, at most 5 redirects, the SSRF guard). If it is a feed itself, that is the answer.
3. An HTML page is read with the standard library's HTML parser (never regexes) for
   ``<link rel="alternate" type="application/rss+xml|atom+xml|feed+json" href=...>``;
   relative hrefs are resolved against ``<base href>`` or the page's final address. Only
   http(s) candidates are kept (``file:``, ``javascript:``, ``data:``... refused and
   counted), a link back to the page itself is dropped, duplicates too, and at most
   :data:`MAX_CANDIDATES` are listed.
4. No link: the usual paths (``/feed``, ``/rss.xml``, ``/atom.xml``, ``/index.xml``,
   ``/feed.xml``, under the page's folder first when it has one) are fetched and each
   answer is checked to be a feed.
5. Nothing: :class:`DiscoveryError` names every address tried and why it was not a feed.

The caller picks among the candidates (CLI: ``--first`` or the list; TUI: a choice) and
:func:`check_feed` fetches the chosen one and parses it before anything is subscribed. A
page served from a public address chooses its links, not the user: they (and the usual
paths) may only lead to public addresses (see :mod:`crm_tui.feeds.netguard`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from crm_tui.config import FeedSettings
from crm_tui.domain.text import clean
from crm_tui.feeds.fetch import Fetcher, FetchRequest, FetchResult
from crm_tui.feeds.links import is_web, normalise, safe_to_open

if TYPE_CHECKING:
    import httpx

FEED_TYPES = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/feed+json": "JSON Feed",
    "application/json": "JSON Feed",  # JSON Feed 1.0 pages often say only this
    "application/rdf+xml": "RSS 1.0",
}
USUAL_PATHS = ("feed", "rss.xml", "atom.xml", "index.xml", "feed.xml")
MAX_CANDIDATES = 20
# <link> elements read at most: a page of a million of them is a hostile page.
MAX_LINKS = 5000
_CHUNK = 64 * 1024


class DiscoveryError(Exception):
    """No feed found (or the page could not be read); the message says what was tried."""


@dataclass
class Candidate:
    url: str
    title: str = ""
    kind: str = ""  # "RSS", "Atom", "JSON Feed"; "" when only known by its answer


@dataclass
class Discovery:
    page: str  # where the page finally came from
    candidates: list[Candidate] = field(default_factory=list)
    more: int = 0  # candidates beyond MAX_CANDIDATES, not listed
    refused: list[str] = field(default_factory=list)  # non-http links on the page
    is_feed: bool = False  # the address was a feed itself
    public: bool = False  # the page came from a public server: its links may only lead to public ones


def web_address(value: str) -> str | None:
    """``value`` as an http(s) URL to discover from, or None when it names a local file.

    Raises ValueError for other schemes (file:, javascript:, data:, ftp:, feed:...).
    """
    value = value.strip()
    if not value:
        raise ValueError("an address is required")
    if is_web(value):
        if not safe_to_open(value):
            raise ValueError(f"{value!r} is not a usable http(s) address")
        return value
    lowered = value.lower()
    if "://" in value or lowered.startswith(("file:", "data:", "javascript:", "feed:", "mailto:")):
        raise ValueError(f"{value!r}: only http(s) addresses or local feed files can be subscribed")
    if value.startswith(("/", "./", "../", "~")) or Path(value).expanduser().is_file():
        return None
    url = f"https://{value}"
    if not safe_to_open(url) or " " in value:
        raise ValueError(f"{value!r} is neither a web address nor a local file")
    return url


class _LinkFinder(HTMLParser):
    """Collects ``<base href>`` and feed ``<link rel=alternate>`` elements; nothing else."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[tuple[str, str, str]] = []  # (href, type, title)
        self.seen = 0
        self.in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.in_body = True
        elif tag == "base" and self.base is None:
            href = dict(attrs).get("href")
            if href:
                self.base = href.strip()
        elif tag == "link":
            self.seen += 1
            if self.seen > MAX_LINKS:
                return
            values = {k.lower(): (v or "") for k, v in attrs}
            rels = values.get("rel", "").lower().split()
            kind = values.get("type", "").lower().split(";")[0].strip()
            href = values.get("href", "").strip()
            if "alternate" in rels and kind in FEED_TYPES and href:
                self.links.append((href, kind, values.get("title", "")))

    handle_startendtag = handle_starttag


def find_links(html: str, page_url: str) -> Discovery:
    """The feed candidates an HTML page declares (pure: no network)."""
    finder = _LinkFinder()
    try:
        # Fed in pieces: once the body has started and the head declared a feed, the rest
        # of the page (possibly megabytes of hostile markup) is not read.
        for start in range(0, len(html), _CHUNK):
            finder.feed(html[start : start + _CHUNK])
            if finder.in_body and finder.links:
                break
        else:
            finder.close()
    except (AssertionError, ValueError):  # HTMLParser is lenient; be sure anyway
        pass
    base = urljoin(page_url, finder.base) if finder.base and safe_to_open(urljoin(page_url, finder.base)) else page_url
    found = Discovery(page=page_url)
    keys = {normalise(page_url)}
    for href, kind, title in finder.links:
        try:
            url = urljoin(base, href)
        except ValueError:
            found.refused.append(clean(href, 100))
            continue
        if not safe_to_open(url):
            found.refused.append(clean(href, 100))
            continue
        key = normalise(url)
        if key in keys:
            continue  # the page itself, or listed already
        keys.add(key)
        if len(found.candidates) < MAX_CANDIDATES:
            found.candidates.append(Candidate(url=url, title=clean(title, 200), kind=FEED_TYPES[kind]))
        else:
            found.more += 1
    return found


def _decode(result: FetchResult) -> str:
    content_type = result.headers.get("content-type", "")
    charset = "utf-8"
    for part in content_type.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    try:
        return result.body.decode(charset, errors="replace")
    except LookupError:
        return result.body.decode("utf-8", errors="replace")


def _looks_like_html(result: FetchResult) -> bool:
    content_type = result.headers.get("content-type", "").lower()
    if "html" in content_type:
        return True
    head = result.body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _feed_error(result: FetchResult, seconds: float) -> str | None:
    """None when ``result`` carries a feed with at least a root element; else why not."""
    if result.state != "ok":
        return result.error or result.state
    from crm_tui.feeds.subparse import parse_bounded

    parsed = parse_bounded(result.body, result.headers, result.url, seconds=seconds)
    return parsed.error


async def discover(location: str, settings: FeedSettings,
                   transport: httpx.AsyncBaseTransport | None = None) -> Discovery:
    """Candidates for a web ``location`` (see the module docstring). Raises DiscoveryError."""
    url = web_address(location)
    if url is None:
        raise DiscoveryError(f"{location!r} is a local file, not a web address")
    async with Fetcher(settings, transport) as fetcher:
        page = await fetcher.fetch(FetchRequest("page", url))
        if page.state != "ok":
            raise DiscoveryError(f"could not read {url}: {page.error or page.state}")
        final = page.url or url
        if not _looks_like_html(page):
            error = await asyncio.to_thread(_feed_error, page, settings.parse_seconds)
            if error is None:
                return Discovery(page=final, candidates=[Candidate(url=final)], is_feed=True, public=page.public)
            raise DiscoveryError(f"{final} is neither an HTML page nor a feed ({error})")
        text = _decode(page)
        page.body = b""
        found = await asyncio.to_thread(find_links, text, final)
        found.public = page.public
        if found.candidates:
            return found
        tried = _usual_addresses(final)
        results = await asyncio.gather(
            *(fetcher.fetch(FetchRequest(str(i), u, public_only=page.public)) for i, u in enumerate(tried))
        )
        reasons = await asyncio.to_thread(lambda: [_feed_error(r, settings.parse_seconds) for r in results])
    for address, result, reason in zip(tried, results, reasons, strict=True):
        if reason is None:
            found.candidates.append(Candidate(url=result.url or address))
    if found.candidates:
        return found
    lines = [f"no feed found at {final}:", "  the page declares no <link rel=\"alternate\"> feed"]
    if found.refused:
        lines[-1] += f" (refused {len(found.refused)} non-http link{'s' if len(found.refused) > 1 else ''})"
    lines += [f"  {address}: {clean(reason or '', 150)}" for address, reason in zip(tried, reasons, strict=True)]
    raise DiscoveryError("\n".join(lines))


def _usual_addresses(page_url: str) -> list[str]:
    """The usual feed paths under the page's folder (when it has one), then the site root."""
    parts = urlsplit(page_url)
    folders = []
    path = parts.path or "/"
    folder = path if path.endswith("/") else path + "/"
    if folder != "/":
        folders.append(folder)
    folders.append("/")
    addresses: list[str] = []
    for where in folders:
        for name in USUAL_PATHS:
            address = urljoin(f"{parts.scheme}://{parts.netloc}{where}", name)
            if address not in addresses:
                addresses.append(address)
    return addresses


async def check_feed(url: str, settings: FeedSettings, transport: httpx.AsyncBaseTransport | None = None,
                     public_only: bool = False) -> str | None:
    """Fetch ``url`` and parse it: None when it is a feed, else why it is not.

    ``public_only``: the address was found on a public page (``Discovery.public``), so it
    is the page's choice, not the user's: a private or loopback address is refused, as a
    redirect from a public server would be (issue 14.7).
    """
    async with Fetcher(settings, transport) as fetcher:
        result = await fetcher.fetch(FetchRequest("check", url, public_only=public_only))
    return await asyncio.to_thread(_feed_error, result, settings.parse_seconds)


def discover_sync(location: str, settings: FeedSettings) -> Discovery:
    return asyncio.run(discover(location, settings))


def check_feed_sync(url: str, settings: FeedSettings, public_only: bool = False) -> str | None:
    return asyncio.run(check_feed(url, settings, public_only=public_only))
