"""Crash-safe JSON storage for TinyDB.

Every write goes to a temp file in the same folder, is flushed and fsynced, then
``os.replace``d over the data file, and the folder is fsynced. A process killed at any
moment therefore leaves either the old or the new file, never a torn one.

The parsed document is cached in memory, so TinyDB's read-modify-write does not re-parse per
write; the store re-reads a file when another process has saved it (see sync.py), before
it writes. Files are written with sorted keys and indentation so they diff and merge well
in git.

A batch that changes several files (an import: contacts, touches, summaries) is saved all
or nothing by :func:`commit_files`: every new file is written and fsynced under a temp
name, then a journal naming them is written atomically (the commit point), then they are
renamed into place and the journal removed. An open after a crash finishes a committed
batch from its journal (:func:`recover_batch`) and deletes the temp files of one that
never committed.

The schema version lives in the file under the top-level key ``_schema`` (stripped before
TinyDB sees the tables). Extra file-level metadata lives under ``_meta``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from crm_tui.store.jsonio import file_chunks

SCHEMA_KEY = "_schema"
META_KEY = "_meta"
TMP_SUFFIX = ".tmp"
JOURNAL = ".batch.journal"


class StoreError(Exception):
    """Base of the store's errors; the message is meant for the user."""


class CorruptFile(StoreError):
    def __init__(self, path: Path, detail: str, backup: Path | None = None) -> None:
        self.path = path
        self.detail = detail
        self.backup = backup
        hint = (
            f" The newest good backup is {backup}; copy it over the damaged file to recover."
            if backup
            else " No good backup was found."
        )
        super().__init__(
            f"{path} is damaged ({detail}). It has not been changed.{hint}"
        )


class NewerSchema(StoreError):
    def __init__(self, path: Path, found: int, supported: int) -> None:
        self.path = path
        super().__init__(
            f"{path} was written by a newer crm-tui (schema {found}; this version reads up to "
            f"{supported}). Upgrade crm-tui to open it; the file has not been changed."
        )


class WriteFailed(StoreError):
    def __init__(self, path: Path, exc: BaseException) -> None:
        self.path = path
        super().__init__(f"could not save {path}: {exc}. The previous version is intact.")


class SavedButUnfinished(StoreError):
    """A batch was committed (its journal is written: it is saved, and every reader sees
    it) but moving its files into place failed; the next open or write finishes it."""

    def __init__(self, folder: Path, exc: BaseException) -> None:
        self.folder = folder
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        super().__init__(
            f"the changes were saved, but putting the files in place in {folder} failed "
            f"({reason}); the next crm-tui to open the data finishes it"
        )


# A file's new content: its bytes, or its bytes in pieces (written as they are produced, so
# a 200 MB file is never one bytes object; see jsonio.file_chunks).
Payload = bytes | Iterable[bytes]


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _temp_for(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")


# Data files, temp files, the journal and the lock are private to the user (like ~/.ssh):
# they hold who someone knows and what they said. The umask can only take bits away.
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def _write_synced(path: Path, payload: Payload) -> None:
    """Write ``payload`` to a new private file and fsync it (os.write, so a test can make
    any step fail the way a full disk or a bad block does). A payload in pieces is produced
    while it is written: an error producing it fails the write like an error writing it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    try:
        for chunk in (payload,) if isinstance(payload, bytes) else payload:
            view = memoryview(chunk)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def atomic_write(path: Path, payload: Payload) -> None:
    """Replace ``path`` with ``payload`` durably; on any failure the old file stays."""
    tmp = _temp_for(path)
    try:
        _write_synced(tmp, payload)
        os.replace(tmp, path)
    except BaseException as exc:
        _unlink_quietly(tmp)
        if isinstance(exc, OSError):
            raise WriteFailed(path, exc) from exc
        raise
    fsync_dir(path.parent)


def commit_files(folder: Path, writes: list[tuple[Path, Payload]]) -> None:
    """Replace several files of ``folder`` all or nothing, even across a crash.

    Until the journal is in place nothing has changed (a failure or a crash leaves only
    temp files, removed here or at the next open); once it is, the batch is committed
    and :func:`recover_batch` finishes it if this process dies before it does."""
    if len(writes) == 1:
        atomic_write(*writes[0])
        return
    temps: list[tuple[Path, Path]] = []
    failed_on = folder / JOURNAL
    try:
        for path, payload in writes:
            failed_on = path
            tmp = _temp_for(path)
            temps.append((tmp, path))
            _write_synced(tmp, payload)
        fsync_dir(folder)  # the temp files' names are durable before the journal says so
        failed_on = folder / JOURNAL
        entries = [[tmp.name, path.name] for tmp, path in temps]
        atomic_write(folder / JOURNAL, json.dumps(entries).encode())
    except BaseException as exc:
        for tmp, _path in temps:
            _unlink_quietly(tmp)
        if isinstance(exc, WriteFailed):
            raise
        if isinstance(exc, OSError):
            raise WriteFailed(failed_on, exc) from exc
        raise
    try:
        recover_batch(folder)  # committed: the renames can only be finished from here on
    except (OSError, CorruptFile) as exc:
        # Saved (the journal is the commit point: every reader and the next open apply it);
        # only the renames into place failed. Not a failure of the save: say exactly that.
        raise SavedButUnfinished(folder, exc) from exc


def recover_batch(folder: Path) -> bool:
    """Finish a committed batch (rename its remaining temp files into place, drop the
    journal). True when there was one. Safe to run again after a crash inside it."""
    journal = folder / JOURNAL
    try:
        entries = json.loads(journal.read_bytes())
    except FileNotFoundError:
        return False
    except (OSError, ValueError) as exc:  # written atomically, so never torn: unreadable disk
        raise CorruptFile(journal, f"the journal of an interrupted save cannot be read: {exc}") from exc
    for tmp_name, final_name in entries:
        tmp = folder / Path(tmp_name).name  # names only: never outside the folder
        if tmp.exists():
            os.replace(tmp, folder / Path(final_name).name)
    fsync_dir(folder)
    journal.unlink()
    fsync_dir(folder)
    return True


def finish_batch(folder: Path) -> bool:
    """:func:`recover_batch`, with a failure (an I/O error, a full disk) said in a sentence:
    the committed changes stay in their journal, read by everyone, until it succeeds."""
    try:
        return recover_batch(folder)
    except OSError as exc:
        raise StoreError(
            f"could not finish saving changes in {folder} that an interrupted save committed "
            f"({exc.strerror or exc}); they are kept and will be finished when this works; "
            "nothing else was saved"
        ) from exc


def pending_batch(folder: Path) -> dict[str, Path]:
    """The files a committed but unfinished batch replaces: final name -> temp file.

    A reader that finds a journal applies it exactly as :func:`recover_batch` would (a
    temp file still there is the new content; one already renamed is in place), without
    changing anything on disk. A journal that cannot be read raises CorruptFile, as it
    does for a writer."""
    journal = folder / JOURNAL
    try:
        entries = json.loads(journal.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise CorruptFile(journal, f"the journal of an interrupted save cannot be read: {exc}") from exc
    found = {}
    for tmp_name, final_name in entries:
        tmp = folder / Path(tmp_name).name
        if tmp.exists():
            found[Path(final_name).name] = tmp
    return found


def read_document(path: Path) -> dict[str, Any]:
    """Parse a data file, raising CorruptFile for anything that is not our shape."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorruptFile(path, f"cannot be read: {exc.strerror or exc}") from exc
    return parse_document(raw, path)


def parse_document(raw: bytes, path: Path) -> dict[str, Any]:
    """A data file's bytes parsed (``path`` names it in errors)."""
    if not raw or raw.isspace():  # (strip() would copy the whole file to check)
        raise CorruptFile(path, "it is empty")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise CorruptFile(path, f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CorruptFile(path, "the top level is not an object")
    for name, table in data.items():
        if name in (SCHEMA_KEY, META_KEY):
            continue
        # set(map(type, ...)): one pass in C; a generator of isinstance calls took ~8 ms
        # at 10,000 contacts. JSON objects parse to exact dicts, so the exact type is right.
        if not isinstance(table, dict) or not set(map(type, table.values())) <= {dict}:
            raise CorruptFile(path, f"table {name!r} is not a set of records")
    return data


class SafeJSONStorage(Storage):
    """A TinyDB storage: cached, atomic, durable, schema-stamped, diff-friendly."""

    def __init__(self, path: str | Path, schema: int, readonly: bool = False) -> None:
        self.path = Path(path)
        self.schema = schema
        self.readonly = readonly
        self.meta: dict[str, Any] = {}
        self._cache: dict[str, Any] | None = None
        self.writes = 0
        # In a batch, writes only update the cache; the store flushes once at the end.
        self.deferred = False
        self.pending: dict[str, Any] | None = None
        # Set by the store: the files as of its last look, held open (sync.Snapshot).
        self.snapshot: Any = None

    def load(self) -> tuple[int, dict[str, Any]]:
        """Read from disk into the cache; return (schema found, tables). Missing = empty."""
        if self.snapshot is not None:  # the store's pinned files (see sync.Snapshot)
            try:
                raw = self.snapshot.read(self.path.name)
            except OSError as exc:
                raise CorruptFile(self.path, f"cannot be read: {exc.strerror or exc}") from exc
            if raw is None:
                self._cache = {}
                self.meta = {}
                return self.schema, {}
            data = parse_document(raw, self.path)
        elif not self.path.exists():
            self._cache = {}
            self.meta = {}
            return self.schema, {}
        else:
            data = read_document(self.path)
        found = data.pop(SCHEMA_KEY, 1)
        if not isinstance(found, int):
            raise CorruptFile(self.path, f"schema version {found!r} is not a number")
        self.meta = data.pop(META_KEY, {}) or {}
        self._cache = data
        return found, data

    def read(self) -> dict[str, Any] | None:
        if self._cache is None:
            self.load()
        return self._cache

    def write(self, data: dict[str, Any]) -> None:
        if self.readonly:
            raise StoreError("the data is open read-only; nothing was saved")
        if self.deferred:
            self.pending = data
            self._cache = data
            return
        try:
            atomic_write(self.path, self.payload(data))
        except BaseException:
            self.forget()
            raise
        self.written(data)

    def payload(self, data: dict[str, Any]) -> Iterator[bytes]:
        """The file's bytes for ``data`` (with the schema and metadata), in pieces produced
        as they are written: sorted keys, indented, as one ``orjson.dumps`` would write it."""
        document = dict(data)
        document[SCHEMA_KEY] = self.schema
        if self.meta:
            document[META_KEY] = self.meta
        return file_chunks(document)

    def written(self, data: dict[str, Any]) -> None:
        """``data`` is on disk now (written here or as part of a batch)."""
        self._cache = data
        self.writes += 1

    def forget(self) -> None:
        """Whatever TinyDB changed in memory did not reach the disk: read the disk again."""
        self._cache = None
        self.meta = {}
        if self.snapshot is not None or self.path.exists():
            self.load()

    def close(self) -> None:
        pass


def clean_stray_temp_files(folder: Path) -> int:
    """Remove temp files left by a process killed mid-write. Returns how many."""
    removed = 0
    for stray in folder.glob(f".*{TMP_SUFFIX}"):
        try:
            stray.unlink()
            removed += 1
        except OSError:
            pass
    return removed
