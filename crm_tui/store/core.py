"""The store's machinery: the lock, loading tables, batches and flushing, generic records.

:class:`crm_tui.store.repository.Store` builds on it (through
:class:`crm_tui.store.touches.TouchLog`); nothing outside ``store/`` uses this module.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Self

import arrow
from filelock import FileLock, Timeout

from crm_tui.domain.models import Contact
from crm_tui.perf import gc_paused
from crm_tui.store import backups, schema
from crm_tui.store.storage import (
    CorruptFile,
    NewerSchema,
    StoreError,
    commit_files,
    read_document,
)
from crm_tui.store.table import R, Table


class Locked(StoreError):
    def __init__(self, folder: Path, owner: str) -> None:
        self.folder = folder
        self.owner = owner
        super().__init__(
            f"the data in {folder} is open in another crm-tui ({owner}). "
            "Close it first, or open read-only."
        )


class ReadOnly(StoreError):
    def __init__(self) -> None:
        super().__init__("the data is open read-only (another crm-tui has it); nothing was saved")




class StoreCore:
    """Tables in one folder, a writer's lock, all-or-nothing batches."""

    def __init__(self, folder: Path, readonly: bool) -> None:
        self.folder = folder
        self.readonly = readonly
        self._lock: FileLock | None = None
        self._tables: dict[str, Table] = {}
        self._shards: dict[str, Table] = {}  # "YYYY-MM" -> touches of that month
        self._batch_depth = 0
        self.recovered: list[str] = []  # what open() repaired (for the user)


    def _acquire(self, wait: float) -> None:
        lock = FileLock(self.folder / ".lock", timeout=wait, is_singleton=False)
        try:
            lock.acquire(timeout=wait, poll_interval=0.05)
        except Timeout:
            raise Locked(self.folder, self._owner()) from None
        self._lock = lock
        owner = self.folder / ".lock.owner"
        owner.write_text(
            json.dumps({"pid": os.getpid(), "since": arrow.utcnow().isoformat()}),
            encoding="utf-8",
        )

    def _owner(self) -> str:
        try:
            info = json.loads((self.folder / ".lock.owner").read_text(encoding="utf-8"))
            return f"process {info['pid']}, since {info['since'][:19].replace('T', ' ')} UTC"
        except (OSError, ValueError, KeyError, TypeError):
            return "another process"

    def _build_parsed(self, table: Table) -> None:
        with self._naming_backup(), gc_paused():  # 10,000 records at once, as at open
            table.build(table.storage.read() or {})

    def _load_table(self, table: Table) -> None:
        """Read a table (or a month of touches) from disk, migrating it if it is older."""
        with self._naming_backup():
            table.load(not self.readonly)

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
            target.mkdir(parents=True, exist_ok=True)
            for path in self._data_files():
                shutil.copy2(path, target / path.name)

    def _data_files(self) -> list[Path]:
        return sorted(p for p in self.folder.glob("*.json") if not p.name.startswith("."))

    def close(self) -> None:
        self.flush()
        if self._lock is not None:
            with contextlib.suppress(OSError):
                (self.folder / ".lock.owner").unlink()
            self._lock.release()
            self._lock = None

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
            raise ReadOnly()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Group writes: each file is written once at the end, all of them or none, even
        across a crash (see flush). On error nothing is saved and the in-memory records
        are reloaded from disk."""
        self._check_writable()
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
                if ok:
                    self.flush()
                else:
                    self._discard()

    @property
    def generation(self) -> int:
        """Grows with every write to disk: equal values mean nothing was saved in between
        (a plan made from the store, like an import's preview, is still current)."""
        return sum(table.storage.writes for table in self._all_tables())

    def _all_tables(self) -> list[Table]:
        return [*self._tables.values(), *self._shards.values()]

    def flush(self) -> None:
        """Write what a batch changed: every changed file or none (storage.commit_files)."""
        pending = [(t, t.storage.pending) for t in self._all_tables() if t.storage.pending is not None]
        if not pending:
            return
        for table, _data in pending:
            table.storage.pending = None
        writes = [(t.storage.path, t.storage.payload(data)) for t, data in pending if data is not None]
        try:
            commit_files(self.folder, writes)
        except BaseException:
            for table, _data in pending:  # nothing was saved: the disk is the truth again
                table.storage.forget()
                table.load(False)
            raise
        for table, data in pending:
            if data is not None:
                table.storage.written(data)

    def _discard(self) -> None:
        for table in self._all_tables():
            if table.storage.pending is not None:
                table.storage.pending = None
                table.storage._cache = None
                table.load(False)

    def _persist(self, table: Table, op: Callable[[], None]) -> None:
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
        self._check_writable()
        table = self._tables[stem]
        record.id = table.next_id()
        self._persist(table, lambda: table.save(record))
        return record

    def _update(self, stem: str, record: R) -> R:
        table = self._tables[stem]
        if record.id not in table.records:
            raise KeyError(record.id)
        self._persist(table, lambda: table.save(record))
        return record

    def _remove(self, stem: str, ids: Iterable[str]) -> None:
        table = self._tables[stem]
        ids = list(ids)
        self._persist(table, lambda: table.remove(ids))

    # ----------------------------------------------------------------- contacts (read)
    def contacts(self) -> list[Contact]:
        return list(self._tables["contacts"].records.values())

    def contact(self, contact_id: str) -> Contact | None:
        return self._tables["contacts"].records.get(contact_id)
