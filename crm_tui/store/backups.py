"""Daily snapshots of the data files in ``backups/YYYY-MM-DD/``, the last few days kept."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import arrow

from crm_tui.store.storage import CorruptFile, read_document

KEEP_BACKUPS = 5
PRIVATE = 0o700
_DAILY = re.compile(r"\d{4}-\d\d-\d\d")


def take_daily(folder: Path, files: list[Path], today: arrow.Arrow) -> None:
    """Copy today's files into backups/DATE, once a day, keeping the last few days.

    Copies, not hard links: a link would share the inode, so anything that damages the
    data file in place (a sync tool, an editor, a bad disk block) would damage the
    backup too. Old months' touch shards never change, so they are linked from the
    previous backup instead of copied again when their size and mtime match."""
    root = folder / "backups"
    target = root / today.format("YYYY-MM-DD")
    if target.exists() or not files:
        return
    previous = next((p for p in listed(folder) if _DAILY.fullmatch(p.name)), None)
    staging = root / f".{target.name}.partial"
    for stale in root.glob(".*.partial") if root.exists() else ():
        shutil.rmtree(stale, ignore_errors=True)  # a crash or a full disk on an earlier day
    root.mkdir(mode=PRIVATE, exist_ok=True)  # private, like the data (see private.py)
    try:
        staging.mkdir(mode=PRIVATE)
        for path in files:
            old = previous / path.name if previous else None
            stat = path.stat()
            if old and old.exists() and (old.stat().st_size, old.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns):
                try:
                    os.link(old, staging / path.name)
                    continue
                except OSError:
                    pass
            shutil.copy2(path, staging / path.name)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # no half a backup left behind
        raise
    daily = sorted(p for p in root.iterdir() if _DAILY.fullmatch(p.name))
    for stale in daily[:-KEEP_BACKUPS]:
        shutil.rmtree(stale, ignore_errors=True)


def listed(folder: Path) -> list[Path]:
    """The backup folders, newest first."""
    root = folder / "backups"
    if not root.exists():
        return []
    return sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True)


def newest_good(folder: Path, name: str) -> Path | None:
    """The newest backup of the data file ``name`` that still parses."""
    for day in listed(folder):
        candidate = day / name
        if candidate.exists():
            try:
                read_document(candidate)
            except CorruptFile:
                continue
            return candidate
    return None
