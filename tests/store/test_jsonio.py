"""Documents built without copies, files written in pieces: the same bytes as before."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.domain.models import Contact, Touch
from crm_tui.store import jsonio, storage
from crm_tui.store.repository import Store

FILE = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=6)
leaves = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False) | text
values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                      max_leaves=12)
tables = st.dictionaries(text, st.dictionaries(text, st.dictionaries(text, values, max_size=4), max_size=4)
                         | values, max_size=4)


@contextlib.contextmanager
def blocks_of(size: int) -> Iterator[None]:
    """Records dumped ``size`` at a time (the real block is larger than any example), and
    every file in blocks (the real ones of a few MB are dumped whole)."""
    saved = jsonio.BLOCK, jsonio.WHOLE_RECORDS
    jsonio.BLOCK, jsonio.WHOLE_RECORDS = size, -1
    try:
        yield
    finally:
        jsonio.BLOCK, jsonio.WHOLE_RECORDS = saved


@settings(max_examples=300, deadline=None)
@given(tables, st.sampled_from([1, 2, 256]))
def test_a_file_in_pieces_is_the_whole_dumps(document: dict[str, Any], block: int):
    with blocks_of(block):
        assert b"".join(jsonio.file_chunks(document)) == orjson.dumps(document, option=FILE)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(text, text, max_size=2),
       st.dictionaries(text, st.dictionaries(text, st.dictionaries(text, values, max_size=3) | values,
                                             max_size=3), max_size=3),
       st.sampled_from([1, 2, 256]))
def test_an_undo_entry_in_pieces_is_the_whole_dumps(head: dict[str, str], changes: dict[str, Any], block: int):
    head.pop("changes", None)
    with blocks_of(block):
        whole = b"".join(jsonio.compact_chunks(head, "changes", changes, 3))
    assert whole == orjson.dumps({**head, "changes": changes})


def test_a_large_table_is_written_in_several_chunks():
    document = {"contacts": {str(n): {"name": "x" * 100, "n": n} for n in range(30_000)}, "_schema": 3}
    pieces = list(jsonio.file_chunks(document))
    assert len(pieces) > 2 and max(map(len, pieces)) < 2 * jsonio.CHUNK
    assert b"".join(pieces) == orjson.dumps(document, option=FILE)


def test_a_file_of_a_few_thousand_records_is_one_dumps():
    document = {"contacts": {str(n): {"name": "x" * 100, "n": n} for n in range(10_000)}, "_schema": 3,
                "_meta": {"next_id": 10_000}}
    pieces = list(jsonio.file_chunks(document))
    assert len(pieces) == 1 and pieces[0] == orjson.dumps(document, option=FILE)


@settings(max_examples=300, deadline=None)
@given(values)
def test_json_ready_is_the_round_trip(value: Any):
    assert jsonio.json_ready(value) == orjson.loads(orjson.dumps(value))


def test_json_ready_shares_strings_and_copies_containers():
    name, tags = "x" * 1000, ["a", "b"]
    ready = jsonio.json_ready({"name": name, "tags": tags, "when": (1, 2.5, float("nan"))})
    assert ready["name"] is name
    assert ready["tags"] == tags and ready["tags"] is not tags
    assert ready["when"] == [1, 2.5, None]


@pytest.mark.parametrize("bad", ["\ud800", {1: "a"}, 2**64, ["ok", "é\udfff"]])
def test_what_orjson_refuses_is_refused(bad: Any):
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps(bad)
    with pytest.raises(orjson.JSONEncodeError):
        jsonio.json_ready(bad)


@dataclass
class Sample:
    id: str
    name: str = ""
    tags: list[str] = field(default_factory=list)


def test_a_record_doc_is_what_orjson_makes_of_the_record():
    one = Sample("1", "Ann", ["x"])
    setattr(one, "extra", 5)  # noqa: B010 - attributes that are not fields, as orjson sees them
    setattr(one, "_private", 6)  # noqa: B010
    bare = object.__new__(Sample)
    bare.__dict__ = {"id": "2"}  # a field left to its class default is not in __dict__
    for record in (one, bare):
        expected = orjson.loads(orjson.dumps(record))
        expected.pop("id")
        assert jsonio.record_doc(record, frozenset({"id"})) == expected
    assert jsonio.record_doc(Sample("3"), frozenset({"id"}), frozenset({"name", "tags"})) == {}


def test_stored_documents_are_unchanged(tmp_path, now):
    """The stored documents and file bytes are what the round trip wrote."""
    with Store.open(tmp_path, today=now) as store:
        ada = store.add_contact(Contact(name="Ada", emails=["a@x.org"], tags=["t"], extra={"k": {"v": (1, 2)}}))
        store.log_touch(Touch(contact_id=ada.id, at="2026-03-02T09:00:00+00:00", note="hi"))
        table = store._tables["contacts"]
        doc = table.doc_of(ada)
        expected = orjson.loads(orjson.dumps(ada))
        for name in ("id", "last_in", "last_out", "touch_count"):
            expected.pop(name)
        expected = {k: v for k, v in expected.items() if v not in (None, "", [], {}) or k not in table.omit_empty}
        assert doc == expected and list(doc) == list(expected)
        raw = (tmp_path / "contacts.json").read_bytes()
        assert raw == orjson.dumps(storage.parse_document(raw, tmp_path), option=FILE)


def test_a_payload_that_fails_while_produced_leaves_the_old_file(tmp_path):
    target = tmp_path / "data.json"
    target.write_bytes(b"old")

    def pieces():
        yield b"new, part one"
        raise orjson.JSONEncodeError("cannot serialise")

    with pytest.raises(orjson.JSONEncodeError):
        storage.atomic_write(target, pieces())
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.json"]
