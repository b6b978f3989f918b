"""Many processes, one folder: the lock is held only while saving, every process re-reads
what others saved before its next write, and a write based on stale data is refused."""

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
from crm_tui.domain.models import Contact, Touch
from crm_tui.store.repository import Locked, ReadOnly, StaleData, Store

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

# Opens the store like a TUI does and keeps it open; with "batch", it stays inside a save
# (holding the write lock) until stdin closes.
HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from crm_tui.store.repository import Store
    from crm_tui.domain.models import Contact
    store = Store.open(Path(sys.argv[1]))
    store.add_contact(Contact(name="Held by the first"))
    if sys.argv[2] == "batch":
        with store.batch():
            store.add_contact(Contact(name="Saved when let go"))
            print("ready", flush=True)
            hold = float(sys.argv[3])
            sys.stdin.read() if hold < 0 else time.sleep(hold)
    else:
        print("ready", flush=True)
        sys.stdin.read()
        store.refresh()
        print("|".join(sorted(c.name for c in store.contacts())), flush=True)
    store.close()
    """
)


def start_holder(folder: Path, mode: str = "open", hold: float = -1) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder), mode, str(hold)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=ENV,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def names(folder: Path) -> list[str]:
    with Store.open(folder, readonly=True) as store:
        return sorted(c.name for c in store.contacts())


def test_an_open_store_does_not_block_other_writers(paths, run_cli):
    """A TUI left open all day: `crm-tui add` neither waits nor fails, and the TUI's store
    sees the new contact when it next looks."""
    holder = start_holder(paths.data)
    try:
        started = time.monotonic()
        result = run_cli("add", "Second")
        assert result.exit_code == 0, result.output
        assert time.monotonic() - started < 3
        assert run_cli("log", "Second", "--note", "hi").exit_code == 0
    finally:
        out, _ = holder.communicate("")
    assert out.strip() == "Held by the first|Second"
    assert names(paths.data) == ["Held by the first", "Second"]


def test_a_writer_waits_for_a_save_in_progress_then_proceeds(paths, run_cli):
    holder = start_holder(paths.data, "batch", hold=0.5)
    result = run_cli("add", "Patient")
    holder.wait()
    assert result.exit_code == 0, result.output
    assert names(paths.data) == ["Held by the first", "Patient", "Saved when let go"]


def test_a_save_that_keeps_the_lock_past_the_wait_is_exit_3(paths, run_cli, monkeypatch):
    monkeypatch.setattr(common, "WRITE_WAIT_SECONDS", 0.3)
    holder = start_holder(paths.data, "batch")
    try:
        before = (paths.data / "contacts.json").read_bytes()
        result = run_cli("add", "Second")
        assert result.exit_code == common.EXIT_LOCKED
        assert "being saved by another crm-tui" in result.output
        assert f"process {holder.pid}" in result.output and "nothing was saved" in result.output
        assert (paths.data / "contacts.json").read_bytes() == before
        listed = run_cli("list")  # reading never waits
        assert listed.exit_code == 0 and "Held by the first" in listed.output
    finally:
        holder.communicate("")
    assert run_cli("add", "Second").exit_code == 0


def test_readonly_store_refuses_writes(paths, now):
    Store.open(paths.data, today=now).close()
    with Store.open(paths.data, readonly=True) as store, pytest.raises(ReadOnly):
        store.add_contact(Contact(name="Nope"))


def test_lock_is_released_when_a_saver_is_killed(paths, now):
    holder = start_holder(paths.data, "batch")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with Store.open(paths.data, wait=2, today=now) as store:  # no stale lock
        assert [c.name for c in store.contacts()] == ["Held by the first"]
        store.add_contact(Contact(name="After"))


def test_two_stores_writing_in_turn_each_see_the_others_changes(paths, now):
    left = Store.open(paths.data, today=now)
    right = Store.open(paths.data, today=now)
    ada = left.add_contact(Contact(name="Ada"))
    bob = right.add_contact(Contact(name="Bob"))  # re-read before writing: Ada is kept
    assert ada.id != bob.id
    left.log_touch(Touch(contact_id=bob.id, at="2026-03-01T10:00:00+00:00"))  # left learns Bob
    right.log_touch(Touch(contact_id=bob.id, at="2026-03-02T10:00:00+00:00"))
    assert right.contact(bob.id).touch_count == 2
    assert left.refresh() and left.contact(bob.id).touch_count == 2
    left.close()
    right.close()
    with Store.open(paths.data, readonly=True) as store:
        assert sorted(c.name for c in store.contacts()) == ["Ada", "Bob"]
        assert len(store.touches()) == 2 and store.contact(bob.id).touch_count == 2


def test_a_write_based_on_stale_data_is_refused_and_the_new_version_kept(paths, now):
    first = Store.open(paths.data, today=now)
    ada = first.add_contact(Contact(name="Ada", company="Old Co"))
    second = Store.open(paths.data, today=now)
    theirs = second.contact(ada.id)
    theirs.company = "New Co"
    second.update_contact(theirs)

    mine = first.contact(ada.id)  # read before the other change
    mine.notes = "met at PyCon"
    with pytest.raises(StaleData, match="Ada was changed by another crm-tui"):
        first.update_contact(mine)
    assert first.contact(ada.id).company == "New Co"  # the store has the new version now
    again = first.contact(ada.id)
    again.notes = "met at PyCon"
    first.update_contact(again)  # made again on the new version: saved
    first.close()
    second.close()
    with Store.open(paths.data, readonly=True) as store:
        (saved,) = store.contacts()
        assert (saved.company, saved.notes) == ("New Co", "met at PyCon")


def test_deleting_a_contact_another_process_changed_is_refused(paths, now):
    first = Store.open(paths.data, today=now)
    ada = first.add_contact(Contact(name="Ada"))
    second = Store.open(paths.data, today=now)
    second.log_touch(Touch(contact_id=ada.id, at="2026-03-01T10:00:00+00:00"))
    renamed = second.contact(ada.id)
    renamed.name = "Ada L."
    second.update_contact(renamed)
    with pytest.raises(StaleData):
        first.delete_contact(ada.id)
    first.close()
    second.close()
    assert names(paths.data) == ["Ada L."]


def test_logging_for_a_contact_deleted_elsewhere_is_refused(paths, now):
    first = Store.open(paths.data, today=now)
    ada = first.add_contact(Contact(name="Ada"))
    second = Store.open(paths.data, today=now)
    second.delete_contact(ada.id)
    with pytest.raises(StaleData, match="deleted by another crm-tui"):
        first.log_touch(Touch(contact_id=ada.id, at="2026-03-01T10:00:00+00:00"))
    assert first.contacts() == [] and first.touches() == []
    first.close()
    second.close()


def test_threads_in_one_process_cannot_both_hold_the_lock(paths, now):
    first = Store.open(paths.data, today=now)
    second = Store.open(paths.data, today=now)
    second.write_wait = 0.2
    errors: list[Exception] = []

    def write() -> None:
        try:
            second.add_contact(Contact(name="Second"))
        except Locked as exc:
            errors.append(exc)

    with first.batch():
        first.add_contact(Contact(name="First"))
        thread = threading.Thread(target=write)
        thread.start()
        thread.join()
    assert len(errors) == 1
    second.write_wait = 1
    second.add_contact(Contact(name="Second"))  # released: no waiting for a stale lock
    first.close()
    second.close()
    assert names(paths.data) == ["First", "Second"]


# Two writers, each with ONE store kept open (like two TUIs), and a reader that checks
# every state it sees is one the writers made: no torn batch, summaries always in step.
WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from crm_tui.store.repository import Store
    from crm_tui.domain.models import Contact, Touch
    store = Store.open(Path(sys.argv[1]), wait=30)
    store.write_wait = 30
    for i in range(int(sys.argv[3])):
        contact = store.add_contact(Contact(name=f"{sys.argv[2]}-{i}"))
        store.log_touch(Touch(contact_id=contact.id, at=f"2026-03-01T10:{i:02d}:00+00:00"))
    store.close()
    """
)
READER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from crm_tui.store.repository import Store
    seen = 0
    reads = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with Store.open(Path(sys.argv[1]), readonly=True) as store:
            contacts = store.contacts()
            touches = store.touches()
            # A contact and its touch are saved in two steps by log_touch's caller, but the
            # touch and its summary are one batch: they always agree.
            counts = {}
            for t in touches:
                counts[t.contact_id] = counts.get(t.contact_id, 0) + 1
            for c in contacts:
                assert c.touch_count == counts.get(c.id, 0), (c.name, c.touch_count, counts.get(c.id))
            assert len(contacts) >= seen, "a reader went back in time"
            seen = len(contacts)
            reads += 1
        if seen == int(sys.argv[2]) and len(touches) == seen:
            break
    print(reads, seen, flush=True)
    """
)


def test_two_processes_writing_while_a_third_reads(paths, now):
    Store.open(paths.data, today=now).close()
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(paths.data), name, "15"], env=ENV)
        for name in ("left", "right")
    ]
    reader = subprocess.Popen([sys.executable, "-c", READER, str(paths.data), "30"],
                              env=ENV, stdout=subprocess.PIPE, text=True)
    for writer in writers:
        assert writer.wait(timeout=120) == 0
    out, _ = reader.communicate(timeout=150)
    assert reader.returncode == 0
    reads, seen = map(int, out.split())
    assert seen == 30 and reads >= 1
    with Store.open(paths.data, readonly=True) as store:
        contacts = store.contacts()
        assert sorted(c.name for c in contacts) == sorted(
            [f"left-{i}" for i in range(15)] + [f"right-{i}" for i in range(15)]
        )
        assert len({c.id for c in contacts}) == 30
        assert all(c.touch_count == 1 for c in contacts) and len(store.touches()) == 30


def test_a_copy_made_before_a_refresh_is_still_recognised_as_stale(paths, now):
    """The TUI's timer re-reads between the moment a form copied a record and its save:
    the copy still carries the old value of a field the other process changed."""
    import dataclasses

    first = Store.open(paths.data, today=now)
    ada = first.add_contact(Contact(name="Ada", company="Old Co", role="Engineer"))
    form_copy = dataclasses.replace(first.contact(ada.id))
    second = Store.open(paths.data, today=now)
    theirs = second.contact(ada.id)
    theirs.company = "New Co"
    second.update_contact(theirs)
    assert first.refresh()  # the timer
    form_copy.role = "CTO"
    with pytest.raises(StaleData):
        first.update_contact(form_copy)
    # A copy of the version shown now changes only what it changes.
    fresh = dataclasses.replace(first.contact(ada.id), role="CTO")
    first.update_contact(fresh)
    first.close()
    second.close()
    with Store.open(paths.data, readonly=True) as store:
        (saved,) = store.contacts()
        assert (saved.company, saved.role) == ("New Co", "CTO")


def test_a_snapshot_under_constant_saves_pins_under_the_lock(paths, now, monkeypatch):
    """Saves landing during every attempt to pin the files: after a few tries the reader
    takes the lock for the moment it needs, so its view is still one moment's."""
    from crm_tui.store import sync

    with Store.open(paths.data, today=now) as store:
        store.add_contact(Contact(name="Ada"))
    lock = sync.WriteLock(paths.data)
    counter = iter(range(1_000_000))
    real = sync.read_generation

    def busy(folder):
        return real(folder) if lock.held else next(counter)  # "a save landed" each look

    monkeypatch.setattr(sync, "read_generation", busy)
    snap = sync.Snapshot()
    snap.take(paths.data, lock)
    assert not lock.held  # let go again
    assert snap.state.generation == real(paths.data)  # pinned while it held the lock
    assert "contacts.json" in snap.names()
    snap.close()
