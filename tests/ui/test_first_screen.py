"""A start painted from the first screenful kept by the last run (crm_tui/ui/first_screen.py):
what is kept and when it is used, keys typed before the store is open, stale or damaged
kept rows, and a store that fails to open after that first frame."""

from __future__ import annotations

import dataclasses
import gc
import threading
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from support import SIZE, make_env

from crm_tui import config
from crm_tui.cli.tui import make_app
from crm_tui.store.storage import StoreError
from crm_tui.ui import app as app_module
from crm_tui.ui import cold_start, first_screen, opening
from crm_tui.ui.first_screen import KeptRow
from crm_tui.ui.screens.contact import ContactScreen
from crm_tui.ui.screens.contacts import ContactsScreen
from crm_tui.ui.widgets.contact_table import ContactTable


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


@pytest.fixture(autouse=True)
def no_cold_start_child(monkeypatch: pytest.MonkeyPatch) -> None:
    """A start with nothing kept opens the store first here (tests/ui/test_cold_start.py
    has the child process that works the first screen out alongside)."""
    monkeypatch.setattr(cold_start, "usable", lambda: False)


async def _run_until_kept(paths: Any, now: Any) -> list[str]:
    """A whole start (store first: nothing kept yet); the names of its first rows."""
    app = make_app(make_env(paths, now), first_screen=True)
    assert app.first_screen is None and app.ctx.opened
    async with app.run_test(size=SIZE) as pilot:
        while not app.screen.steps_ready:
            await pilot.pause(0.01)
        table = app.screen.query_one(ContactTable)
        names = [table.rows[i].name for i in table.order[:5]]
    app.finish_opening()
    return names


def _read(paths: Any, now: Any) -> first_screen.FirstScreen | None:
    """The kept rows as a start would find them (its settings read from the config file)."""
    return first_screen.read(paths, now, config.load(paths.config_file))


def _rows_shown(app: Any) -> list[Any]:
    table = app.screen.query_one(ContactTable)
    return [table.rows[i] for i in table.order]


async def test_a_second_start_paints_the_kept_rows_then_the_store_replaces_them(demo_paths, now) -> None:
    names = await _run_until_kept(demo_paths, now)
    assert first_screen.path_of(demo_paths).exists()
    kept = _read(demo_paths, now)
    assert kept is not None and [row.name for row in kept.rows[:5]] == names

    app = make_app(make_env(demo_paths, now), first_screen=True)
    assert app.first_screen is not None and not app.ctx.opened  # no store read yet
    async with app.run_test(size=SIZE) as pilot:
        while not app.screen.steps_ready:
            await pilot.pause(0.01)
        assert app.ctx.opened
        rows = _rows_shown(app)
        assert not any(isinstance(row, KeptRow) for row in rows)  # the real rows now
        assert [row.name for row in rows[:5]] == names
    app.finish_opening()


async def test_keys_typed_before_the_store_is_open_go_to_the_real_rows(demo_paths, now, monkeypatch) -> None:
    await _run_until_kept(demo_paths, now)
    release = threading.Event()
    real_open = opening.open_store

    def slow_open(env: Any) -> Any:
        release.wait(10)
        return real_open(env)

    monkeypatch.setattr(opening, "open_store", slow_open)
    app = make_app(make_env(demo_paths, now), first_screen=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ContactsScreen) and not app.ctx.opened
        shown = _rows_shown(app)
        assert shown and all(isinstance(row, KeptRow) for row in shown)  # the first frame
        table = screen.query_one(ContactTable)
        status = str(screen.query_one("#contacts-status").render())
        assert f"{len(shown)} contacts" in status
        await pilot.press("j", "j", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ContactsScreen) and table.cursor == 0  # they wait
        await pilot.pause(app_module.SLOW_OPEN_SECONDS + 0.2)
        assert any("Still opening" in str(n.message) for n in app._notifications)  # said
        release.set()
        for _ in range(200):
            if isinstance(app.screen, ContactScreen):
                break
            await pilot.pause(0.02)
        assert isinstance(app.screen, ContactScreen)
        await pilot.pause()  # let it finish mounting before the app closes
        third = screen.rows[screen._sorted[2]]
        assert app.screen.contact_id == third.id  # the third row, as typed
    app.finish_opening()


async def test_stale_kept_rows_show_for_a_moment_only(demo_paths, now) -> None:
    await _run_until_kept(demo_paths, now)
    path = first_screen.path_of(demo_paths)
    document = orjson.loads(path.read_bytes())
    for row in document["screens"][0]["rows"]:
        row[1] = "Stale Name"  # what a missed change would look like
    path.write_bytes(orjson.dumps(document))
    app = make_app(make_env(demo_paths, now), first_screen=True)
    assert app.first_screen is not None and app.first_screen.rows[0].name == "Stale Name"
    async with app.run_test(size=SIZE) as pilot:
        while not app.screen.steps_ready:
            await pilot.pause(0.01)
        assert "Stale Name" not in {row.name for row in _rows_shown(app)}
    app.finish_opening()


async def test_a_save_a_new_day_or_a_config_change_means_a_usual_start(demo_paths, now) -> None:
    await _run_until_kept(demo_paths, now)
    assert _read(demo_paths, now) is not None
    assert _read(demo_paths, now.shift(days=2)) is None  # next steps move with the day
    settings = config.load(demo_paths.config_file)  # the app saves a new theme: no row changes
    settings.ui.theme = "nord"
    config.save(settings, demo_paths.config_file)
    assert config.load(demo_paths.config_file).ui.theme == "nord"
    assert _read(demo_paths, now) is not None
    demo_paths.config_file.write_text("[cadence]\nclose = 10\n", encoding="utf-8")  # a row setting
    assert _read(demo_paths, now) is None
    await _run_until_kept(demo_paths, now)  # kept again, under the new config
    assert _read(demo_paths, now) is not None
    from crm_tui.store.repository import Store

    with Store.open(demo_paths.data, today=now) as store:  # another process saves
        contact = store.contacts()[0]
        store.update_contact(dataclasses.replace(contact, company="Elsewhere Ltd"))
    assert _read(demo_paths, now) is None


@pytest.mark.parametrize("content", [
    b"", b"{not json", b"[]", b'{"format": 2}', b'{"format": 2, "screens": [1]}',
    b'{"format": 99, "screens": []}',
])
def test_a_damaged_kept_file_is_ignored(demo_paths, now, content: bytes) -> None:
    path = first_screen.path_of(demo_paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    assert _read(demo_paths, now) is None


def test_odd_rows_are_refused_and_control_codes_dropped(demo_paths, now) -> None:
    key = first_screen.key_of(demo_paths, now, config.load(demo_paths.config_file))

    def keep(rows: list[Any], total: int = 3) -> None:
        path = first_screen.path_of(demo_paths)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps({"format": first_screen.FORMAT, "screens": [
            {"key": key, "total": total, "rows": rows}]}))

    good = ["c1", "Ada\x1b[31m Park\x07", "Acme", "today", "", "", ""]
    keep([good])
    kept = _read(demo_paths, now)
    assert kept is not None and "\x1b" not in kept.rows[0].name and "\x07" not in kept.rows[0].name
    for bad in (["c1", "Ada"], [1, *good[1:]], [*good[:5], "exploded", ""], [*good[:6], 7]):
        keep([bad])
        assert _read(demo_paths, now) is None, bad
    keep([good], total=0)  # fewer contacts than rows
    assert _read(demo_paths, now) is None


async def test_a_store_that_fails_to_open_after_the_first_frame_ends_with_its_message(
        demo_paths, now, monkeypatch) -> None:
    await _run_until_kept(demo_paths, now)

    def broken(env: Any) -> Any:
        raise StoreError("contacts.json is damaged (line 1)")

    monkeypatch.setattr(opening, "open_store", broken)
    app = make_app(make_env(demo_paths, now), first_screen=True)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(200):
            if not app.is_running:
                break
            await pilot.pause(0.02)
    assert app.return_code == 1
    assert not app.ctx.opened
    app.finish_opening()


async def test_an_empty_store_keeps_nothing(empty_paths, now) -> None:
    app = make_app(make_env(empty_paths, now), first_screen=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.steps_ready
    app.finish_opening()
    assert not first_screen.path_of(empty_paths).exists()


async def test_the_next_day_finds_its_rows_kept_too(demo_paths, now) -> None:
    """The first start of a day: tomorrow's screen, kept the day before, is what a start
    that day computes from the store."""
    await _run_until_kept(demo_paths, now)
    tomorrow = first_screen.morning(now)
    kept = _read(demo_paths, tomorrow)
    today = _read(demo_paths, now)
    assert kept is not None and today is not None
    # not today's rows again: the days since the last touch moved on
    assert [r.last for r in today.rows] != [r.last for r in kept.rows]
    first_screen.forget(demo_paths)
    await _run_until_kept(demo_paths, tomorrow)  # that day's own start, store first
    computed = _read(demo_paths, tomorrow)
    assert computed is not None
    cells = [[row.id, *row.cells().values()] for row in kept.rows]
    assert cells == [[row.id, *row.cells().values()] for row in computed.rows]


async def test_the_app_as_it_ends_keeps_a_week_so_a_start_after_a_weekend_is_quick(demo_paths, now) -> None:
    app = make_app(make_env(demo_paths, now), first_screen=True)
    async with app.run_test(size=SIZE) as pilot:
        while not app.screen.steps_ready:
            await pilot.pause(0.01)
    assert _read(demo_paths, first_screen.morning(now, 3)) is None  # the screen keeps tomorrow only
    app.keep_for_next_start()  # as `crm-tui` does once the app ended normally
    app.finish_opening()
    monday = first_screen.morning(now, 3)
    kept = _read(demo_paths, monday.replace(hour=15))  # any time that day
    assert kept is not None and _read(demo_paths, now) is not None
    assert _read(demo_paths, first_screen.morning(now, first_screen.DAYS_AHEAD)) is None  # a week, no more
    first_screen.forget(demo_paths)
    await _run_until_kept(demo_paths, monday)  # what that day's own start works out
    computed = _read(demo_paths, monday)
    assert computed is not None
    assert [[row.id, *row.cells().values()] for row in kept.rows] == \
        [[row.id, *row.cells().values()] for row in computed.rows]


async def test_a_read_only_app_keeps_nothing_as_it_ends(demo_paths, now) -> None:
    from crm_tui.store.repository import Store
    from crm_tui.ui.app import CrmApp

    store = Store.open(demo_paths.data, readonly=True, today=now)
    app = CrmApp(make_env(demo_paths, now), store, readonly_reason="another crm-tui")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
    first_screen.forget(demo_paths)
    app.keep_for_next_start()
    app.finish_opening()
    assert not first_screen.path_of(demo_paths).exists()


async def test_a_command_that_saves_keeps_the_screen_afresh(demo_paths, now, run_cli) -> None:
    run_cli("add", "Zed Nobody")  # no TUI has kept anything: nothing is written
    assert not first_screen.path_of(demo_paths).exists()
    await _run_until_kept(demo_paths, now)
    added = run_cli("add", "Aaron Newcomer", "--company", "Fresh Co")  # never touched: first
    assert added.exit_code == 0, added.output
    kept = _read(demo_paths, now)
    assert kept is not None
    assert "Aaron Newcomer" in [row.name for row in kept.rows]
    assert _read(demo_paths, first_screen.morning(now, 5)) is not None  # a week ahead, as the app's end
    total = kept.total
    app = make_app(make_env(demo_paths, now), first_screen=True)
    assert app.first_screen is not None  # the next start is the quick one
    async with app.run_test(size=SIZE) as pilot:
        while not app.screen.steps_ready:
            await pilot.pause(0.01)
        rows = _rows_shown(app)
        assert len(rows) == total
        assert [row.name for row in rows[:len(kept.rows)]] == [row.name for row in kept.rows]
    app.finish_opening()


async def test_a_bug_after_the_store_opened_ends_the_app_not_hangs_it(demo_paths, now, monkeypatch) -> None:
    await _run_until_kept(demo_paths, now)

    def broken(self: Any) -> None:
        raise RuntimeError("a bug in store_opened")

    monkeypatch.setattr(ContactsScreen, "store_opened", broken)
    app = make_app(make_env(demo_paths, now), first_screen=True)
    with pytest.raises(RuntimeError, match="a bug in store_opened"):
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(200):
                if not app.is_running:
                    break
                await pilot.pause(0.02)
    assert not app.is_running
    app.finish_opening()


async def test_a_store_opened_read_only_after_the_kept_frame_says_so(demo_paths, now, monkeypatch) -> None:
    await _run_until_kept(demo_paths, now)
    from crm_tui.store.repository import Store
    from crm_tui.ui.widgets.banner import ReadOnlyBanner

    def held_elsewhere(env: Any) -> Any:  # what open_store returns when the lock stays held
        return Store.open(env.paths.data, readonly=True, today=env.now, long_lived=True), \
            "another crm-tui (pid 4242) is saving"

    monkeypatch.setattr(opening, "open_store", held_elsewhere)
    app = make_app(make_env(demo_paths, now), first_screen=True)
    async with app.run_test(size=SIZE) as pilot:
        while not app.screen.steps_ready:
            await pilot.pause(0.01)
        banner = app.screen.query_one(ReadOnlyBanner)
        assert banner.display and "pid 4242" in str(banner.render())
        assert app.title == "crm-tui READ-ONLY"
        await pilot.press("a")  # add a contact: refused, with the reason
        await pilot.pause()
        assert isinstance(app.screen, ContactsScreen)
    app.finish_opening()
