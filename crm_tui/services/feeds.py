"""Refreshing feeds: fetch concurrently, parse off the event loop, write the store once.

The TUI calls ``await refresh(store, settings, now, progress=cb)`` from an async worker;
the CLI and the demo call :func:`refresh_sync`. The store is not thread-safe, so every
store read and write happens here, in the coroutine, and all writes of one refresh go into
a single ``store.batch()`` (each data file is written once, not once per article).

Parsing is CPU-bound (~0.6 ms per entry through feedparser): with several feeds to fetch and more than one core, bodies are parsed in a
small process pool, forked before any request (no other thread exists yet, so fork is
safe; inside the TUI, forkserver or, failing that, a thread); otherwise in a thread, which keeps the UI's event loop free. Entries a
feed had already are only counted, not converted again.

A body whose BLAKE2b digest equals the last one parsed for its feed (servers that send no
ETag/Last-Modified send the same bytes) is treated as not modified: no parse, no import of
feedparser, no worker forked when every feed can answer that way.

Where the CPU goes (bench/feeds.py bodies, 50 feeds x 100 entries; `bench/feeds.py
--phases` prints a run's timeline): the parse workers ~1.4 s, of which feedparser ~1.15 s
(fed by expat with its text buffered, crm_tui.feeds.saxdriver: ~12% less than unbuffered)
and our conversion of its output ~0.2 s; the main process ~0.6 s: imports ~0.25 s
(interpreter, click, arrow, httpx/httpcore/h2, the store, feedparser before the fork),
fetching and the pool ~0.15 s, the one batch write of 5,000 articles ~0.09 s. The CLI then
ends without the interpreter's teardown (cli.common.leave: ~0.1 s of wall time). Parsing
is spread over the cores by the process pool as bodies arrive; a thread instead costs the
same CPU (measured, interleaved runs), only more wall time.
bench/feeds.py prints the refresh beside newsboat's for the three cases of issue 18.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import email.utils
import hashlib
import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import arrow

from crm_tui.config import FeedSettings, Settings
from crm_tui.domain.models import Article, Feed
from crm_tui.domain.text import clean
from crm_tui.feeds.fetch import FetchRequest, FetchResult, cpu_count, fetch_all
from crm_tui.feeds.links import normalise
from crm_tui.store.core import StaleData
from crm_tui.store.repository import Store

if TYPE_CHECKING:
    from crm_tui.feeds.parse import ParsedEntry, ParsedFeed

# Below this many feeds a process pool costs more than it saves.
POOL_MIN_FEEDS = 4
# Parse workers: one per core up to this (a fork costs a few ms; 5,000 entries ~0.7 s CPU).
MAX_WORKERS = 4
# Longest Retry-After we honour; a server asking for a week is treated as a day.
MAX_RETRY_AFTER_SECONDS = 24 * 3600


@dataclass
class ProgressEvent:
    feed_id: str
    title: str
    state: str  # "fetching" | "updated" | "not-modified" | "failed"
    detail: str = ""


Progress = Callable[[ProgressEvent], None]


@dataclass
class RefreshSummary:
    fetched: int = 0
    not_modified: int = 0
    failed: int = 0
    new_articles: int = 0
    skipped: int = 0  # waiting out a Retry-After
    purged: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)  # {"feed", "error"}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        text = (
            f"{self.fetched} fetched, {self.not_modified} not modified, {self.failed} failed; "
            f"{self.new_articles} new article{'s' if self.new_articles != 1 else ''}"
        )
        if self.skipped:
            text += f" ({self.skipped} waiting to retry)"
        return text


def refresh_sync(store: Store, settings: Settings, now: arrow.Arrow, progress: Progress | None = None) -> RefreshSummary:
    """:func:`refresh` for callers without an event loop (CLI, demo)."""
    return asyncio.run(refresh(store, settings, now, progress))


async def refresh(
    store: Store,
    settings: Settings,
    now: arrow.Arrow,
    progress: Progress | None = None,
    feed_ids: list[str] | None = None,
    transport: Any = None,
) -> RefreshSummary:
    """Fetch every enabled feed (or ``feed_ids``) and store what is new."""
    outcomes, summary = await collect(store, settings, now, progress, feed_ids, transport)
    if outcomes:
        apply(store, settings.feeds, now, outcomes, summary)
    return summary


Outcome = tuple[Feed, FetchResult, "ParsedFeed | None"]


async def collect(
    store: Store,
    settings: Settings,
    now: arrow.Arrow,
    progress: Progress | None = None,
    feed_ids: list[str] | None = None,
    transport: Any = None,
) -> tuple[list[Outcome], RefreshSummary]:
    """Fetch and parse, reading ``store`` only: a read-only store (no lock) will do.

    No lock is held meanwhile (a store holds it only while opening and saving): nothing
    waits on the network or on feedparser while holding it. :func:`apply` then takes it and
    rebases the outcomes on the store as it is at that moment.
    """
    summary = RefreshSummary()
    feeds = [f for f in store.feeds() if f.enabled and (feed_ids is None or f.id in feed_ids)]
    due: list[Feed] = []
    for feed in feeds:
        if feed.retry_after and arrow.get(feed.retry_after) > now:
            summary.skipped += 1
        else:
            due.append(feed)
    if not due:
        return [], summary
    by_id = {f.id: f for f in due}

    def emit(feed: Feed, state: str, detail: str = "") -> None:
        if progress is not None:
            progress(ProgressEvent(feed.id, feed.title or feed.url, state, detail))

    requests = [FetchRequest(f.id, f.url, f.etag, f.last_modified) for f in due]
    # A feed without validators (new, or a server that gives none) will send a body: import
    # the parser now and parse in worker processes forked now. When every feed can answer
    # 304, nothing is imported or forked unless a body does come (then parsed in a thread).
    expect_bodies = any(not f.etag and not f.last_modified and not f.body_hash for f in due)
    parser = _Parser(len(due), settings.feeds, warm=expect_bodies)
    outcomes: list[Outcome] = []
    loop = asyncio.get_running_loop()
    try:
        pending: list[asyncio.Future[tuple[FetchResult, ParsedFeed | None]]] = []
        known: dict[str, set[str]] | None = None  # feed id -> identities of stored entries
        async for result in fetch_all(requests, settings.feeds, lambda r: emit(by_id[r.feed_id], "fetching"), transport):
            if result.state == "ok":
                result.body_hash = body_digest(result.body)
                if result.body_hash == by_id[result.feed_id].body_hash:
                    # The same bytes as last time (a server with no ETag/Last-Modified, or
                    # one that ignores them): nothing to parse, nothing new.
                    result.state, result.body = "not-modified", b""
                    outcomes.append((by_id[result.feed_id], result, None))
                    _report(by_id[result.feed_id], result, None, emit)
                    continue
                if known is None:  # read once, on the first body: an all-304 refresh never does
                    known = {}
                    for article in store.articles():
                        known.setdefault(article.feed_id, set()).add(article.guid)
                idents = frozenset(known.get(result.feed_id, ()))
                pending.append(asyncio.ensure_future(parser.parse(loop, result, idents)))
            else:
                outcomes.append((by_id[result.feed_id], result, None))
                _report(by_id[result.feed_id], result, None, emit)
        for done in asyncio.as_completed(pending):
            result, parsed = await done
            outcomes.append((by_id[result.feed_id], result, parsed))
            _report(by_id[result.feed_id], result, parsed, emit)
    finally:
        parser.close()
    return outcomes, summary


def rebase(store: Store, outcomes: list[Outcome]) -> list[Outcome]:
    """``outcomes`` collected on an earlier read of the store, onto ``store`` as it is now:
    each feed record re-read (a rename made meanwhile is kept); a feed removed meanwhile
    is left out."""
    fresh: list[Outcome] = []
    for feed, result, parsed in outcomes:
        current = store.feed(feed.id)
        if current is not None:
            fresh.append((current, result, parsed))
    return fresh


class _Parser:
    """Where parsing runs: a process pool when it pays, else a worker thread.

    The pool starts before any request when bodies are sure to come (feeds never fetched,
    or without ETag/Last-Modified/digest), else when a second body turns out to need
    parsing: a refresh where many feeds changed spreads over the cores either way, one
    where nothing or one feed changed forks nothing.
    """

    def __init__(self, feeds: int, settings: FeedSettings, warm: bool = True) -> None:
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.workers = min(MAX_WORKERS, cpu_count())
        self.usable = feeds >= POOL_MIN_FEEDS and self.workers > 1
        self.bodies = 0
        self.tried = False
        self.seconds = settings.parse_seconds
        if warm:
            self._start()

    def _start(self) -> None:
        self.tried = True
        # This process imports it anyway to unpickle the results; before the fork, the
        # workers inherit it (and subparse, their entry point) instead of importing it
        # once each.
        import crm_tui.feeds.subparse  # noqa: F401

        if not self.usable:
            return
        # fork is cheapest (the parser is already imported), but forking a process that
        # runs other threads (the TUI, a resolver or parsing thread) can inherit a held
        # lock: use forkserver there.
        method = "fork" if threading.active_count() == 1 else "forkserver"
        context = multiprocessing.get_context(method)
        if method == "forkserver":
            context.set_forkserver_preload(["crm_tui.feeds.subparse"])
        try:
            self.pool = concurrent.futures.ProcessPoolExecutor(self.workers, mp_context=context)
            for _ in range(self.workers):  # start them now, while the requests are in flight
                self.pool.submit(int)
        except (OSError, ValueError):
            # Inside the TUI sys.stderr has no file descriptor (fileno() is -1), so the
            # forkserver/resource tracker cannot start ("bad value(s) in fds_to_keep"):
            # parse in a thread instead.
            self.close()
            self.pool = None

    async def parse(
        self, loop: asyncio.AbstractEventLoop, result: FetchResult, known: frozenset[str] = frozenset()
    ) -> tuple[FetchResult, ParsedFeed]:
        args = (result.body, result.headers, result.url if result.url.startswith("http") else "", known,
                self.seconds)
        self.bodies += 1
        if self.bodies == 2 and not self.tried:
            self._start()
        try:
            if self.pool is not None:
                parsed = await loop.run_in_executor(self.pool, _parse, *args)
            else:
                parsed = await asyncio.to_thread(_parse, *args)
        except concurrent.futures.process.BrokenProcessPool:
            parsed = await asyncio.to_thread(_parse, *args)
        result.body = b""  # parsed; do not keep megabytes around
        return result, parsed

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)


def _parse(body: bytes, headers: dict[str, str], base_url: str, known: frozenset[str], seconds: float) -> ParsedFeed:
    """In a pool worker (main thread: the time limit holds) or a thread (a large body goes
    to a child process that can be stopped; see :mod:`crm_tui.feeds.subparse`)."""
    from crm_tui.feeds.subparse import parse_bounded

    return parse_bounded(body, headers, base_url, known, seconds)


def _report(feed: Feed, result: FetchResult, parsed: ParsedFeed | None, emit: Callable[..., None]) -> None:
    if result.state == "not-modified":
        emit(feed, "not-modified")
    elif result.state == "ok" and parsed is not None and parsed.error is None:
        emit(feed, "updated", f"{len(parsed.entries) + parsed.known} entries" + (f"; {parsed.warning}" if parsed.warning else ""))
    else:
        emit(feed, "failed", (parsed.error if parsed and parsed.error else result.error) or "failed")


# --------------------------------------------------------------------------- store writes
def apply(
    store: Store,
    settings: FeedSettings,
    now: arrow.Arrow,
    outcomes: list[Outcome],
    summary: RefreshSummary,
) -> None:
    """Record every outcome and the new articles in one batch, then apply retention.

    Everything is decided inside the batch, that is under the write lock and after
    re-reading what other processes saved (the batch does both before it runs): each feed
    record is taken as it is on disk now (:func:`rebase`), and an entry another refresh
    stored meanwhile (same feed and entry identity, or the same link) is not added again.
    Two refreshes running at once therefore merge: the later one adds only what the first
    did not, and neither is refused for the other's save.

    When no feed brought a body (every one answered 304, or failed), the articles are
    neither read nor purged: retention waits for the next refresh that brings some, and
    the all-304 refresh, the most common one, stays cheap.
    """
    stamp = now.to("UTC").isoformat()
    bodies = any(result.state == "ok" for _, result, _ in outcomes)
    new: list[Article] = []
    with store.batch():
        existing = store.articles() if bodies else []
        keys = {a.key for a in existing if a.key}
        idents = {(a.feed_id, a.guid) for a in existing}
        # A post seen first on an aggregator (a planet, a newsletter of links) and then on
        # its author's own feed moves to the author's feed: their-post needs it there.
        contact_feeds = {f.id for f in store.feeds() if f.contact_id}
        claimable = {a.key: a for a in existing if a.key and a.feed_id not in contact_feeds}
        moved: list[Article] = []
        for feed, result, parsed in sorted(rebase(store, outcomes), key=lambda o: o[0].id):
            error = parsed.error if parsed is not None and parsed.error else result.error
            if result.state == "gone":
                feed.enabled = False
                feed.last_status = "disabled"
                _failure(feed, error or "gone", summary)
            elif result.state == "failed" or error:
                feed.last_status = "failed"
                if result.retry_after is not None:
                    feed.retry_after = _retry_at(result.retry_after, now)
                _failure(feed, error or "failed", summary)
            else:
                if feed.first_fetched is None and result.state == "ok":
                    feed.first_fetched = _first_refresh(feed, existing) or stamp
                feed.last_fetched = stamp
                feed.last_error = None
                feed.errors = 0
                feed.retry_after = None
                feed.etag = result.etag
                feed.last_modified = result.last_modified
                if result.new_url:
                    feed.url = result.new_url
                if result.state == "not-modified":
                    feed.last_status = "not-modified"
                    summary.not_modified += 1
                else:
                    assert parsed is not None
                    feed.last_status = "updated"
                    feed.body_hash = result.body_hash
                    feed.warning = parsed.warning
                    if not feed.title and parsed.title:
                        feed.title = parsed.title
                    summary.fetched += 1
                    new += _new_articles(feed, parsed.entries, now, stamp, keys, idents, claimable, moved)
            _save_feed(store, feed)
        if not bodies:
            return
        for article in moved:
            if article.id:  # (a stored one; a new one is added below as it is now)
                store.update_article(article)
        shared = {s.article_id for s in store.shares()}
        candidates = [*existing, *new]
        doomed = retained_out(candidates, settings, now, shared)
        added = [a for a in new if id(a) not in doomed]
        store.add_articles(added)
        summary.new_articles = len(added)
        old_ids = [a.id for a in existing if id(a) in doomed]
        store.delete_articles(old_ids)
        summary.purged = len(old_ids)


def _first_refresh(feed: Feed, existing: list[Article]) -> str | None:
    """When a feed fetched before ``first_fetched`` was recorded had its first refresh:
    the earliest ``fetched_at`` of its articles, else its last refresh; None for a feed
    never fetched (this refresh is its first)."""
    if not feed.last_fetched:
        return None
    stamps = [a.fetched_at for a in existing if a.feed_id == feed.id and a.fetched_at]
    return min(stamps, key=lambda s: arrow.get(s)) if stamps else feed.last_fetched


def _save_feed(store: Store, feed: Feed) -> None:
    """Save a feed record read inside this batch. Another process's earlier save of it (a
    concurrent refresh) is already in it, so the store's stale-copy refusal, which is said
    once, is not a conflict here: save again, this refresh's outcome is the newest."""
    try:
        store.update_feed(feed)
    except StaleData:
        if store.feed(feed.id) is not None:
            store.update_feed(feed)


def body_digest(body: bytes) -> str:
    """What identifies a body: BLAKE2b, 128 bits (~0.1 ms for a 100 KB feed)."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def _failure(feed: Feed, error: str, summary: RefreshSummary) -> None:
    feed.last_error = clean(error, 300)
    feed.errors += 1
    summary.failed += 1
    summary.errors.append({"feed": feed.title or feed.url, "error": feed.last_error})


def _retry_at(header: str, now: arrow.Arrow) -> str | None:
    """Retry-After as delta-seconds or an HTTP date -> ISO moment (capped at a day)."""
    header = header.strip()
    seconds: float | None = None
    if header.isdigit():
        seconds = int(header)
    else:
        try:
            when = email.utils.parsedate_to_datetime(header)
            seconds = (arrow.get(when) - now).total_seconds()
        except (TypeError, ValueError, IndexError):
            return None
    seconds = max(0.0, min(float(seconds), MAX_RETRY_AFTER_SECONDS))
    return now.shift(seconds=seconds).to("UTC").isoformat()


def article_key(feed_id: str, link: str, ident: str) -> str:
    """Across feeds the same normalised link is one article; without a link, per feed."""
    return normalise(link) if link else f"{feed_id}#{ident}"


def _new_articles(
    feed: Feed,
    entries: list[ParsedEntry],
    now: arrow.Arrow,
    stamp: str,
    keys: set[str],
    idents: set[tuple[str, str]],
    claimable: dict[str, Article] | None = None,
    moved: list[Article] | None = None,
) -> list[Article]:
    """The entries not stored yet, as articles. ``claimable``: articles held by feeds of
    nobody, by key; an entry of a contact's feed with the same key takes it over (its feed
    and identity change, its first-seen stamp stays), noted in ``moved``."""
    latest = now.timestamp()
    found: list[Article] = []
    for entry in entries:
        if (feed.id, entry.ident) in idents:
            continue
        key = entry.link_key or article_key(feed.id, entry.link, entry.ident)
        if key in keys:
            held = claimable.pop(key, None) if feed.contact_id and claimable is not None else None
            if held is not None and moved is not None:
                held.feed_id, held.guid = feed.id, entry.ident
                idents.add((feed.id, entry.ident))
                moved.append(held)
            continue
        keys.add(key)
        idents.add((feed.id, entry.ident))
        moment = min(entry.published, latest) if entry.dated else latest  # future -> now
        found.append(
            Article(
                feed_id=feed.id,
                title=entry.title,
                guid=entry.ident,
                link=entry.link,
                summary=entry.summary,
                author=entry.author,
                tags=entry.tags,
                published=datetime.fromtimestamp(moment, UTC).isoformat(),
                fetched_at=stamp,
                key=key,
            )
        )
        if claimable is not None and not feed.contact_id:
            claimable[key] = found[-1]
    return found


def retained_out(
    articles: list[Article],
    settings: FeedSettings,
    now: arrow.Arrow,
    shared: set[str],
) -> set[int]:
    """Python ids of the articles retention drops: older than
    ``retention_days`` or beyond the newest ``max_per_feed``. Shared ones always stay."""
    cutoff = now.to("UTC").shift(days=-settings.retention_days).isoformat()
    doomed: set[int] = set()
    per_feed: dict[str, list[Article]] = {}
    for article in articles:
        per_feed.setdefault(article.feed_id, []).append(article)
    for group in per_feed.values():
        group.sort(key=lambda a: (_utc(a.published), a.id or "~"), reverse=True)
        for rank, article in enumerate(group):
            if article.id and article.id in shared:
                continue
            if rank >= settings.max_per_feed or _utc(article.published) < cutoff:
                doomed.add(id(article))
    return doomed


def _utc(iso: str) -> str:
    # Stored dates are UTC ISO strings, so they sort as text; others are normalised.
    return iso if iso.endswith("+00:00") else arrow.get(iso).to("UTC").isoformat() if iso else ""
