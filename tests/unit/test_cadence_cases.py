"""Edge cases of the cadence rules, table-driven on the pure ``cadence.compute``.

Each case: a clock, people, threads and touches; then the (contact, thread, step, status,
due) rows that must be among the suggestions, and (contact, thread, step) that must not.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import arrow
import pytest

from crm_tui.config import CadenceSettings
from crm_tui.domain.businessdays import add_business_days, business_days_between
from crm_tui.domain.cadence import compute, who_to_ping
from crm_tui.domain.models import Contact, Thread, Touch

BERLIN = "Europe/Berlin"


def people(*specs: str | tuple[str, dict[str, Any]]) -> list[Contact]:
    out = []
    for n, spec in enumerate(specs, 1):
        name, extra = (spec, {}) if isinstance(spec, str) else spec
        out.append(Contact(name=name, id=f"c{n}", **extra))
    return out


def touch(contact: str, at: str, direction: str = "out", **kw: Any) -> dict[str, Any]:
    return {"contact_id": contact, "at": at, "direction": direction, **kw}


def interview(at: str, decision_by: str | None = None, interviewers=(), contact="c1", tid="t1"):
    return Thread(contact_id=contact, kind="interview", at=at, id=tid, decision_by=decision_by,
                  interviewers=list(interviewers))


CASES: dict[str, dict[str, Any]] = {
    "decision on a Thursday: 3rd business day is Tuesday": dict(
        now="2026-03-17T09:00:00+00:00", people=people("Dana"),
        threads=[interview("2026-03-02T10:00:00+00:00", "2026-03-12")],
        touches=[touch("c1", "2026-03-02T15:00:00+00:00", thread_id="t1", step="thank-you")],
        want=[("c1", "t1", "follow-up-1", "due", "2026-03-17")]),
    "decision on a Saturday counts from the weekend": dict(
        now="2026-03-18T09:00:00+00:00", people=people("Dana"),
        threads=[interview("2026-03-02T10:00:00+00:00", "2026-03-14")],
        touches=[touch("c1", "2026-03-02T15:00:00+00:00", thread_id="t1", step="thank-you")],
        want=[("c1", "t1", "follow-up-1", "due", "2026-03-18")]),
    "decision on a Sunday too": dict(
        now="2026-03-18T09:00:00+00:00", people=people("Dana"),
        threads=[interview("2026-03-02T10:00:00+00:00", "2026-03-15")],
        touches=[touch("c1", "2026-03-02T15:00:00+00:00", thread_id="t1", step="thank-you")],
        want=[("c1", "t1", "follow-up-1", "due", "2026-03-18")]),
    "before the decision date the follow-up is waiting": dict(
        now="2026-03-10T09:00:00+00:00", people=people("Dana"),
        threads=[interview("2026-03-02T10:00:00+00:00", "2026-03-13")],
        touches=[touch("c1", "2026-03-02T15:00:00+00:00", thread_id="t1", step="thank-you")],
        want=[("c1", "t1", "follow-up-1", "waiting", "2026-03-18")]),
    "no decision date, Friday interview: calendar week": dict(
        now="2026-03-13T09:00:00+00:00", people=people("Dana"),
        threads=[interview("2026-03-06T10:00:00+00:00")],
        touches=[touch("c1", "2026-03-06T15:00:00+00:00", thread_id="t1")],
        want=[("c1", "t1", "follow-up-1", "due", "2026-03-13")]),
    "thank-you still due 23h59 after the interview": dict(
        now="2026-03-03T09:59:00+00:00", people=people("Dana"),
        threads=[interview("2026-03-02T10:00:00+00:00")],
        want=[("c1", "t1", "thank-you", "due", "2026-03-02")]),
    "thank-you overdue just after 24h": dict(
        now="2026-03-03T10:01:00+00:00", people=people("Dana"),
        threads=[interview("2026-03-02T10:00:00+00:00")],
        want=[("c1", "t1", "thank-you", "overdue", "2026-03-02")]),
    "future interview: thank-you upcoming": dict(
        now="2026-03-02T08:00:00+00:00", people=people("Dana"),
        threads=[interview("2026-03-02T14:00:00+00:00")],
        want=[("c1", "t1", "thank-you", "upcoming", "2026-03-02")]),
    "unsent thank-you lapses once the first follow-up is due": dict(
        now="2026-03-09T09:00:00+00:00", people=people("Dana", "Lee"),
        threads=[interview("2026-03-02T10:00:00+00:00", interviewers=["c2"])],
        want=[("c1", "t1", "follow-up-1", "due", "2026-03-09")],
        absent=[("c1", "t1", "thank-you"), ("c2", "t1", "thank-you")]),
    "unmarked touch on the interview day is the thank-you": dict(
        now="2026-03-03T12:00:00+00:00", people=people("Dana", "Lee"),
        threads=[interview("2026-03-02T10:00:00+00:00", interviewers=["c2"])],
        touches=[touch("c2", "2026-03-02T16:00:00+00:00", thread_id="t1")],
        want=[("c1", "t1", "thank-you", "overdue", "2026-03-02")],
        absent=[("c2", "t1", "thank-you")]),
    "time zone: a late-evening UTC interview is the next local day in Berlin": dict(
        now="2026-03-03T08:00:00+01:00", tz=BERLIN, people=people("Dana"),
        threads=[interview("2026-03-02T23:30:00+00:00")],
        want=[("c1", "t1", "thank-you", "due", "2026-03-03")]),
    "DST spring forward: 24 real hours, not wall-clock hours": dict(
        now="2026-03-29T10:30:00+02:00", tz=BERLIN, people=people("Dana"),
        threads=[interview("2026-03-28T10:00:00+01:00")],
        want=[("c1", "t1", "thank-you", "due", "2026-03-28")]),
    "DST: keep-in-touch counts local calendar days": dict(
        now="2026-04-03T23:45:00+02:00", tz=BERLIN, people=people(("Ana", {"tier": "close"})),
        touches=[touch("c1", "2026-03-20T23:30:00+01:00")],
        want=[("c1", None, "keep-in-touch", "due", "2026-04-03")]),
    "DST autumn: a touch at 00:30 CEST is that local day": dict(
        now="2026-11-08T12:00:00+01:00", tz=BERLIN, people=people(("Ana", {"tier": "close"})),
        touches=[touch("c1", "2026-10-24T22:30:00+00:00")],
        want=[("c1", None, "keep-in-touch", "due", "2026-11-08")]),
    "a contact in two threads at once": dict(
        now="2026-03-04T09:00:00+00:00", people=people(("Ravi", {"tier": "active"})),
        threads=[interview("2026-03-03T10:00:00+00:00"),
                 Thread(contact_id="c1", kind="invoice", at="2026-02-01T10:00:00+00:00", id="t2")],
        want=[("c1", "t1", "thank-you", "due", "2026-03-03"),
              ("c1", "t2", "payment-reminder", "overdue", "2026-03-03"),
              ("c1", None, "keep-in-touch", "waiting", "2026-03-04")]),
    "a reply between follow-ups pauses, then restarts the count": dict(
        now="2026-03-27T09:00:00+00:00", people=people("Dana"),
        threads=[interview("2026-03-02T10:00:00+00:00", "2026-03-13")],
        touches=[touch("c1", "2026-03-02T15:00:00+00:00", thread_id="t1", step="thank-you"),
                 touch("c1", "2026-03-18T09:00:00+00:00", thread_id="t1", step="follow-up-1"),
                 touch("c1", "2026-03-20T09:00:00+00:00", "in", thread_id="t1",
                       note="Still deciding, next week")],
        want=[("c1", "t1", "follow-up-1", "due", "2026-03-27")]),
    "a reply without a thread from the thread contact pauses it": dict(
        now="2026-03-19T09:00:00+00:00", people=people("Dana"),
        threads=[interview("2026-03-02T10:00:00+00:00", "2026-03-13")],
        touches=[touch("c1", "2026-03-02T15:00:00+00:00", thread_id="t1", step="thank-you"),
                 touch("c1", "2026-03-17T09:00:00+00:00", "in")],
        want=[("c1", "t1", "follow-up-1", "waiting", "2026-03-24")]),
    "invoice paid closes it": dict(
        now="2026-03-20T09:00:00+00:00", people=people("Ravi"),
        threads=[Thread(contact_id="c1", kind="invoice", at="2026-02-01T10:00:00+00:00", id="t1")],
        touches=[touch("c1", "2026-03-05T09:00:00+00:00", "in", thread_id="t1", outcome="paid")],
        want=[("c1", "t1", "payment-reminder", "closed", "2026-03-05")]),
    "invoice thread closed in the store: nothing": dict(
        now="2026-03-20T09:00:00+00:00", people=people("Ravi"),
        threads=[Thread(contact_id="c1", kind="invoice", at="2026-02-01T10:00:00+00:00", id="t1",
                        status="closed")],
        absent=[("c1", "t1", "payment-reminder")]),
    "invoice: the sending email is not a reminder; second reminder 21 days later": dict(
        now="2026-03-25T09:00:00+00:00", people=people("Ravi"),
        settings={"invoice_reminder_days": 21},
        threads=[Thread(contact_id="c1", kind="invoice", at="2026-02-01T10:00:00+00:00", id="t1")],
        touches=[touch("c1", "2026-02-01T10:05:00+00:00", thread_id="t1"),
                 touch("c1", "2026-03-04T09:00:00+00:00", thread_id="t1")],
        want=[("c1", "t1", "payment-reminder", "due", "2026-03-25")]),
    "invoice due on receipt (0-day terms)": dict(
        now="2026-03-02T12:00:00+00:00", people=people("Ravi"),
        threads=[Thread(contact_id="c1", kind="invoice", at="2026-03-02T10:00:00+00:00", id="t1",
                        terms=0)],
        want=[("c1", "t1", "payment-reminder", "due", "2026-03-02")]),
    "application with a connection asks the connection": dict(
        now="2026-03-09T09:00:00+00:00", people=people("Ines", "Ethan"),
        threads=[Thread(contact_id="c1", kind="application", at="2026-03-02T10:00:00+00:00",
                        id="t1", via="c2")],
        want=[("c2", "t1", "ask-connection", "due", "2026-03-09")],
        absent=[("c1", "t1", "application-follow-up")]),
    "application: a week is not over yet": dict(
        now="2026-03-05T09:00:00+00:00", people=people("Ines"),
        threads=[Thread(contact_id="c1", kind="application", at="2026-03-02T10:00:00+00:00", id="t1")],
        want=[("c1", "t1", "application-follow-up", "upcoming", "2026-03-09")]),
    "snooze in the future: waiting until then": dict(
        now="2026-03-02T09:00:00+00:00",
        people=people(("Mei", {"snoozed_until": "2026-03-06", "snooze_count": 1})),
        want=[("c1", None, "keep-in-touch", "waiting", "2026-03-06")]),
    "snooze expiring today: due today": dict(
        now="2026-03-06T09:00:00+00:00",
        people=people(("Mei", {"snoozed_until": "2026-03-06", "snooze_count": 1})),
        want=[("c1", None, "keep-in-touch", "due", "2026-03-06")]),
    "skip today: back tomorrow": dict(
        now="2026-03-02T09:00:00+00:00", people=people(("Mei", {"skipped_on": "2026-03-02"})),
        want=[("c1", None, "keep-in-touch", "waiting", "2026-03-03")]),
    "skipped yesterday: due again": dict(
        now="2026-03-03T09:00:00+00:00", people=people(("Mei", {"skipped_on": "2026-03-02"})),
        want=[("c1", None, "keep-in-touch", "due", "2026-03-03")]),
    "tier active: 40 days is overdue": dict(
        now="2026-03-02T09:00:00+00:00", people=people(("Maya", {"tier": "active"})),
        touches=[touch("c1", "2026-01-21T10:00:00+00:00", "in")],
        want=[("c1", None, "keep-in-touch", "overdue", "2026-02-20")]),
    "tier changed to casual: the same history is upcoming": dict(
        now="2026-03-02T09:00:00+00:00", people=people(("Maya", {"tier": "casual"})),
        touches=[touch("c1", "2026-01-21T10:00:00+00:00", "in")],
        want=[("c1", None, "keep-in-touch", "upcoming", "2026-04-21")]),
    "custom interval overrides the tier": dict(
        now="2026-03-02T09:00:00+00:00", people=people(("Paul", {"tier": "casual", "every": 10})),
        touches=[touch("c1", "2026-02-20T10:00:00+00:00")],
        want=[("c1", None, "keep-in-touch", "due", "2026-03-02")]),
    "never touched: due now; dormant never touched: rekindle": dict(
        now="2026-03-02T09:00:00+00:00", people=people("New", ("Old", {"tier": "dormant"})),
        want=[("c1", None, "keep-in-touch", "due", "2026-03-02"),
              ("c2", None, "rekindle", "due", "2026-03-02")]),
    "silent for more than twice the interval: rekindle": dict(
        now="2026-03-02T09:00:00+00:00", people=people(("Chloe", {"tier": "close"})),
        touches=[touch("c1", "2026-01-30T10:00:00+00:00")],
        want=[("c1", None, "rekindle", "overdue", "2026-02-13")]),
    "job change not congratulated replaces keep-in-touch": dict(
        now="2026-03-02T09:00:00+00:00",
        people=people(("Dan", {"job_changes": [{"at": "2026-02-27T09:00:00+00:00",
                                                  "company": "Tidemark Bank"}]})),
        want=[("c1", None, "congratulate", "overdue", "2026-02-27")],
        absent=[("c1", None, "keep-in-touch")]),
    "congratulated: back to keep-in-touch": dict(
        now="2026-03-02T09:00:00+00:00",
        people=people(("Dan", {"job_changes": [{"at": "2026-02-27T09:00:00+00:00",
                                                  "congratulated": True}]})),
        touches=[touch("c1", "2026-02-28T09:00:00+00:00")],
        want=[("c1", None, "keep-in-touch", "upcoming", "2026-05-29")],
        absent=[("c1", None, "congratulate")]),
    "a wider pester gap from the settings": dict(
        now="2026-03-18T09:00:00+00:00", people=people("Dana"), settings={"min_gap_days": 10},
        threads=[interview("2026-03-02T10:00:00+00:00", "2026-03-13")],
        touches=[touch("c1", "2026-03-02T15:00:00+00:00", thread_id="t1", step="thank-you"),
                 touch("c1", "2026-03-12T09:00:00+00:00")],
        want=[("c1", "t1", "follow-up-1", "waiting", "2026-03-22")]),
    "asked, then answered: paused a week after our answer": dict(
        now="2026-03-12T09:00:00+00:00", people=people("Sam"),
        threads=[interview("2026-03-02T10:00:00+00:00")],
        touches=[touch("c1", "2026-03-02T15:00:00+00:00", thread_id="t1", step="thank-you"),
                 touch("c1", "2026-03-05T09:00:00+00:00", "in", thread_id="t1", outcome="asked"),
                 touch("c1", "2026-03-06T09:00:00+00:00", thread_id="t1", step="reply-requested")],
        want=[("c1", "t1", "follow-up-1", "waiting", "2026-03-13")],
        absent=[("c1", "t1", "reply-requested")]),
    "rejected and answered: closed, keep-in-touch takes over": dict(
        now="2026-03-12T09:00:00+00:00", people=people(("Clara", {"tier": "casual"})),
        threads=[interview("2026-03-02T10:00:00+00:00")],
        touches=[touch("c1", "2026-03-02T15:00:00+00:00", thread_id="t1", step="thank-you"),
                 touch("c1", "2026-03-05T09:00:00+00:00", "in", thread_id="t1", outcome="rejected"),
                 touch("c1", "2026-03-05T12:00:00+00:00", thread_id="t1", step="graceful-close")],
        want=[("c1", "t1", "graceful-close", "closed", "2026-03-05"),
              ("c1", None, "keep-in-touch", "upcoming", "2026-06-03")]),
    "a naive time stamp is local time": dict(
        now="2026-03-03T08:00:00+01:00", tz=BERLIN, people=people(("Ana", {"tier": "close"})),
        touches=[touch("c1", "2026-02-17T00:30:00")],
        want=[("c1", None, "keep-in-touch", "due", "2026-03-03")]),
}


def run(case: dict[str, Any]):
    now = arrow.get(case["now"])
    if case.get("tz"):
        now = now.to(case["tz"])
    settings = replace(CadenceSettings(), **case.get("settings", {}))
    touches = [Touch(id=f"2026-{n}", **t) for n, t in enumerate(case.get("touches", []), 1)]
    return compute(case["people"], case.get("threads", []), touches, settings, now)


@pytest.mark.parametrize("name", list(CASES))
def test_case(name):
    case = CASES[name]
    found = run(case)
    rows = {(s.contact_id, s.thread_id, s.step, s.status, s.due) for s in found}
    for expected in case.get("want", []):
        assert expected in rows, sorted(rows, key=str)
    keys = {(s.contact_id, s.thread_id, s.step) for s in found}
    for unexpected in case.get("absent", []):
        assert unexpected not in keys, sorted(rows, key=str)


def test_overdue_days_and_today_list_order():
    found = run(CASES["a contact in two threads at once"])
    today = who_to_ping(found)
    assert [(s.step, s.overdue_days) for s in today] == [("thank-you", 0), ("payment-reminder", 1)]


@pytest.mark.parametrize(("start", "count", "expected"), [
    ("2026-03-13", 3, "2026-03-18"),  # Fri -> Wed
    ("2026-03-14", 3, "2026-03-18"),  # Sat -> Wed
    ("2026-03-16", 5, "2026-03-23"),  # Mon -> next Mon
    ("2026-03-18", -3, "2026-03-13"),  # backwards
    ("2026-03-18", 0, "2026-03-18"),
])
def test_add_business_days(start, count, expected):
    from datetime import date

    assert add_business_days(date.fromisoformat(start), count).isoformat() == expected


def test_business_days_between_matches_adding():
    from datetime import date, timedelta

    start = date(2026, 3, 1)
    for offset in range(0, 40):
        end = start + timedelta(days=offset)
        n = business_days_between(start, end)
        if end.weekday() < 5 and offset:
            assert add_business_days(start, n) == end
