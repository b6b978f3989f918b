"""How values read on screen: relative dates, due phrases, inert text, urgency styles.

Pure functions (no widgets) so the tables, the contact screen and the tests share them.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime

import arrow

# C0/C1 controls and DEL, shown as visible symbols instead of being sent to the terminal.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidi overrides/isolates would reorder what the user sees; show them as a visible mark.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures" block: ␛ for ESC
    if code == 0x7F:
        return "\u2421"
    return "\ufffd"


def inert(text: object) -> str:
    """Untrusted text made safe to draw: control characters become visible symbols.

    Markup needs no treatment here: callers put the result into ``Text``/``Content`` or
    Segments, which never parse it. Newlines and tabs are kept.
    """
    value = "" if text is None else str(text)
    if value.isprintable():  # the common case, and cheap: no control or format characters
        return value
    value = _CONTROL.sub(lambda m: m.group(0) if m.group(0) in "\n\t" else _picture(m), value)
    return _BIDI.sub("\ufffd", value)


def one_line(text: object) -> str:
    """Inert and on one line (table cells)."""
    value = inert(text)
    return value if value.isprintable() and "  " not in value else " ".join(value.split())


def _local_date(moment: str, now: arrow.Arrow) -> date:
    """The local calendar day of an ISO time (datetime, not arrow: this runs per row)."""
    parsed = datetime.fromisoformat(moment)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(now.tzinfo)
    return parsed.date()


def ago(moment: str | None, now: arrow.Arrow) -> str:
    """'today', '5 days ago', '3 weeks ago', '4 months ago', 'never'."""
    if not moment:
        return "never"
    return _ago_days((now.date() - _local_date(moment, now)).days)


@functools.lru_cache(maxsize=4096)
def _ago_days(days: int) -> str:
    # arrow's humanize wording at a granularity picked by age, computed here directly:
    # arrow takes ~0.3 ms a call, too slow for 50,000 rows with many distinct ages.
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    if days < 730:
        return f"{days // 30} months ago"
    return f"{days // 365} years ago"


def days_between(day: str, now: arrow.Arrow) -> int:
    """Whole days from today to ``day`` (an ISO date or date-time); negative in the past."""
    target = _local_date(day, now) if "T" in day else date.fromisoformat(day[:10])
    return (target - now.date()).days


def due_phrase(due: str | None, now: arrow.Arrow) -> str:
    """'overdue 4 d', 'today', 'tomorrow', 'in 3 d', 'in 5 w'."""
    if not due:
        return ""
    return _due_days(days_between(due, now))


def step_when(status: str, overdue_days: int, due: str | None, now: arrow.Arrow) -> str:
    """When a step is, as Today says it: from the engine's status (a step due within its
    window reads 'today' everywhere), and only for steps ahead from the date."""
    if status == "overdue" and overdue_days:
        return f"overdue {overdue_days} d"
    if status == "due":
        return "today"
    return due_phrase(due, now)


@functools.lru_cache(maxsize=4096)
def _due_days(days: int) -> str:
    if days < 0:
        return f"overdue {-days} d"
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days < 21:
        return f"in {days} d"
    if days < 120:
        return f"in {round(days / 7)} w"
    return f"in {round(days / 30)} mo"


@functools.lru_cache(maxsize=256)
def step_label(step: str) -> str:
    """'follow-up-1' -> 'follow-up 1', 'keep-in-touch' -> 'keep in touch'."""
    label = step.replace("-", " ")
    return re.sub(r" (\d)$", r" \1", label)


# The longer step names, said in at most STEP_WIDTH cells for a table column.
_SHORT_STEPS = {
    "application-follow-up": "app. follow-up",
    "payment-reminder": "pay reminder",
    "reply-requested": "reply owed",
}
STEP_WIDTH = 14


def step_short(step: str) -> str:
    """A step's name for a narrow column (whole words, never cut): 'app. follow-up'."""
    return _SHORT_STEPS.get(step) or step_label(step)


def when_label(moment: str, now: arrow.Arrow) -> str:
    """A touch's time for the timeline: '2026-02-27 (3 days ago)'."""
    then = arrow.get(moment).to(now.tzinfo)
    return f"{then.format('YYYY-MM-DD')} ({ago(moment, now)})"


# Urgency -> the component class / CSS class that colours it (theme variables in app.tcss).
STATUS_CLASSES: dict[str, str] = {
    "overdue": "overdue",
    "due": "due",
    "upcoming": "upcoming",
    "waiting": "waiting",
    "closed": "closed",
}


def next_birthday(value: str | None, now: arrow.Arrow) -> str:
    """'Wed 4 Mar (in 2 d, turns 40)', 'today!' on the day; '' without a birthday."""
    from crm_tui.domain import birthdays

    day = birthdays.next_on(value, now.date())
    if day is None:
        return ""
    text = f"{day:%a} {day.day} {day:%b}" + (f" {day.year}" if day.year != now.year else "")
    when = "today!" if day == now.date() else _due_days((day - now.date()).days)
    age = birthdays.age_on(value, day)
    return f"{text} ({when}" + (f", turns {age})" if age and age > 0 else ")")


def meeting(at: str, title: str, now: arrow.Arrow) -> str:
    """'Wed 25 Feb 19:00: Dinner' in the user's zone ('today 19:00: Dinner')."""
    moment = arrow.get(at).to(now.tzinfo)
    day = moment.date()
    label = "today" if day == now.date() else (
        f"{day:%a} {day.day} {day:%b}" + (f" {day.year}" if day.year != now.year else ""))
    clock = "" if moment.format("HH:mm") == "00:00" else f" {moment:HH:mm}"
    return f"{label}{clock}" + (f": {one_line(title)}" if title else "")


def sentence(reason: object) -> str:
    """A reason to put before ". ...": without its own final full stop (no "..")."""
    return str(reason).strip().rstrip(".").rstrip()
