"""Records built from stored dicts behave exactly like records built by their constructor."""

from __future__ import annotations

import dataclasses

import pytest

from crm_tui.domain.models import Contact, Thread, Touch


def test_from_dict_matches_the_constructor() -> None:
    data = {"name": "Dana Reyes", "company": "Larkspur", "tags": ["client"], "every": 30}
    built = Contact.from_dict(data)
    assert built == Contact(**data)
    assert dataclasses.asdict(built) == dataclasses.asdict(Contact(**data))
    assert built.email == "" and built.tier == "casual" and built.last_in is None
    assert repr(built) == repr(Contact(**data))


def test_from_dict_gives_each_record_its_own_lists_and_copies_the_input() -> None:
    data = {"name": "A"}
    first, second = Contact.from_dict(data), Contact.from_dict(data)
    first.tags.append("x")
    first.extra["k"] = 1
    assert second.tags == [] and second.extra == {}
    first.name = "B"
    assert data == {"name": "A"}  # the stored dict is not the record's


def test_from_dict_drops_unknown_keys_and_refuses_missing_required_ones() -> None:
    touch = Touch.from_dict({"contact_id": "c1", "at": "2026-03-02T10:00:00+00:00",
                             "from_the_future": True})
    assert not hasattr(touch, "from_the_future")
    with pytest.raises(TypeError, match="contact_id"):
        Thread.from_dict({"kind": "interview"})
