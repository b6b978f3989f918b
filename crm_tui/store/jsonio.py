"""JSON for the data files without whole copies: documents built from records, files
written a record at a time.

A 200 MB import used to hold its text four times over: in the records, in their stored
documents (an ``orjson`` dumps + loads round trip per record made new strings), in the
file's bytes and in the undo entry's bytes. Here a record's document shares its strings
with the record (only lists and dicts are copied: the two are edited apart), and a file's
bytes are produced one record at a time, exactly as one ``orjson.dumps`` of the whole
document would produce them, and written as they come (see ``storage._write_synced``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

# The whole-document form of the data files: sorted keys, indented, a final newline.
FILE_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
_EMPTY: tuple[Any, ...] = (None, "", [], {})
_SURROGATE = re.compile("[\ud800-\udfff]")
# Bytes gathered before one os.write, and records dumped by one orjson call.
CHUNK = 1 << 20
BLOCK = 256
# Up to this many records a file is dumped whole (a few MB: no need to spare the memory).
WHOLE_RECORDS = 16_384


def json_ready(value: Any) -> Any:
    """``value`` as ``orjson.loads(orjson.dumps(value))`` returns it, without the copy of
    every string: strings, numbers, booleans and None are shared, lists and dicts are new.
    Anything else (a dataclass, a date...) takes the round trip; what orjson refuses (a
    lone surrogate, a key that is not a string, an integer past 64 bits) is refused here
    with its error, at the same moment as before."""
    kind = type(value)
    if kind is str:
        if not value.isascii() and _SURROGATE.search(value):
            orjson.dumps(value)  # raises orjson's own error
        return value
    if value is None or kind is bool:
        return value
    if kind is int:
        return value if -(1 << 63) <= value < (1 << 64) else orjson.loads(orjson.dumps(value))
    if kind is float:
        return value if math.isfinite(value) else None  # (orjson writes NaN as null)
    if kind is list or kind is tuple:
        return [json_ready(v) for v in value]
    if kind is dict and all(type(k) is str for k in value):
        return {k: json_ready(v) for k, v in value.items()}
    return orjson.loads(orjson.dumps(value))


def record_doc(record: Any, drop: frozenset[str], omit: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A record's document as orjson serialises a dataclass (its attributes in order, but
    for those starting with ``_``), without the names in ``drop`` nor the names in ``omit``
    whose value is empty (None, "", [] or {}). Left out as it is built, the document is
    no larger than what it holds (a dict does not shrink when keys are deleted)."""
    attributes = getattr(record, "__dict__", None)
    if attributes is None:  # (no record has __slots__; kept exact if one ever does)
        attributes = orjson.loads(orjson.dumps(record))
    doc: dict[str, Any] = {}
    for name, value in attributes.items():
        if name[0] == "_" or name in drop:
            continue
        kind = type(value)
        if kind is str:  # (most values: checked here rather than in a call per value)
            if not value:
                if name in omit:
                    continue
            elif not value.isascii() and _SURROGATE.search(value):
                orjson.dumps(value)  # raises orjson's own error
            doc[name] = value
        elif value is None:
            if name not in omit:
                doc[name] = None
        else:
            ready = json_ready(value)
            if name in omit and ready in _EMPTY:
                continue
            doc[name] = ready
    return doc


def _nested(value: Any, indent: bytes) -> bytes:
    """``value`` indented as it is at that depth of a whole-document dumps."""
    return orjson.dumps(value, option=FILE_OPTIONS).replace(b"\n", b"\n" + indent)


def _slices(table: dict[str, Any], keys: list[str]) -> Iterator[tuple[bool, dict[str, Any]]]:
    """(first?, a dict of the next ``BLOCK`` entries) in the order of ``keys``."""
    for start in range(0, len(keys), BLOCK):
        yield start == 0, {k: table[k] for k in keys[start:start + BLOCK]}


def _table(table: dict[str, Any], depth: int) -> Iterator[bytes]:
    """A non-empty table (record id -> document) at ``depth`` of an indented file, dumped
    ``BLOCK`` records at a time (a record at a time costs more in Python than it saves)."""
    pad = b"  " * depth
    for first, block in _slices(table, sorted(table)):
        body = orjson.dumps(block, option=FILE_OPTIONS)  # b"{\n  ...\n}"
        yield (b"{\n" if first else b",\n") + pad + body[2:-2].replace(b"\n", b"\n" + pad)
    yield b"\n" + pad + b"}"


def file_chunks(document: dict[str, Any]) -> Iterator[bytes]:
    """The bytes of ``orjson.dumps(document, FILE_OPTIONS | OPT_APPEND_NEWLINE)``, in pieces
    of about ``CHUNK`` bytes: each table is dumped a block of records at a time. A file of
    at most ``WHOLE_RECORDS`` records is one piece, one orjson call (10,000 contacts: 9 ms,
    not 21 ms in blocks; a snooze rewrites them)."""
    if sum(len(v) for v in document.values() if type(v) is dict) <= WHOLE_RECORDS:
        return iter((orjson.dumps(document, option=FILE_OPTIONS | orjson.OPT_APPEND_NEWLINE),))
    return gathered(_whole_file(document))


def _whole_file(document: dict[str, Any]) -> Iterator[bytes]:
    first = True
    for key, value in sorted(document.items()):
        yield (b"{\n" if first else b",\n") + b"  " + orjson.dumps(key) + b": "
        first = False
        if type(value) is dict and value:
            yield from _table(value, 1)
        else:
            yield _nested(value, b"  ")
    yield b"{}\n" if first else b"\n}\n"


def compact_chunks(head: dict[str, Any], name: str, nested: dict[str, Any], depth: int) -> Iterator[bytes]:
    """The bytes of ``orjson.dumps({**head, name: nested})`` (insertion order, no indent),
    in pieces: ``nested`` is split ``depth`` levels down, its last level in blocks."""
    def parts(value: dict[str, Any], level: int) -> Iterator[bytes]:
        if not value:
            yield b"{}"
        elif level > 1 and all(type(item) is dict for item in value.values()):
            sep = b"{"
            for key, item in value.items():
                yield sep + orjson.dumps(key) + b":"
                yield from parts(item, level - 1)
                sep = b","
            yield b"}"
        else:
            for first, block in _slices(value, list(value)):
                yield (b"{" if first else b",") + orjson.dumps(block)[1:-1]
            yield b"}"

    def whole() -> Iterator[bytes]:
        start = orjson.dumps(head)
        yield (start[:-1] + b"," if head else b"{") + orjson.dumps(name) + b":"
        yield from parts(nested, depth)
        yield b"}"

    return gathered(whole())


def gathered(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Small pieces joined into chunks of about ``CHUNK`` bytes (fewer writes)."""
    buffer: list[bytes] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)
