"""Where next meetings and birthdays show: the contact screen, Today's detail, the Contacts
table sorted by birthday (pilot flows and snapshots at 120x36, pinned clock)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.calendar_data import seed

SNAPSHOT_SIZE = (120, 36)


@pytest.fixture
def cal_app(make_app: Any, empty_paths: Any, now: Any, tmp_path: Path) -> Any:
    ids = seed(empty_paths, now, tmp_path / "calendars")
    app = make_app(empty_paths)
    app.ids = ids
    return app


def _text(widget: Any) -> str:
    return str(widget.render())


async def test_contact_screen_shows_next_meeting_and_birthday(cal_app: Any) -> None:
    async with cal_app.run_test(size=SNAPSHOT_SIZE) as pilot:
        cal_app.open_contact(cal_app.ids["ada"])
        await pilot.pause()
        text = " ".join(_text(w) for w in cal_app.screen.query("Static"))
        assert "next meeting Thu 5 Mar 19:00: Dinner at Rosa's" in text
        assert "1986-03-04, next Wed 4 Mar (in 2 d, turns 40)" in text
        assert "waiting" in text, text  # keep-in-touch waits for the dinner


async def test_contacts_sort_by_birthday(cal_app: Any) -> None:
    async with cal_app.run_test(size=SNAPSHOT_SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        screen = cal_app.screen
        order = [screen.rows[i].contact.name for i in screen._sorted]
        assert order == ["Ben Ode", "Ada Park", "Dee Moss", "Cy Lee"]
        assert "sorted by next birthday" in _text(screen.query_one("#contacts-status"))


def test_snapshot_contact_with_meeting_and_birthday(snap_compare: Any, cal_app: Any) -> None:
    async def open_ada(pilot: Any) -> None:
        pilot.app.open_contact(pilot.app.ids["ada"])
        await pilot.pause()

    assert snap_compare(cal_app, run_before=open_ada, terminal_size=SNAPSHOT_SIZE)


def test_snapshot_today_birthday_and_meeting(snap_compare: Any, cal_app: Any) -> None:
    # Ben's birthday first (time-critical), then Cy's follow-up with the coffee ahead.
    assert snap_compare(cal_app, press=["2", "down"], terminal_size=SNAPSHOT_SIZE)


def test_snapshot_contacts_by_birthday(snap_compare: Any, cal_app: Any) -> None:
    assert snap_compare(cal_app, press=["b"], terminal_size=SNAPSHOT_SIZE)


async def test_reminders_folder_follows_writes_in_the_tui(make_app: Any, empty_paths: Any,
                                                          tmp_path: Path) -> None:
    from crm_tui import config
    from crm_tui.domain.models import Contact

    settings = config.Settings()
    settings.sources.reminders = str(tmp_path / "crm")
    app = make_app(empty_paths, settings=settings)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        app.ctx.write(lambda: app.store.add_contact(Contact(name="Ada Park")))
        await pilot.pause(1.6)  # exported once the changes pause for a second
        assert [p.name for p in (tmp_path / "crm").glob("*.ics")] == [
            "crm-tui-c1-kit-keep-in-touch.ics"]


async def test_a_slow_export_runs_off_the_event_loop_and_catches_up(
        make_app: Any, empty_paths: Any, tmp_path: Path, monkeypatch: Any) -> None:
    """At 10,000 contacts a first export drafts and writes thousands of files (13 s measured):
    it must not freeze the screen, and what changed meanwhile is exported when it ends."""
    import threading
    import time

    from crm_tui import config
    from crm_tui.domain.models import Contact
    from crm_tui.services import reminders

    original = reminders.write_to_reminders
    calls: list[int] = []
    hold = threading.Event()

    def slow(snap: Any) -> Any:
        calls.append(len(snap.contacts))
        if len(calls) == 1:
            hold.wait(5.0)  # held until the test has seen the screen answer a key
        return original(snap)

    monkeypatch.setattr(reminders, "write_to_reminders", slow)
    settings = config.Settings()
    settings.sources.reminders = str(tmp_path / "crm")
    app = make_app(empty_paths, settings=settings)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        app.ctx.write(lambda: app.store.add_contact(Contact(name="Ada Park")))
        await pilot.pause(1.2)  # the export has started and is held in its thread
        assert calls == [1]
        started = time.monotonic()
        await pilot.press("question_mark")
        await pilot.pause()
        # On the event loop, the key would wait for the whole 5 s hold.
        assert time.monotonic() - started < 2.5, "the event loop waited for the export"
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape")
        app.ctx.write(lambda: app.store.add_contact(Contact(name="Bo Chen")))
        await pilot.pause(1.3)  # its export is due while the first still runs: it waits
        assert calls == [1]
        hold.set()
        await pilot.pause(1.5)
        assert calls == [1, 2]
        assert len(list((tmp_path / "crm").glob("*.ics"))) == 2


async def test_a_read_only_tui_never_exports(make_app: Any, empty_paths: Any, tmp_path: Path) -> None:
    from crm_tui import config
    from crm_tui.ui.context import Change

    settings = config.Settings()
    settings.sources.reminders = str(tmp_path / "crm")
    app = make_app(empty_paths, readonly_reason="another crm-tui has it", settings=settings)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        app.ctx.publish(Change.everything())
        await pilot.pause(1.6)
    assert not (tmp_path / "crm").exists()


async def test_a_hostile_meeting_title_is_shown_as_text(make_app: Any, empty_paths: Any, now: Any,
                                                        tmp_path: Path) -> None:
    from crm_tui.config import Settings
    from crm_tui.domain.models import Contact
    from crm_tui.sources import calendar
    from crm_tui.store.repository import Store
    from tests.sources.ics import event, write

    with Store.open(empty_paths.data, today=now) as store:
        eve = store.add_contact(Contact(name="Eve", emails=["eve@example.com"], tier="close",
                                        last_in=now.shift(days=-20).isoformat()))
        # Further than her 14-day interval: keep-in-touch stays due, so Today shows her.
        path = write(tmp_path / "c.ics", event("x", ":20260322T190000Z",
                                               summary="[b]Dinner[/b] [link=x]y[/link]\x1b[2J",
                                               attendees=("eve@example.com",)))
        calendar.sync(store, [path], Settings(), now)
    app = make_app(empty_paths)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        app.open_contact(eve.id)
        await pilot.pause()
        text = " ".join(_text(w) for w in app.screen.query("Static"))
        assert "next meeting Sun 22 Mar 19:00: [b]Dinner[/b] [link=x]y[/link]" in text
        await pilot.press("2")
        await pilot.pause()
        detail = _text(app.screen.query_one("#today-reason"))
        assert "[b]Dinner[/b] [link=x]y[/link]" in detail
