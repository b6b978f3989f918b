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
# Bytes gathered before one os.write (a record is a few hundred bytes).
CHUNK = 1 << 20


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
        ready = json_ready(value)
        if name in omit and ready in _EMPTY:
            continue
        doc[name] = ready
    return doc


def _nested(value: Any, indent: bytes) -> bytes:
    """``value`` indented as it is at that depth of a whole-document dumps."""
    body = orjson.dumps(value, option=FILE_OPTIONS)
    return body.replace(b"\n", b"\n" + indent) if indent else body


def _object(items: Iterable[tuple[str, Any]], depth: int, split: int) -> Iterator[bytes]:
    """The pieces of an indented object whose values are split further until ``split``."""
    pad = b"  " * (depth + 1)
    first = True
    for key, value in items:
        head = (b"{\n" if first else b",\n") + pad + orjson.dumps(key) + b": "
        first = False
        if depth + 1 < split and type(value) is dict and value:
            yield head
            yield from _object(sorted(value.items()), depth + 1, split)
        else:
            yield head + _nested(value, pad)
    yield b"{}" if first else b"\n" + b"  " * depth + b"}"


def file_chunks(document: dict[str, Any]) -> Iterator[bytes]:
    """The bytes of ``orjson.dumps(document, FILE_OPTIONS | OPT_APPEND_NEWLINE)``, in pieces
    of about ``CHUNK`` bytes: tables are split into records, records dumped one at a time."""
    return gathered(_whole_file(document))


def _whole_file(document: dict[str, Any]) -> Iterator[bytes]:
    yield from _object(sorted(document.items()), 0, 2)
    yield b"\n"


def compact_chunks(head: dict[str, Any], name: str, nested: dict[str, Any], depth: int) -> Iterator[bytes]:
    """The bytes of ``orjson.dumps({**head, name: nested})`` (insertion order, no indent),
    in pieces: ``nested`` is split ``depth`` levels down before its values are dumped."""
    def parts(value: dict[str, Any], level: int) -> Iterator[bytes]:
        sep = b"{"
        for key, item in value.items():
            if level > 1 and type(item) is dict:
                yield sep + orjson.dumps(key) + b":"
                yield from parts(item, level - 1)
            else:
                yield sep + orjson.dumps(key) + b":" + orjson.dumps(item)
            sep = b","
        yield b"{}" if sep == b"{" else b"}"

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
