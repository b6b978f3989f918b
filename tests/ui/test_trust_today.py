"""Issue 13 on Today: a share is its own step, undo/redo keys, the cursor stays put, the
daily budget, a new day recomputes, feeds refresh quietly."""

from __future__ import annotations

from typing import Any

import arrow
from support import SIZE
from test_today import open_today, select
from textual.widgets import DataTable, Static

from crm_tui import config
from crm_tui.domain.models import Contact, Touch
from crm_tui.interop import backup


def export(app: Any) -> dict[str, Any]:
    return backup.document(app.store, app.ctx.env.paths)["tables"]


async def test_sharing_from_a_thread_row_is_a_share_on_no_thread(app: Any, data: dict[str, str],
                                                                  now: arrow.Arrow) -> None:
    from crm_tui.domain.models import Article

    app.store.add_article(Article(
        feed_id=data["feed"], title="Fintech leadership lessons", link="https://example.com/fin",
        summary="What fintech leadership teams learned.", tags=["fintech", "leadership"],
        published=now.shift(days=-1).isoformat(), key="https://example.com/fin"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        s = await select(pilot, screen, data["ravi"], "follow-up-1")
        assert s.thread_id == data["thread"]
        await pilot.press("a")  # share the suggested article
        await pilot.pause()
        await pilot.press("ctrl+s")  # mark sent
        await pilot.pause()
        shared = [t for t in app.store.touches(contact_ids={data["ravi"]}) if t.article_id]
        assert len(shared) == 1
        assert (shared[0].step, shared[0].thread_id) == ("share-article", None)
        # The follow-up was not used up by an article: it is still the thread's next step.
        follow_ups = [t for t in app.store.touches(thread_id=data["thread"]) if t.step == "follow-up-1"]
        assert follow_ups == []
        assert app.store.shares(contact_id=data["ravi"])[0].touch_id == shared[0].id


async def test_u_undoes_and_U_redoes_naming_what(app: Any, data: dict[str, str]) -> None:
    before = export(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, data["ravi"], "follow-up-1")
        await pilot.press("d")
        await pilot.pause()
        after = export(app)
        assert after != before
        await pilot.press("u")
        await pilot.pause()
        assert export(app) == before
        messages = [str(n.message) for n in app._notifications]
        assert "Undid: done on Ravi Patel's follow-up 1" in messages
        assert (data["ravi"], "follow-up-1") in {(s.contact_id, s.step) for s in screen.suggestions.values()}
        await pilot.press("U")
        await pilot.pause()
        assert export(app) == after
        assert "Redid: done on Ravi Patel's follow-up 1" in [str(n.message) for n in app._notifications]
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert export(app) == before
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert export(app) == after


async def test_the_cursor_stays_on_the_next_row_after_an_action(app: Any, data: dict[str, str]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        table = screen.query_one("#today-list", DataTable)
        await pilot.press("down")
        await pilot.pause()
        assert table.cursor_row == 1
        below = list(screen.suggestions)[2]
        await pilot.press("x")  # skip: the row goes away
        await pilot.pause()
        assert table.cursor_row == 1
        assert screen.current_key() == below


async def test_a_flood_waits_for_later_days(make_app: Any, empty_paths: Any, now: arrow.Arrow) -> None:
    from crm_tui.store.repository import Store

    with Store.open(empty_paths.data, today=now) as store, store.batch():
        for i in range(14):
            c = store.add_contact(Contact(name=f"Person {i:02d}", tier="dormant"))
            store.log_touch(Touch(contact_id=c.id, at=now.shift(days=-400 - i).isoformat(),
                                  direction="in", channel="linkedin"))
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        assert len(screen.suggestions) == 10
        more = screen.query_one("#today-more", Static)
        assert more.display and "and 4 more" in str(more.render())
        # The most overdue first: Person 13 (414 days) is shown, Person 00 (400 days) waits.
        shown = {s.contact for s in screen.suggestions.values()}
        assert "Person 13" in shown and "Person 00" not in shown


async def test_a_new_day_recomputes_today(make_app: Any, empty_paths: Any, now: arrow.Arrow) -> None:
    from crm_tui.store.repository import Store

    with Store.open(empty_paths.data, today=now) as store:
        c = store.add_contact(Contact(name="Nina Tomorrow", tier="close"))
        store.log_touch(Touch(contact_id=c.id, at=now.shift(days=-13, hours=-12).isoformat()))
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        assert not screen.suggestions  # due tomorrow
        app.ctx.env.now = now.shift(days=1)  # midnight passes with the app open
        app.check_day()
        await pilot.pause()
        assert [s.contact for s in screen.suggestions.values()] == ["Nina Tomorrow"]


async def test_feeds_refresh_on_a_timer_quietly(make_app: Any, empty_paths: Any, now: arrow.Arrow,
                                                tmp_path: Any) -> None:
    from crm_tui.domain.models import Feed
    from crm_tui.store.repository import Store

    feed_file = tmp_path / "feed.xml"
    feed_file.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>'
        '<item><title>Fresh piece</title><link>https://example.com/fresh</link>'
        f'<pubDate>{now.shift(hours=-1).format("ddd, DD MMM YYYY HH:mm:ss")} +0000</pubDate></item>'
        '</channel></rss>')
    with Store.open(empty_paths.data, today=now) as store:
        store.add_feed(Feed(url=str(feed_file), title="Local", added_at=now.isoformat()))
    settings = config.load(empty_paths.config_file)
    settings.feeds.refresh_minutes = 30
    app = make_app(empty_paths, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        timers = {t.name for t in app._timers}
        assert {"day-change", "feeds-refresh"} <= timers
        app.refresh_feeds_quietly()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [a.title for a in app.store.articles()] == ["Fresh piece"]
        assert not [n for n in app._notifications if "Feeds" in str(n.title)]


async def test_no_feed_timer_when_refresh_minutes_is_0(make_app: Any, empty_paths: Any) -> None:
    settings = config.load(empty_paths.config_file)
    settings.feeds.refresh_minutes = 0
    app = make_app(empty_paths, settings=settings)
    async with app.run_test(size=SIZE):
        assert "feeds-refresh" not in {t.name for t in app._timers}


async def test_escape_on_a_reply_with_a_typed_note_asks_first(app: Any, data: dict[str, str]) -> None:
    from textual.widgets import Input

    from crm_tui.ui.dialogs.confirm import ConfirmDialog
    from crm_tui.ui.dialogs.reply import ReplyDialog

    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, data["ravi"], "follow-up-1")
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReplyDialog)
        app.screen.query_one("#reply-note", Input).value = "They will decide on Friday"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen.query_one("#reply-note", Input).value == "They will decide on Friday"
