"""A real disk filling up (a small tmpfs, free space swept page by page): every command ends
in a sentence, never a traceback, and fails only when it saved nothing."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_tui.store.repository import Store

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "interop"
PAGE = 4096


@contextlib.contextmanager
def small_disk(where: Path, kilobytes: int) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a tmpfs")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kilobytes}k", "tmpfs", str(where)],
                          capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def fill_leaving(disk: Path, free_pages: int) -> Path:
    """Fill the disk, then free ``free_pages`` pages of it."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as out:
        try:
            while out.write(b"\0" * PAGE):
                pass
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - free_pages * PAGE))
    return filler


def crm(home: Path, *args: str, now: str = "2026-03-03T09:00:00+00:00") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CRM_TUI_HOME": str(home), "CRM_TUI_NOW": now}
    return subprocess.run([sys.executable, "-m", "crm_tui", *args], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(
    ("args", "pages"),
    [(("log", "Ada", "--note", "hello"), 12),
     (("import", "linkedin", str(FIXTURES / "linkedin-connections.csv")), 24)],
    ids=["log", "import"],
)
def test_a_disk_filling_up_never_gives_a_traceback(tmp_path, args, pages):
    seed = tmp_path / "seed"
    assert crm(seed, "add", "Ada", now="2026-03-02T09:00:00+00:00").returncode == 0
    assert crm(seed, "log", "Ada", now="2026-03-02T10:00:00+00:00").returncode == 0
    with Store.open(seed / "data", readonly=True) as store:
        touches_before, contacts_before = len(store.touches()), len(store.contacts())
    outcomes: dict[str, int] = {}
    with small_disk(tmp_path / "disk", 2048) as disk:
        home = disk / "home"
        for free in range(pages):
            shutil.rmtree(home, ignore_errors=True)
            with contextlib.suppress(FileNotFoundError):
                (disk / "filler").unlink()
            shutil.copytree(seed, home)
            filler = fill_leaving(disk, free)
            # The next day: the first open also takes the day's backup.
            done = crm(home, *args)
            filler.unlink()
            assert "Traceback" not in done.stderr, (free, done.stderr)
            assert done.returncode in (0, 2), (free, done.stderr)
            with Store.open(home / "data", readonly=True) as store:
                touches, contacts = len(store.touches()), len(store.contacts())
            if done.returncode == 0:
                assert (touches, contacts) != (touches_before, contacts_before), free
                outcomes["saved"] = outcomes.get("saved", 0) + 1
            else:
                assert (touches, contacts) == (touches_before, contacts_before), (free, done.stderr)
                assert "No space left on device" in done.stderr or "disk is full" in done.stderr
                outcomes["refused"] = outcomes.get("refused", 0) + 1
            assert not list((home / "data" / "backups").glob(".*.partial"))
            # And the next writer, with space again, finds a consistent folder.
            with Store.open(home / "data") as store:
                assert all(c.touch_count == len(store.touches([c.id])) for c in store.contacts())
    assert outcomes.get("refused") and outcomes.get("saved"), outcomes
