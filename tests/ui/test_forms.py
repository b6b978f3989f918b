"""Forms validate inline with clear messages; nothing invalid reaches the store."""

from __future__ import annotations

from support import SIZE
from textual.widgets import Static

from crm_tui.ui.dialogs.contact_form import ContactForm
from crm_tui.ui.dialogs.log_touch import LogTouchDialog
from crm_tui.ui.dialogs.thread_form import ThreadForm
from crm_tui.ui.screens.contact import ContactScreen
from crm_tui.ui.widgets import checks


def _error(app, name: str) -> str:
    widget = app.screen.query_one(f"#{name}-error", Static)
    return str(widget.render()) if widget.display else ""


async def test_add_contact_requires_a_name_and_a_real_email(make_app, empty_paths) -> None:
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ContactForm)
        await pilot.press("ctrl+s")  # empty form
        await pilot.pause()
        assert isinstance(app.screen, ContactForm)
        assert _error(app, "name") == "A name is required."
        app.screen.query_one("#name").value = "Grace Hopper"
        app.screen.query_one("#email").value = "grace-at-navy"
        app.screen.query_one("#every").value = "often"
        await pilot.pause()
        assert _error(app, "name") == ""  # fixed: the message goes away as you type
        assert "Not an email address" in _error(app, "email")
        assert "whole number of days" in _error(app, "every")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.store.contacts() == []  # nothing invalid reached the store
        app.screen.query_one("#email").value = "grace@navy.mil"
        app.screen.query_one("#every").value = "21"
        app.screen.query_one("#tags").value = "navy, cobol, navy"
        await pilot.press("ctrl+s")
        await pilot.pause()
        (grace,) = app.store.contacts()
        assert (grace.name, grace.email, grace.every, grace.tags) == (
            "Grace Hopper", "grace@navy.mil", 21, ["navy", "cobol"])
        assert isinstance(app.screen, ContactScreen)  # opens the new contact


async def test_edit_contact_keeps_history(make_app, demo_paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=SIZE) as pilot:
        contact = app.store.contacts()[0]
        count = contact.touch_count
        app.open_contact(contact.id)
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#role").value = "VP Data"
        app.screen.query_one("#birthday").value = "--02-30"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Not a real day" in _error(app, "birthday")
        app.screen.query_one("#birthday").value = "--07-14"
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = app.store.contact(contact.id)
        assert (saved.role, saved.birthday, saved.touch_count) == ("VP Data", "--07-14", count)


async def test_touch_in_the_future_is_refused(make_app, demo_paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=SIZE) as pilot:
        contact = app.store.contacts()[0]
        before = len(app.store.touches(contact_ids=[contact.id]))
        app.open_contact(contact.id)
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        app.screen.query_one("#when").value = "2026-03-09"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, LogTouchDialog)
        assert "future" in _error(app, "when")
        app.screen.query_one("#when").value = "someday"
        await pilot.pause()
        assert "2026-03-02" in _error(app, "when")  # says what it expects
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.store.touches(contact_ids=[contact.id])) == before


async def test_thread_form_checks_dates(make_app, demo_paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=SIZE) as pilot:
        contact = app.store.contacts()[0]
        threads_before = len(app.store.threads())
        app.open_contact(contact.id)
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, ThreadForm)
        app.screen.query_one("#at").value = "2026-02-30"
        app.screen.query_one("#decision_by").value = "2026-01-01"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "February 2026 has 28 days" in _error(app, "at")  # says why (issue 13)
        app.screen.query_one("#at").value = "2026-02-20"
        await pilot.pause()
        assert "after the start" in _error(app, "decision_by")
        app.screen.query_one("#decision_by").value = "2026-02-27"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert len(app.store.threads()) == threads_before + 1


def test_checks(now) -> None:
    assert checks.email("a@b.co") is None and checks.email("a@b") is not None
    assert checks.days("") is None and checks.days("0") is not None
    assert checks.date("2026-02-28") is None and checks.date("28/02/2026") is not None
    assert checks.when("2026-03-01 09:15", now).format("HH:mm") == "09:15"
