"""The temporary home of a ``--demo`` run, and cleaning up after runs that were killed.

A demo removes its temporary copy when it ends; a SIGKILL (or a crash of the machine)
leaves it behind. Each demo home names the process that made it, so the next ``--demo``
removes the homes whose process is gone (only the user's own).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

PREFIX = "crm-tui-demo-"
OWNER = ".demo-owner"
# A demo home without an owner note (from an older crm-tui) is stale after this long.
UNMARKED_STALE_SECONDS = 24 * 3600


def _start_time(pid: int) -> str:
    """The process's start time (so a reused pid is not taken for the demo's), or ""."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]


def _alive(pid: int, started: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not started or _start_time(pid) in ("", started)


def make() -> Path:
    """A new demo home (after removing stale ones), marked with this process."""
    clean_stale()
    home = Path(tempfile.mkdtemp(prefix=PREFIX))
    pid = os.getpid()
    (home / OWNER).write_text(f"{pid} {_start_time(pid)}\n", encoding="utf-8")
    return home


def clean_stale(root: Path | None = None) -> list[Path]:
    """Remove demo homes whose process is gone; the ones removed."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    uid = os.getuid() if hasattr(os, "getuid") else None
    for home in root.glob(f"{PREFIX}*"):
        try:
            st = home.lstat()
            if not home.is_dir() or home.is_symlink() or (uid is not None and st.st_uid != uid):
                continue
            try:
                pid_text, _, started = (home / OWNER).read_text(encoding="utf-8").strip().partition(" ")
                stale = not _alive(int(pid_text), started)
            except (OSError, ValueError):
                stale = time.time() - st.st_mtime > UNMARKED_STALE_SECONDS
        except OSError:
            continue
        if stale:
            with contextlib.suppress(OSError):
                shutil.rmtree(home)
                removed.append(home)
    return removed
