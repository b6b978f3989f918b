"""The store's machinery: the lock, loading tables, batches and flushing, generic records.

:class:`crm_tui.store.repository.Store` builds on it (through
:class:`crm_tui.store.touches.TouchLog`); nothing outside ``store/`` uses this module.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, cast

import arrow

from crm_tui.domain.models import Contact
from crm_tui.perf import gc_paused
from crm_tui.store import backups, schema
from crm_tui.store import undo as undo_log
from crm_tui.store.storage import (
    CorruptFile,
    NewerSchema,
    Payload,
    SavedButUnfinished,
    StoreError,
    commit_files,
    finish_batch,
    read_document,
)
from crm_tui.store.sync import FolderState, Locked, Snapshot, WriteLock, bump_generation
from crm_tui.store.table import R, Table

if TYPE_CHECKING:
    from crm_tui.store.repository import Store

__all__ = ["Locked", "ReadOnly", "StaleData", "StoreCore"]

# How long a write waits for another process's save to finish (a save takes milliseconds;
# a 10,000-contact import about a second).
WRITE_WAIT_SECONDS = 10.0


class ReadOnly(StoreError):
    def __init__(self, reason: str | None = None) -> None:
        self.reason = reason or "the data is open read-only"
        super().__init__(f"{self.reason}; nothing was saved")


class StaleData(StoreError):
    """A write based on a record another process changed (or deleted) since this one read
    it: refused, so newer data is never overwritten. The store holds the new version now."""

    def __init__(self, what: str, deleted: bool = False) -> None:
        self.what = what
        change = "deleted" if deleted else "changed"
        super().__init__(
            f"{what} was {change} by another crm-tui since this one read it; nothing was saved. "
            "The new version is loaded now: look at it and make the change again."
        )




class StoreCore:
    """Tables in one folder, a writer's lock, all-or-nothing batches."""

    def __init__(self, folder: Path, readonly: bool) -> None:
        self.folder = folder
        self.readonly = readonly
        self.readonly_reason: str | None = None  # why a writable open ended read-only
        self._writer = WriteLock(folder)  # held only while saving (see store/sync.py)
        self.write_wait = WRITE_WAIT_SECONDS
        # The files as this process last read or wrote them, held open (sync.Snapshot).
        self._snap = Snapshot()
        weakref.finalize(self, self._snap.close)
        self._opening = False  # migrations are saved only while opening, under the lock
        self._changed_ids: dict[str, set[str]] = {}  # changed elsewhere, found at this write's start
        # Earlier versions of records another process changed (table stem, id) -> documents,
        # so a change made on a copy of one of them is recognised (see _check_not_stale).
        self._previous: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._refreshes = 0
        # One thread at a time in a batch or a refresh (the TUI refreshes on a timer).
        self._mutex = threading.RLock()
        self._tables: dict[str, Table] = {}
        self._shards: dict[str, Table] = {}  # "YYYY-MM" -> touches of that month
        self._batch_depth = 0
        self.recovered: list[str] = []  # what open() repaired (for the user)
        self._change: undo_log.Change | None = None  # the named change being made, if any
        # The time of a write (a new day's backup, the undo log). Store.open pins it to
        # the moment given; a long-lived process (the TUI) sets its own running clock.
        self.clock: Callable[[], arrow.Arrow] = arrow.now
        self._backed_up_on: str | None = None  # the day of the last daily backup taken

        self.warnings: list[str] = []  # saved, but something needs saying (for the user)

    def _build_parsed(self, table: Table) -> None:
        with self._naming_backup(), gc_paused():  # 10,000 records at once, as at open
            table.build(table.storage.read() or {})

    def _load_table(self, table: Table) -> None:
        """Read a table (or a month of touches) from disk, migrating it if it is older (on
        disk only under the write lock: a table read later is migrated in memory and saved
        in its new form with its next change)."""
        table.storage.snapshot = self._snap
        with self._naming_backup():
            table.load(not self.readonly and self._opening and self._writer.held)

    @contextlib.contextmanager
    def _naming_backup(self) -> Iterator[None]:
        """A damaged file found inside is reported with its newest good backup."""
        try:
            yield
        except CorruptFile as exc:
            raise CorruptFile(exc.path, exc.detail, self.newest_good_backup(exc.path.name)) from None

    def _check_schemas(self) -> None:
        """Refuse newer files and back up older ones before anything else happens."""
        older = False
        for path in self._data_files():
            with open(path, "rb") as handle:
                head = handle.read(16384)  # the key sorts first; only _meta is before it
            match = re.search(rb'"_schema":\s*(\d+)', head)
            if match:
                found = int(match.group(1))
            else:  # an unusual layout: parse it all (read_document names any damage)
                with self._naming_backup():
                    found = read_document(path).get("_schema", 1)
                if not isinstance(found, int):
                    continue
            if found > schema.VERSION:
                raise NewerSchema(path, found, schema.VERSION)
            older = older or found < schema.VERSION
        if older and not self.readonly:
            stamp = arrow.utcnow().format("YYYYMMDDTHHmmss")
            target = self.folder / "backups" / f"pre-migration-{stamp}"
            target.parent.mkdir(exist_ok=True, mode=0o700)  # private, like the data
            target.mkdir(exist_ok=True, mode=0o700)
            for path in self._data_files():
                shutil.copy2(path, target / path.name)

    def _data_files(self) -> list[Path]:
        return sorted(p for p in self.folder.glob("*.json") if not p.name.startswith("."))

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._writer.release()
            self._snap.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- backups
    def backups(self) -> list[Path]:
        return backups.listed(self.folder)

    def newest_good_backup(self, name: str) -> Path | None:
        return backups.newest_good(self.folder, name)

    # ----------------------------------------------------------------- writing
    def _check_writable(self) -> None:
        if self.readonly:
            raise ReadOnly(self.readonly_reason)
        self._backup_new_day()

    def _backup_new_day(self) -> None:
        """The first write of a new day (a TUI left open past midnight) takes the day's
        backup first, as an open does."""
        today = self.clock()
        day = today.date().isoformat()  # (arrow's format() is slow enough to matter here)
        if self._backed_up_on != day:
            self._backed_up_on = day
            self._take_backup(today)

    def _take_backup(self, today: arrow.Arrow) -> None:
        """The day's backup (Store says so when it fails instead of failing the write)."""
        backups.take_daily(self.folder, self._data_files(), today)

    @contextlib.contextmanager
    def change(self, label: str = "", fallback: str = "") -> Iterator[undo_log.Change]:
        """A batch the user can undo, named by ``label`` ("done on Ravi Menon's payment
        reminder"; settable on the yielded object until the end). Nested changes and
        batches join the outermost one. See :mod:`crm_tui.store.undo`."""
        if self._change is None:
            self._change = undo_log.Change(label, fallback=fallback)
            if self._batch_depth:  # joined a batch already under way: compare with the disk
                self._change.from_disk = True
            else:  # the tables note each record's first before-image as it is edited
                for table in self._all_tables():
                    table.before = {}
        elif label and not self._change.label:
            self._change.label = label
        with self.batch():
            yield self._change

    def undo(self) -> str | None:
        """Take back the last change; what it was, or None when there is nothing to undo."""
        return undo_log.undo(cast("Store", self))

    def redo(self) -> str | None:
        """Apply again the last change undone; what it was, or None."""
        return undo_log.redo(cast("Store", self))

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Group writes: each file is written once at the end, all of them or none, even
        across a crash (see flush). On error nothing is saved and the in-memory records
        are reloaded from disk.

        The outermost batch is a write: it takes the folder's write lock (waiting up to
        ``write_wait`` seconds for another process's save), re-reads whatever another
        process saved since this one last looked, runs, saves, and lets go. Every write
        goes through here, so nothing is ever saved over newer data."""
        self._check_writable()
        with self._mutex:
            took_lock = False
            if self._batch_depth == 0:
                took_lock = self._begin_write()
            self._batch_depth += 1
            if self._batch_depth == 1:
                for table in self._all_tables():
                    table.storage.deferred = True
            ok = False
            try:
                yield
                ok = True
            finally:
                self._batch_depth -= 1
                if self._batch_depth == 0:
                    for table in self._all_tables():
                        table.storage.deferred = False
                    try:
                        if ok:
                            self.flush()
                        else:
                            self._discard()
                    finally:
                        self._changed_ids = {}
                        self._change = None
                        for table in self._all_tables():
                            table.before = None
                        if took_lock:
                            self._writer.release()

    def _begin_write(self) -> bool:
        """Take the write lock (True if this call took it) and catch up with the disk."""
        took = not self._writer.held
        self._writer.acquire(self.write_wait)
        try:
            self._changed_ids = self._catch_up()
        except BaseException:
            if took:
                self._writer.release()
            raise
        return took

    # ----------------------------------------------------------------- other processes
    def changed_elsewhere(self) -> bool:
        """Whether another process saved something since this one last looked (cheap: a
        few stats; the TUI asks every second)."""
        return FolderState.read(self.folder) != self._snap.state

    def refresh(self) -> set[str]:
        """Re-read what other processes saved since this one last looked; the names of the
        files re-read (empty when nothing changed, or when this store is busy writing)."""
        if not self._mutex.acquire(blocking=False):
            return set()
        try:
            if self._batch_depth:
                return set()
            changed: set[str] = set()
            for _round in range(5):  # a save landing while reading: read again
                found = self._catch_up()
                if not found:
                    break
                changed |= {stem for stem in found}
            return changed
        finally:
            self._mutex.release()

    def _catch_up(self) -> dict[str, set[str]]:
        """Re-read the files that changed on disk since the snapshot; the ids of the records
        that differ, per table ("touches" shards by their file's stem)."""
        now = FolderState.read(self.folder)
        if now == self._snap.state:
            return {}
        if now.journal and self._writer.held:
            # A writer died after committing: finish its save, as the next open would.
            finish_batch(self.folder)
            self.recovered.append("finished saving changes a crash had interrupted")
        before, overlaid = self._snap.state, set(self._snap.overlaid)
        self._snap.take(self.folder, self._pin_lock())  # (a journal's new files are read in place of the old)
        after = self._snap.state
        names = before.changed(after) | overlaid | self._snap.overlaid
        if not names and after.generation != before.generation:
            names = set(after.files)  # a save that left no trace in the stamps: read it all
        changed = self._reread(names)
        self._refreshes += 1
        return changed

    def _reread(self, names: set[str]) -> dict[str, set[str]]:
        """Reload the tables stored in ``names``; the ids of their records that differ."""
        changed: dict[str, set[str]] = {}
        for table in self._all_tables():
            if table.path.name in names:
                changed[table.path.stem] = self._reread_table(table)
        for name in sorted(names):
            month = name[len("touches-"):-len(".json")] if name.startswith("touches-") else ""
            if re.fullmatch(r"\d{4}-\d\d", month) and month not in self._shards:
                self._shards[month] = self._new_shard(month)
                changed[f"touches-{month}"] = set()
        self._after_reread(set(changed))
        return changed

    def _reread_table(self, table: Table) -> set[str]:
        empty: dict[str, Any] = {}
        old: dict[str, Any] = (table.storage._cache or empty).get(table.table.name, empty)
        had_records = table._records is not None
        table.storage._cache = None
        table.storage.meta = {}
        table.raw_schema = None
        if not had_records or table.builds_from_cache:
            # Read on first use: whatever is on disk when it is next wanted.
            table._records = None
            table.loaded = False
            if table.builds_from_cache:
                with self._naming_backup():
                    table.storage.load()
        else:
            self._load_table(table)
        new: dict[str, Any] = (table.storage._cache or empty).get(table.table.name, empty)
        changed = {key for key in set(old) | set(new) if old.get(key) != new.get(key)}
        if table.stem != "summaries":  # (derived data: never edited by a caller)
            for key in changed:
                if key in old:
                    versions = self._previous.setdefault((table.path.stem, table.prefix + key), [])
                    versions[:] = [*versions[-4:], old[key]]
        return {table.prefix + key for key in changed}

    def _pin_lock(self) -> WriteLock | None:
        """The lock a snapshot may take when saves keep landing while it pins the files
        (none in a folder that cannot be written: nobody saves there)."""
        return None if self.readonly_reason else self._writer

    def _new_shard(self, month: str) -> Table:  # pragma: no cover - TouchLog provides it
        raise NotImplementedError

    def _after_reread(self, stems: set[str]) -> None:
        """Hook: tables re-read (Store re-attaches the touch summaries to the contacts)."""

    def _check_current(self, stem: str, record_id: str, what: str) -> None:
        """Refuse a change to a record another process changed since this one read it."""
        if record_id in self._changed_ids.get(stem, ()):
            deleted = record_id not in self._tables[stem].records if stem in self._tables else False
            self._previous.pop((stem, record_id), None)
            raise StaleData(what, deleted=deleted)

    def _check_not_stale(self, table: Table, record: Any, what: str) -> None:
        """Refuse to save ``record`` when it is a copy of an earlier version of a record
        another process changed: a field that other process changed still has its old value
        here (the user's copy would undo their change). Fields this process changed, and
        fields nobody else touched, are no conflict. Said once: the next attempt is made on
        the version loaded now."""
        key = (table.path.stem, record.id)
        versions = self._previous.get(key)
        if not versions:
            return
        current = table.stored_doc(record.id)
        if current is None:  # deleted by the other process
            self._previous.pop(key, None)
            raise StaleData(what, deleted=True)
        mine = table.doc_of(record)
        for old in versions:
            for name in set(old) | set(current):
                if old.get(name) != current.get(name) and mine.get(name) == old.get(name):
                    self._previous.pop(key, None)
                    raise StaleData(what)

    @property
    def generation(self) -> int:
        """Grows with every write to disk and every re-read of another process's changes:
        equal values mean nothing changed in between (a plan made from the store, like an
        import's preview, is still current)."""
        return sum(table.storage.writes for table in self._all_tables()) + self._refreshes

    @property
    def refreshes(self) -> int:
        """How many times this store re-read another process's saves (a refresh, or the
        catch-up before a write): unchanged across a write means it saved only its own."""
        return self._refreshes

    def _all_tables(self) -> list[Table]:
        return [*self._tables.values(), *self._shards.values()]

    def flush(self) -> None:
        """Write what a batch changed: every changed file or none (storage.commit_files)."""
        pending = [(t, t.storage.pending) for t in self._all_tables() if t.storage.pending is not None]
        change, self._change = self._change, None
        logged: list[tuple[Path, Payload]] = []
        if change is not None and change.replay:
            logged = change.extra_writes
        elif change is not None and pending:
            # The undo entry is committed with the data it describes (all or nothing).
            if change.from_disk:
                found = undo_log.diff((t.storage.path, data or {}) for t, data in pending)
            else:
                found = undo_log.collect(
                    (t.storage.path.name, t.table.name, t.before, t._raw().get(t.table.name, {}))
                    for t in self._all_tables() if t.before
                )
            logged = undo_log.record(self.folder, change, found, self.clock().isoformat())
        if not pending and not logged:
            return
        for table, _data in pending:
            table.storage.pending = None
        writes: list[tuple[Path, Payload]] = [
            (t.storage.path, t.storage.payload(data)) for t, data in pending if data is not None]
        writes += logged
        try:
            commit_files(self.folder, writes)
        except SavedButUnfinished as exc:
            self.warnings.append(str(exc))  # saved: carry on as after any save
        except BaseException:
            for table, _data in pending:  # nothing was saved: the disk is the truth again
                table.storage.forget()
                table.load(False)
            raise
        for table, data in pending:
            if data is not None:
                table.storage.written(data)
        if logged:
            undo_log.prune(self.folder)
        bump_generation(self.folder)
        self._snap.take(self.folder)  # (under the lock: only our own save is new)

    def _discard(self) -> None:
        for table in self._all_tables():
            if table.storage.pending is not None:
                table.storage.pending = None
                table.storage._cache = None
                table.load(False)

    def _persist(self, table: Table, op: Callable[[], None]) -> None:
        if not self._batch_depth:  # (a batch checked it as it began: 50,000 saves need not)
            self._check_writable()
        try:
            op()
        except StoreError:
            # storage.write reloaded its cache from disk; mirror it in the records.
            table.load(False)
            raise

    # ----------------------------------------------------------------- generic
    def _get(self, stem: str, record_id: str) -> Any:
        return self._tables[stem].records.get(record_id)

    def _add(self, stem: str, record: R) -> R:
        with self.batch():  # (the id comes from the counter as it is on disk now)
            table = self._tables[stem]
            record.id = table.next_id()
            self._persist(table, lambda: table.save(record))
        return record

    def _update(self, stem: str, record: R) -> R:
        with self.batch():
            table = self._tables[stem]
            what = _label(stem, table.records.get(record.id) or record)  # (its name as stored)
            if record.id not in table.records:
                if (stem, record.id) in self._previous or record.id in self._changed_ids.get(stem, ()):
                    self._previous.pop((stem, record.id), None)
                    raise StaleData(what, deleted=True)
                raise KeyError(record.id)
            self._check_not_stale(table, record, what)
            self._persist(table, lambda: table.save(record))
            self._previous.pop((stem, record.id), None)  # later changes build on this one
        return record

    def _remove(self, stem: str, ids: Iterable[str]) -> None:
        with self.batch():
            table = self._tables[stem]
            ids = list(ids)
            self._persist(table, lambda: table.remove(ids))

    # ----------------------------------------------------------------- contacts (read)
    def contacts(self) -> list[Contact]:
        return list(self._tables["contacts"].records.values())

    def contact(self, contact_id: str) -> Contact | None:
        return self._tables["contacts"].records.get(contact_id)


def _label(stem: str, record: object) -> str:
    """How a refused change names its record: "Ravi Menon", "the feed Example"..."""
    name = getattr(record, "name", "") or getattr(record, "title", "") or getattr(record, "label", "")
    kind = {"contacts": "", "threads": "the thread ", "feeds": "the feed ", "articles": "the article "}.get(stem, "")
    rid = getattr(record, "id", "")
    return f"{kind}{name}".strip() or f"{stem[:-1]} {rid}"
