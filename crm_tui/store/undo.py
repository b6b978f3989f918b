"""The undo log: every named change to the data can be taken back, and redone.

A change is a store batch opened with :meth:`Store.change` and a label ("done on Ravi
Menon's payment reminder"). While it is made, each table notes the raw document of every
record before its first edit (``Table.before``); when it is saved, the records whose
document differs are kept as before/after pairs (:func:`collect`; a change that joins a
batch already under way compares with the files on disk instead, :func:`diff`). Undo writes the before-images back, redo the after-images: the same
entry serves both ways, and a change made after an undo drops the entries that could have
been redone, as in an editor.

The log lives in the data folder as dot-files, so backups and schema checks ignore it:
``.undo.json`` (the index: entries and how many of them are applied) and one
``.undo-N.json`` per entry (an import's entry is large; the index stays small). Both are
written in the same all-or-nothing commit as the data they describe (``commit_files``), so
a crash never leaves a change without its entry or an entry without its change.

Only records are restored. Counters (``next_id``) never go back, so an undone record's id
is never given to another; the touch summaries are derived data and are recomputed for the
contacts an undo touches, rather than logged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from crm_tui.store.jsonio import compact_chunks
from crm_tui.store.storage import META_KEY, SCHEMA_KEY, CorruptFile, Payload, StoreError, read_document

if TYPE_CHECKING:
    from crm_tui.store.repository import Store

INDEX = ".undo.json"
KEEP = 50  # entries kept (the issue asks for at least 20)
# Derived from the touches: recomputed on undo, not logged.
NOT_LOGGED = frozenset({"summaries.json"})

# file name -> table name -> doc id -> [before, after] (None: the record did not exist)
Changes = dict[str, dict[str, dict[str, list[Any]]]]


@dataclass
class Change:
    """An open change: its label can be set (or refined) until the batch ends."""

    label: str = ""
    fallback: str = ""  # the name when nothing more precise was given
    # Set by undo/redo themselves: the batch moves the log instead of adding to it.
    replay: bool = False
    # Opened inside a batch already under way, whose earlier edits the tables did not
    # note: the entry is made by comparing with the files on disk (slower, as exact).
    from_disk: bool = False
    extra_writes: list[tuple[Path, Payload]] = field(default_factory=list)


def entry_path(folder: Path, number: int) -> Path:
    return folder / f".undo-{number}.json"


def read_index(folder: Path) -> dict[str, Any]:
    path = folder / INDEX
    if not path.exists():
        return {"entries": [], "position": 0}
    try:
        index = orjson.loads(path.read_bytes())
        entries = [e for e in index["entries"] if isinstance(e, dict) and isinstance(e.get("n"), int)]
        position = max(0, min(int(index["position"]), len(entries)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CorruptFile(path, f"the undo log cannot be read: {exc}") from exc
    return {"entries": entries, "position": position}


def index_bytes(index: dict[str, Any]) -> bytes:
    return orjson.dumps(index, option=orjson.OPT_INDENT_2) + b"\n"


def read_entry(folder: Path, number: int) -> dict[str, Any]:
    path = entry_path(folder, number)
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise CorruptFile(path, f"an undo entry cannot be read: {exc}") from exc


def _on_disk(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = read_document(path)
    data.pop(SCHEMA_KEY, None)
    data.pop(META_KEY, None)
    return data


def diff(writes: Iterable[tuple[Path, dict[str, Any]]]) -> Changes:
    """The records each file's new tables change, against the file on disk."""
    changes: Changes = {}
    for path, new in writes:
        if path.name in NOT_LOGGED:
            continue
        old = _on_disk(path)
        per_file: dict[str, dict[str, list[Any]]] = {}
        for table in set(old) | set(new):
            before, after = old.get(table) or {}, new.get(table) or {}
            if before == after:
                continue
            pairs = {
                doc_id: [before.get(doc_id), after.get(doc_id)]
                for doc_id in set(before) | set(after)
                if before.get(doc_id) != after.get(doc_id)
            }
            if pairs:
                per_file[table] = pairs
        if per_file:
            changes[path.name] = per_file
    return changes


def collect(tables: Iterable[tuple[str, str, dict[str, Any], dict[str, Any]]]) -> Changes:
    """The entry from the tables' own notes: (file name, table name, doc id -> document
    before the change, the documents now), without reading any file."""
    changes: Changes = {}
    for name, table_name, before, now in tables:
        if name in NOT_LOGGED:
            continue
        pairs = {doc_id: [old, now.get(doc_id)] for doc_id, old in before.items()
                 if old != now.get(doc_id)}
        if pairs:
            changes.setdefault(name, {})[table_name] = pairs
    return changes


def record(folder: Path, change: Change, changes: Changes, at: str) -> list[tuple[Path, Payload]]:
    """The files that log ``changes`` as a new entry (to commit with the data), or none."""
    if not changes:
        return []
    try:
        index = read_index(folder)
    except CorruptFile:  # a damaged log must not stop the data being saved: start afresh
        index = {"entries": [], "position": 0}
    entries = index["entries"][: index["position"]]  # a new change ends what could be redone
    number = max((e["n"] for e in index["entries"]), default=0) + 1
    label = change.label or change.fallback or "a change"
    entries.append({"n": number, "label": label, "at": at})
    entries = entries[-KEEP:]
    # Written as it is produced: an import's entry holds every record it added.
    body = compact_chunks({"label": label, "at": at}, "changes", changes, 3)
    return [
        (entry_path(folder, number), body),
        (folder / INDEX, index_bytes({"entries": entries, "position": len(entries)})),
    ]


def prune(folder: Path) -> None:
    """Remove entry files the index no longer names (after a commit; harmless if skipped)."""
    try:
        kept = {e["n"] for e in read_index(folder)["entries"]}
    except CorruptFile:
        return
    for path in folder.glob(".undo-*.json"):
        number = path.name[len(".undo-"):-len(".json")]
        if number.isdigit() and int(number) not in kept:
            with contextlib.suppress(OSError):
                path.unlink()


# ------------------------------------------------------------------------------ replay
def undo(store: Store) -> str | None:
    """Take back the last change still applied; its label, or None if there is none."""
    return _step(store, back=True)


def redo(store: Store) -> str | None:
    """Apply again the last change taken back; its label, or None if there is none."""
    return _step(store, back=False)


def history(folder: Path) -> tuple[list[dict[str, Any]], int]:
    """(the entries, oldest first, and how many of them are applied)."""
    index = read_index(folder)
    return index["entries"], index["position"]


def _step(store: Store, back: bool) -> str | None:
    store._check_writable()
    # The log is read inside the batch, under the write lock: two processes undoing at once
    # take back two different changes, never the same one twice.
    with store.change() as change:
        change.replay = True
        index = read_index(store.folder)
        entries, position = index["entries"], index["position"]
        if (back and position == 0) or (not back and position >= len(entries)):
            return None
        meta = entries[position - 1] if back else entries[position]
        entry = read_entry(store.folder, meta["n"])
        moved = {"entries": entries, "position": position - 1 if back else position + 1}
        change.label = str(meta["label"])
        change.extra_writes = [(store.folder / INDEX, index_bytes(moved))]
        _check_current(store, entry.get("changes", {}), 0 if back else 1, str(meta["label"]))
        _apply(store, entry.get("changes", {}), 0 if back else 1)
    return str(meta["label"])


class UndoConflict(StoreError):
    """The records a change would put back were changed since by something the log does
    not cover (a feed refresh, a mail sync, another crm-tui): refused, never overwritten."""

    def __init__(self, label: str, what: str, back: bool) -> None:
        verb = "undo" if back else "redo"
        super().__init__(
            f"cannot {verb} {label!r}: {what} was changed since (a refresh, a sync or another "
            f"crm-tui); nothing was saved, so that newer data stays")


def _table_of(store: Store, name: str) -> Any:
    if name.startswith("touches-"):
        return store._shard(name[len("touches-"):-len(".json")])
    return store._tables.get(name[: -len(".json")])


def _check_current(store: Store, changes: Changes, side: int, label: str) -> None:
    """Every logged record must still be as the change left it (undo) or as the undo left
    it (redo): otherwise putting the other image back would overwrite a newer change."""
    for name, tables in changes.items():
        table = _table_of(store, name)
        if table is None:
            continue
        raw = table._raw()
        for table_name, docs in tables.items():
            live = raw.get(table_name, {})
            for doc_id, pair in docs.items():
                expected = pair[1 - side]
                current = live.get(doc_id)
                if (current is None) != (expected is None) or (
                        current is not None and dict(current) != dict(expected)):
                    raise UndoConflict(label, f"{table_name} record {table.prefix}{doc_id}", side == 0)


def _apply(store: Store, changes: Changes, side: int) -> None:
    """Set every logged record to its before (side 0) or after (side 1) image."""
    people: set[str] = set()
    months: list[str] = []
    for name, tables in changes.items():
        if name.startswith("touches-"):
            month = name[len("touches-"):-len(".json")]
            table = store._shard(month)
            months.append(month)
        else:
            found = store._tables.get(name[: -len(".json")])
            if found is None:
                continue
            table = found
        raw = table._raw()
        records = table.records
        for table_name, docs in tables.items():
            live = raw.setdefault(table_name, {})
            for doc_id, pair in docs.items():
                target = pair[side]
                key = table.prefix + doc_id
                for doc in pair:
                    if isinstance(doc, dict) and doc.get("contact_id") and table_name == "touches":
                        people.add(doc["contact_id"])
                if table_name == "contacts":
                    people.add(key)
                if target is None:
                    live.pop(doc_id, None)
                    records.pop(key, None)
                else:
                    live[doc_id] = dict(target)
                    record: Any = table.cls.from_dict(target)
                    record.id = key
                    records[key] = record
        # In id order, as loading builds them (a restored record goes back in its place).
        table.records = dict(sorted(records.items(), key=lambda item: table.doc_id(item[0])))
        table.storage.pending = raw
    for month in months:
        store._bump_seq(month)
    contacts = [c for c in (store.contact(i) for i in sorted(people)) if c is not None]
    store._resummarise(contacts)
    for contact in contacts:
        store._save_summary(contact)
    gone = [i for i in people if store.contact(i) is None]
    if gone:
        store._remove("summaries", gone)
    if months:  # the summaries record the shards' new sequence numbers
        summaries = store._tables["summaries"]
        summaries.storage.pending = summaries._raw()
