"""One writer at a time: a second crm-tui waits, or says the data is open elsewhere."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from crm_tui.cli import common
from crm_tui.domain.models import Contact
from crm_tui.store.repository import Locked, ReadOnly, Store

ROOT = Path(__file__).resolve().parents[2]
HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from crm_tui.store.repository import Store
    from crm_tui.domain.models import Contact
    store = Store.open(Path(sys.argv[1]))
    store.add_contact(Contact(name="Held by the first"))
    print("ready", flush=True)
    hold = float(sys.argv[2])
    if hold < 0:
        sys.stdin.read()
    else:
        time.sleep(hold)
    store.close()
    """
)


def start_holder(folder: Path, hold: float = -1) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder), str(hold)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def test_second_writer_is_told_and_changes_nothing(paths, run_cli, monkeypatch):
    monkeypatch.setattr(common, "WRITE_WAIT_SECONDS", 0.3)
    holder = start_holder(paths.data)
    try:
        before = (paths.data / "contacts.json").read_bytes()
        result = run_cli("add", "Second")
        assert result.exit_code == common.EXIT_LOCKED
        assert "open in another crm-tui" in result.output
        assert f"process {holder.pid}" in result.output
        assert (paths.data / "contacts.json").read_bytes() == before
        # Reading still works while the first holds the data.
        listed = run_cli("list")
        assert listed.exit_code == 0 and "Held by the first" in listed.output
    finally:
        holder.communicate("")
    assert run_cli("add", "Second").exit_code == 0


def test_one_shot_command_waits_briefly_and_proceeds(paths, run_cli):
    holder = start_holder(paths.data, hold=0.5)
    result = run_cli("add", "Patient")
    holder.wait()
    assert result.exit_code == 0, result.output
    with Store.open(paths.data, readonly=True) as store:
        assert sorted(c.name for c in store.contacts()) == ["Held by the first", "Patient"]


def test_readonly_store_refuses_writes(paths, now):
    holder = start_holder(paths.data)
    try:
        with pytest.raises(Locked):
            Store.open(paths.data, today=now)
        with Store.open(paths.data, readonly=True) as store, pytest.raises(ReadOnly):
            store.add_contact(Contact(name="Nope"))
    finally:
        holder.communicate("")


def test_lock_is_released_when_the_holder_is_killed(paths, now):
    holder = start_holder(paths.data)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with Store.open(paths.data, wait=2, today=now) as store:  # no stale lock
        assert [c.name for c in store.contacts()] == ["Held by the first"]


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from crm_tui.store.repository import Store
    from crm_tui.domain.models import Contact
    for i in range(int(sys.argv[3])):
        with Store.open(Path(sys.argv[1]), wait=30) as store:
            store.add_contact(Contact(name=f"{sys.argv[2]}-{i}"))
    """
)


def test_two_processes_writing_at_once_lose_nothing(paths):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(paths.data), name, "15"], env=env)
        for name in ("left", "right")
    ]
    for writer in writers:
        assert writer.wait(timeout=120) == 0
    with Store.open(paths.data, readonly=True) as store:
        names = sorted(c.name for c in store.contacts())
    assert names == sorted([f"left-{i}" for i in range(15)] + [f"right-{i}" for i in range(15)])
    assert len({c.id for c in Store.open(paths.data, readonly=True).contacts()}) == 30


def test_threads_in_one_process_cannot_both_hold_the_lock(paths, now):
    first = Store.open(paths.data, today=now)
    errors: list[Exception] = []

    def second() -> None:
        try:
            Store.open(paths.data, today=now, wait=0.2).close()
        except Locked as exc:
            errors.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join()
    first.close()
    assert len(errors) == 1
    started = time.monotonic()
    Store.open(paths.data, today=now, wait=1).close()
    assert time.monotonic() - started < 60  # released: no waiting for a stale lock
