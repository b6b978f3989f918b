"""Bounded parsing (issue 14.6), unchanged bodies skipped (issue 18), no lock held while
fetching (issue 14.6)."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import subprocess
import sys
import time
from email.utils import format_datetime

import arrow
import feedparser
import pytest
from werkzeug import Request, Response

from crm_tui.config import Settings
from crm_tui.domain.models import Feed
from crm_tui.feeds import bounds
from crm_tui.feeds.parse import parse_feed
from crm_tui.services import feeds as service
from crm_tui.store.repository import Locked, Store

from .helpers import rss, simple_rss

RSS = {"Content-Type": "application/rss+xml"}


def many_items(n: int, newest_first: bool = True) -> bytes:
    start = arrow.get("2026-03-01T00:00:00+00:00")
    order = range(n) if newest_first else range(n - 1, -1, -1)
    return rss(
        [
            {"title": f"t{i}", "link": f"https://e.example/{i}", "guid": f"g{i}",
             "pubDate": format_datetime(start.shift(minutes=-i).datetime)}
            for i in order
        ]
    )


@pytest.mark.parametrize("newest_first", [True, False])
def test_a_feed_of_20000_items_keeps_its_newest_500_quickly(newest_first):
    body = many_items(20_000, newest_first)
    started = time.process_time()
    parsed = parse_feed(body)
    spent = time.process_time() - started
    assert len(parsed.entries) == bounds.MAX_ENTRIES
    assert {e.ident for e in parsed.entries} == {f"g{i}" for i in range(500)}  # the newest
    assert parsed.warning == "took the newest 500 of its 20000 entries"
    assert parsed.error is None
    # feedparser alone needs ~2.5 s for 20,000 entries here; trimmed, a small fraction.
    assert spent < 2.0


def test_trimming_keeps_the_feed_well_formed():
    body, cut = bounds.trim_entries(many_items(3000), keep=100)
    assert cut == 2900
    data = feedparser.parse(body)
    assert not data.bozo and len(data.entries) == 100
    assert [e.id for e in data.entries[:2]] == ["g0", "g1"] and data.entries[-1].id == "g2999"


def test_a_tag_bomb_is_refused_before_feedparser_sees_it():
    depth = 400_000
    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>t</title>'
            "<guid>1</guid><foo>" + "<a>" * depth + "</a>" * depth + "</foo></item></channel></rss>").encode()
    started = time.process_time()
    parsed = parse_feed(body)
    assert time.process_time() - started < 0.5
    assert parsed.error == "not parsed: more than 600,000 tags (a broken or hostile feed)"


def test_a_rich_feed_of_2000_entries_is_under_the_tag_limit():
    html = "<p>" + "<b>bold</b> and <a href='https://e.example/'>a link</a> " * 20 + "</p>"
    items = "".join(f"<item><title>t{i}</title><guid>g{i}</guid><description><![CDATA[{html}]]></description></item>"
                    for i in range(2000))
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'.encode()
    assert body.count(b"<") < bounds.MAX_TAGS
    parsed = parse_feed(body)
    assert parsed.error is None and len(parsed.entries) == bounds.MAX_ENTRIES


def test_small_feeds_are_not_touched():
    body = simple_rss(10)
    assert bounds.trim_entries(body) == (body, 0)


def _slow_parse(seconds: float) -> str:
    try:
        with bounds.deadline(seconds):
            time.sleep(5)
    except bounds.ParseTimeout as exc:
        return str(exc)
    return "finished"


def test_a_parse_past_its_deadline_is_stopped_in_a_worker_process():
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        started = time.perf_counter()
        outcome = pool.submit(_slow_parse, 0.2).result(timeout=10)
    assert outcome == "parsing took longer than 0.2 s"
    assert time.perf_counter() - started < 4


@pytest.fixture
def settings() -> Settings:
    s = Settings()
    s.feeds.timeout = 2
    return s


async def test_an_unchanged_body_without_validators_is_not_parsed_again(store, settings, now, httpserver, monkeypatch):
    bodies = [simple_rss(3), simple_rss(3), simple_rss(4)]
    served = iter(bodies)
    httpserver.expect_request("/feed").respond_with_handler(lambda r: Response(next(served), headers=RSS))
    feed = store.add_feed(Feed(url=httpserver.url_for("/feed")))
    first = await service.refresh(store, settings, now)
    assert (first.fetched, first.new_articles) == (1, 3)
    assert store.feed(feed.id).body_hash == service.body_digest(bodies[0])

    calls = []
    real = service._parse
    monkeypatch.setattr(service, "_parse", lambda *a: calls.append(1) or real(*a))
    second = await service.refresh(store, settings, now)
    assert (second.fetched, second.not_modified, second.new_articles) == (0, 1, 0)
    assert calls == []  # same bytes: feedparser never ran
    assert store.feed(feed.id).last_status == "not-modified"

    third = await service.refresh(store, settings, now)
    assert (third.fetched, third.new_articles) == (1, 1) and calls == [1]
    assert store.feed(feed.id).body_hash == service.body_digest(bodies[2])


def test_cli_refresh_holds_no_lock_while_fetching(paths, now, httpserver, isolated_home):
    """While the server is answering, another process can open the store for writing."""
    with Store.open(paths.data, today=now) as store:
        store.add_feed(Feed(url=httpserver.url_for("/feed")))
    seen: list[str] = []

    def handler(request: Request) -> Response:
        try:
            with Store.open(paths.data, today=now, wait=0):
                seen.append("writable")
        except Locked:
            seen.append("locked")
        return Response(simple_rss(2), headers=RSS)

    httpserver.expect_request("/feed").respond_with_handler(handler)
    done = subprocess.run(
        [sys.executable, "-m", "crm_tui", "feeds", "refresh"],
        env={**os.environ, "CRM_TUI_HOME": str(isolated_home)},
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "1 fetched" in done.stdout and "2 new articles" in done.stdout
    assert seen == ["writable"]
    with Store.open(paths.data, readonly=True, today=now) as store:
        assert len(store.articles()) == 2 and store.feeds()[0].last_status == "updated"


def test_a_feed_removed_while_fetching_is_not_brought_back(paths, now, httpserver, isolated_home):
    with Store.open(paths.data, today=now) as store:
        gone = store.add_feed(Feed(url=httpserver.url_for("/a")))
        kept = store.add_feed(Feed(url=httpserver.url_for("/b")))

    def remove_a(request: Request) -> Response:
        with Store.open(paths.data, today=now, wait=5) as store:
            store.delete_feed(gone.id)
        return Response(simple_rss(1, "a"), headers=RSS)

    httpserver.expect_request("/a").respond_with_handler(remove_a)
    httpserver.expect_request("/b").respond_with_data(simple_rss(1, "b"), headers=RSS)
    done = subprocess.run(
        [sys.executable, "-m", "crm_tui", "feeds", "refresh"],
        env={**os.environ, "CRM_TUI_HOME": str(isolated_home)},
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    with Store.open(paths.data, readonly=True, today=now) as store:
        assert [f.id for f in store.feeds()] == [kept.id]
        assert {a.feed_id for a in store.articles()} == {kept.id}


async def test_many_changed_bodies_without_validators_are_parsed_in_worker_processes(
        store, settings, now, httpserver, monkeypatch):
    """Digests make an unchanged refresh fork nothing; when bodies do change, the second
    one starts the process pool so many changed feeds still spread over the cores."""
    version = {"n": 0}
    for i in range(6):
        httpserver.expect_request(f"/f{i}").respond_with_handler(
            lambda r, i=i: Response(simple_rss(2 + version["n"], prefix=f"f{i}"), headers=RSS))
        store.add_feed(Feed(url=httpserver.url_for(f"/f{i}")))
    await service.refresh(store, settings, now)
    made: list[service._Parser] = []

    class Spy(service._Parser):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(service, "_Parser", Spy)
    unchanged = await service.refresh(store, settings, now)
    assert unchanged.not_modified == 6 and made[-1].pool is None and not made[-1].tried
    version["n"] = 1
    changed = await service.refresh(store, settings, now)
    assert (changed.fetched, changed.new_articles) == (6, 6)
    assert made[-1].pool is not None and made[-1].bodies == 6
