"""Fetching against a real HTTP server on 127.0.0.1 (pytest-httpserver)."""

from __future__ import annotations

import gzip
import threading

import pytest
from werkzeug import Response

from crm_tui.config import Settings
from crm_tui.domain.models import Feed
from crm_tui.services import feeds as service

from .helpers import simple_rss

RSS = {"Content-Type": "application/rss+xml"}


@pytest.fixture
def settings() -> Settings:
    s = Settings()
    s.feeds.timeout = 0.5
    return s


def subscribe(store, url: str) -> Feed:
    return store.add_feed(Feed(url=url))


async def test_200_stores_articles_and_validators(store, settings, now, httpserver):
    httpserver.expect_request("/feed").respond_with_data(
        simple_rss(3), headers={**RSS, "ETag": 'W/"abc-1"', "Last-Modified": "Sun, 01 Mar 2026 10:00:00 GMT"}
    )
    feed = subscribe(store, httpserver.url_for("/feed"))
    summary = await service.refresh(store, settings, now)
    assert (summary.fetched, summary.new_articles, summary.failed) == (1, 3, 0)
    feed = store.feed(feed.id)
    assert feed.etag == 'W/"abc-1"' and feed.last_modified == "Sun, 01 Mar 2026 10:00:00 GMT"
    assert feed.title == "Test feed" and feed.last_status == "updated" and feed.errors == 0
    assert "crm-tui" in httpserver.log[0][0].headers["User-Agent"]


async def test_304_sends_validators_back_and_keeps_everything(store, settings, now, httpserver):
    httpserver.expect_ordered_request("/feed").respond_with_data(
        simple_rss(3), headers={**RSS, "ETag": '"v1"', "Last-Modified": "Sun, 01 Mar 2026 10:00:00 GMT"}
    )
    httpserver.expect_ordered_request(
        "/feed", headers={"If-None-Match": '"v1"', "If-Modified-Since": "Sun, 01 Mar 2026 10:00:00 GMT"}
    ).respond_with_data("", status=304)
    feed = subscribe(store, httpserver.url_for("/feed"))
    await service.refresh(store, settings, now)
    before = [a.to_dict() for a in store.articles()]
    summary = await service.refresh(store, settings, now)
    httpserver.check_assertions()
    assert (summary.not_modified, summary.fetched, summary.new_articles) == (1, 0, 0)
    assert [a.to_dict() for a in store.articles()] == before
    assert store.feed(feed.id).etag == '"v1"' and store.feed(feed.id).last_status == "not-modified"


async def test_301_chain_updates_the_url(store, settings, now, httpserver):
    httpserver.expect_request("/old").respond_with_response(Response(status=301, headers={"Location": "/mid"}))
    httpserver.expect_request("/mid").respond_with_response(Response(status=308, headers={"Location": "/new"}))
    httpserver.expect_request("/new").respond_with_data(simple_rss(1), headers=RSS)
    feed = subscribe(store, httpserver.url_for("/old"))
    summary = await service.refresh(store, settings, now)
    assert summary.fetched == 1
    assert store.feed(feed.id).url == httpserver.url_for("/new")


async def test_302_does_not_update_the_url(store, settings, now, httpserver):
    httpserver.expect_request("/old").respond_with_response(Response(status=301, headers={"Location": "/tmp"}))
    httpserver.expect_request("/tmp").respond_with_response(Response(status=302, headers={"Location": "/new"}))
    httpserver.expect_request("/new").respond_with_data(simple_rss(1), headers=RSS)
    feed = subscribe(store, httpserver.url_for("/old"))
    assert (await service.refresh(store, settings, now)).fetched == 1
    assert store.feed(feed.id).url == httpserver.url_for("/old")


async def test_410_disables_the_feed(store, settings, now, httpserver):
    httpserver.expect_request("/gone").respond_with_data("gone", status=410)
    feed = subscribe(store, httpserver.url_for("/gone"))
    summary = await service.refresh(store, settings, now)
    feed = store.feed(feed.id)
    assert summary.failed == 1 and not feed.enabled and feed.last_status == "disabled"
    assert "410" in feed.last_error
    assert (await service.refresh(store, settings, now)).failed == 0  # not fetched again
    assert len(httpserver.log) == 1


async def test_429_honours_retry_after(store, settings, now, httpserver):
    httpserver.expect_request("/busy").respond_with_data("slow down", status=429, headers={"Retry-After": "120"})
    feed = subscribe(store, httpserver.url_for("/busy"))
    summary = await service.refresh(store, settings, now)
    feed = store.feed(feed.id)
    assert summary.failed == 1 and feed.errors == 1 and "429" in feed.last_error
    assert feed.retry_after == now.shift(seconds=120).isoformat()
    again = await service.refresh(store, settings, now.shift(seconds=60))
    assert again.skipped == 1 and len(httpserver.log) == 1
    await service.refresh(store, settings, now.shift(seconds=121))
    assert len(httpserver.log) == 2 and store.feed(feed.id).errors == 2


async def test_slow_server_hits_the_timeout_and_others_carry_on(store, settings, now, httpserver):
    release = threading.Event()

    def slow(request):
        release.wait(3)  # longer than the 0.5 s timeout; released at the end of the test
        return Response(simple_rss(1), headers=RSS)

    httpserver.expect_request("/slow").respond_with_handler(slow)
    slow_feed = subscribe(store, httpserver.url_for("/slow"))
    good = store.add_feed(Feed(url=str(_local(store, simple_rss(2)))))
    try:
        summary = await service.refresh(store, settings, now)
    finally:
        release.set()  # the test server handles one request at a time: free it
    assert summary.failed == 1 and summary.fetched == 1 and summary.new_articles == 2
    assert "timed out" in store.feed(slow_feed.id).last_error
    assert store.feed(good.id).last_status == "updated"


def _local(store, body: bytes):
    path = store.folder.parent / "local-feed.xml"
    path.write_bytes(body)
    return path


async def test_oversized_body_is_an_error_for_that_feed(store, settings, now, httpserver):
    settings.feeds.max_bytes = 2000
    httpserver.expect_request("/big").respond_with_data(simple_rss(100), headers=RSS)
    feed = subscribe(store, httpserver.url_for("/big"))
    summary = await service.refresh(store, settings, now)
    assert summary.failed == 1 and "limit" in store.feed(feed.id).last_error
    assert store.articles() == []


async def test_gzip_body_is_decoded(store, settings, now, httpserver):
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(simple_rss(4)), headers={**RSS, "Content-Encoding": "gzip"}
    )
    subscribe(store, httpserver.url_for("/gz"))
    summary = await service.refresh(store, settings, now)
    assert summary.new_articles == 4
    assert "gzip" in httpserver.log[0][0].headers["Accept-Encoding"]


async def test_html_page_is_not_a_feed(store, settings, now, httpserver):
    httpserver.expect_request("/page").respond_with_data(
        "<!doctype html><html><head><title>Hi</title></head><body><p>Welcome</p></body></html>",
        headers={"Content-Type": "text/html"},
    )
    feed = subscribe(store, httpserver.url_for("/page"))
    summary = await service.refresh(store, settings, now)
    assert summary.failed == 1 and "not a feed" in store.feed(feed.id).last_error


async def test_empty_body_is_an_error(store, settings, now, httpserver):
    httpserver.expect_request("/empty").respond_with_data("", headers=RSS)
    feed = subscribe(store, httpserver.url_for("/empty"))
    summary = await service.refresh(store, settings, now)
    assert summary.failed == 1 and "empty" in store.feed(feed.id).last_error
    assert summary.errors == [{"feed": store.feed(feed.id).url, "error": store.feed(feed.id).last_error}]


async def test_bozo_feed_with_entries_is_kept_with_a_warning(store, settings, now, httpserver):
    broken = simple_rss(2).replace(b"</channel></rss>", b"<unclosed></channel></rss>")
    httpserver.expect_request("/bozo").respond_with_data(broken, headers=RSS)
    feed = subscribe(store, httpserver.url_for("/bozo"))
    summary = await service.refresh(store, settings, now)
    assert summary.new_articles == 2 and "not well-formed" in store.feed(feed.id).warning


async def test_progress_events(store, settings, now, httpserver):
    httpserver.expect_request("/feed").respond_with_data(simple_rss(1), headers=RSS)
    httpserver.expect_request("/bad").respond_with_data("nope", status=500)
    subscribe(store, httpserver.url_for("/feed"))
    subscribe(store, httpserver.url_for("/bad"))
    events = []
    await service.refresh(store, settings, now, progress=events.append)
    states = sorted((e.feed_id, e.state) for e in events)
    assert states == [("f1", "fetching"), ("f1", "updated"), ("f2", "failed"), ("f2", "fetching")]


async def test_https_goes_through_a_verifying_transport_built_on_first_use(httpserver):
    """The CA bundle is loaded only when an https feed is fetched; plain http's TLS context
    trusts nothing, so it could never complete a handshake even if it were reached."""
    import ssl

    from crm_tui.config import FeedSettings
    from crm_tui.feeds.fetch import _NO_TLS, Fetcher, FetchRequest, _LazyTransport

    httpserver.expect_request("/feed").respond_with_data(simple_rss(1), headers=RSS)
    async with Fetcher(FeedSettings(timeout=2)) as fetcher:
        lazy = fetcher.client._transport
        assert isinstance(lazy, _LazyTransport) and lazy._real is None
        assert (await fetcher.fetch(FetchRequest("f1", httpserver.url_for("/feed")))).state == "ok"
        assert lazy._real is None  # plain http did not build it
        # TLS to a plain-http server: goes through the real transport, and fails.
        result = await fetcher.fetch(FetchRequest("f2", httpserver.url_for("/feed").replace("http://", "https://")))
        assert result.state == "failed"
        assert lazy._real is not None
        context = lazy._real._pool._ssl_context
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
        assert context.cert_store_stats()["x509_ca"] > 0
    empty = _NO_TLS()
    assert empty.verify_mode == ssl.CERT_REQUIRED and empty.check_hostname
    assert empty.cert_store_stats()["x509_ca"] == 0


def test_the_refresh_path_imports_nothing_heavy():
    """`feeds refresh` start-up: no ranking (numpy, bm25s), UI (textual, rich) or parser
    (feedparser: it is imported by the parse workers, and only when a feed has a body)."""
    import subprocess
    import sys

    code = (
        "import sys, crm_tui.services.feeds, crm_tui.feeds.fetch;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'feedparser', 'numpy', 'bm25s', 'scipy', 'textual', 'rich', 'pygments', 'Stemmer'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
