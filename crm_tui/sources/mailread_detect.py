"""Which paths are mail: Maildirs, trees of them, mbox files (see
:mod:`crm_tui.sources.mailread`)."""


from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from crm_tui.sources.mailread_base import (
    _NOT_MAIL,
    _SKIP_DIRS,
    Problem,
)


# --------------------------------------------------------------------------- detection
def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() or (path / "new").is_dir()


def is_mbox_file(path: Path) -> bool:
    """A regular file that is empty or starts with an mbox ``From `` line."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as handle:
            head = handle.read(5)
    except OSError:
        return False
    return head in (b"", b"From ")


def detect(path: Path) -> bool:
    """Mail: a Maildir, a folder holding Maildirs or mbox files, or an mbox file."""
    if path.is_dir():
        if is_maildir(path):
            return True
        maildirs, mboxes = discover(path, [], depth=3)
        return bool(maildirs or mboxes)
    # An empty file could be anything (an empty .ics too): only a non-empty mbox is claimed.
    return is_mbox_file(path) and path.stat().st_size > 0


def discover(root: Path, problems: list[Problem], depth: int = 64) -> tuple[list[Path], list[Path]]:
    """Every Maildir and mbox file under ``root`` (itself included), sorted. Symlinks are
    followed once: a folder seen before (a loop) is reported, not walked again."""
    maildirs: list[Path] = []
    mboxes: list[Path] = []
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[Path, int]] = [(root, 0)]
    while stack:
        folder, level = stack.pop()
        try:
            info = os.stat(folder)
        except OSError as exc:
            problems.append(Problem(str(folder), _why(exc)))
            continue
        ident = (info.st_dev, info.st_ino)
        if ident in seen:
            problems.append(Problem(str(folder), "symlink loop (folder already read)"))
            continue
        seen.add(ident)
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            problems.append(Problem(str(folder), _why(exc)))
            continue
        here_maildir = any(e.name in ("cur", "new") and _is_dir(e) for e in entries)
        if here_maildir:
            maildirs.append(folder)
        for entry in entries:
            if here_maildir and entry.name in ("cur", "new", "tmp"):
                continue
            if entry.name in _SKIP_DIRS:
                continue
            path = Path(entry.path)
            try:
                if entry.is_dir():
                    if level < depth:
                        stack.append((path, level + 1))
                elif entry.is_file():
                    if entry.name.lower().endswith(_NOT_MAIL):
                        continue  # a calendar or card folder beside the mail: not opened
                    if is_mbox_file(path) and path.stat().st_size:
                        mboxes.append(path)
                elif entry.is_symlink():
                    problems.append(Problem(str(path), "broken or looping symlink"))
            except OSError as exc:
                problems.append(Problem(str(path), _why(exc)))
    return sorted(maildirs), sorted(mboxes)


def _names(state: dict[str, Any], sub: str) -> list[str]:
    """The unique names a Maildir state remembers for ``new`` or ``cur``."""
    names = state.get("names", {}).get(sub, "")
    if isinstance(names, list):
        return [str(n) for n in names]
    return names.split("\n") if names else []


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _why(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


