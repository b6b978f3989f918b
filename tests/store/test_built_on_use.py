"""A read-only store whose contacts are built when first asked for (``build_on_use``, for the
cold start's child: crm_tui/ui/cold_start.py): the same contacts and first rows as a store
that builds them all, built only as needed."""

from __future__ import annotations

import itertools

import pytest

from crm_tui.domain.models import Contact, Touch
from crm_tui.store.repository import Store
from crm_tui.store.table import BuiltOnUse
from crm_tui.ui.first_screen import first_rows, first_rows_in

NAMES = ["Ada Park", "ada park", "Bo Lin", "Émile Roux", "Cy Moss"]
TIMES = [None, "2026-01-01T09:00:00+00:00", "2026-02-01T09:00:00+00:00",
         "2026-02-01T10:00:00+01:00", "2025-12-31T23:30:00-05:00"]


@pytest.fixture
def tied(paths, now):
    """300 contacts with few names and last touches: the first rows' cut falls in ties."""
    with Store.open(paths.data, today=now) as store, store.batch():
        for i, (name, last_in, last_out) in zip(range(300), itertools.cycle(
                itertools.product(NAMES, TIMES, TIMES)), strict=False):
            store.add_contact(Contact(name=f"{name}", last_in=last_in, last_out=last_out,
                                      company=f"Firm {i % 7}", tags=["t"] if i % 3 else []))
    return paths


def test_the_same_contacts_as_a_store_that_builds_them_all(tied, now) -> None:
    with Store.open(tied.data, readonly=True, today=now) as eager, \
            Store.open(tied.data, readonly=True, today=now, build_on_use=True) as lazy:
        records = lazy._tables["contacts"].records
        assert isinstance(records, BuiltOnUse) and records.built() == 0 and len(records) == 300
        one = eager.contacts()[57]
        assert lazy.contact(one.id) == one and records.built() == 1  # its summary too
        assert lazy.contact("c99999") is None and lazy.contact("x1") is None
        def rows(found):  # (each contact's columns, its name and place)
            return sorted(zip(found.ids, found.last_in, found.last_out, map(found.name_of, found.ids),
                              map(found.order_of, found.ids), strict=True))

        assert rows(lazy.last_touches()) == rows(eager.last_touches())
        assert len(rows(eager.last_touches())) == 300
        assert records.built() == 1  # ordering needs no contact built
        assert [c.to_dict() for c in lazy.contacts()] == [c.to_dict() for c in eager.contacts()]


@pytest.mark.parametrize("count", [1, 7, 40, 100, 299, 300, 400])
def test_first_rows_in_are_the_first_rows_of_everyone(tied, now, count) -> None:
    with Store.open(tied.data, readonly=True, today=now) as eager:
        expected = [row.id for row in first_rows(eager.contacts(), now, count)]
        rows, total = first_rows_in(eager, now, count)
        assert [row.id for row in rows] == expected and total == 300
    with Store.open(tied.data, readonly=True, today=now, build_on_use=True) as lazy:
        rows, total = first_rows_in(lazy, now, count)
        assert [row.id for row in rows] == expected and total == 300
        built = lazy._tables["contacts"].records.built()
        # Only the rows and those tied with the last one by time and name (a few here).
        assert built <= min(300, count + 300 // (len(NAMES) * len(TIMES))) + len(NAMES)


def test_only_a_read_only_store_builds_on_use(paths, now) -> None:
    with pytest.raises(ValueError, match="read-only"):
        Store.open(paths.data, today=now, build_on_use=True)


def test_a_refresh_after_another_process_logged_gives_the_new_summaries(tied, now) -> None:
    with Store.open(tied.data, readonly=True, today=now, build_on_use=True) as lazy:
        before = lazy.contact("c5")
        assert before is not None
        with Store.open(tied.data, today=now) as writer:  # another process logs a touch
            writer.log_touch(Touch(contact_id="c5", at="2026-03-01T12:00:00+00:00"))
        lazy.refresh()
        after = lazy.contact("c5")
        assert after is not None and after.last_out == "2026-03-01T12:00:00+00:00"
        assert after.touch_count == before.touch_count + 1
