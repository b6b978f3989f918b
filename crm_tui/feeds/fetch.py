"""Fetching feed bodies: httpx async, bounded, polite, conditional. No parsing here.

- At most ``settings.concurrency`` requests at once, and ``settings.per_host`` per server
  (scheme, host, port: a different port is a different server process) over HTTP/1.1, as
  browsers do (6); a server that answers over HTTP/2 (offered on https) gets up to
  ``HTTP2_PER_HOST`` streams on one connection.
- Connect and read timeouts, plus an overall deadline per request (a server dribbling one
  byte a second would otherwise never hit the read timeout).
- The body is streamed and capped at ``settings.max_bytes`` after decompression (gzip bombs
  count at their real size); over the cap is an error for that feed.
- ETag / Last-Modified are sent back exactly as they were received; 304 returns no body.
- Redirects: up to 5 are followed, hop by hop, each one checked by
  :mod:`crm_tui.feeds.netguard` (no link-local address ever, no private one after a public
  server); when every hop was 301/308 the final URL is reported as the feed's new address
  (302/303/307 are temporary and change nothing).
- Local files (the user named them explicitly) are read directly, with their mtime and size
  standing in for Last-Modified so an unchanged file is "not modified".
"""

from __future__ import annotations

import asyncio
import os
import ssl
import sys
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

# httpx imports its command-line client (rich, pygments: ~60 ms, a third of `feeds
# refresh`'s start-up) on import, only for `python -m httpx`. A None entry in sys.modules
# makes that one import fail, which httpx expects (it then defines a stub); the entry is
# removed right after, so an explicit `import httpx._main` later still works.
if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
    sys.modules["httpx._main"] = None  # type: ignore[assignment]
    try:
        import httpx
    finally:
        del sys.modules["httpx._main"]
import httpx

from crm_tui import __version__
from crm_tui.config import FeedSettings
from crm_tui.feeds.links import host_of, is_web
from crm_tui.feeds.netguard import GuardedTransport, peer_is_public

USER_AGENT = f"crm-tui/{__version__} (terminal CRM feed reader)"
MAX_REDIRECTS = 5
PERMANENT = (301, 308)
_REDIRECTS = (301, 302, 303, 307, 308)
# Streams at once to a host that answered over HTTP/2 (one connection: what browsers do).
HTTP2_PER_HOST = 16
# HTTP/2 is offered over https when the h2 package is installed (httpx[http2]).
try:
    import h2  # noqa: F401

    _HTTP2 = True
except ImportError:  # pragma: no cover - h2 is a dependency; stay on HTTP/1.1 without it
    _HTTP2 = False
# Overall time for one request, in units of the read timeout.
DEADLINE_FACTOR = 3


@dataclass
class FetchRequest:
    feed_id: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    public_only: bool = False  # the address came from a public server (a page's link), not the user


@dataclass
class FetchResult:
    feed_id: str
    state: str  # "ok" | "not-modified" | "failed" | "gone"
    url: str = ""  # where the body finally came from
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    new_url: str | None = None  # set when every redirect hop was permanent
    error: str | None = None
    retry_after: str | None = None  # the Retry-After header of a 429/503, as received
    public: bool = False  # a server at a public address answered (at some hop)
    status: int | None = None
    body_hash: str | None = None  # set by the caller (see service.refresh)


class TooLarge(Exception):
    pass


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def _NO_TLS() -> ssl.SSLContext:
    """A verifying client context with no trusted CAs: it can complete no TLS handshake."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # check_hostname on, CERT_REQUIRED


class _LazyTransport(httpx.AsyncBaseTransport):
    """Builds the https transport on the first https request: loading the CA bundle costs
    ~30 ms of start-up, wasted when every feed is plain http (or a 304 from one)."""

    def __init__(self, factory: Callable[[], httpx.AsyncBaseTransport]) -> None:
        self._factory = factory
        self._real: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._real is None:
            self._real = self._factory()
        return await self._real.handle_async_request(request)

    async def aclose(self) -> None:
        if self._real is not None:
            await self._real.aclose()


class Fetcher:
    """The shared httpx clients and the concurrency limits; use ``async with``.

    Two clients: the first hop of every request goes through one that lets the user's own
    choice of server stand (a feed at a private address stays allowed); a redirect hop that
    follows a public server goes through one that connects to public addresses only (see
    :mod:`crm_tui.feeds.netguard`). Redirects are followed here, hop by hop, not by httpx.
    """

    def __init__(self, settings: FeedSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self._global = asyncio.Semaphore(max(1, settings.concurrency))
        self._hosts: dict[str, HostLimit] = {}
        self._transport = transport
        self._clients: dict[bool, httpx.AsyncClient] = {}

    def client_for(self, public_only: bool) -> httpx.AsyncClient:
        """Made on first use (local-only feed lists never need one)."""
        if public_only not in self._clients:
            self._clients[public_only] = self._make_client(public_only)
        return self._clients[public_only]

    @property
    def client(self) -> httpx.AsyncClient:
        return self.client_for(False)

    def _make_client(self, public_only: bool) -> httpx.AsyncClient:
        settings = self.settings
        limits = httpx.Limits(
            max_connections=max(1, settings.concurrency),
            # Feeds are one request per site: an idle connection kept for reuse is
            # rarely reused, and httpcore re-checks every idle one (several syscalls
            # each) whenever any request starts or ends, O(feeds^2) in all.
            max_keepalive_connections=max(1, settings.per_host),
        )
        transport, mounts = self._transport, None
        if transport is None:
            # https verifies against certifi's CA bundle, loaded on the first https request,
            # and offers HTTP/2 (ALPN): many feeds of one host share one connection. Plain
            # http never touches TLS: its context has no CAs and would refuse any
            # certificate if it were ever used (it is not).
            transport = _LazyTransport(lambda: GuardedTransport(public_only, verify=True, limits=limits, http2=_HTTP2))
            mounts = {"http://": GuardedTransport(public_only, verify=_NO_TLS(), limits=limits, http2=False)}
        return httpx.AsyncClient(
            timeout=httpx.Timeout(settings.timeout, pool=None),
            follow_redirects=False,  # followed in _get, each hop checked
            headers={"User-Agent": USER_AGENT, "Accept": _ACCEPT},
            limits=limits,
            transport=transport,
            mounts=mounts,
            trust_env=False,  # no proxies or netrc picked up behind the user's back
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in self._clients.values():
            await client.aclose()

    def _host_limit(self, url: str) -> HostLimit:
        key = host_of(url)
        if key not in self._hosts:
            self._hosts[key] = HostLimit(max(1, self.settings.per_host))
        return self._hosts[key]

    async def fetch(self, request: FetchRequest, started: Callable[[FetchRequest], None] | None = None) -> FetchResult:
        """Fetch one feed. Never raises for network or server trouble: see ``state``."""
        if not is_web(request.url):
            if started:
                started(request)
            return await asyncio.to_thread(read_local, request, self.settings.max_bytes)
        host = self._host_limit(request.url)
        # The host first: a feed waiting for its busy host must not hold one of the global
        # slots that feeds of other hosts could use meanwhile.
        async with host, self._global:
            if started:
                started(request)
            try:
                async with asyncio.timeout(self.settings.timeout * DEADLINE_FACTOR):
                    return await self._get(request, host)
            except TimeoutError:
                return _failed(request, f"took longer than {self.settings.timeout * DEADLINE_FACTOR:g} s in all")
            except httpx.ConnectTimeout:
                return _failed(request, f"timed out connecting ({self.settings.timeout:g} s)")
            except httpx.ReadTimeout:
                return _failed(request, f"timed out waiting for data ({self.settings.timeout:g} s)")
            except httpx.TimeoutException:
                return _failed(request, f"timed out ({self.settings.timeout:g} s)")
            except httpx.TooManyRedirects:
                return _failed(request, f"more than {MAX_REDIRECTS} redirects")
            except httpx.ConnectError as exc:
                return _failed(request, f"could not connect: {exc or 'refused'}")
            except httpx.DecodingError as exc:
                return _failed(request, f"could not decode the response: {exc}")
            except TooLarge as exc:
                return _failed(request, str(exc))
            except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
                return _failed(request, f"{type(exc).__name__}: {exc}")

    async def _get(self, request: FetchRequest, host: HostLimit | None = None) -> FetchResult:
        headers: dict[str, str] = {}
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        url = request.url
        hops: list[int] = []
        public_seen = request.public_only
        while True:
            client = self.client_for(public_seen)
            response = await client.send(client.build_request("GET", url, headers=headers), stream=True)
            try:
                public_seen = public_seen or peer_is_public(response)
                if host is not None and response.http_version == "HTTP/2" and not hops:
                    await host.widen(HTTP2_PER_HOST)  # one connection, many streams: polite
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    if len(hops) >= MAX_REDIRECTS:
                        raise httpx.TooManyRedirects("too many redirects", request=response.request)
                    target = urljoin(url, location.strip())
                    if not is_web(target):
                        return _failed(request, f"redirected to {target[:100]!r}: not an http(s) address (refused)")
                    hops.append(response.status_code)
                    url = target
                    continue
                result = await self._result(request, response, hops)
                result.public = public_seen
                return result
            finally:
                await response.aclose()

    async def _result(self, request: FetchRequest, response: httpx.Response, hops: list[int]) -> FetchResult:
        limit = self.settings.max_bytes
        new_url = str(response.url) if hops and all(code in PERMANENT for code in hops) else None
        common: dict[str, Any] = {
            "feed_id": request.feed_id,
            "url": str(response.url),
            "status": response.status_code,
            "new_url": new_url if new_url != request.url else None,
        }
        code = response.status_code
        if code == 304:
            return FetchResult(
                state="not-modified",
                etag=response.headers.get("etag", request.etag),
                last_modified=response.headers.get("last-modified", request.last_modified),
                **common,
            )
        if code == 410:
            return FetchResult(state="gone", error="HTTP 410 Gone: the feed was removed; disabled", **common)
        if code in (429, 503):
            return FetchResult(
                state="failed",
                error=f"HTTP {code} {response.reason_phrase}".strip(),
                retry_after=response.headers.get("retry-after"),
                **common,
            )
        if not 200 <= code < 300:
            return FetchResult(state="failed", error=f"HTTP {code} {response.reason_phrase}".strip(), **common)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise TooLarge(f"feed is {_mib(int(declared))}, over the {_mib(limit)} limit")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"feed is over the {_mib(limit)} limit")
            chunks.append(chunk)
        return FetchResult(
            state="ok",
            body=b"".join(chunks),
            headers={k.lower(): v for k, v in response.headers.items()},
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            **common,
        )


class HostLimit:
    """At most ``limit`` requests at once to one host; the limit can be raised later (a
    host that answered over HTTP/2 multiplexes streams on one connection)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._active = 0
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self._active < self.limit)
            self._active += 1

    async def __aexit__(self, *exc: object) -> None:
        async with self._changed:
            self._active -= 1
            self._changed.notify()

    async def widen(self, limit: int) -> None:
        if limit > self.limit:
            self.limit = limit
            async with self._changed:  # waiters re-check now, so the new room is used
                self._changed.notify_all()


_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)


def _failed(request: FetchRequest, error: str) -> FetchResult:
    return FetchResult(feed_id=request.feed_id, state="failed", url=request.url, error=error)


def read_local(request: FetchRequest, max_bytes: int) -> FetchResult:
    """A feed file the user subscribed to by path; mtime+size act as Last-Modified."""
    path = Path(request.url)
    try:
        info = path.stat()
        stamp = f"file:{info.st_mtime_ns}:{info.st_size}"
        if request.last_modified == stamp:
            return FetchResult(feed_id=request.feed_id, state="not-modified", url=request.url, last_modified=stamp)
        if info.st_size > max_bytes:
            return _failed(request, f"file is {_mib(info.st_size)}, over the {_mib(max_bytes)} limit")
        with open(path, "rb") as handle:
            body = handle.read(max_bytes + 1)
    except OSError as exc:
        return _failed(request, f"cannot read {path}: {exc.strerror or exc}")
    if len(body) > max_bytes:
        return _failed(request, f"file is over the {_mib(max_bytes)} limit")
    return FetchResult(feed_id=request.feed_id, state="ok", url=request.url, body=body, last_modified=stamp)


async def fetch_all(
    requests: Iterable[FetchRequest],
    settings: FeedSettings,
    started: Callable[[FetchRequest], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[FetchResult]:
    """Fetch every request concurrently; yield results as they complete."""
    async with Fetcher(settings, transport) as fetcher:
        tasks = [asyncio.create_task(fetcher.fetch(r, started)) for r in requests]
        try:
            for done in asyncio.as_completed(tasks):
                yield await done
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
