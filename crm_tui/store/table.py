"""One TinyDB table in its own file, mirrored in memory as domain records keyed by id."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import MISSING, dataclass
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any, TypeVar, cast

from tinydb import TinyDB
from tinydb.table import Document

from crm_tui.domain.models import Record
from crm_tui.store import schema
from crm_tui.store.jsonio import record_doc
from crm_tui.store.storage import CorruptFile, NewerSchema, SafeJSONStorage

R = TypeVar("R", bound=Record)

# Contacts' touch summaries live in summaries.json, not contacts.json.
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
class Summary(Record):
    id: str = ""
    last_in: str | None = None
    last_out: str | None = None
    touch_count: int = 0


class BuiltOnUse(Mapping[str, Any]):
    """A read-only table's records, each built from the parsed document when first asked
    for (``store.contact(id)``); iterating builds them all, in id order, as a table does.

    For a read-only store that needs a few records of a big table: the cold start's child
    (crm_tui/ui/cold_start.py) works out a screenful of rows from 50,000 contacts, and
    building every contact was 0.3 s of its 0.7 s. ``docs`` is never changed here.
    """

    def __init__(self, docs: dict[str, Any], prefix: str, build: Callable[[str, Any], Any]) -> None:
        self.docs = docs
        self._prefix = prefix
        self._build = build
        self._built: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        found = self._built.get(key)
        if found is None:
            if not key.startswith(self._prefix):
                raise KeyError(key)
            doc = self.docs[key[len(self._prefix):]]  # KeyError: no such record
            found = self._built[key] = self._build(key, doc)
        return found

    def __iter__(self) -> Iterator[str]:
        prefix = self._prefix
        return (prefix + doc_id for doc_id in sorted(self.docs, key=int))

    def __len__(self) -> int:
        return len(self.docs)

    def forget(self) -> None:
        """Build each record afresh when next asked for (what it is made from changed)."""
        self._built.clear()

    def built(self) -> int:
        """How many records were built so far (for tests)."""
        return len(self._built)


class Table:
    """One TinyDB table in its own file, mirrored as domain records keyed by id."""

    # Fields kept in another table (contacts' touch summaries live in summaries.json).
    strip: tuple[str, ...] = ()

    def __init__(self, folder: Path, stem: str, cls: type[R], prefix: str, readonly: bool) -> None:
        self.path = folder / f"{stem}.json"
        self.stem = stem
        self.cls = cls
        self.prefix = prefix
        self.db = TinyDB(self.path, storage=SafeJSONStorage, schema=schema.VERSION, readonly=readonly)
        self.storage: SafeJSONStorage = self.db.storage  # type: ignore[assignment]
        self.table = self.db.table(stem, cache_size=0)
        self._records: dict[str, Any] | None = None
        self.loaded = False
        self.omit_empty = frozenset(_empty_defaults(cls))
        # Set by the store for tables read on first use rather than at open.
        self.loader: Callable[[Table], None] | None = None
        # The records, once wanted, are built from the parsed document in memory (which
        # every save updates first), not read from disk: saving need not build them.
        self.builds_from_cache = False
        self.raw_schema: int | None = None  # schema of the cached raw document (shards)
        # While an undoable change is made: doc id -> the raw document before its first
        # edit in this batch (None: it did not exist). See crm_tui.store.undo.
        self.before: dict[str, Any] | None = None

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
        if found > schema.VERSION:
            raise NewerSchema(self.path, found, schema.VERSION)
        if found < schema.VERSION:
            for version in range(found, schema.VERSION):
                tables = schema.MIGRATIONS[version](self.stem, tables)
            self.storage._cache = tables
            # Build (and so check) the records before writing: a damaged old file must
            # be refused as it is, never rewritten by its migration.
            self.build(tables)
            if migrate:
                self.storage.write(tables)
            return
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

    def build_on_use(self, tables: dict[str, Any], more: Callable[[Any], None]) -> None:
        """The records of an already parsed (and current-schema) document, each built when
        first asked for (:class:`BuiltOnUse`; a read-only store only), then given ``more``."""
        build = self.cls.from_dict

        def make(key: str, doc: Any) -> Any:
            try:
                record = build(doc)
            except (TypeError, ValueError, AttributeError) as exc:
                raise CorruptFile(self.path, f"a record does not fit: {exc}") from exc
            record.id = key
            more(record)
            return record

        # Read only, as a dict is read (get, values, items, len, in): nothing writes to the
        # records of a read-only store.
        self.records = cast("dict[str, Any]", BuiltOnUse(tables.get(self.stem, {}), self.prefix, make))
        self.loaded = True

    def next_id(self) -> str:
        # The counter never goes back, so a deleted record's id is never reused. A table
        # read on first use loads now, before its counter is looked at (it is in the file).
        # (A shard whose parsed document is at hand need not build its records for it.)
        counter = self.storage.meta.get("next_id") if self.storage._cache is not None else None
        if counter is None:
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

    def doc_of(self, record: Any) -> dict[str, Any]:
        """The document ``record`` is stored as: what orjson would make of it, sharing its
        strings with the record (no dumps + loads round trip: a copy of every string, and
        a serialisation more per save; see store/jsonio.py)."""
        # Empty values of fields that default to empty are left out: smaller files that
        # parse faster and diff better; loading restores the default.
        return record_doc(record, frozenset(("id", *self.strip)), self.omit_empty)

    def is_stored(self, record: Any, default: Any) -> bool:
        """Whether ``record`` is what the table holds under its id (``default`` standing for
        a record it does not hold). When the records are not built yet, compared with the
        stored document: asking for the records would build every one of them (10,000
        touch summaries for one contact's snooze)."""
        if self._records is None and self.builds_from_cache and self.storage._cache is not None:
            return (self.stored_doc(record.id) or {}) == self.doc_of(record)
        return self.records.get(record.id, default) == record

    def stored_doc(self, record_id: str) -> dict[str, Any] | None:
        """The document of ``record_id`` as last read or saved (None if there is none)."""
        raw = self.storage._cache or {}
        found = raw.get(self.table.name, {}).get(str(self.doc_id(record_id)))
        return found if isinstance(found, dict) else None

    def save(self, record: Any) -> None:
        doc = self.doc_of(record)
        doc_id = self.doc_id(record.id)
        if self.storage.deferred:
            # In a batch, TinyDB's per-operation rebuild of the whole table would make
            # bulk work quadratic; edit the cached document and write once at the end.
            raw = self._raw()
            docs = raw.setdefault(self.table.name, {})
            key = str(doc_id)  # (one string for both: 50,000 keys are megabytes)
            if self.before is not None:
                self.before.setdefault(key, docs.get(key))
            docs[key] = doc
            self.storage.pending = raw
        else:
            self.table.upsert(Document(doc, doc_id=doc_id))
        if self._records is not None or not self.builds_from_cache:
            self.records[record.id] = record

    def save_many(self, records: list[Any]) -> None:
        """:meth:`save` of each record, in a batch without a call per record (46,000
        meetings of a calendar sync)."""
        if not self.storage.deferred:
            for record in records:
                self.save(record)
            return
        raw = self._raw()
        docs = raw.setdefault(self.table.name, {})
        drop, omit, before = frozenset(("id", *self.strip)), self.omit_empty, self.before
        mirror = self._records is not None or not self.builds_from_cache
        for record in records:
            doc = record_doc(record, drop, omit)
            key = str(self.doc_id(record.id))
            if before is not None:
                before.setdefault(key, docs.get(key))
            docs[key] = doc
            if mirror:
                self.records[record.id] = record
        self.storage.pending = raw

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
            docs = raw.get(self.table.name, {})
            for i in ids:
                key = str(self.doc_id(i))
                if self.before is not None:
                    self.before.setdefault(key, docs.get(key))
                docs.pop(key, None)
            self.storage.pending = raw
        else:
            self.table.remove(doc_ids=[self.doc_id(i) for i in ids])
        for i in ids:
            self.records.pop(i, None)
