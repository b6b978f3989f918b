"""Dates typed as people say them (crm_tui/domain/dates.py)."""

from __future__ import annotations

from datetime import date

import pytest

from crm_tui.domain.dates import resolve

MON = date(2026, 3, 2)  # a Monday


@pytest.mark.parametrize(("text", "expected"), [
    ("today", MON), ("tomorrow", date(2026, 3, 3)), ("Yesterday", date(2026, 3, 1)),
    ("fri", date(2026, 3, 6)), ("Friday", date(2026, 3, 6)), ("mon", date(2026, 3, 9)),
    ("next fri", date(2026, 3, 6)), ("last fri", date(2026, 2, 27)),
    ("next week", date(2026, 3, 9)), ("next month", date(2026, 4, 1)),
    ("+3d", date(2026, 3, 5)), ("3d", date(2026, 3, 5)), ("2w", date(2026, 3, 16)),
    ("+1m", date(2026, 4, 2)), ("in 2 weeks", date(2026, 3, 16)), ("+3 days", date(2026, 3, 5)),
    ("3d ago", date(2026, 2, 27)), ("-1w", date(2026, 2, 23)),
    ("mar 18", date(2026, 3, 18)), ("18 march", date(2026, 3, 18)), ("feb 1", date(2027, 2, 1)),
    ("2026-03-18", date(2026, 3, 18)),
    ("", None), ("soon", None), ("2026-02-30", None), ("feb 30", None), ("3x", None),
    ("in 3d ago", None),
])
def test_forward(text: str, expected: date | None) -> None:
    assert resolve(text, MON) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("fri", date(2026, 2, 27)), ("mon", MON), ("feb 1", date(2026, 2, 1)),
    ("mar 18", date(2025, 3, 18)), ("yesterday", date(2026, 3, 1)),
])
def test_backward_for_the_log_form(text: str, expected: date) -> None:
    assert resolve(text, MON, direction=-1) == expected
