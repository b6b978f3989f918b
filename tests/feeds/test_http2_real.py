"""HTTP/2 against a real server on 127.0.0.1 (issue 18, second round): TLS with ALPN, many
feeds of one host as streams on one connection, through the same guarded transport and
fetcher a refresh uses. The transport differs from the default in one thing only: it
trusts the test's own CA instead of certifi's bundle."""

from __future__ import annotations

import httpx

from crm_tui.config import Settings
from crm_tui.domain.models import Feed
from crm_tui.feeds.fetch import HTTP2_PER_HOST
from crm_tui.feeds.netguard import GuardedTransport
from crm_tui.services import feeds as service

from .h2server import H2Server
from .helpers import simple_rss

FEEDS = 30


def transport_for(server: H2Server, settings: Settings) -> GuardedTransport:
    limits = httpx.Limits(max_connections=settings.feeds.concurrency,
                          max_keepalive_connections=settings.feeds.per_host)
    return GuardedTransport(False, verify=server.client_context(), limits=limits, http2=True)


async def test_many_feeds_of_one_host_share_http2_connections(store, now):
    bodies = {f"/feed/{i}.xml": simple_rss(2, prefix=f"p{i}", title=f"Feed {i}") for i in range(FEEDS)}
    assert sum(len(b) for b in bodies.values()) < 60_000  # within h2's first flow-control window
    settings = Settings()
    with H2Server(bodies, delay=0.2) as server:
        for path in bodies:
            store.add_feed(Feed(url=server.url(path)))
        summary = await service.refresh(store, settings, now, transport=transport_for(server, settings))
    assert (summary.fetched, summary.failed, summary.new_articles) == (FEEDS, 0, 2 * FEEDS), summary.errors
    assert server.requests == FEEDS
    assert set(server.protocols) == {"h2"}  # negotiated by ALPN, not assumed
    # Fewer connections than HTTP/1.1 would need at 6 per host, and on one of them more
    # streams at once than HTTP/1.1's per-host limit allows.
    assert server.connections <= settings.feeds.per_host
    assert settings.feeds.per_host < server.peak_streams <= HTTP2_PER_HOST
    assert {f.title for f in store.feeds()} == {f"Feed {i}" for i in range(FEEDS)}


async def test_an_untrusted_certificate_fails_that_feed_only(store, now):
    """The same server with the default verification (certifi's CAs): refused, per feed."""
    settings = Settings()
    settings.feeds.timeout = 5
    with H2Server({"/a.xml": simple_rss(1)}) as server:
        store.add_feed(Feed(url=server.url("/a.xml")))
        summary = await service.refresh(store, settings, now)
    assert summary.failed == 1 and server.requests == 0
