"""A writer killed with SIGKILL at random moments never leaves a torn or inconsistent store.

The child logs touches (and bumps a counter on a contact) in a loop and prints the number
of each write once it is durable. After the kill, the store must open, and hold exactly the
acknowledged writes, or those plus the one in flight: the state before or after it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from crm_tui.domain.models import Contact
from crm_tui.store.repository import Store

TRIALS = 60

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from crm_tui.domain.models import Touch
    from crm_tui.store.repository import Store

    store = Store.open(Path(sys.argv[1]), wait=5)
    target = store.contact("c1")
    start = target.touch_count
    i = start
    while True:
        store.log_touch(Touch(contact_id="c1", at=f"2026-03-02T10:{i // 60 % 60:02d}:{i % 60:02d}+00:00",
                              note=str(i)))
        target.notes = str(i + 1)
        store.update_contact(target)
        print(i + 1, flush=True)
        i += 1
    """
)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store big enough that a write takes a while (so kills land mid-write)."""
    folder = tmp_path_factory.mktemp("seed") / "data"
    with Store.open(folder) as store, store.batch():
        for i in range(3000):
            store.add_contact(Contact(name=f"Person {i}", emails=[f"p{i}@example.com"],
                                      notes="x" * 80, tags=["a", "b"]))
    return folder


def run_and_kill(code: str, folder: Path, rng: random.Random, longest: float, trial: int) -> int:
    """Start a writer child, kill -9 it after a random moment; the last write it acked."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen([sys.executable, "-c", code, str(folder)],
                             stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdout is not None
    first = child.stdout.readline()  # the store is open and writing
    assert first.strip(), f"trial {trial}: the writer did not start"
    time.sleep(rng.uniform(0, longest))
    os.kill(child.pid, signal.SIGKILL)
    rest = child.stdout.read()
    child.wait()
    return int((first + rest).split()[-1])


def test_sigkill_mid_write_leaves_old_or_new_state(seeded: Path, tmp_path: Path) -> None:
    rng = random.Random(20260302)
    folder = tmp_path / "data"
    shutil.copytree(seeded, folder)
    mid_write_kills = 0
    for trial in range(TRIALS):
        with Store.open(folder, readonly=True) as before:
            count_before = before.contact("c1").touch_count
        acked = run_and_kill(CHILD, folder, rng, 0.25, trial)
        if any(p.name.endswith(".tmp") for p in folder.iterdir()):
            mid_write_kills += 1

        with Store.open(folder) as after:  # writable: cleans temp files, repairs summaries
            contact = after.contact("c1")
            notes = [int(t.note) for t in after.touches(contact_ids=["c1"])]
            assert notes == list(range(len(notes))), f"trial {trial}: touches not a clean prefix"
            assert acked <= len(notes) <= acked + 1, f"trial {trial}: acked {acked}, found {len(notes)}"
            assert contact.touch_count == len(notes), f"trial {trial}: summary disagrees with touches"
            assert int(contact.notes) in (len(notes) - 1, len(notes)), f"trial {trial}: contact state"
            assert len(after.contacts()) == 3000
            assert len(notes) > count_before or acked == count_before
        assert not any(p.name.endswith(".tmp") for p in folder.iterdir())
    # The test is only meaningful if some kills landed while a write was under way.
    assert mid_write_kills >= 1, "no kill landed mid-write; make the writes bigger"


BATCH_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from crm_tui.domain.models import Contact, Touch
    from crm_tui.store.repository import Store

    store = Store.open(Path(sys.argv[1]), wait=5)
    i = sum(c.name.startswith("Batch ") for c in store.contacts())
    while True:
        # One batch writes three files: contacts, the month's touches, the summaries.
        with store.batch():
            new = store.add_contact(Contact(name=f"Batch {i}"))
            store.log_touch(Touch(contact_id=new.id, at="2026-03-02T10:00:00+00:00", note=f"b{i}"))
        print(i + 1, flush=True)
        i += 1
    """
)


def test_sigkill_mid_batch_keeps_all_of_it_or_none(seeded: Path, tmp_path: Path) -> None:
    rng = random.Random(20261122)
    folder = tmp_path / "data"
    shutil.copytree(seeded, folder)
    mid_batch_kills = 0
    for trial in range(TRIALS // 2):
        acked = run_and_kill(BATCH_CHILD, folder, rng, 0.2, trial)
        left = [p.name for p in folder.iterdir() if p.name.endswith(".tmp") or p.name == ".batch.journal"]
        mid_batch_kills += bool(left)
        with Store.open(folder) as after:
            batch = {c.id: c for c in after.contacts() if c.name.startswith("Batch ")}
            touched = {t.contact_id for t in after.touches() if t.note.startswith("b")}
            assert acked <= len(batch) <= acked + 1, f"trial {trial}: acked {acked}, found {len(batch)}"
            assert set(batch) == touched, f"trial {trial}: a batch was saved in part"
            assert all(c.touch_count == 1 for c in batch.values()), f"trial {trial}: summaries"
        assert not any(p.name.endswith(".tmp") or p.name == ".batch.journal" for p in folder.iterdir())
    assert mid_batch_kills >= 1, "no kill landed inside a batch's save; make the files bigger"
