"""A start with nothing kept works out its first screen in a child process while the UI is
imported (crm_tui/ui/cold_start.py): the rows it paints, the store it leaves untouched, and
a child that fails or hangs."""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from support import SIZE, make_env

from crm_tui import config
from crm_tui.cli.tui import make_app
from crm_tui.store.repository import Store
from crm_tui.ui import cold_start, first_screen, opening
from crm_tui.ui.widgets.contact_table import ContactTable

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the child is used on Linux only")


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


@pytest.fixture
def keepers(monkeypatch: pytest.MonkeyPatch) -> list[cold_start.Keeper]:
    """The children the start forked. (The test process has other threads, Textual's and
    the test runner's, that a real start does not: they take no lock the child needs.)"""
    monkeypatch.setattr(cold_start, "usable", lambda: True)
    made: list[cold_start.Keeper] = []
    real = cold_start.keep_in_child

    def recorded(*args: Any) -> cold_start.Keeper | None:
        keeper = real(*args)
        assert keeper is not None
        made.append(keeper)
        return keeper

    monkeypatch.setattr(cold_start, "keep_in_child", recorded)
    return made


def _stamps(paths: Any) -> dict[str, tuple[int, int]]:
    return {entry.name: (entry.stat().st_size, entry.stat().st_mtime_ns)
            for entry in os.scandir(paths.data) if entry.is_file()}


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


async def test_a_cold_start_paints_the_rows_a_child_worked_out(demo_paths, now, keepers) -> None:
    assert not first_screen.path_of(demo_paths).exists()
    before = _stamps(demo_paths)
    with Store.open(demo_paths.data, readonly=True, today=now) as store:
        expected = [row.name for row in first_screen.first_rows(store.contacts(), now)]

    app = make_app(make_env(demo_paths, now), first_screen=True)
    assert len(keepers) == 1 and not app.ctx.opened  # the store is opened after the first frame
    # Done by now (its rows painted first) or not yet (the frame first, its rows after).
    assert app.first_screen is not None or app._pending is keepers[0]
    assert keepers[0].wait() is True and _reaped(keepers[0].pid)  # no zombie
    assert _stamps(demo_paths) == before  # the child only read the store
    kept = first_screen.read(demo_paths, now, config.load(demo_paths.config_file))
    assert kept is not None and [row.name for row in kept.rows] == expected
    async with app.run_test(size=SIZE) as pilot:
        while not app.screen.steps_ready:
            await pilot.pause(0.01)
        assert app.ctx.opened
        table = app.screen.query_one(ContactTable)
        assert [table.rows[i].name for i in table.order][: len(expected)] == expected
        await pilot.press("j", "enter")  # keys go to the real rows
        await pilot.pause()
        assert getattr(app.screen, "contact_id", None) == table.rows[table.order[1]].id
    app.finish_opening()


@pytest.fixture
def slow_child(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Callable[[], None]:
    """A child still at work when the UI is up (as at 50,000 contacts): it starts only
    when the test calls the function returned (a file it waits for: it is another
    process), so a loaded machine cannot let it finish first."""
    real = cold_start._child
    flag = tmp_path / "go"

    def slow(*args: Any) -> int:
        deadline = time.monotonic() + 10
        while not flag.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        return real(*args)

    monkeypatch.setattr(cold_start, "_child", slow)
    return flag.touch


async def test_a_child_still_at_work_paints_the_frame_then_its_rows(
        demo_paths, now, keepers, slow_child, monkeypatch) -> None:
    release = threading.Event()
    real_open = opening.open_store

    def held(env: Any) -> Any:  # the store opens only when the test says
        release.wait(10)
        return real_open(env)

    monkeypatch.setattr(opening, "open_store", held)
    app = make_app(make_env(demo_paths, now), first_screen=True)
    assert app._pending is keepers[0] and app.first_screen is None
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ContactTable)
        assert table.row_count == 0
        assert "Opening your contacts" in str(app.screen.query_one("#contacts-status").render())
        await pilot.press("j")  # held until the store is open
        slow_child()  # the child at work now
        for _ in range(300):
            if table.row_count:
                break
            await pilot.pause(0.01)
        assert table.row_count and not app.ctx.opened  # the child's rows, before the store
        assert all(isinstance(row, first_screen.KeptRow) for row in table.rows)
        assert "contacts" in str(app.screen.query_one("#contacts-status").render())
        release.set()
        while not app.screen.steps_ready:
            await pilot.pause(0.01)
        assert not any(isinstance(row, first_screen.KeptRow) for row in table.rows)
        assert table.highlighted_id == table.rows[table.order[1]].id  # the key typed meanwhile
    app.finish_opening()
    assert _reaped(keepers[0].pid)


async def test_a_damaged_store_ends_with_its_message_and_is_never_rewritten(
        demo_paths, now, keepers, slow_child) -> None:
    contacts = demo_paths.data / "contacts.json"
    contacts.write_bytes(b'{"_schema": 2, "contacts": {"1": ')
    damaged = contacts.read_bytes()
    app = make_app(make_env(demo_paths, now), first_screen=True)
    assert app._pending is keepers[0]
    slow_child()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(300):
            if not app.is_running:
                break
            await pilot.pause(0.02)
    assert app.return_code == 1 and not app.ctx.opened  # as a start after a kept frame ends
    app.finish_opening()
    assert _reaped(keepers[0].pid)
    assert contacts.read_bytes() == damaged  # never rewritten
    assert not first_screen.path_of(demo_paths).exists()


def test_a_damaged_store_without_a_frame_yet_is_the_usual_start_and_its_message(
        demo_paths, now, keepers, capsys) -> None:
    contacts = demo_paths.data / "contacts.json"
    contacts.write_bytes(b'{"_schema": 2, "contacts": {"1": ')
    damaged = contacts.read_bytes()
    real = cold_start.Keeper.finished

    def waited(self: cold_start.Keeper) -> bool | None:  # the child done by the time the UI is
        self.wait()
        return real(self)

    import unittest.mock

    with unittest.mock.patch.object(cold_start.Keeper, "finished", waited), \
            pytest.raises(SystemExit) as ended:
        make_app(make_env(demo_paths, now), first_screen=True)
    assert ended.value.code == 2
    assert "contacts.json" in capsys.readouterr().err
    assert len(keepers) == 1 and _reaped(keepers[0].pid)
    assert contacts.read_bytes() == damaged  # never rewritten
    assert not first_screen.path_of(demo_paths).exists()


def test_a_child_that_hangs_is_killed_and_reaped(demo_paths, now, monkeypatch) -> None:
    monkeypatch.setattr(cold_start, "usable", lambda: True)
    monkeypatch.setattr(cold_start, "_child", lambda *args: time.sleep(60) or 0)
    keeper = cold_start.keep_in_child(demo_paths, config.Settings(), now)
    assert keeper is not None
    start = time.monotonic()
    assert keeper.wait(timeout=0.3) is False
    assert time.monotonic() - start < 5
    assert _reaped(keeper.pid)


def test_no_child_while_another_thread_runs() -> None:
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert cold_start.usable() is False
    finally:
        release.set()
        thread.join()


def test_rows_older_than_their_key_are_not_kept(demo_paths, now) -> None:
    settings = config.load(demo_paths.config_file)
    with Store.open(demo_paths.data, readonly=True, today=now) as store:
        assert first_screen.keep(demo_paths, store, settings, now, expect="a save since") is False
        assert not first_screen.path_of(demo_paths).exists()
        key = first_screen.key_of(demo_paths, now, settings)
        assert first_screen.keep(demo_paths, store, settings, now, expect=key) is True
    assert first_screen.read(demo_paths, now, settings) is not None


# ------------------------------------------------- forked before the command line's imports
@pytest.mark.parametrize(("argv", "home"), [
    ([], ""), (["--home", "/x"], "/x"), (["--home=/x"], "/x"),
    (["--demo"], None), (["today"], None), (["--home", "/x", "today"], None), (["--help"], None),
    (["--version"], None), (["--home"], None), (["--home="], None), (["--home", "--demo"], None),
])
def test_only_a_command_line_that_opens_the_tui_starts_early(argv, home) -> None:
    assert cold_start._home_of(argv) == home


async def test_the_children_forked_early_are_the_ones_the_start_uses(demo_paths, now, keepers) -> None:
    cold_start.start_early(["--home", str(demo_paths.config)])  # (CRM_TUI_NOW is pinned)
    assert len(keepers) == 1
    app = make_app(make_env(demo_paths, now), first_screen=True)
    assert len(keepers) == 1  # none forked again
    assert app.first_screen is not None or app._pending is keepers[0]
    async with app.run_test(size=SIZE) as pilot:
        while not app.screen.steps_ready:
            await pilot.pause(0.01)
        table = app.screen.query_one(ContactTable)
        assert table.row_count > 5
    app.finish_opening()
    assert _reaped(keepers[0].pid)
    assert first_screen.path_of(demo_paths).exists()


def test_children_forked_early_for_another_day_are_ended(demo_paths, now, keepers) -> None:
    cold_start.start_early([])  # CRM_TUI_HOME: the demo's home
    assert len(keepers) == 1
    app = make_app(make_env(demo_paths, now.shift(days=1)), first_screen=True)
    assert _reaped(keepers[0].pid)  # ended: worked out for the day before
    assert len(keepers) == 2  # the start's own
    keepers[1].wait()
    app.finish_opening()
    assert cold_start._EARLY == []


def test_nothing_is_forked_early_for_a_command(demo_paths, keepers) -> None:
    cold_start.start_early(["today"])
    cold_start.start_early(["--demo"])
    assert keepers == [] and cold_start._EARLY == []
