"""SIGKILLs while another process keeps writing: the lock is short, so the survivor takes
it, finishes any save the killed one had committed, and nothing acknowledged is lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from crm_tui.domain.models import Contact
from crm_tui.store.repository import Store

ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
TRIALS = 10

# Keeps one store open (like a TUI) and logs touches for its contact, printing each once
# it is durable. Also edits the contact now and then (a second file in the same folder).
WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from crm_tui.domain.models import Touch
    from crm_tui.store.repository import Store
    store = Store.open(Path(sys.argv[1]), wait=30)
    store.write_wait = 30
    contact_id, tag = sys.argv[2], sys.argv[3]
    i = 0
    print("ready", flush=True)
    while True:
        with store.batch():
            store.log_touch(Touch(contact_id=contact_id, at=f"2026-03-01T10:{i // 60 % 60:02d}:{i % 60:02d}+00:00",
                                  note=f"{tag}-{i}"))
            contact = store.contact(contact_id)
            contact.notes = f"{tag}-{i}"
            store.update_contact(contact)
        print(f"{tag}-{i}", flush=True)
        i += 1
    """
)


def start(folder: Path, contact_id: str, tag: str) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(folder), contact_id, tag],
                             stdout=subprocess.PIPE, text=True, env=ENV)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def kill(child: subprocess.Popen[str]) -> list[str]:
    os.kill(child.pid, signal.SIGKILL)
    assert child.stdout is not None
    acked = child.stdout.read().split()
    child.wait()
    return acked


def test_kills_while_another_process_writes_lose_nothing_acknowledged(paths, now):
    with Store.open(paths.data, today=now) as store, store.batch():
        for i in range(600):  # big enough that a save takes a while
            store.add_contact(Contact(name=f"Person {i}", notes="x" * 80))
    rng = random.Random(20261202)
    survivor = start(paths.data, "c1", "keep")
    acked: list[str] = []
    try:
        for trial in range(TRIALS):
            victim = start(paths.data, "c2", f"t{trial}")
            time.sleep(rng.uniform(0.0, 0.4))
            acked += kill(victim)
    finally:
        acked += kill(survivor)
    with Store.open(paths.data, today=now) as store:  # (finishes a save the last kill left)
        touches = store.touches()
        notes = {t.note for t in touches}
        missing = [a for a in acked if a not in notes]
        assert missing == []
        # At most one save in flight per kill beyond what was acknowledged.
        assert len(touches) - len(acked) <= TRIALS + 1
        for contact in (store.contact("c1"), store.contact("c2")):
            assert contact.touch_count == len(store.touches([contact.id]))
        assert len(store.contacts()) == 600
    kept = len([a for a in acked if a.startswith("keep")])
    print(f"{len(acked)} acknowledged ({kept} by the survivor), {len(touches)} stored")
    assert kept > 0 and len(acked) > kept
