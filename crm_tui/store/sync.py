"""Several crm-tui processes on one data folder: a short write lock, and knowing what changed.

The lock (``.lock``, an flock: the kernel releases it if the process dies) is held only
while a write is made, like git's ``index.lock``: a TUI left open all day, a cron job and a
one-shot command all read freely and take turns for the milliseconds a write takes.

Each process remembers the state of every data file as it last read or wrote it (inode,
size, modification and change times: a save always replaces a file by renaming a new one
over it) and the folder's write counter (``.generation``, bumped after every save). Under
the lock, before each write, the store re-reads whatever changed since it last looked, so
nothing another process saved is written over; the TUI asks the same question every second
to show other processes' changes without a key press.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import arrow

from crm_tui.store.storage import FILE_MODE, JOURNAL, StoreError, pending_batch

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: filelock's msvcrt lock
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from filelock import BaseFileLock

LOCK = ".lock"
OWNER = ".lock.owner"
GENERATION = ".generation"
_GENERATION_WIDTH = 20
# Errors that mean "this folder cannot be written" rather than "something broke".
READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


class Locked(StoreError):
    def __init__(self, folder: Path, owner: str, waited: float = 0.0) -> None:
        self.folder = folder
        self.owner = owner
        super().__init__(
            f"the data in {folder} is being saved by another crm-tui ({owner}) and was not "
            f"released within {waited:g} s; nothing was saved. Try again in a moment."
        )


class FolderReadOnly(StoreError):
    def __init__(self, folder: Path, reason: str = "") -> None:
        self.folder = folder
        self.reason = f"the data folder {folder} is read-only" + (f" ({reason})" if reason else "")
        super().__init__(f"{self.reason}; nothing was saved")


Stamp = tuple[int, int, int, int]  # inode, size, mtime_ns, ctime_ns


def stamp(path: Path) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@dataclass
class FolderState:
    """What a process knows of the folder: the write counter, each data file's stamp, and
    whether a committed batch is waiting to be finished."""

    generation: int = 0
    files: dict[str, Stamp] = field(default_factory=dict)
    journal: bool = False

    @classmethod
    def read(cls, folder: Path) -> FolderState:
        files: dict[str, Stamp] = {}
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if entry.name.endswith(".json") and not entry.name.startswith("."):
                    found = stamp(Path(entry.path))
                    if found is not None:
                        files[entry.name] = found
        return cls(read_generation(folder), files, (folder / JOURNAL).exists())

    def changed(self, other: FolderState) -> set[str]:
        """The data files that differ between two states (new, replaced or gone)."""
        names = set(self.files) | set(other.files)
        return {n for n in names if self.files.get(n) != other.files.get(n)}


class Snapshot:
    """The data files as they were at one moment, held open so they can be read later.

    Tables are read when first wanted (a month of touches, the articles): reading them by
    name would mix states when another process saved in between (summaries from before a
    touch, the touch from after). A save replaces a file by renaming a new one over it,
    so an open descriptor keeps the version it was opened on: every read of this store
    goes through the snapshot, which moves forward only when the store catches up (before
    a write, or when the TUI asks) or saves. A committed but unfinished save (a journal)
    is read as the writer will finish it: its new files in place of the old.
    """

    def __init__(self) -> None:
        self.state = FolderState()
        self._fds: dict[str, int] = {}
        self.overlaid: set[str] = set()  # pinned from a committed batch's temp files

    def take(self, folder: Path, lock: WriteLock | None = None) -> None:
        """Pin every data file as it is now (again, until no save lands while pinning; after
        a few tries, under ``lock`` when it can be had, so that none can)."""
        held_here = False
        try:
            for attempt in range(50):
                if attempt == 10 and lock is not None and not lock.held:
                    with contextlib.suppress(StoreError):
                        lock.acquire(5.0)
                        held_here = True
                if self._pin(folder, last=attempt == 49):
                    return
                time.sleep(0.002)
        finally:
            if held_here and lock is not None:
                lock.release()

    def _pin(self, folder: Path, last: bool) -> bool:
        before = FolderState.read(folder)
        overlay = pending_batch(folder) if before.journal else {}
        fds: dict[str, int] = {}
        for name in sorted(set(before.files) | set(overlay)):
            fd = _open_quietly(overlay.get(name), folder / name)
            if fd is not None:
                fds[name] = fd
        after = FolderState.read(folder)
        if after == before or last:
            self._replace(fds)
            self.state = after
            self.overlaid = set(overlay)
            return True
        _close_all(fds)
        return False

    def read(self, name: str) -> bytes | None:
        """The pinned file's bytes; None when it did not exist at that moment."""
        fd = self._fds.get(name)
        if fd is None:
            return None
        parts: list[bytes] = []
        offset = 0
        while True:
            chunk = os.pread(fd, 1 << 20, offset)
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)
            offset += len(chunk)

    def names(self) -> list[str]:
        return sorted(self._fds)

    def _replace(self, fds: dict[str, int]) -> None:
        old, self._fds = self._fds, fds
        _close_all(old)

    def close(self) -> None:
        self._replace({})


def _open_quietly(first: Path | None, then: Path) -> int | None:
    for path in (first, then):
        if path is None:
            continue
        try:
            return os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            continue
        except OSError:
            return None
    return None


def _close_all(fds: dict[str, int]) -> None:
    for fd in fds.values():
        with contextlib.suppress(OSError):
            os.close(fd)


def read_generation(folder: Path) -> int:
    try:
        with open(folder / GENERATION, "rb") as handle:
            raw = handle.read(64)
        return int(raw.strip() or b"0")
    except (OSError, ValueError):
        return 0


def bump_generation(folder: Path) -> None:
    """Count a save (under the lock). Written in place, fixed width, so a reader sees the
    old or the new number; not fsynced: it is a hint that something changed (the files'
    own stamps say so too), never needed to recover data."""
    try:
        fd = os.open(folder / GENERATION, os.O_RDWR | os.O_CREAT, FILE_MODE)
    except OSError:
        return
    try:
        raw = os.pread(fd, 64, 0)
        try:
            number = int(raw.strip() or b"0") + 1
        except ValueError:
            number = 1
        os.pwrite(fd, f"{number:0{_GENERATION_WIDTH}d}\n".encode(), 0)
    except OSError:
        pass
    finally:
        os.close(fd)


def folder_read_only(folder: Path) -> str | None:
    """Why ``folder`` cannot be written (a read-only mount or no permission), or None."""
    if not os.access(folder, os.W_OK):
        return "no permission to write" if not _read_only_mount(folder) else "a read-only file system"
    return None


def _read_only_mount(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


class WriteLock:
    """The folder's write lock: held for the duration of one save (or an open's repairs)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fd: int | None = None
        self._fallback: BaseFileLock | None = None  # filelock, where fcntl is missing

    @property
    def held(self) -> bool:
        return self._fd is not None or self._fallback is not None

    def acquire(self, wait: float) -> None:
        """Take the lock, waiting up to ``wait`` seconds; :class:`Locked` if it stays taken,
        :class:`FolderReadOnly` if the folder cannot be written at all."""
        if self.held:
            return
        path = self.folder / LOCK
        if fcntl is None:  # pragma: no cover
            self._acquire_portable(wait)
            return
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
        except OSError as exc:
            if exc.errno in READ_ONLY_ERRNOS:
                raise FolderReadOnly(self.folder, exc.strerror or "") from None
            raise StoreError(f"cannot create the lock {path}: {exc.strerror or exc}; nothing was saved") from None
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise Locked(self.folder, owner(self.folder), wait) from None
                time.sleep(0.01)
            except OSError as exc:
                os.close(fd)
                raise StoreError(f"cannot lock {path}: {exc.strerror or exc}") from None
        self._fd = fd
        self._note_owner()

    def _acquire_portable(self, wait: float) -> None:  # pragma: no cover - Windows
        from filelock import FileLock, Timeout

        lock = FileLock(self.folder / LOCK, timeout=wait, is_singleton=False)
        try:
            lock.acquire(timeout=wait, poll_interval=0.01)
        except Timeout:
            raise Locked(self.folder, owner(self.folder), wait) from None
        self._fallback = lock
        self._note_owner()

    def _note_owner(self) -> None:
        """Who holds the lock, for another process's message. Best effort: a full disk or a
        failing write here is not a reason to stop (the lock itself is the kernel's)."""
        note = json.dumps({"pid": os.getpid(), "since": arrow.utcnow().isoformat()}).encode()
        try:
            fd = os.open(self.folder / OWNER, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            try:
                os.write(fd, note)
            finally:
                os.close(fd)
        except OSError:
            pass

    def release(self) -> None:
        if not self.held:
            return
        with contextlib.suppress(OSError):
            (self.folder / OWNER).unlink()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        elif self._fallback is not None:  # pragma: no cover
            lock, self._fallback = self._fallback, None
            lock.release()


def owner(folder: Path) -> str:
    try:
        info = json.loads((folder / OWNER).read_text(encoding="utf-8"))
        return f"process {info['pid']}, since {info['since'][:19].replace('T', ' ')} UTC"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"
