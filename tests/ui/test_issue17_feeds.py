"""Issue 17's Feeds points: a feed's whole error, refresh one feed, rename one feed; each in
the help and the palette, the rename undoable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import arrow
import pytest
from support import SIZE, SMALL
from textual.widgets import DataTable, Static

from crm_tui.domain.models import Feed
from crm_tui.store.repository import Store
from crm_tui.ui.screens.feeds import FeedsScreen

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Local news</title>
<item><title>Python pipelines</title><link>https://example.com/p</link>
<pubDate>Sun, 01 Mar 2026 08:30:00 +0000</pubDate><description>About python.</description></item>
</channel></rss>"""
LONG_ERROR = ("HTTP 503 Service Unavailable from feeds.example.org after 3 redirects; "
              "the server said: come back later, we are rebuilding the archive tonight")


@pytest.fixture
def home(empty_paths: Any, now: arrow.Arrow, tmp_path: Path) -> dict[str, Any]:
    good = tmp_path / "good.xml"
    good.write_text(RSS, encoding="utf-8")
    other = tmp_path / "other.xml"
    other.write_text(RSS.replace("Local news", "Other"), encoding="utf-8")
    with Store.open(empty_paths.data, today=now) as store:
        ok = store.add_feed(Feed(url=str(good), title="Local news", added_at=now.isoformat()))
        second = store.add_feed(Feed(url=str(other), title="Other", added_at=now.isoformat()))
        bad = store.add_feed(Feed(url="https://feeds.example.org/rss", title="Broken",
                                  added_at=now.isoformat(), last_status="failed",
                                  last_error=LONG_ERROR, errors=1))
    return {"paths": empty_paths, "ok": ok.id, "second": second.id, "bad": bad.id}


async def _feeds(pilot: Any) -> FeedsScreen:
    await pilot.press("4")
    await pilot.pause()
    assert isinstance(pilot.app.screen, FeedsScreen)
    return pilot.app.screen


def _move_to(screen: FeedsScreen, feed_id: str) -> None:
    table = screen.query_one("#feeds-list", DataTable)
    table.move_cursor(row=table.get_row_index(feed_id))


@pytest.mark.parametrize("size", [SIZE, SMALL])
async def test_the_whole_error_shows_under_the_list(make_app: Any, home: dict[str, Any],
                                                     size: tuple[int, int]) -> None:
    app = make_app(home["paths"])
    async with app.run_test(size=size) as pilot:
        screen = await _feeds(pilot)
        detail = screen.query_one("#feeds-detail", Static)
        _move_to(screen, home["ok"])
        await pilot.pause()
        assert not detail.display  # nothing wrong with this one
        _move_to(screen, home["bad"])
        await pilot.pause()
        assert detail.display
        shown = " ".join(str(detail.render()).split())
        assert LONG_ERROR in shown and "https://feeds.example.org/rss" in shown
        assert detail.region.height >= 2 and screen.region.contains_region(detail.region)


async def test_f_refreshes_the_selected_feed_only(make_app: Any, home: dict[str, Any]) -> None:
    app = make_app(home["paths"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await _feeds(pilot)
        _move_to(screen, home["second"])
        await pilot.pause()
        await pilot.press("f")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.store.articles(home["second"])) == 1
        assert app.store.articles(home["ok"]) == []  # the others were left alone
        assert app.store.feed(home["bad"]).last_error == LONG_ERROR
        table = screen.query_one("#feeds-list", DataTable)
        assert "updated" in str(table.get_cell(home["second"], "status"))


async def test_e_renames_the_selected_feed_and_undo_takes_it_back(make_app: Any,
                                                                   home: dict[str, Any]) -> None:
    from crm_tui.ui.dialogs.feed_rename import FeedRenameDialog

    app = make_app(home["paths"])
    async with app.run_test(size=SMALL) as pilot:
        screen = await _feeds(pilot)
        _move_to(screen, home["ok"])
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FeedRenameDialog)
        assert dialog.query_one("#title").value == "Local news"
        await pilot.press("ctrl+a", "ctrl+k")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog  # an empty title is refused
        await pilot.press(*"Town news", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert app.store.feed(home["ok"]).title == "Town news"
        table = screen.query_one("#feeds-list", DataTable)
        assert "Town news" in str(table.get_cell(home["ok"], "title"))
        await pilot.press("u")
        await pilot.pause()
        assert app.store.feed(home["ok"]).title == "Local news"


async def test_the_new_keys_are_in_the_help_and_the_palette(make_app: Any,
                                                             home: dict[str, Any]) -> None:
    from crm_tui.ui.commands import system_commands
    from crm_tui.ui.screens.help import HelpScreen

    app = make_app(home["paths"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await _feeds(pilot)
        titles = [t for t, _, _ in system_commands(screen, lambda *a: None, lambda m: None)]
        assert "Refresh the selected feed" in titles and "Rename the selected feed" in titles
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        ids = {row[2] for row in app.screen.rows}
        assert {"feeds.refresh_one", "feeds.rename"} <= ids
