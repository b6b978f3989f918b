"""The store: domain records in, domain records out. The only code that knows TinyDB.

Layout of the data folder (one small file per table keeps every write cheap):

    contacts.json  threads.json  feeds.json  articles.json  shares.json
    touches-2025.json  touches-2026.json  ...   (touches sharded by year)
    .lock          the single-writer lock (flock; released by the kernel if we die)
    .lock.owner    who holds it (pid, since), for the "open elsewhere" message
    backups/YYYY-MM-DD/   daily snapshots (hard links: files are replaced, never edited)

Contacts carry summaries (last touch in/out, count) so start-up never reads the touches.
A touch is written to its shard first and then to the contact's summary; each shard
stamps a sequence number that the contacts file records, so after a crash between the two
writes the next open notices and recomputes the summaries.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
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
from crm_tui.store.storage import (
    CorruptFile,
    NewerSchema,
    SafeJSONStorage,
    StoreError,
    clean_stray_temp_files,
    read_document,
)

SCHEMA_VERSION = 1
KEEP_BACKUPS = 5

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


class _Table:
    """One TinyDB table in its own file, mirrored as domain records keyed by id."""

    def __init__(self, folder: Path, stem: str, cls: type[R], prefix: str, readonly: bool) -> None:
        self.path = folder / f"{stem}.json"
        self.stem = stem
        self.cls = cls
        self.prefix = prefix
        self.db = TinyDB(self.path, storage=SafeJSONStorage, schema=SCHEMA_VERSION, readonly=readonly)
        self.storage: SafeJSONStorage = self.db.storage  # type: ignore[assignment]
        self.table = self.db.table(stem, cache_size=0)
        self.records: dict[str, Any] = {}
        self.loaded = False

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
        raw = tables.get(self.stem, {})
        try:
            self.records = {
                f"{self.prefix}{doc_id}": self.cls.from_dict({**doc, "id": f"{self.prefix}{doc_id}"})
                for doc_id, doc in sorted(raw.items(), key=lambda kv: int(kv[0]))
            }
        except (TypeError, ValueError) as exc:
            raise CorruptFile(self.path, f"a record does not fit: {exc}") from exc
        self.loaded = True

    def next_id(self) -> str:
        counter = int(self.storage.meta.get("next_id", 0))
        highest = max((self.doc_id(i) for i in self.records), default=0)
        number = max(counter, highest) + 1
        self.storage.meta["next_id"] = number
        return f"{self.prefix}{number}"

    def doc_id(self, record_id: str) -> int:
        if not record_id.startswith(self.prefix) or not record_id[len(self.prefix):].isdigit():
            raise KeyError(record_id)
        return int(record_id[len(self.prefix):])

    def save(self, record: Any) -> None:
        doc = record.to_dict()
        doc.pop("id", None)
        self.table.upsert(Document(doc, doc_id=self.doc_id(record.id)))
        self.records[record.id] = record

    def insert_many(self, records: list[Any]) -> None:
        """New records (ids not yet used) in one table operation: TinyDB rebuilds the whole
        table per operation, so adding thousands one by one is quadratic."""
        highest = max((self.doc_id(i) for i in self.records), default=0)
        start = max(int(self.storage.meta.get("next_id", 0)), highest)
        docs = []
        for offset, record in enumerate(records, start=1):
            record.id = f"{self.prefix}{start + offset}"
            doc = record.to_dict()
            doc.pop("id", None)
            docs.append(Document(doc, doc_id=start + offset))
        if docs:
            self.storage.meta["next_id"] = start + len(docs)
            self.table.insert_multiple(docs)
        for record in records:
            self.records[record.id] = record

    def remove(self, ids: Iterable[str]) -> None:
        ids = [i for i in ids if i in self.records]
        if not ids:
            return
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
        self._shards: dict[int, _Table] = {}
        self._batch_depth = 0
        self._dirty: set[SafeJSONStorage] = set()
        self.recovered: list[str] = []  # what open() repaired (for the user)

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        folder: Path,
        *,
        readonly: bool = False,
        wait: float = 0.0,
        today: arrow.Arrow | None = None,
    ) -> Store:
        """Open the store in ``folder``.

        Writable opens take the exclusive lock, waiting up to ``wait`` seconds, and raise
        :class:`Locked` if another process keeps it. They also clean up after crashes and
        take the day's backup. Corrupt or newer files raise before anything is written.
        """
        folder = Path(folder)
        store = cls(folder, readonly)
        if not readonly:
            folder.mkdir(parents=True, exist_ok=True)
            store._acquire(wait)
        try:
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
            clean_stray_temp_files(self.folder)
        specs: list[tuple[str, type[Any], str]] = [
            ("contacts", Contact, "c"),
            ("threads", Thread, "t"),
            ("feeds", Feed, "f"),
            ("articles", Article, "a"),
            ("shares", Share, "s"),
            ("dismissals", Dismissal, "d"),
        ]
        if self.folder.exists():
            self._check_schemas()
        migrate = not self.readonly
        for stem, cls, prefix in specs:
            table = _Table(self.folder, stem, cls, prefix, self.readonly)
            try:
                table.load(migrate)
            except CorruptFile as exc:
                exc.backup = self.newest_good_backup(table.path.name)
                raise CorruptFile(exc.path, exc.detail, exc.backup) from None
            self._tables[stem] = table
        for path in sorted(self.folder.glob("touches-*.json")):
            year = int(path.stem.split("-", 1)[1])
            self._shards[year] = self._open_shard(year, load=False)
        if not self.readonly:
            self._backup(today)
            self._check_summaries()

    def _check_schemas(self) -> None:
        """Refuse newer files and back up older ones before anything else happens."""
        older = False
        for path in self._data_files():
            head = path.read_bytes()[:256]
            match = re.search(rb'"_schema":\s*(\d+)', head)
            found = int(match.group(1)) if match else None
            if found is None:
                continue  # small files: read_document below decides
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

    def _open_shard(self, year: int, load: bool) -> _Table:
        table = _Table(self.folder, f"touches-{year}", Touch, f"{year}-", self.readonly)
        table.table = table.db.table("touches", cache_size=0)
        table.stem = "touches"
        table.storage.deferred = self._batch_depth > 0
        if load:
            self._load_shard(table)
        return table

    def _load_shard(self, table: _Table) -> None:
        try:
            table.load(not self.readonly)
        except CorruptFile as exc:
            raise CorruptFile(exc.path, exc.detail, self.newest_good_backup(exc.path.name)) from None

    def _shard(self, year: int) -> _Table:
        table = self._shards.get(year)
        if table is None:
            table = self._open_shard(year, load=True)
            self._shards[year] = table
        elif not table.loaded:
            self._load_shard(table)
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
        """Hard-link today's files into backups/DATE (cheap: files are replaced, not edited)."""
        root = self.folder / "backups"
        target = root / today.format("YYYY-MM-DD")
        files = self._data_files()
        if target.exists() or not files:
            return
        staging = root / f".{target.name}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for path in files:
            try:
                os.link(path, staging / path.name)
            except OSError:
                shutil.copy2(path, staging / path.name)
        staging.rename(target)
        daily = sorted(p for p in root.iterdir() if re.fullmatch(r"\d{4}-\d\d-\d\d", p.name))
        for old in daily[:-KEEP_BACKUPS]:
            shutil.rmtree(old, ignore_errors=True)

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

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Group writes: each file is written once at the end. On error nothing is saved
        and the in-memory records are reloaded from disk (all-or-nothing per file set)."""
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

    def _all_tables(self) -> list[_Table]:
        return [*self._tables.values(), *self._shards.values()]

    def flush(self) -> None:
        for table in self._all_tables():
            storage = table.storage
            if storage.pending is not None:
                data = storage.pending
                storage.pending = None
                self._write(table, data)

    def _discard(self) -> None:
        for table in self._all_tables():
            if table.storage.pending is not None:
                table.storage.pending = None
                table.storage._cache = None
                table.load(False)

    def _write(self, table: _Table, data: dict[str, Any]) -> None:
        try:
            SafeJSONStorage.write(table.storage, data)
        except BaseException:
            table.load(False)  # the disk is the truth again
            raise

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
        return self._add("contacts", contact)

    def update_contact(self, contact: Contact) -> Contact:
        return self._update("contacts", contact)

    def add_contacts(self, contacts: Iterable[Contact]) -> list[Contact]:
        with self.batch():
            return [self.add_contact(c) for c in contacts]

    def delete_contact(self, contact_id: str) -> None:
        """Delete a contact with its touches, threads, shares and dismissals."""
        with self.batch():
            for year in self.touch_years():
                shard = self._shard(year)
                ids = [t.id for t in shard.records.values() if t.contact_id == contact_id]
                if ids:
                    self._persist(shard, lambda s=shard, i=ids: s.remove(i))
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
    def touch_years(self) -> list[int]:
        return sorted(self._shards)

    def log_touch(self, touch: Touch) -> Touch:
        """Store a touch and update the contact's summary (both durable on return)."""
        self._check_writable()
        contact = self.contact(touch.contact_id)
        if contact is None:
            raise KeyError(touch.contact_id)
        year = arrow.get(touch.at).year
        shard = self._shard(year)
        touch.id = shard.next_id()
        shard.storage.meta["seq"] = int(shard.storage.meta.get("seq", 0)) + 1
        self._persist(shard, lambda: shard.save(touch))
        self._summarise(contact, [touch])
        self._record_seq(year, shard.storage.meta["seq"])
        self._update("contacts", contact)
        return touch

    def log_touches(self, touches: Iterable[Touch]) -> list[Touch]:
        with self.batch():
            return [self.log_touch(t) for t in touches]

    def update_touch(self, touch: Touch) -> Touch:
        year = int(touch.id.split("-", 1)[0])
        shard = self._shard(year)
        self._persist(shard, lambda: shard.save(touch))
        return touch

    def delete_touch(self, touch_id: str) -> None:
        year = int(touch_id.split("-", 1)[0])
        shard = self._shard(year)
        touch = shard.records.get(touch_id)
        if touch is None:
            raise KeyError(touch_id)
        with self.batch():
            shard.storage.meta["seq"] = int(shard.storage.meta.get("seq", 0)) + 1
            self._persist(shard, lambda: shard.remove([touch_id]))
            self._record_seq(year, shard.storage.meta["seq"])
            contact = self.contact(touch.contact_id)
            if contact:
                self._resummarise([contact])
                self._update("contacts", contact)

    def touch(self, touch_id: str) -> Touch | None:
        try:
            year = int(touch_id.split("-", 1)[0])
        except ValueError:
            return None
        if year not in self._shards:
            return None
        return self._shard(year).records.get(touch_id)

    def touches(
        self,
        contact_ids: Iterable[str] | None = None,
        thread_id: str | None = None,
        since: str | None = None,
    ) -> list[Touch]:
        """Touches, oldest first, filtered by contacts, thread and start time (ISO)."""
        wanted = set(contact_ids) if contact_ids is not None else None
        first_year = arrow.get(since).year if since else None
        found: list[Touch] = []
        for year in self.touch_years():
            if first_year is not None and year < first_year - 1:
                continue  # a year of slack: shards go by local year, `since` may be UTC
            for t in self._shard(year).records.values():
                if wanted is not None and t.contact_id not in wanted:
                    continue
                if thread_id is not None and t.thread_id != thread_id:
                    continue
                found.append(t)
        if since:
            start = arrow.get(since)
            found = [t for t in found if arrow.get(t.at) >= start]
        found.sort(key=lambda t: (arrow.get(t.at), t.id))
        return found

    def _summarise(self, contact: Contact, touches: Iterable[Touch]) -> None:
        for t in touches:
            if t.direction == "in":
                if not contact.last_in or arrow.get(t.at) > arrow.get(contact.last_in):
                    contact.last_in = t.at
            elif not contact.last_out or arrow.get(t.at) > arrow.get(contact.last_out):
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

    def _record_seq(self, year: int, seq: int) -> None:
        meta = self._tables["contacts"].storage.meta
        seqs = dict(meta.get("touch_seq", {}))
        seqs[str(year)] = seq
        meta["touch_seq"] = seqs

    def _check_summaries(self) -> None:
        """After a crash between a touch write and its summary write, recompute summaries."""
        recorded = self._tables["contacts"].storage.meta.get("touch_seq", {})
        stale = []
        for year in self.touch_years():
            path = self.folder / f"touches-{year}.json"
            match = re.search(rb'"seq":\s*(\d+)', path.read_bytes()[:256])
            if match and int(match.group(1)) != int(recorded.get(str(year), -1)):
                stale.append(year)
        if not stale:
            return
        contacts = self.contacts()
        with self.batch():
            self._resummarise(contacts)
            for year in self.touch_years():
                self._record_seq(year, int(self._shard(year).storage.meta.get("seq", 0)))
            for c in contacts:
                self._update("contacts", c)
        self.recovered.append(
            f"touch summaries recomputed after an interrupted write (years {stale})"
        )

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

    def add_articles(self, articles: Iterable[Article]) -> list[Article]:
        """Add many articles with one table write (a feed refresh adds thousands)."""
        self._check_writable()
        table = self._tables["articles"]
        added = list(articles)
        self._persist(table, lambda: table.insert_many(added))
        return added

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
            stem: [r.to_dict() for r in table.records.values()] for stem, table in self._tables.items()
        }
        out["touches"] = [t.to_dict() for t in self.touches()]
        return out

    # ----------------------------------------------------------------- bulk (imports, restore)
    @staticmethod
    def _doc(record: Any, doc_id: int) -> Document:
        # orjson serialises dataclasses natively, several times faster than asdict().
        doc = orjson.loads(orjson.dumps(record))
        doc.pop("id", None)
        return Document(doc, doc_id=doc_id)

    def _insert_fast(self, table: _Table, records: list[Any]) -> None:
        """New records (ids assigned here) in one table operation."""
        highest = max((table.doc_id(i) for i in table.records), default=0)
        start = max(int(table.storage.meta.get("next_id", 0)), highest)
        for offset, record in enumerate(records, start=1):
            record.id = f"{table.prefix}{start + offset}"
        docs = [self._doc(r, start + n) for n, r in enumerate(records, start=1)]

        def op() -> None:
            table.storage.meta["next_id"] = start + len(docs)
            table.table.insert_multiple(docs)
            table.records.update({r.id: r for r in records})

        if docs:
            self._persist(table, op)

    def _replace_many(self, table: _Table, records: list[Any]) -> None:
        """Existing records rewritten with two table operations instead of one each."""
        doc_ids = [table.doc_id(r.id) for r in records]
        docs = [self._doc(r, d) for r, d in zip(records, doc_ids, strict=True)]

        def op() -> None:
            table.table.remove(doc_ids=[d for d in doc_ids if str(d) in (table.storage.read() or {}).get(table.stem, {})])
            table.table.insert_multiple(docs)
            for record in records:
                table.records[record.id] = record

        self._persist(table, op)

    def save_contacts(self, added: Iterable[Contact] = (), updated: Iterable[Contact] = ()) -> list[Contact]:
        """Add new contacts (ids assigned) and rewrite changed ones in a few table operations
        (imports of thousands: one-by-one writes are quadratic in TinyDB). Returns the added."""
        self._check_writable()
        table = self._tables["contacts"]
        added, updated = list(added), list(updated)
        missing = [c.id for c in updated if c.id not in table.records]
        if missing:
            raise KeyError(missing[0])
        if updated:
            self._replace_many(table, updated)
        if added:
            self._insert_fast(table, added)
        return added

    def add_touches(self, touches: Iterable[Touch]) -> list[Touch]:
        """Log many touches: one operation per year shard, contact summaries written once."""
        self._check_writable()
        touches = list(touches)
        contacts: dict[str, Contact] = {}
        for t in touches:
            contact = self.contact(t.contact_id)
            if contact is None:
                raise KeyError(t.contact_id)
            contacts[contact.id] = contact
        by_year: dict[int, list[Touch]] = {}
        for t in touches:
            by_year.setdefault(datetime.fromisoformat(t.at).year, []).append(t)
        with self.batch():
            for year, group in sorted(by_year.items()):
                shard = self._shard(year)
                shard.storage.meta["seq"] = int(shard.storage.meta.get("seq", 0)) + 1
                self._insert_fast(shard, group)
                self._record_seq(year, shard.storage.meta["seq"])
            for t in touches:
                self._summarise(contacts[t.contact_id], [t])
            if contacts:
                self._replace_many(self._tables["contacts"], list(contacts.values()))
        return touches

    def restore_tables(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        """Recreate records with their own ids (from a backup) in an empty store."""
        self._check_writable()
        if any(t.records for t in self._tables.values()) or any(self.touches()):
            raise StoreError(f"the data in {self.folder} is not empty; restore only into an empty home")
        with self.batch():
            for stem, table in self._tables.items():
                records = [table.cls.from_dict(doc) for doc in tables.get(stem, [])]
                docs = [self._doc(r, table.doc_id(r.id)) for r in records]
                if docs:
                    self._persist(table, lambda t=table, d=docs: t.table.insert_multiple(d))
                    table.records.update({r.id: r for r in sorted(records, key=lambda r: table.doc_id(r.id))})
            by_year: dict[int, list[Touch]] = {}
            for doc in tables.get("touches", []):
                touch = Touch.from_dict(doc)
                by_year.setdefault(int(touch.id.split("-", 1)[0]), []).append(touch)
            for year, group in sorted(by_year.items()):
                shard = self._shard(year)
                docs = [self._doc(t, shard.doc_id(t.id)) for t in group]
                shard.storage.meta["seq"] = int(shard.storage.meta.get("seq", 0)) + 1
                self._persist(shard, lambda s=shard, d=docs: s.table.insert_multiple(d))
                shard.records.update({t.id: t for t in sorted(group, key=lambda t: shard.doc_id(t.id))})
                self._record_seq(year, shard.storage.meta["seq"])
            if by_year:
                # the contacts file stamps the shards' sequence numbers: write it once more
                contacts = self._tables["contacts"]
                self._persist(contacts, lambda: contacts.storage.write(contacts.storage.read() or {}))
