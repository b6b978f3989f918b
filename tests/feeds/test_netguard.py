"""Where feed requests may go (issue 14.7) and how many at once per host (issue 18).

Servers are pytest-httpserver instances on 127.0.0.1/127.0.0.2. "Public" cannot be had on
this machine, so the tests that need a public server make the guard see 127.0.0.1 as one
(monkeypatching ``netguard.classify``); the link-local refusal needs nothing of the sort:
it is refused before any packet is sent.
"""

from __future__ import annotations

import threading
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from crm_tui.config import Settings
from crm_tui.domain.models import Feed
from crm_tui.feeds import netguard
from crm_tui.feeds.fetch import FetchRequest, fetch_all
from crm_tui.services import feeds as service

from .helpers import simple_rss

RSS = {"Content-Type": "application/rss+xml"}


@pytest.fixture
def settings() -> Settings:
    s = Settings()
    s.feeds.timeout = 2
    return s


@pytest.fixture
def second_server():
    server = HTTPServer(host="127.0.0.2")
    server.start()
    yield server
    server.clear()
    server.stop()


async def fetch_one(url: str, settings: Settings):
    results = [r async for r in fetch_all([FetchRequest("f1", url)], settings.feeds)]
    return results[0]


@pytest.mark.parametrize(
    ("ip", "kind"),
    [
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("::ffff:169.254.169.254", "link-local"),
        ("10.0.0.1", "private"),
        ("192.168.1.1", "private"),
        ("172.16.0.1", "private"),
        ("127.0.0.1", "private"),
        ("::1", "private"),
        ("0.0.0.0", "private"),
        ("100.64.0.1", "private"),  # carrier-grade NAT: not global
        ("240.0.0.1", "private"),  # reserved
        ("fd00::1", "private"),
        ("93.184.216.34", "public"),
        ("2606:4700::1111", "public"),
    ],
)
def test_classify(ip, kind):
    assert netguard.classify(ip) == kind


async def test_redirect_to_the_metadata_address_is_refused(httpserver, settings):
    httpserver.expect_request("/feed").respond_with_response(
        Response(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    )
    result = await fetch_one(httpserver.url_for("/feed"), settings)
    assert result.state == "failed"
    assert "169.254.169.254 is a link-local address" in result.error


async def test_redirect_to_ipv6_link_local_is_refused(httpserver, settings):
    httpserver.expect_request("/feed").respond_with_response(Response(status=301, headers={"Location": "http://[fe80::1]/"}))
    result = await fetch_one(httpserver.url_for("/feed"), settings)
    assert result.state == "failed" and "link-local" in result.error


async def test_public_feed_redirecting_to_a_private_address_is_refused(httpserver, second_server, settings, monkeypatch):
    real = netguard.classify
    monkeypatch.setattr(netguard, "classify", lambda ip: "public" if ip == "127.0.0.1" else real(ip))
    second_server.expect_request("/internal").respond_with_data(simple_rss(1), headers=RSS)
    httpserver.expect_request("/feed").respond_with_response(
        Response(status=302, headers={"Location": second_server.url_for("/internal")})
    )
    result = await fetch_one(f"http://127.0.0.1:{httpserver.port}/feed", settings)
    assert result.state == "failed"
    assert "127.0.0.2 is a private or reserved address, reached from a public server" in result.error
    assert second_server.log == []  # not a single request reached the private server


async def test_a_private_feed_the_user_added_may_redirect_within_private(httpserver, second_server, settings):
    second_server.expect_request("/moved").respond_with_data(simple_rss(2), headers=RSS)
    httpserver.expect_request("/feed").respond_with_response(
        Response(status=301, headers={"Location": second_server.url_for("/moved")})
    )
    result = await fetch_one(f"http://127.0.0.1:{httpserver.port}/feed", settings)
    assert result.state == "ok" and b"post 1" in result.body
    assert result.new_url == second_server.url_for("/moved")


async def test_redirect_to_a_non_web_scheme_is_refused(httpserver, settings):
    httpserver.expect_request("/feed").respond_with_response(Response(status=302, headers={"Location": "file:///etc/passwd"}))
    result = await fetch_one(httpserver.url_for("/feed"), settings)
    assert result.state == "failed" and "not an http(s) address" in result.error


async def test_redirect_loop_stops(httpserver, settings):
    httpserver.expect_request("/a").respond_with_response(Response(status=302, headers={"Location": "/b"}))
    httpserver.expect_request("/b").respond_with_response(Response(status=302, headers={"Location": "/a"}))
    result = await fetch_one(httpserver.url_for("/a"), settings)
    assert result.state == "failed" and "more than 5 redirects" in result.error
    assert len(httpserver.log) == 6


async def test_a_name_is_resolved_once_and_the_checked_address_is_connected_to(httpserver, settings, monkeypatch):
    """DNS rebinding: the first answer is checked and used; a second lookup never happens."""
    answers = [["127.0.0.1"], ["169.254.169.254"]]
    asked: list[str] = []
    real = netguard.resolve

    async def fake_resolve(host: str, port: int) -> list[str]:
        if host != "feeds.test":
            return await real(host, port)
        asked.append(host)
        return answers[min(len(asked) - 1, 1)]

    monkeypatch.setattr(netguard, "resolve", fake_resolve)
    httpserver.expect_request("/feed").respond_with_data(simple_rss(1), headers=RSS)
    result = await fetch_one(f"http://feeds.test:{httpserver.port}/feed", settings)
    assert result.state == "ok"
    assert asked == ["feeds.test"]
    assert httpserver.log[0][0].headers["Host"] == f"feeds.test:{httpserver.port}"


async def test_a_name_resolving_to_a_forbidden_address_among_others_is_refused(httpserver, settings, monkeypatch):
    async def fake_resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1", "169.254.169.254"]

    monkeypatch.setattr(netguard, "resolve", fake_resolve)
    httpserver.expect_request("/feed").respond_with_data(simple_rss(1), headers=RSS)
    result = await fetch_one(f"http://feeds.test:{httpserver.port}/feed", settings)
    assert result.state == "failed" and "link-local" in result.error
    assert httpserver.log == []


def test_one_host_gets_six_requests_at_once(settings):
    """50 feeds on one HTTP/1.1 host: 6 at a time (browsers' number), not 2, never more."""
    import asyncio

    server = HTTPServer(host="127.0.0.1", threaded=True)
    active = 0
    peak = 0
    lock = threading.Lock()

    def handler(request: Request) -> Response:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        return Response(simple_rss(1), headers=RSS)

    server.expect_request("/feed").respond_with_handler(handler)
    server.start()
    try:
        requests = [FetchRequest(f"f{i}", server.url_for("/feed") + f"?n={i}") for i in range(30)]

        async def go():
            return [r async for r in fetch_all(requests, settings.feeds)]

        started = time.perf_counter()
        results = asyncio.run(go())
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    assert all(r.state == "ok" for r in results)
    assert peak == 6
    assert elapsed < 30 * 0.05 / 2  # far fewer round trips than two at a time would take


async def test_retry_after_on_429_is_still_honoured(store, settings, now, httpserver):
    httpserver.expect_request("/feed").respond_with_response(Response(status=429, headers={"Retry-After": "120"}))
    feed = store.add_feed(Feed(url=httpserver.url_for("/feed")))
    summary = await service.refresh(store, settings, now)
    assert summary.failed == 1
    assert store.feed(feed.id).retry_after == now.shift(seconds=120).to("UTC").isoformat()


async def test_a_host_answering_over_http2_gets_more_streams(settings):
    """After a first answer over HTTP/2, one host is allowed HTTP2_PER_HOST at once."""
    import asyncio

    import httpx

    from crm_tui.feeds.fetch import HTTP2_PER_HOST

    active = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.02)
        active -= 1
        return httpx.Response(200, content=simple_rss(1), headers=RSS, extensions={"http_version": b"HTTP/2"})

    requests = [FetchRequest(f"f{i}", f"https://feeds.example/{i}") for i in range(40)]
    results = [r async for r in fetch_all(requests, settings.feeds, transport=httpx.MockTransport(handler))]
    assert all(r.state == "ok" for r in results)
    assert 6 < peak <= HTTP2_PER_HOST


def test_http2_is_available():
    import h2  # noqa: F401  (httpx[http2]: without it https would stay on HTTP/1.1)

    from crm_tui.feeds import fetch

    assert fetch._HTTP2


async def test_a_busy_host_does_not_hold_back_other_hosts(settings):
    """Feeds waiting for their (busy) host hold no global slot: another host starts at once."""
    import asyncio

    import httpx

    settings.feeds.concurrency = 8
    started: dict[str, float] = {}
    loop = asyncio.get_running_loop()
    begin = loop.time()

    async def handler(request: httpx.Request) -> httpx.Response:
        started.setdefault(request.url.host + request.url.path, loop.time() - begin)
        await asyncio.sleep(0.1)
        return httpx.Response(200, content=simple_rss(1), headers=RSS)

    requests = [FetchRequest(f"a{i}", f"https://busy.example/{i}") for i in range(20)]
    requests.append(FetchRequest("b", "https://other.example/feed"))
    results = [r async for r in fetch_all(requests, settings.feeds, transport=httpx.MockTransport(handler))]
    assert all(r.state == "ok" for r in results)
    assert started["other.example/feed"] < 0.05  # not after the busy host's first wave
