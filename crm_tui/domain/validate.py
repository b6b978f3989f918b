"""What the data may hold: one set of checks for the forms and the command line alike.

Each check returns a message fit to show (a sentence, no trailing hint about where it
came from), or None when the value is fine. The forms show the message under the field;
the command line prints it and exits 2. Nothing here imports textual or click.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

import arrow

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

# A touch may be logged up to a day ahead (a meeting booked for tomorrow morning in
# another time zone); further out it is a typo (2030 for 2020) that would wait for years.
FUTURE_SLACK_DAYS = 1
# Before this a touch is probably a typo too, but an old friend may really go that far
# back: the TUI asks, the command line warns.
PLAUSIBLE_SINCE = 1990


def email(value: str) -> str | None:
    """An address with a name, an @ and a domain with a dot (``name@example.com``)."""
    if value and not _EMAIL.match(value.strip()):
        return f"{value!r} is not an email address (expected name@example.com)."
    return None


def iso_date(value: str) -> str | None:
    """A calendar date, YYYY-MM-DD; says why a day that does not exist is refused."""
    match = _ISO_DATE.match(value.strip())
    if not match:
        return f"{value!r} is not a date like 2026-03-02."
    year, month, day = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        return f"{value!r} is not a date: there is no month {month}."
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        name = calendar.month_name[month]
        return f"{value!r} is not a date: {name} {year} has {last} days."
    return None


def touch_time(moment: arrow.Arrow, now: arrow.Arrow) -> str | None:
    """A touch happened, or is at most a day ahead."""
    if moment > now.shift(days=FUTURE_SLACK_DAYS):
        return (f"{moment.format('YYYY-MM-DD HH:mm')} is more than a day in the future; "
                "a touch is something that happened.")
    return None


def touch_time_unusual(moment: arrow.Arrow) -> str | None:
    """A question to confirm, for a touch dated before 1990 (likely a typo)."""
    if moment.year < PLAUSIBLE_SINCE:
        return f"{moment.format('YYYY-MM-DD')} is before {PLAUSIBLE_SINCE}. Is that date right?"
    return None


def decision_date(decision: str | None, started: str) -> str | None:
    """An interview's promised decision comes on or after the interview."""
    if not decision:
        return None
    problem = iso_date(decision[:10])
    if problem:
        return problem
    start_day = datetime.fromisoformat(started).date() if "T" in started else date.fromisoformat(started[:10])
    if date.fromisoformat(decision[:10]) < start_day:
        return (f"the decision date {decision[:10]} is before the thread starts "
                f"({start_day.isoformat()}).")
    return None


# The fields of a thread that belong to one kind only (the others are for every kind).
THREAD_FIELD_KINDS = {
    "decision_by": "interview",
    "interviewers": "interview",
    "talking_points": "interview",
    "via": "application",
    "terms": "invoice",
    "label": "invoice",
    "amount": "invoice",
}
INVOICE_TERMS = (0, 365)  # days


def thread_field_kind(name: str, kind: str) -> str | None:
    """The kind a thread field is for, when it is not ``kind`` (None: the field fits)."""
    wanted = THREAD_FIELD_KINDS.get(name)
    return wanted if wanted is not None and wanted != kind else None


def thread_via(connection_id: str | None, contact_id: str) -> str | None:
    """An application's internal connection is another person than the one applied to."""
    if connection_id is not None and connection_id == contact_id:
        return "the connection is someone inside the company other than the thread's contact."
    return None


def variant(number: int, available: int) -> str | None:
    """A template variant that exists (1-based)."""
    if not 1 <= number <= available:
        return f"there {'is' if available == 1 else 'are'} {available} variant" \
               f"{'' if available == 1 else 's'} for this message; pick 1 to {available}."
    return None
