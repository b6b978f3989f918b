"""Pilot flow: sync mail from the TUI, then classify the reply on Today with `r`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import arrow
from support import SIZE
from textual.widgets import DataTable

from crm_tui import config
from crm_tui.domain.models import Contact, Thread, Touch
from crm_tui.paths import Paths
from crm_tui.store.repository import Store
from crm_tui.ui.screens.today import TodayScreen

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.sources.maildirs import ME, deliver, message


def _seed(paths: Paths, now: arrow.Arrow, mail: Path) -> dict[str, str]:
    with Store.open(paths.data, today=now) as store, store.batch():
        dana = store.add_contact(Contact(name="Dana Whitfield", emails=["dana@tidemark.example"]))
        store.add_contact(Contact(name="Bo Stranger-Free", emails=["bo@example.org"], tier="active"))
        thread = store.add_thread(Thread(contact_id=dana.id, kind="interview",
                                         at="2026-02-23T10:00:00+00:00", role="Data Engineer"))
        store.log_touch(Touch(contact_id=dana.id, at="2026-02-23T16:00:00+00:00", thread_id=thread.id,
                              step="thank-you", note="thanks"))
    deliver(mail / "INBOX", message("Dana Whitfield <dana@tidemark.example>", ME, "Re: Data Engineer role",
                                    "Mon, 2 Mar 2026 09:00:00 +0000", "dana-1@tidemark.example"))
    deliver(mail / "INBOX", message("Eve Newcomer <eve@new.example>", ME, "Intro",
                                    "Sun, 1 Mar 2026 09:00:00 +0000", "eve-1@new.example"))
    return {"dana": dana.id, "thread": thread.id}


def _settings(paths: Paths, mail: Path) -> config.Settings:
    settings = config.load(paths.config_file)
    settings.me.emails = [ME]
    settings.sources.mail = [str(mail)]
    return settings


async def test_sync_from_the_tui_then_classify_the_reply_with_r(make_app: Any, empty_paths: Paths,
                                                                 now: arrow.Arrow, tmp_path: Path) -> None:
    mail = tmp_path / "Mail"
    ids = _seed(empty_paths, now, mail)
    app = make_app(empty_paths, settings=_settings(empty_paths, mail))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        inbound = [t for t in app.store.touches(contact_ids={ids["dana"]}) if t.direction == "in"]
        assert len(inbound) == 1 and inbound[0].unclassified and inbound[0].thread_id == ids["thread"]
        assert any(n.title == "Mail synced" and "0 out, 1 in" in n.message for n in app._notifications)
        assert not app.screen.query("#sync-status")  # the progress line is gone
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        first = screen.current()
        assert first is not None and first.step == "reply-received" and first.contact_id == ids["dana"]
        assert first.reason == "Dana replied on Mon 2 Mar ('Re: Data Engineer role'): what did they say?"
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("down", "enter", "ctrl+s")  # "They asked for something"
        await pilot.pause()
        inbound = [t for t in app.store.touches(contact_ids={ids["dana"]}) if t.direction == "in"]
        assert len(inbound) == 1 and inbound[0].outcome == "asked"  # the synced touch, classified
        steps = {s.step for s in screen.suggestions.values() if s.contact_id == ids["dana"]}
        assert "reply-requested" in steps and "reply-received" not in steps
        # Who wrote: Eve is listed; `a` makes her a contact.
        await pilot.press("W")
        await pilot.pause()
        table = app.screen.query_one("#correspondents-table", DataTable)
        assert table.row_count == 1
        await pilot.press("a")  # the contact form, name and address filled in
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        assert table.row_count == 0
        assert [c.name for c in app.store.contacts() if c.has_address("eve@new.example")] == ["Eve Newcomer"]


async def test_sync_without_addresses_says_how_and_writes_nothing(make_app: Any, empty_paths: Paths,
                                                                    now: arrow.Arrow, tmp_path: Path) -> None:
    mail = tmp_path / "Mail"
    _seed(empty_paths, now, mail)
    settings = _settings(empty_paths, mail)
    settings.me.emails = []
    app = make_app(empty_paths, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        await pilot.pause()
        assert any("[me]" in n.message for n in app._notifications)
        assert not [t for t in app.store.touches() if t.source]


async def test_sync_on_start(make_app: Any, empty_paths: Paths, now: arrow.Arrow, tmp_path: Path) -> None:
    mail = tmp_path / "Mail"
    ids = _seed(empty_paths, now, mail)
    settings = _settings(empty_paths, mail)
    settings.sources.sync_on_start = True
    app = make_app(empty_paths, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert [t.key for t in app.store.touches(contact_ids={ids["dana"]}) if t.direction == "in"] == [
            "dana-1@tidemark.example"]


def test_who_wrote_screen_snapshot(snap_compare: Any, make_app: Any, empty_paths: Paths, now: arrow.Arrow) -> None:
    from crm_tui.domain.synced import Correspondent

    with Store.open(empty_paths.data, today=now) as store, store.batch():
        store.add_contact(Contact(name="Dana Whitfield", emails=["dana@tidemark.example"]))
        store.save_correspondent(Correspondent(email="bea@else.example", name="Bea Quist", received=4,
                                               sent=2, last="2026-02-27T10:00:00+00:00"))
        # A name from a header is shown as it is, never read as markup.
        store.save_correspondent(Correspondent(email="m@evil.example", name="[bold red]Mallory[/] [link=x]",
                                               received=1, last="2026-02-20T10:00:00+00:00"))
        store.save_correspondent(Correspondent(email="list@lists.example", name="A list", sent=3,
                                               last="2026-02-25T10:00:00+00:00"))  # never wrote to me
    settings = config.load(empty_paths.config_file)
    settings.me.emails = [ME]
    app = make_app(empty_paths, settings=settings)
    assert snap_compare(app, press=["W"], terminal_size=SIZE)
