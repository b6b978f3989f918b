"""The first screen kept for the next start lists the same contacts, in the same order, as
the Contacts screen's default sort of every row (crm_tui/ui/first_screen.first_rows builds
rows only for the contacts that can be among the first)."""

from __future__ import annotations

import arrow
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.domain.models import Contact
from crm_tui.ui.first_screen import first_rows
from crm_tui.ui.widgets.contact_rows import build_rows, sort_order

NOW = arrow.get("2026-03-02T18:00:00+00:00")
# Few distinct times and names, so ties (the cut falling inside a run of equal keys) happen.
TIMES = st.sampled_from(["", "2026-01-01T09:00:00+00:00", "2026-02-01T09:00:00+00:00",
                         "2026-02-01T10:00:00+01:00", "2025-12-31T23:30:00-05:00"])
PEOPLE = st.lists(st.tuples(st.sampled_from(["Ada", "ada", "Bo", "Cy", "Émile"]), TIMES, TIMES),
                  min_size=0, max_size=40)


def test_first_rows_are_the_default_sort_s_first_rows() -> None:
    reached = {"ties_at_the_cut": 0, "examples": 0}

    @settings(max_examples=300, deadline=None)
    @given(PEOPLE, st.integers(min_value=1, max_value=12))
    def check(people: list[tuple[str, str, str]], count: int) -> None:
        contacts = [Contact(name=name, id=f"c{i}", last_in=last_in, last_out=last_out)
                    for i, (name, last_in, last_out) in enumerate(people)]
        rows = build_rows(contacts, {}, NOW)
        everyone = [rows[i] for i in sort_order(rows, "last")]
        expected = [row.id for row in everyone[:count]]
        assert [row.id for row in first_rows(contacts, NOW, count)] == expected
        reached["examples"] += 1
        if len(everyone) > count and everyone[count - 1].last_key == everyone[count].last_key:
            reached["ties_at_the_cut"] += 1

    check()
    assert reached["examples"] >= 300
    assert reached["ties_at_the_cut"] >= 30  # the case the shortcut must get right
