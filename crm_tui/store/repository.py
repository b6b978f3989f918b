"""The store: domain records in, domain records out. The only code that knows TinyDB.

Layout of the data folder (one small file per table keeps every write cheap):

    contacts.json  threads.json  feeds.json  articles.json  shares.json  dismissals.json
    summaries.json   per-contact last touch in/out and count (derived from the touches)
    touches-2026-02.json  touches-2026-03.json  ...   (touches sharded by month)
    .lock          the single-writer lock (flock; released by the kernel if we die)
    .batch.journal only while a batch of several files is being saved (see storage.py)
    .lock.owner    who holds it (pid, since), for the "open elsewhere" message
    backups/YYYY-MM-DD/   daily snapshots, the last five days

Contacts carry summaries (last touch in/out, count) so start-up never reads the touches;
they live in summaries.json, not contacts.json, so logging a touch rewrites two small
files (a month of touches and the summaries) and never the contacts. A touch is written
to its shard first and then to the summaries; each shard stamps a sequence number that the
summaries file records, so after a crash between the two writes the next open notices and
recomputes the summaries. Touch ids name their shard: ``2026-03.15``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import MISSING, dataclass
from dataclasses import fields as dataclass_fields
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import arrow
import orjson
from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.table import Document

from crm_tui.domain.models import (
    Article,
    Contact,
    Dismissal,
    Feed,
    Record,
    Share,
    Thread,
    Touch,
)
from crm_tui import clock
from crm_tui.perf import gc_paused
from crm_tui.store import undo as undo_log
from crm_tui.store.storage import (
    CorruptFile,
    NewerSchema,
    SafeJSONStorage,
    StoreError,
    clean_stray_temp_files,
    commit_files,
    read_document,
    recover_batch,
)

SCHEMA_VERSION = 1
KEEP_BACKUPS = 5
# Read on first use, not at open: nothing on the first screen or in `today` needs them.
# Their schema is still checked at open (_check_schemas reads every file's head).
LAZY_TABLES = frozenset({"articles"})

# version -> function(file stem, tables) -> tables at version + 1
Migration = Callable[[str, dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[int, Migration] = {}

R = TypeVar("R", bound=Record)


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


SUMMARY_FIELDS = ("last_in", "last_out", "touch_count")
_EMPTY: tuple[Any, ...] = (None, "", [], {})


def _empty_defaults(cls: type[Any]) -> tuple[str, ...]:
    """The fields of a record class whose default is empty (None, "", [] or {})."""
    names = []
    for f in dataclass_fields(cls):
        if f.default is not MISSING:
            default = f.default
        elif f.default_factory is not MISSING:
            default = f.default_factory()
        else:
            continue
        if default in _EMPTY and f.name != "id":
            names.append(f.name)
    return tuple(names)


@dataclass
class _Summary(Record):
    id: str = ""
    last_in: str | None = None
    last_out: str | None = None
    touch_count: int = 0


class _Table:
    """One TinyDB table in its own file, mirrored as domain records keyed by id."""

    # Fields kept in another table (contacts' touch summaries live in summaries.json).
    strip: tuple[str, ...] = ()

    def __init__(self, folder: Path, stem: str, cls: type[R], prefix: str, readonly: bool) -> None:
        self.path = folder / f"{stem}.json"
        self.stem = stem
        self.cls = cls
        self.prefix = prefix
        self.db = TinyDB(self.path, storage=SafeJSONStorage, schema=SCHEMA_VERSION, readonly=readonly)
        self.storage: SafeJSONStorage = self.db.storage  # type: ignore[assignment]
        self.table = self.db.table(stem, cache_size=0)
        self._records: dict[str, Any] | None = None
        self.loaded = False
        self.omit_empty = _empty_defaults(cls)
        # Set by the store for tables read on first use rather than at open.
        self.loader: Callable[[_Table], None] | None = None
        # The records, once wanted, are built from the parsed document in memory (which
        # every save updates first), not read from disk: saving need not build them.
        self.builds_from_cache = False
        self.raw_schema: int | None = None  # schema of the cached raw document (shards)

    @property
    def records(self) -> dict[str, Any]:
        if self._records is None:
            if self.loader is None:
                raise RuntimeError(f"{self.path.name} was not loaded")
            self.loader(self)
        return self._records  # type: ignore[return-value]

    @records.setter
    def records(self, value: dict[str, Any]) -> None:
        self._records = value

    def load(self, migrate: bool) -> None:
        found, tables = self.storage.load()
        if found > SCHEMA_VERSION:
            raise NewerSchema(self.path, found, SCHEMA_VERSION)
        if found < SCHEMA_VERSION:
            for version in range(found, SCHEMA_VERSION):
                tables = MIGRATIONS[version](self.stem, tables)
            self.storage._cache = tables
            if migrate:
                self.storage.write(tables)
        self.build(tables)

    def build(self, tables: dict[str, Any]) -> None:
        """The records of an already parsed (and current-schema) document."""
        raw = tables.get(self.stem, {})
        prefix, build = self.prefix, self.cls.from_dict
        records: dict[str, Any] = {}
        try:
            for doc_id, doc in sorted(raw.items(), key=lambda kv: int(kv[0])):
                key = prefix + doc_id
                record = records[key] = build(doc)
                record.id = key
            self.records = records
        except (TypeError, ValueError, AttributeError) as exc:
            raise CorruptFile(self.path, f"a record does not fit: {exc}") from exc
        self.loaded = True

    def next_id(self) -> str:
        # The counter never goes back, so a deleted record's id is never reused. A table
        # read on first use loads now, before its counter is looked at (it is in the file).
        records = self.records
        counter = self.storage.meta.get("next_id")
        if counter is None:
            counter = max((self.doc_id(i) for i in records), default=0)
        number = int(counter) + 1
        self.storage.meta["next_id"] = number
        return f"{self.prefix}{number}"

    def doc_id(self, record_id: str) -> int:
        if not record_id.startswith(self.prefix) or not record_id[len(self.prefix):].isdigit():
            raise KeyError(record_id)
        return int(record_id[len(self.prefix):])

    def save(self, record: Any) -> None:
        # orjson serialises dataclasses natively, several times faster than asdict().
        doc = orjson.loads(orjson.dumps(record))
        doc.pop("id", None)
        for name in self.strip:
            doc.pop(name, None)
        # Empty values of fields that default to empty are left out: smaller files that
        # parse faster and diff better; loading restores the default.
        for name in self.omit_empty:
            if name in doc and doc[name] in _EMPTY:
                del doc[name]
        doc_id = self.doc_id(record.id)
        if self.storage.deferred:
            # In a batch, TinyDB's per-operation rebuild of the whole table would make
            # bulk work quadratic; edit the cached document and write once at the end.
            raw = self._raw()
            raw.setdefault(self.table.name, {})[str(doc_id)] = doc
            self.storage.pending = raw
        else:
            self.table.upsert(Document(doc, doc_id=doc_id))
        if self._records is not None or not self.builds_from_cache:
            self.records[record.id] = record

    def _raw(self) -> dict[str, Any]:
        """The storage's cached document itself (not a copy), for in-place batch edits."""
        raw = self.storage.read()
        if raw is None:
            raw = self.storage._cache = {}
        return raw

    def remove(self, ids: Iterable[str]) -> None:
        ids = [i for i in ids if i in self.records]
        if not ids:
            return
        if self.storage.deferred:
            raw = self._raw()
            for i in ids:
                raw.get(self.table.name, {}).pop(str(self.doc_id(i)), None)
            self.storage.pending = raw
        else:
            self.table.remove(doc_ids=[self.doc_id(i) for i in ids])
        for i in ids:
            self.records.pop(i, None)


class Store:
    """Open with :meth:`open`; use as a context manager or call :meth:`close`."""

    def __init__(self, folder: Path, readonly: bool) -> None:
        self.folder = folder
        self.readonly = readonly
        self._lock: FileLock | None = None
        self._tables: dict[str, _Table] = {}
        self._shards: dict[str, _Table] = {}  # "YYYY-MM" -> touches of that month
        self._batch_depth = 0
        self.recovered: list[str] = []  # what open() repaired (for the user)
        self._change: undo_log.Change | None = None  # the named change being made, if any
        self.clock: Callable[[], arrow.Arrow] = clock.now
        self._backed_up_on: str | None = None

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        folder: Path,
        *,
        readonly: bool = False,
        wait: float = 0.0,
        today: arrow.Arrow | None = None,
        long_lived: bool = False,
    ) -> Store:
        """Open the store in ``folder``.

        Writable opens take the exclusive lock, waiting up to ``wait`` seconds, and raise
        :class:`Locked` if another process keeps it. They also clean up after crashes and
        take the day's backup. Corrupt or newer files raise before anything is written.
        ``long_lived`` (the TUI) keeps the loaded records out of the garbage collector's
        scans for the rest of the process (see :func:`crm_tui.perf.gc_paused`).
        """
        folder = Path(folder)
        store = cls(folder, readonly)
        if not readonly:
            folder.mkdir(parents=True, exist_ok=True)
            store._acquire(wait)
        try:
            with gc_paused(keep=long_lived):
                store._load(today or arrow.now())
        except BaseException:
            store.close()
            raise
        return store

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

    def _load(self, today: arrow.Arrow) -> None:
        if not self.readonly:
            if recover_batch(self.folder):
                self.recovered.append("finished saving changes a crash had interrupted")
            clean_stray_temp_files(self.folder)  # what a crash left uncommitted
        specs: list[tuple[str, type[Any], str]] = [
            ("contacts", Contact, "c"),
            ("threads", Thread, "t"),
            ("feeds", Feed, "f"),
            ("articles", Article, "a"),
            ("shares", Share, "s"),
            ("dismissals", Dismissal, "d"),
            ("summaries", _Summary, "c"),
        ]
        if self.folder.exists():
            self._check_schemas()
        for stem, cls, prefix in specs:
            table = _Table(self.folder, stem, cls, prefix, self.readonly)
            table.loader = self._load_table
            if stem not in LAZY_TABLES and stem != "summaries":  # see _attach_summaries
                self._load_table(table)
            self._tables[stem] = table
        self._tables["contacts"].strip = SUMMARY_FIELDS
        self._attach_summaries(self._tables["contacts"].records, self._tables["summaries"])
        for path in sorted(self.folder.glob("touches-*.json")):
            month = path.stem.split("-", 1)[1]
            if re.fullmatch(r"\d{4}-\d\d", month):
                self._shards[month] = self._open_shard(month, load=False)
        if not self.readonly:
            self._backup(today)
            self._backed_up_on = today.format("YYYY-MM-DD")
            self._check_summaries()

    def _attach_summaries(self, contacts: dict[str, Any], table: _Table) -> None:
        """Give each contact its touch summary, read straight from the parsed file.

        The summary records themselves are built only when something needs them (an
        edited contact's summary compared with the stored one, a deletion), from the same
        parsed document, so nothing changed in memory since (a bumped touch_seq, a batch's
        pending writes) is lost. Logging a touch never needs them. Building 10,000 of them
        at every start-up took ~15 ms for nothing."""
        with self._naming_backup():
            found, tables = table.storage.load()
        if found < SCHEMA_VERSION:  # (a newer one was refused by _check_schemas)  # migrate through the ordinary path
            self._load_table(table)
            docs: dict[str, Any] = {k[len(table.prefix):]: r.__dict__ for k, r in table.records.items()}
        else:
            docs = tables.get(table.stem, {})
            table.loader = self._build_parsed
            table.builds_from_cache = True
        prefix = table.prefix
        for doc_id, doc in docs.items():
            contact = contacts.get(prefix + doc_id)
            if contact is not None:
                contact.last_in = doc.get("last_in")
                contact.last_out = doc.get("last_out")
                contact.touch_count = doc.get("touch_count", 0)

    def _build_parsed(self, table: _Table) -> None:
        with self._naming_backup(), gc_paused():  # 10,000 records at once, as at open
            table.build(table.storage.read() or {})

    def _load_table(self, table: _Table) -> None:
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
            if found > SCHEMA_VERSION:
                raise NewerSchema(path, found, SCHEMA_VERSION)
            older = older or found < SCHEMA_VERSION
        if older and not self.readonly:
            stamp = arrow.utcnow().format("YYYYMMDDTHHmmss")
            target = self.folder / "backups" / f"pre-migration-{stamp}"
            target.mkdir(parents=True, exist_ok=True)
            for path in self._data_files():
                shutil.copy2(path, target / path.name)

    def _data_files(self) -> list[Path]:
        return sorted(p for p in self.folder.glob("*.json") if not p.name.startswith("."))

    def _open_shard(self, month: str, load: bool) -> _Table:
        table = _Table(self.folder, f"touches-{month}", Touch, f"{month}.", self.readonly)
        table.table = table.db.table("touches", cache_size=0)
        table.stem = "touches"
        table.storage.deferred = self._batch_depth > 0
        if load:
            self._load_table(table)
        return table

    def _shard(self, month: str) -> _Table:
        table = self._shards.get(month)
        if table is None:
            table = self._open_shard(month, load=True)
            self._shards[month] = table
        elif not table.loaded:
            self._load_table(table)
        return table

    def close(self) -> None:
        self.flush()
        if self._lock is not None:
            with contextlib.suppress(OSError):
                (self.folder / ".lock.owner").unlink()
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- backups
    def _backup(self, today: arrow.Arrow) -> None:
        """Copy today's files into backups/DATE, once a day, keeping the last few days.

        Copies, not hard links: a link would share the inode, so anything that damages the
        data file in place (a sync tool, an editor, a bad disk block) would damage the
        backup too. Old months' touch shards never change, so they are linked from the
        previous backup instead of copied again when their size and mtime match."""
        root = self.folder / "backups"
        target = root / today.format("YYYY-MM-DD")
        files = self._data_files()
        if target.exists() or not files:
            return
        previous = next((p for p in self.backups() if re.fullmatch(r"\d{4}-\d\d-\d\d", p.name)), None)
        staging = root / f".{target.name}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
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
        daily = sorted(p for p in root.iterdir() if re.fullmatch(r"\d{4}-\d\d-\d\d", p.name))
        for stale in daily[:-KEEP_BACKUPS]:
            shutil.rmtree(stale, ignore_errors=True)

    def backups(self) -> list[Path]:
        root = self.folder / "backups"
        if not root.exists():
            return []
        return sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True)

    def newest_good_backup(self, name: str) -> Path | None:
        for folder in self.backups():
            candidate = folder / name
            if candidate.exists():
                try:
                    read_document(candidate)
                except CorruptFile:
                    continue
                return candidate
        return None

    # ----------------------------------------------------------------- writing
    def _check_writable(self) -> None:
        if self.readonly:
            raise ReadOnly()
        self._backup_new_day()

    def _backup_new_day(self) -> None:
        """The first write of a new day (a TUI left open past midnight) takes the day's
        backup first, as an open does."""
        today = self.clock()
        if self._backed_up_on != today.format("YYYY-MM-DD"):
            self._backed_up_on = today.format("YYYY-MM-DD")
            self._backup(today)

    @contextlib.contextmanager
    def change(self, label: str = "", fallback: str = "") -> Iterator[undo_log.Change]:
        """A batch the user can undo, named by ``label`` ("done on Ravi Menon's payment
        reminder"; settable on the yielded object until the end). Nested changes and
        batches join the outermost one. See :mod:`crm_tui.store.undo`."""
        if self._change is None:
            self._change = undo_log.Change(label, fallback=fallback)
        elif label and not self._change.label:
            self._change.label = label
        with self.batch():
            yield self._change

    def undo(self) -> str | None:
        """Take back the last change; what it was, or None when there is nothing to undo."""
        return undo_log.undo(self)

    def redo(self) -> str | None:
        """Apply again the last change undone; what it was, or None."""
        return undo_log.redo(self)

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
                try:
                    if ok:
                        self.flush()
                    else:
                        self._discard()
                finally:
                    self._change = None

    @property
    def generation(self) -> int:
        """Grows with every write to disk: equal values mean nothing was saved in between
        (a plan made from the store, like an import's preview, is still current)."""
        return sum(table.storage.writes for table in self._all_tables())

    def _all_tables(self) -> list[_Table]:
        return [*self._tables.values(), *self._shards.values()]

    def flush(self) -> None:
        """Write what a batch changed: every changed file or none (storage.commit_files)."""
        pending = [(t, t.storage.pending) for t in self._all_tables() if t.storage.pending is not None]
        change, self._change = self._change, None
        logged: list[tuple[Path, bytes]] = []
        if change is not None and change.replay:
            logged = change.extra_writes
        elif change is not None and pending:
            # The undo entry is committed with the data it describes (all or nothing).
            found = undo_log.diff((t.storage.path, data) for t, data in pending)  # type: ignore[misc]
            logged = undo_log.record(self.folder, change, found, self.clock().isoformat())
        if not pending and not logged:
            return
        for table, _data in pending:
            table.storage.pending = None
        writes = [(t.storage.path, t.storage.payload(data)) for t, data in pending]  # type: ignore[arg-type]
        writes += logged
        try:
            commit_files(self.folder, writes)
        except BaseException:
            for table, _data in pending:  # nothing was saved: the disk is the truth again
                table.storage.forget()
                table.load(False)
            raise
        for table, data in pending:
            table.storage.written(data)  # type: ignore[arg-type]
        if logged:
            undo_log.prune(self.folder)

    def _discard(self) -> None:
        for table in self._all_tables():
            if table.storage.pending is not None:
                table.storage.pending = None
                table.storage._cache = None
                table.load(False)

    def _persist(self, table: _Table, op: Callable[[], None]) -> None:
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
        if record.id not in table.records:  # type: ignore[attr-defined]
            raise KeyError(record.id)  # type: ignore[attr-defined]
        self._persist(table, lambda: table.save(record))
        return record

    def _remove(self, stem: str, ids: Iterable[str]) -> None:
        table = self._tables[stem]
        ids = list(ids)
        self._persist(table, lambda: table.remove(ids))

    # ----------------------------------------------------------------- contacts
    def contacts(self) -> list[Contact]:
        return list(self._tables["contacts"].records.values())

    def contact(self, contact_id: str) -> Contact | None:
        return self._get("contacts", contact_id)

    def add_contact(self, contact: Contact) -> Contact:
        self._add("contacts", contact)
        self._save_summary(contact)
        return contact

    def update_contact(self, contact: Contact) -> Contact:
        self._update("contacts", contact)
        self._save_summary(contact)
        return contact

    def _save_summary(self, contact: Contact, force: bool = False) -> None:
        table = self._tables["summaries"]
        summary = _Summary(contact.id, contact.last_in, contact.last_out, contact.touch_count)
        if force or table.records.get(contact.id, _Summary(contact.id)) != summary:
            self._persist(table, lambda: table.save(summary))

    def delete_contact(self, contact_id: str) -> None:
        """Delete a contact with its touches, threads, shares and dismissals."""
        with self.batch():
            for month in self.touch_months():
                shard = self._shard(month)
                ids = [t.id for t in shard.records.values() if t.contact_id == contact_id]
                if ids:
                    self._bump_seq(month)
                    self._persist(shard, lambda s=shard, i=ids: s.remove(i))
            self._remove("summaries", [contact_id])
            for stem in ("threads", "shares", "dismissals"):
                ids = [r.id for r in self._tables[stem].records.values() if r.contact_id == contact_id]
                self._remove(stem, ids)
            self._remove("contacts", [contact_id])

    def find_contacts(self, query: str) -> list[Contact]:
        """Contacts matching an id or a name (case-insensitive, exact, then unique prefix)."""
        query = query.strip()
        exact = self.contact(query)
        if exact:
            return [exact]
        folded = query.casefold()
        named = [c for c in self.contacts() if c.name.casefold() == folded]
        if named:
            return named
        return [c for c in self.contacts() if c.name.casefold().startswith(folded)] if folded else []

    # ----------------------------------------------------------------- touches
    def touch_months(self) -> list[str]:
        """The months ("YYYY-MM") that have touches, oldest first."""
        return sorted(self._shards)

    @staticmethod
    def _month_of(at: str) -> str:
        return datetime.fromisoformat(at).strftime("%Y-%m")

    @staticmethod
    def _month_of_id(touch_id: str) -> str:
        return touch_id.rsplit(".", 1)[0]

    def log_touch(self, touch: Touch) -> Touch:
        """Store a touch and update the contact's summary (both durable on return)."""
        self._check_writable()
        contact = self.contact(touch.contact_id)
        if contact is None:
            raise KeyError(touch.contact_id)
        month = self._month_of(touch.at)
        shard = self._shard(month)
        touch.id = shard.next_id()
        self._bump_seq(month)
        self._persist(shard, lambda: shard.save(touch))
        self._summarise(contact, [touch])
        self._save_summary(contact, force=True)
        return touch

    def log_touches(self, touches: Iterable[Touch]) -> list[Touch]:
        """Log many touches: one write per month file, the summaries written once."""
        with self.batch():
            return [self.log_touch(t) for t in touches]

    def update_touch(self, touch: Touch) -> Touch:
        """Rewrite a touch's note, channel, thread... (not its time or contact)."""
        shard = self._shard(self._month_of_id(touch.id))
        old = shard.records.get(touch.id)
        if old is None:
            raise KeyError(touch.id)
        if (old.at, old.contact_id, old.direction) != (touch.at, touch.contact_id, touch.direction):
            raise ValueError("a touch's time, contact and direction cannot change; delete and log it again")
        self._persist(shard, lambda: shard.save(touch))
        return touch

    def rewrite_touch(self, touch: Touch) -> Touch:
        """Change anything of a touch but its contact (a corrected date or direction). A
        date in another month moves it to that month's file with a new id; its shares
        follow. Returns the touch as stored."""
        old = self.touch(touch.id)
        if old is None:
            raise KeyError(touch.id)
        if old.contact_id != touch.contact_id:
            raise ValueError("a touch cannot move to another contact; delete and log it again")
        month = self._month_of_id(touch.id)
        with self.batch():
            if self._month_of(touch.at) == month:
                shard = self._shard(month)
                self._bump_seq(month)
                self._persist(shard, lambda: shard.save(touch))
                contact = self.contact(touch.contact_id)
                if contact:
                    self._resummarise([contact])
                    self._save_summary(contact, force=True)
                return touch
            old_id = touch.id
            self.delete_touch(old_id)
            touch.id = ""
            moved = self.log_touch(touch)
            for share in self.shares():
                if share.touch_id == old_id:
                    share.touch_id = moved.id
                    self._update("shares", share)
            return moved

    def delete_touch(self, touch_id: str) -> None:
        month = self._month_of_id(touch_id)
        if month not in self._shards:
            raise KeyError(touch_id)
        shard = self._shard(month)
        touch = shard.records.get(touch_id)
        if touch is None:
            raise KeyError(touch_id)
        with self.batch():
            self._bump_seq(month)
            self._persist(shard, lambda: shard.remove([touch_id]))
            contact = self.contact(touch.contact_id)
            if contact:
                self._resummarise([contact])
                self._save_summary(contact, force=True)

    def touch(self, touch_id: str) -> Touch | None:
        month = self._month_of_id(touch_id)
        if month not in self._shards:
            return None
        return self._shard(month).records.get(touch_id)

    def touches(
        self,
        contact_ids: Iterable[str] | None = None,
        thread_id: str | None = None,
        since: str | None = None,
    ) -> list[Touch]:
        """Touches, oldest first, filtered by contacts, thread and start time (ISO).

        Only the month shards from ``since`` on are read (with a month of slack: shards go
        by the touch's own offset, ``since`` may be in another zone)."""
        wanted = set(contact_ids) if contact_ids is not None else None
        parse = datetime.fromisoformat
        start = parse(arrow.get(since).isoformat()) if since else None
        first = arrow.get(since).shift(months=-1).format("YYYY-MM") if since else ""
        found: list[Touch] = []
        for month in self.touch_months():
            if month < first:
                continue
            shard = self._shards[month]
            if wanted is not None and not shard.loaded:
                # A few contacts' touches (a contact screen, the open threads): filter the
                # raw documents and build only the matches, not every touch of the month.
                found.extend(self._raw_touches(shard, wanted, thread_id))
                continue
            for t in self._shard(month).records.values():
                if wanted is not None and t.contact_id not in wanted:
                    continue
                if thread_id is not None and t.thread_id != thread_id:
                    continue
                found.append(t)
        if start is not None:
            found = [t for t in found if parse(t.at) >= start]
        found.sort(key=lambda t: (parse(t.at), t.id))
        return found

    def _raw_touches(self, shard: _Table, wanted: set[str], thread_id: str | None) -> list[Touch]:
        if shard.storage._cache is None or shard.raw_schema is None:
            with self._naming_backup():
                shard.raw_schema, _ = shard.storage.load()
        found, tables = shard.raw_schema, shard.storage._cache or {}
        if found != SCHEMA_VERSION:  # needs migrating: take the ordinary path
            return [t for t in self._shard(shard.path.stem[len("touches-"):]).records.values()
                    if t.contact_id in wanted and (thread_id is None or t.thread_id == thread_id)]
        out = []
        for doc_id, doc in tables.get("touches", {}).items():
            if doc.get("contact_id") in wanted and (thread_id is None or doc.get("thread_id") == thread_id):
                try:
                    out.append(Touch.from_dict({**doc, "id": f"{shard.prefix}{doc_id}"}))
                except (TypeError, ValueError) as exc:
                    raise CorruptFile(shard.path, f"a record does not fit: {exc}",
                                      self.newest_good_backup(shard.path.name)) from None
        return out

    @staticmethod
    def _summarise(contact: Contact, touches: Iterable[Touch]) -> None:
        parse = datetime.fromisoformat
        for t in touches:
            if t.direction == "in":
                if not contact.last_in or parse(t.at) > parse(contact.last_in):
                    contact.last_in = t.at
            elif not contact.last_out or parse(t.at) > parse(contact.last_out):
                contact.last_out = t.at
            contact.touch_count += 1

    def _resummarise(self, contacts: Iterable[Contact]) -> None:
        contacts = list(contacts)
        by_id = {c.id: c for c in contacts}
        for c in contacts:
            c.last_in = c.last_out = None
            c.touch_count = 0
        for t in self.touches(contact_ids=by_id):
            self._summarise(by_id[t.contact_id], [t])

    def _bump_seq(self, month: str) -> None:
        """Stamp the shard and (on the next summaries write) the summaries with a new seq."""
        shard = self._shard(month)
        seq = int(shard.storage.meta.get("seq", 0)) + 1
        shard.storage.meta["seq"] = seq
        meta = self._tables["summaries"].storage.meta
        meta["touch_seq"] = {**meta.get("touch_seq", {}), month: seq}

    def _check_summaries(self) -> None:
        """After a crash between a touch write and its summary write, recompute summaries."""
        recorded = self._tables["summaries"].storage.meta.get("touch_seq", {})
        stale = []
        for month in self.touch_months():
            path = self.folder / f"touches-{month}.json"
            with open(path, "rb") as handle:
                match = re.search(rb'"seq":\s*(\d+)', handle.read(256))
            if match and int(match.group(1)) != int(recorded.get(month, -1)):
                stale.append(month)
        if not stale:
            return
        contacts = self.contacts()
        with self.batch():
            self._resummarise(contacts)
            meta = self._tables["summaries"].storage.meta
            meta["touch_seq"] = {
                m: int(self._shard(m).storage.meta.get("seq", 0)) for m in self.touch_months()
            }
            for c in contacts:
                self._save_summary(c, force=True)
        self.recovered.append(f"touch summaries recomputed after an interrupted write ({', '.join(stale)})")

    # ----------------------------------------------------------------- threads
    def threads(self, contact_id: str | None = None, open_only: bool = False) -> list[Thread]:
        found = self._tables["threads"].records.values()
        return [
            t
            for t in found
            if (contact_id is None or t.contact_id == contact_id or contact_id in t.interviewers)
            and (not open_only or t.status == "open")
        ]

    def thread(self, thread_id: str) -> Thread | None:
        return self._get("threads", thread_id)

    def add_thread(self, thread: Thread) -> Thread:
        return self._add("threads", thread)

    def update_thread(self, thread: Thread) -> Thread:
        return self._update("threads", thread)

    # ----------------------------------------------------------------- feeds
    def feeds(self) -> list[Feed]:
        return list(self._tables["feeds"].records.values())

    def feed(self, feed_id: str) -> Feed | None:
        return self._get("feeds", feed_id)

    def add_feed(self, feed: Feed) -> Feed:
        return self._add("feeds", feed)

    def update_feed(self, feed: Feed) -> Feed:
        return self._update("feeds", feed)

    def delete_feed(self, feed_id: str) -> None:
        """Remove a feed and its articles, except articles shared with someone."""
        shared = {s.article_id for s in self.shares()}
        with self.batch():
            self._remove(
                "articles",
                [a.id for a in self.articles() if a.feed_id == feed_id and a.id not in shared],
            )
            self._remove("feeds", [feed_id])

    # ----------------------------------------------------------------- articles
    def articles(self, feed_id: str | None = None) -> list[Article]:
        found = self._tables["articles"].records.values()
        return [a for a in found if feed_id is None or a.feed_id == feed_id]

    def article(self, article_id: str) -> Article | None:
        return self._get("articles", article_id)

    def add_article(self, article: Article) -> Article:
        return self._add("articles", article)

    def update_article(self, article: Article) -> Article:
        return self._update("articles", article)

    def delete_articles(self, ids: Iterable[str]) -> None:
        self._remove("articles", ids)

    # ----------------------------------------------------------------- shares
    def shares(self, contact_id: str | None = None) -> list[Share]:
        found = self._tables["shares"].records.values()
        return [s for s in found if contact_id is None or s.contact_id == contact_id]

    def add_share(self, share: Share) -> Share:
        return self._add("shares", share)

    def dismissals(self, contact_id: str | None = None) -> list[Dismissal]:
        found = self._tables["dismissals"].records.values()
        return [d for d in found if contact_id is None or d.contact_id == contact_id]

    def add_dismissal(self, dismissal: Dismissal) -> Dismissal:
        return self._add("dismissals", dismissal)

    # ----------------------------------------------------------------- raw access
    def export_tables(self) -> dict[str, list[dict[str, Any]]]:
        """Every record of every table as plain dicts (ids included), in id order."""
        out: dict[str, list[dict[str, Any]]] = {
            stem: [r.to_dict() for r in table.records.values()]
            for stem, table in self._tables.items()
            if stem != "summaries"  # derived from the touches; inside each contact
        }
        out["touches"] = [t.to_dict() for t in self.touches()]
        return out

    # ----------------------------------------------------------------- bulk (imports, restore)
    def save_contacts(self, added: Iterable[Contact] = (), updated: Iterable[Contact] = ()) -> list[Contact]:
        """Add new contacts (ids assigned) and rewrite changed ones, in one write."""
        added, updated = list(added), list(updated)
        with self.batch():
            for contact in updated:
                self.update_contact(contact)
            for contact in added:
                self.add_contact(contact)
        return added

    def add_articles(self, articles: Iterable[Article]) -> list[Article]:
        """Add many articles with one write (a feed refresh adds thousands)."""
        with self.batch():
            return [self.add_article(a) for a in articles]

    def restore_tables(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        """Recreate records with their own ids (from a backup) in an empty store."""
        self._check_writable()
        if any(t.records for t in self._tables.values()) or self.touch_months():
            raise StoreError(f"the data in {self.folder} is not empty; restore only into an empty home")
        with self.batch():
            for stem, table in self._tables.items():
                for doc in tables.get(stem, []) if stem != "summaries" else []:
                    table.save(table.cls.from_dict(doc))
                table.storage.meta["next_id"] = max((table.doc_id(i) for i in table.records), default=0)
            for doc in tables.get("touches", []):
                touch = Touch.from_dict(doc)
                self._shard(self._month_of_id(touch.id)).save(touch)
            for month in self.touch_months():
                shard = self._shard(month)
                shard.storage.meta["next_id"] = max((shard.doc_id(i) for i in shard.records), default=0)
                self._bump_seq(month)
            contacts = self.contacts()
            self._resummarise(contacts)
            for contact in contacts:
                self._save_summary(contact, force=True)
