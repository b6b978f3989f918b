"""Live data: the TUI shows what other crm-tui processes save, without a key press; a
second TUI is not read-only; a stale change is refused with a message, not saved over."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from support import SIZE, make_env

from crm_tui.domain.models import Contact
from crm_tui.store.repository import Store
from crm_tui.ui.format import sentence
from crm_tui.ui.screens.contacts import ContactsScreen
from crm_tui.ui.widgets.banner import ReadOnlyBanner
from crm_tui.ui.widgets.contact_table import ContactTable

ROOT = Path(__file__).resolve().parents[2]


def names(screen: ContactsScreen) -> list[str]:
    table = screen.query_one(ContactTable)
    return sorted(table.rows[i].name for i in table.order)


async def wait_for(pilot, condition, seconds: float = 2.0) -> float:
    """Let the app run (no key pressed) until ``condition()``; how long it took."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "not shown in time"
        await pilot.pause(0.05)
    return time.monotonic() - started


async def test_another_process_s_save_shows_within_two_seconds(make_app, empty_paths, now) -> None:
    with Store.open(empty_paths.data, today=now) as store:
        store.add_contact(Contact(name="Ada Lovelace"))
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ContactsScreen) and names(screen) == ["Ada Lovelace"]
        # `crm-tui add` in another process, while the app stays open.
        done = subprocess.run(
            [sys.executable, "-m", "crm_tui", "--home", str(empty_paths.config), "add", "Grace Hopper"],
            capture_output=True, text=True, timeout=60,
        )
        assert done.returncode == 0, done.stderr
        await wait_for(pilot, lambda: names(screen) == ["Ada Lovelace", "Grace Hopper"])
        # ... and the app's own next write keeps it (it re-read first).
        added = app.ctx.write(lambda: app.store.add_contact(Contact(name="Linus")))
        assert added.ok
    with Store.open(empty_paths.data, readonly=True) as store:
        assert sorted(c.name for c in store.contacts()) == ["Ada Lovelace", "Grace Hopper", "Linus"]


async def test_a_stale_change_is_refused_with_a_message_and_the_new_version_shown(make_app, empty_paths, now) -> None:
    with Store.open(empty_paths.data, today=now) as store:
        ada = store.add_contact(Contact(name="Ada Lovelace", company="Old Co"))
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        mine = app.store.contact(ada.id)  # what a form opened now would edit
        code = textwrap.dedent(f"""
            from pathlib import Path
            from crm_tui.store.repository import Store
            with Store.open(Path({str(empty_paths.data)!r})) as store:
                c = store.contact({ada.id!r}); c.company = "New Co"; store.update_contact(c)
        """)
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)
        # The app's timer picks the change up (the screens show it) while the form is open.
        await wait_for(pilot, lambda: app.store.contact(ada.id).company == "New Co")
        edited = dataclasses.replace(mine, notes="typed before the other change arrived")
        assert not app.ctx.write(lambda: app.store.update_contact(edited), "Saved")
        await pilot.pause()
        assert any(n.title == "Not saved" and "Ada Lovelace was changed by another crm-tui" in n.message
                   for n in app._notifications)
        assert app.store.contact(ada.id).company == "New Co"
        # Made again on the version now shown: saved, keeping the other change.
        again = dataclasses.replace(app.store.contact(ada.id), notes="met at PyCon")
        assert app.ctx.write(lambda: app.store.update_contact(again), "Saved").ok
    with Store.open(empty_paths.data, readonly=True) as store:
        (saved,) = store.contacts()
        assert (saved.company, saved.notes) == ("New Co", "met at PyCon")


def test_a_second_tui_is_not_read_only(empty_paths, now) -> None:
    from crm_tui.cli.tui import make_app

    env = make_env(empty_paths, now)
    first = make_app(env)
    second = make_app(env)
    try:
        assert first.ctx.readonly_reason is None and second.ctx.readonly_reason is None
        assert not first.store.readonly and not second.store.readonly
        assert not first.ctx.readonly and not second.ctx.readonly
        first.store.add_contact(Contact(name="From the first"))
        second.store.add_contact(Contact(name="From the second"))
        assert second.store.refresh() == set()  # (it caught up before its own write)
        assert first.store.refresh()
        assert sorted(c.name for c in first.store.contacts()) == ["From the first", "From the second"]
    finally:
        first.store.close()
        second.store.close()


async def test_the_read_only_banner_has_one_full_stop(make_app, demo_paths) -> None:
    reason = "the data in /x is being saved by another crm-tui (process 1). Try again in a moment."
    app = make_app(demo_paths, readonly_reason=reason)
    async with app.run_test(size=SIZE):
        text = str(app.screen.query_one(ReadOnlyBanner).render())
        assert "in a moment. You can look around" in text and ".." not in text
    assert sentence("no permission to write.") == "no permission to write"


async def test_a_contact_deleted_elsewhere_closes_its_screen(make_app, empty_paths, now) -> None:
    from crm_tui.ui.screens.contact import ContactScreen

    with Store.open(empty_paths.data, today=now) as store:
        ada = store.add_contact(Contact(name="Ada Lovelace"))
        store.add_contact(Contact(name="Grace Hopper"))
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        app.open_contact(ada.id)
        await pilot.pause()
        assert isinstance(app.screen, ContactScreen)
        with Store.open(empty_paths.data, today=now) as other:
            other.delete_contact(ada.id)
        await wait_for(pilot, lambda: isinstance(app.screen, ContactsScreen))
        assert names(app.screen) == ["Grace Hopper"]
