"""Issue 13's pure rules: validators, the daily budget, sorting names, one full stop."""

from __future__ import annotations

import arrow
import pytest

from crm_tui.domain import cadence, template_syntax, validate
from crm_tui.domain.models import Suggestion
from crm_tui.domain.text import sort_key

NOW = arrow.get("2026-03-02T18:00:00+00:00")


@pytest.mark.parametrize("value, ok", [
    ("ann@example.com", True), ("a.b+c@mail.example.co.uk", True), ("", True),
    ("bob@", False), ("bob", False), ("@example.com", False), ("bob@example", False),
    ("bob @example.com", False), ("bob@example.", False),
])
def test_email(value, ok):
    assert (validate.email(value) is None) is ok


@pytest.mark.parametrize("value, message", [
    ("2026-02-28", None), ("2024-02-29", None),
    ("2026-02-30", "February 2026 has 28 days"), ("2026-04-31", "April 2026 has 30 days"),
    ("2026-13-01", "no month 13"), ("tomorrow", "not a date like"),
])
def test_iso_date_says_why(value, message):
    found = validate.iso_date(value)
    assert (found is None) if message is None else (message in found)


def test_touch_time_allows_a_day_ahead_and_questions_before_1990():
    assert validate.touch_time(NOW.shift(hours=23), NOW) is None
    assert "more than a day in the future" in validate.touch_time(NOW.shift(days=1, minutes=1), NOW)
    assert validate.touch_time_unusual(arrow.get("1990-01-01")) is None
    assert "before 1990" in validate.touch_time_unusual(arrow.get("1989-12-31"))


def test_decision_date_and_variant():
    assert validate.decision_date("2026-03-02", "2026-03-02T10:00:00+00:00") is None
    assert "before the thread starts" in validate.decision_date("2026-03-01", "2026-03-02T10:00:00+00:00")
    assert validate.decision_date(None, "2026-03-02") is None
    assert validate.variant(2, 2) is None
    assert "pick 1 to 3" in validate.variant(99, 3)
    assert validate.variant(0, 3)


def _s(step: str, n: int, thread: str | None = None) -> Suggestion:
    return Suggestion(contact_id=f"c{n}", contact=f"P{n}", step=step, status="overdue",
                      due="2026-01-01", reason="", thread_id=thread)


def test_budget_keeps_the_most_urgent_and_never_cuts_time_critical_or_thread_steps():
    ranked = [_s("thank-you", 0, "t1"), *(_s("rekindle", i) for i in range(1, 6)),
              _s("payment-reminder", 6, "t2"), _s("congratulate", 7), _s("keep-in-touch", 8)]
    kept, held = cadence.within_budget(ranked, 3)
    assert [s.contact_id for s in kept] == ["c0", "c1", "c2", "c3", "c6"]
    assert held == 4
    assert cadence.within_budget(ranked, 0) == (ranked, 0)  # 0: no limit
    assert "and 4 more" in cadence.held_back_line(4)


def test_their_post_counts_towards_the_daily_budget():
    ranked = [_s("their-post", 1), _s("keep-in-touch", 2), _s("their-post", 3)]
    kept, held = cadence.within_budget(ranked, 2)
    assert [s.contact_id for s in kept] == ["c1", "c2"] and held == 1


def test_names_sort_without_regard_to_case_or_accents():
    names = ["Zoë", "Élodie", "adam", "Emil", "Eliza", "Zoe Abbot"]
    assert sorted(names, key=sort_key) == ["adam", "Eliza", "Élodie", "Emil", "Zoë", "Zoe Abbot"]


def test_a_company_ending_in_a_full_stop_gets_one_full_stop():
    text = template_syntax.render("I hope all is well at {company}. Talk soon.", {"company": "Acme, Inc."})
    assert text == "I hope all is well at Acme, Inc. Talk soon."
    optional = template_syntax.render("Hello[ from {company}].", {"company": "Acme, Inc."})
    assert optional == "Hello from Acme, Inc."


def test_snooze_until_a_day_that_does_not_exist_says_why():
    from crm_tui.ui.dialogs.snooze import parse_until

    day, why = parse_until("2026-02-30", NOW)
    assert day is None and "February 2026 has 28 days" in why
    assert parse_until("2026-03-09", NOW) == ("2026-03-09", "")


def test_a_step_reads_the_same_on_today_and_the_contact_screen():
    from crm_tui.ui import format as fmt

    # Due within its window although its date passed yesterday: "today", as Today says.
    assert fmt.step_when("due", 0, "2026-03-01", NOW) == "today"
    assert fmt.step_when("overdue", 4, "2026-02-26", NOW) == "overdue 4 d"
    assert fmt.step_when("upcoming", 0, "2026-03-05", NOW) == "in 3 d"
