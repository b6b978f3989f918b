"""Pilot flows on the Feeds screen: refresh with live states, add, import OPML, remove."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import arrow
import pytest
from support import SIZE
from textual.widgets import DataTable

from crm_tui.domain.models import Feed
from crm_tui.store.repository import Store
from crm_tui.ui.screens.feeds import FeedsScreen

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Local news</title>
<item><title>Python pipelines</title><link>https://example.com/p</link>
<pubDate>Sun, 01 Mar 2026 08:30:00 +0000</pubDate><description>About python.</description></item>
</channel></rss>"""


@pytest.fixture
def home(empty_paths: Any, now: arrow.Arrow, tmp_path: Path) -> dict[str, Any]:
    good = tmp_path / "good.xml"
    good.write_text(RSS, encoding="utf-8")
    broken = tmp_path / "broken.xml"
    broken.write_text("this is not a feed <<<", encoding="utf-8")
    with Store.open(empty_paths.data, today=now) as store:
        ok = store.add_feed(Feed(url=str(good), title="Local news", added_at=now.isoformat()))
        bad = store.add_feed(Feed(url=str(tmp_path / "missing.xml"), title="Gone",
                                  added_at=now.isoformat()))
    return {"paths": empty_paths, "ok": ok.id, "bad": bad.id, "tmp": tmp_path}


async def open_feeds(pilot: Any) -> FeedsScreen:
    await pilot.press("4")
    await pilot.pause()
    assert isinstance(pilot.app.screen, FeedsScreen)
    return pilot.app.screen


async def test_refresh_shows_live_states_and_notifies(make_app: Any, home: dict[str, Any]) -> None:
    app = make_app(home["paths"])
    seen: list[tuple[str, str]] = []
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_feeds(pilot)
        original = screen.show_progress

        def spy(feed_id: str, state: str, detail: str) -> None:
            seen.append((feed_id, state))
            original(feed_id, state, detail)

        screen.show_progress = spy  # type: ignore[method-assign]
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (home["ok"], "fetching") in seen and (home["ok"], "updated") in seen
        assert (home["bad"], "failed") in seen
        assert any(n.title == "Feeds refreshed" for n in app._notifications)
        table = screen.query_one("#feeds-list", DataTable)
        assert "updated" in str(table.get_cell(home["ok"], "status"))
        assert "failed" in str(table.get_cell(home["bad"], "status"))
        assert str(table.get_cell(home["ok"], "count")) == "1"
        assert len(app.store.articles(home["ok"])) == 1
        assert app.store.feed(home["bad"]).last_error


async def test_add_validates_inline(make_app: Any, home: dict[str, Any], httpserver: Any) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(RSS, headers={"Content-Type": "application/rss+xml"})
    app = make_app(home["paths"])
    async with app.run_test(size=SIZE) as pilot:
        await open_feeds(pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"ftp://example.com/feed", "enter")
        await pilot.pause()
        assert "only http(s)" in str(app.screen.query_one("#path-feedback").render())
        url = httpserver.url_for("/feed.xml")
        await pilot.press("ctrl+a", "ctrl+k", *url, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert url in {f.url for f in app.store.feeds()}


async def test_import_opml(make_app: Any, home: dict[str, Any]) -> None:
    opml = home["tmp"] / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        '<outline text="Tech"><outline text="A" xmlUrl="https://a.example/feed"/>'
        '<outline text="B" xmlUrl="javascript:alert(1)"/></outline></body></opml>',
        encoding="utf-8",
    )
    app = make_app(home["paths"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_feeds(pilot)
        await pilot.press("i")
        await pilot.pause()
        await pilot.press(*str(opml), "enter")
        await pilot.pause()
        urls = {f.url for f in app.store.feeds()}
        assert "https://a.example/feed" in urls and "javascript:alert(1)" not in urls
        assert any("1 added" in n.message for n in app._notifications)
        assert screen.query_one("#feeds-list", DataTable).row_count == 3


async def test_remove_asks_first(make_app: Any, home: dict[str, Any]) -> None:
    app = make_app(home["paths"])
    async with app.run_test(size=SIZE) as pilot:
        await open_feeds(pilot)
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("n")  # no: nothing removed
        await pilot.pause()
        assert app.store.feed(home["ok"]) is not None
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.store.feed(home["ok"]) is None


async def test_refresh_of_the_demo_feeds_finishes(demo_app: Any) -> None:
    """Four feeds or more take the service's process-pool path; inside the app it must
    fall back to a thread rather than crash (stderr has no file descriptor there)."""
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_feeds(pilot)
        await pilot.press("r")
        await demo_app.workers.wait_for_complete()
        await pilot.pause()
        assert any(n.title == "Feeds refreshed" for n in demo_app._notifications)
        assert demo_app.is_running
