"""Issue 13 on the contact screen: touches are first-class (move, edit, delete with
confirmation), closing a thread, forms that ask before losing typing or saving 1985."""

from __future__ import annotations

import arrow
from support import SIZE
from test_contact_screen import _one, _open
from textual.widgets import Input, Select, TextArea

from crm_tui.ui.dialogs.close_thread import CloseThreadForm
from crm_tui.ui.dialogs.confirm import ConfirmDialog
from crm_tui.ui.dialogs.log_touch import LogTouchDialog
from crm_tui.ui.dialogs.thread_form import ThreadForm
from crm_tui.ui.dialogs.touch_form import TouchForm
from crm_tui.ui.screens.contact import ContactScreen


def _notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_wrongly_dated_touch_is_moved_from_the_timeline_and_undone(make_app, empty_paths, now) -> None:
    cid = _one(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, cid)
        await pilot.press("t")  # into the timeline: newest first
        await pilot.press("down")  # the older touch, "Sent the deck"
        await pilot.pause()
        timeline = app.screen.query_one("#timeline")
        old_id = timeline.current_id()
        assert app.store.touch(old_id).note == "Sent the deck"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TouchForm)
        app.screen.query_one("#when", Input).value = now.shift(days=-100).format("YYYY-MM-DD HH:mm")
        app.screen.query_one("#note", TextArea).text = "Sent the deck (v2)"
        app.screen.query_one("#channel", Select).value = "linkedin"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ContactScreen)
        [moved] = [t for t in app.store.touches(contact_ids={cid}) if "deck" in t.note]
        assert (moved.note, moved.channel) == ("Sent the deck (v2)", "linkedin")
        assert moved.at[:10] == now.shift(days=-100).format("YYYY-MM-DD")
        assert "Sent the deck (v2)" in timeline.plain()
        await pilot.press("u")
        await pilot.pause()
        assert app.store.touch(old_id).note == "Sent the deck"
        assert any(n.startswith("Undid: edit of the email to Dana Kim") for n in _notes(app))


async def test_deleting_a_touch_asks_first(make_app, empty_paths, now) -> None:
    cid = _one(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, cid)
        await pilot.press("t")
        await pilot.pause()
        newest = app.screen.query_one("#timeline").current_id()
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # no: nothing happens
        await pilot.pause()
        assert app.store.touch(newest) is not None
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.store.touch(newest) is None
        assert app.store.contact(cid).touch_count == 1
        assert "Called back" not in app.screen.query_one("#timeline").plain()
        await pilot.press("u")
        await pilot.pause()
        assert app.store.touch(newest) is not None and app.store.contact(cid).touch_count == 2


async def test_closing_a_thread_from_the_contact_screen(make_app, empty_paths, now) -> None:
    cid = _one(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, cid)
        [thread] = app.store.threads(contact_id=cid, open_only=True)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CloseThreadForm)
        assert app.screen.query_one("#reason", Select).value == "got the offer"
        await pilot.press("ctrl+s")
        await pilot.pause()
        closed = app.store.thread(thread.id)
        assert (closed.status, closed.close_reason) == ("closed", "got the offer")
        assert "No open threads" in str(app.screen.query_one("#threads").render())
        await pilot.press("u")
        await pilot.pause()
        assert app.store.thread(thread.id).status == "open"
        assert "Undid: closing Dana Kim's interview (got the offer)" in _notes(app)


async def test_escape_asks_before_throwing_away_a_half_filled_form(make_app, empty_paths, now) -> None:
    cid = _one(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, cid)
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LogTouchDialog)
        await pilot.press("escape")  # nothing typed: closes at once
        await pilot.pause()
        assert isinstance(app.screen, ContactScreen)
        await pilot.press("l")
        await pilot.pause()
        app.screen.query_one("#note", TextArea).focus()
        await pilot.press(*"We spoke about")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keep typing
        await pilot.pause()
        assert isinstance(app.screen, LogTouchDialog)
        assert app.screen.query_one("#note", TextArea).text == "We spoke about"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ContactScreen)
        assert app.store.contact(cid).touch_count == 2


async def test_a_touch_before_1990_asks_to_confirm(make_app, empty_paths, now) -> None:
    cid = _one(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, cid)
        await pilot.press("l")
        await pilot.pause()
        app.screen.query_one("#when", Input).value = "1985-06-01"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "before 1990" in str(app.screen.message)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, LogTouchDialog)  # back to fix it
        assert app.store.contact(cid).touch_count == 2
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.store.contact(cid).touch_count == 3
        # More than a day ahead is refused in the form, as on the command line.
        await pilot.press("l")
        await pilot.pause()
        app.screen.query_one("#when", Input).value = now.shift(days=3).format("YYYY-MM-DD")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, LogTouchDialog)
        assert "More than a day in the future" in str(app.screen.query_one("#when-error").render())


async def test_the_thread_form_has_talking_points_apart_from_the_private_note(make_app, empty_paths,
                                                                              now: arrow.Arrow) -> None:
    cid = _one(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, cid)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, ThreadForm)
        app.screen.query_one("#talking_points", TextArea).text = "your streaming plans\nthe team's on-call"
        app.screen.query_one("#note", TextArea).text = "salary seemed low"
        await pilot.press("ctrl+s")
        await pilot.pause()
        newest = max(app.store.threads(contact_id=cid), key=lambda t: int(t.id[1:]))
        assert newest.talking_points == "your streaming plans\nthe team's on-call"
        assert newest.note == "salary seemed low"


async def test_deleting_a_contact_is_undone_by_name(make_app, empty_paths, now) -> None:
    cid = _one(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, cid)
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.store.contact(cid) is None
        await pilot.press("u")
        await pilot.pause()
        assert app.store.contact(cid).touch_count == 2
        assert len(app.store.threads(contact_id=cid)) == 1
        assert "Undid: deleting Dana Kim" in _notes(app)
