"""Snapshots of the Contacts and Contact screens, the help screen and every form .

The bundled demo at the pinned clock (2026-03-02 18:00 UTC), 120x36. Update after a
deliberate change with ``pytest tests/ui/test_snapshots_contacts_forms.py --snapshot-update`` and look
at the SVGs in ``__snapshots__`` before committing them.
"""

from __future__ import annotations

from typing import Any

from support import SIZE


async def _ready(pilot: Any) -> None:
    """The Contacts screen with its next steps filled in, no toasts."""
    screen = pilot.app.screen
    if hasattr(screen, "_fill_steps"):  # next steps normally fill in after the first paint
        screen._fill_steps()
    pilot.app.clear_notifications()
    await pilot.pause()


def _then(*keys: str) -> Any:
    async def run(pilot: Any) -> None:
        await _ready(pilot)
        await pilot.press(*keys)
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    return run


def _open_first_contact_then(*keys: str) -> Any:
    """The demo contact with the richest history (most touches), then ``keys``."""

    async def run(pilot: Any) -> None:
        await _ready(pilot)
        contacts = pilot.app.store.contacts()
        richest = max(contacts, key=lambda c: (c.touch_count, c.name))
        pilot.app.open_contact(richest.id)
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    return run


def test_contacts(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, run_before=_then(), terminal_size=SIZE)


def test_contacts_filtered(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, run_before=_then("slash", *"data"), terminal_size=SIZE)


def test_contacts_tag_picker(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, run_before=_then("t"), terminal_size=SIZE)


def test_first_run(snap_compare: Any, make_app: Any, empty_paths: Any) -> None:
    assert snap_compare(make_app(empty_paths), run_before=_then(), terminal_size=SIZE)


def test_read_only(snap_compare: Any, make_app: Any, demo_paths: Any) -> None:
    app = make_app(demo_paths, readonly_reason="open in another crm-tui (process 4242)")
    assert snap_compare(app, run_before=_then(), terminal_size=SIZE)


def test_help(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, run_before=_then("question_mark"), terminal_size=SIZE)


def test_add_contact_form_with_errors(snap_compare: Any, demo_app: Any) -> None:
    async def run(pilot: Any) -> None:
        await _then("a")(pilot)
        pilot.app.screen.query_one("#email").value = "not-an-email"
        await pilot.press("ctrl+s")
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(demo_app, run_before=run, terminal_size=SIZE)


def test_contact(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, run_before=_open_first_contact_then(), terminal_size=SIZE)


def test_contact_suggested_articles(snap_compare: Any, demo_app: Any) -> None:
    """a moves into the suggested articles (scrolled into view), j to the second."""
    assert snap_compare(demo_app, run_before=_open_first_contact_then("a", "j"), terminal_size=SIZE)


def test_edit_contact_form(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, run_before=_open_first_contact_then("e"), terminal_size=SIZE)


def test_log_touch_dialog(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, run_before=_open_first_contact_then("l"), terminal_size=SIZE)


def test_thread_form(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, run_before=_open_first_contact_then("o"), terminal_size=SIZE)


def test_note_dialog(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, run_before=_open_first_contact_then("n"), terminal_size=SIZE)


def test_delete_confirmation(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, run_before=_open_first_contact_then("D"), terminal_size=SIZE)


def test_import_contacts_dialog(snap_compare: Any, demo_app: Any) -> None:
    # A path that does not exist: the dialog with its inline error (a real file's path
    # would differ from one checkout to another).
    assert snap_compare(demo_app, run_before=_then("i", *"nowhere.csv"), terminal_size=SIZE)
