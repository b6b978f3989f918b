"""Pilot flows on the Today screen: every key acts on the store, and the list follows."""

from __future__ import annotations

from typing import Any

from support import SIZE
from textual.widgets import DataTable, Static

from crm_tui.ui.screens.today import TodayScreen, row_key


async def open_today(pilot: Any) -> TodayScreen:
    await pilot.press("2")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TodayScreen)
    return screen


def keys_of(screen: TodayScreen) -> list[str]:
    return list(screen.suggestions)


async def select(pilot: Any, screen: TodayScreen, contact_id: str, step: str | None = None) -> Any:
    """Put the cursor on the contact's suggestion with the keyboard (down arrow)."""
    table = screen.query_one("#today-list", DataTable)
    for _ in range(table.row_count):
        s = screen.current()
        if s and s.contact_id == contact_id and (step is None or s.step == step):
            return s
        await pilot.press("down")
    raise AssertionError(f"{contact_id} {step} not in {keys_of(screen)}")


async def test_list_shows_who_is_due_with_reason_and_preview(app: Any, data: dict[str, str]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        due = {(s.contact_id, s.step) for s in screen.suggestions.values()}
        assert (data["dana"], "keep-in-touch") in due
        assert (data["ravi"], "follow-up-1") in due
        s = await select(pilot, screen, data["dana"])
        reason = str(screen.query_one("#today-reason", Static).render())
        assert "Dana Whitfield" in reason and "keep in touch" in reason
        message = str(screen.query_one("#today-message", Static).render())
        assert "Dana" in message  # the drafted message greets them
        article = str(screen.query_one("#today-article", Static).render())
        assert "Python data engineering" in article  # best match for her interests
        assert "match: data engineering, python" in article  # and why
        assert s.reason in reason


async def test_done_logs_the_touch_with_step_and_thread(app: Any, data: dict[str, str]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, data["ravi"], "follow-up-1")
        await pilot.press("d")
        await pilot.pause()
        touches = [t for t in app.store.touches(contact_ids={data["ravi"]}) if t.step == "follow-up-1"]
        assert len(touches) == 1
        assert touches[0].thread_id == data["thread"] and touches[0].direction == "out"
        assert (data["ravi"], "follow-up-1") not in {
            (s.contact_id, s.step) for s in screen.suggestions.values()
        }


async def test_snooze_asks_until_when_and_counts(app: Any, data: dict[str, str]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, data["mia"])
        await pilot.press("s")
        await pilot.pause()
        # A date in the past is refused inline; the dialog stays open.
        await pilot.press("ctrl+a", "ctrl+k", *"2026-03-01", "enter")
        await pilot.pause()
        feedback = str(app.screen.query_one("#snooze-feedback", Static).render())
        assert "after today" in feedback
        await pilot.press("ctrl+a", "ctrl+k", *"+3d", "enter")
        await pilot.pause()
        contact = app.store.contact(data["mia"])
        assert contact.snoozed_until == "2026-03-05"
        assert contact.snooze_count == 1
        assert data["mia"] not in {s.contact_id for s in screen.suggestions.values()}


async def test_skip_today_hides_until_tomorrow(app: Any, data: dict[str, str]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, data["dana"])
        await pilot.press("x")
        await pilot.pause()
        assert app.store.contact(data["dana"]).skipped_on == "2026-03-02"
        assert data["dana"] not in {s.contact_id for s in screen.suggestions.values()}


async def test_move_on_closes_the_thread(app: Any, data: dict[str, str]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, data["ravi"], "follow-up-1")
        await pilot.press("m")
        await pilot.pause()
        thread = app.store.thread(data["thread"])
        assert thread.status == "closed" and thread.close_reason == "moved on"


async def test_move_on_refuses_keep_in_touch(app: Any, data: dict[str, str]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, data["dana"])
        await pilot.press("m")
        await pilot.pause()
        assert data["dana"] in {s.contact_id for s in screen.suggestions.values()}
        assert any("keep-in-touch" in n.message for n in app._notifications)


async def test_reply_they_asked_for_something(app: Any, data: dict[str, str]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, data["ravi"], "follow-up-1")
        await pilot.press("r")
        await pilot.pause()
        # The outcome list has focus: down + enter picks "asked for something".
        await pilot.press("down", "enter", "tab", "tab", *"wants references", "enter")
        await pilot.pause()
        replies = [t for t in app.store.touches(contact_ids={data["ravi"]}) if t.direction == "in"]
        assert len(replies) == 1
        assert replies[0].outcome == "asked" and replies[0].thread_id == data["thread"]
        assert replies[0].note == "wants references"
        steps = {(s.contact_id, s.step) for s in screen.suggestions.values()}
        assert (data["ravi"], "reply-requested") in steps


async def test_work_through_the_whole_list_then_the_empty_summary(app: Any) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        for _ in range(10):
            if not screen.suggestions:
                break
            await pilot.press("x")
            await pilot.pause()
        assert not screen.suggestions
        empty = str(screen.query_one("#today-empty", Static).render())
        assert empty.startswith("Nobody to ping today. Next: ")
        assert screen.query_one("#today-empty").display


async def test_read_only_store_notifies_and_keeps_the_list(
    make_app: Any, empty_paths: Any, data: dict[str, str]
) -> None:
    app = make_app(empty_paths, readonly_reason="open in another crm-tui")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        before = len(screen.suggestions)
        await pilot.press("x")
        await pilot.pause()
        assert len(screen.suggestions) == before
        assert app.store.contact(screen.current().contact_id).skipped_on is None
        assert any(n.severity == "error" for n in app._notifications)


async def test_an_action_patches_the_list_without_running_the_whole_engine(
    app: Any, data: dict[str, str], monkeypatch: Any
) -> None:
    """`x` and `d` recompute only the contacts they touched (issue 17); the list still
    equals what the engine says for everyone."""
    from crm_tui.services import engine

    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        calls: list[int] = []
        full = engine.today
        monkeypatch.setattr(engine, "today", lambda *a: calls.append(1) or full(*a))
        first = screen.current()
        assert first is not None and len(screen.suggestions) >= 3
        await pilot.press("x")
        await pilot.pause()
        assert first.contact_id not in {s.contact_id for s in screen.suggestions.values()}
        await pilot.press("d")
        await pilot.pause()
        assert calls == []
        expected = [row_key(s) for s in full(app.store, app.ctx.settings, app.ctx.now)]
        assert list(screen.suggestions) == expected
        table = screen.query_one("#today-list", DataTable)
        assert [str(k.value) for k in table.rows] == expected


async def test_a_long_list_fills_in_after_the_first_rows(make_app: Any, empty_paths: Any,
                                                         now: Any) -> None:
    """Hundreds due: the first rows show at once, the rest follow, all of them in order."""
    from crm_tui.domain.models import Contact
    from crm_tui.store.repository import Store
    from crm_tui.ui.screens.today import FIRST_ROWS

    with Store.open(empty_paths.data, today=now) as store, store.batch():
        for i in range(FIRST_ROWS * 3):
            store.add_contact(Contact(name=f"Person {i:03}", tier="close",
                                      created_at=now.shift(days=-400).isoformat()))
    from crm_tui import config

    settings = config.Settings()
    settings.cadence.daily_keep_in_touch = 0  # no daily budget: every one of them today
    app = make_app(empty_paths, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        table = screen.query_one("#today-list", DataTable)
        for _ in range(50):
            if not screen.filling:
                break
            await pilot.pause(0.01)
        assert not screen.filling
        assert [str(k.value) for k in table.rows] == list(screen.suggestions)
        assert len(screen.suggestions) == FIRST_ROWS * 3
        assert "Article to share" in str(screen.query_one("#today-article", Static).render())


async def test_move_on_names_the_threads_owner_not_the_connection_on_the_row(
        make_app: Any, demo_paths: Any) -> None:
    """On the demo, "ask connection" rows name the connection to ask (Ethan Park); moving on
    closes the applicant's thread, and the notice and the list say so. Moving on a thread
    also hands the keep-in-touch of its people back to the budget: the list equals a
    fresh start's."""
    app = make_app(demo_paths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_today(pilot)
        table = screen.query_one("#today-list", DataTable)
        for _ in range(table.row_count):
            s = screen.current()
            thread = app.store.thread(s.thread_id) if s and s.thread_id else None
            if s and s.step == "ask-connection" and thread and thread.contact_id != s.contact_id:
                break
            await pilot.press("down")
        else:
            raise AssertionError("no ask-connection row on the demo")
        owner = app.store.contact(thread.contact_id).name
        connection = app.store.contact(s.contact_id).name
        assert connection in str(table.get_row(row_key(s))[1])
        await pilot.press("m")
        await pilot.pause()
        said = str(list(app._notifications)[-1].message)
        assert said == f"Moved on: {owner}'s application is closed", said
        assert app.store.thread(s.thread_id).status == "closed"
        shown = list(screen.suggestions)
    fresh = make_app(demo_paths)  # (a new app: the engine's whole run, nothing kept)
    from crm_tui.services import engine

    engine._LAST.clear()
    async with fresh.run_test(size=SIZE) as pilot:
        again = await open_today(pilot)
        assert list(again.suggestions) == shown
