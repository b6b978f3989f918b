"""Dates typed as people say them, resolved against a given today (pure: no clock).

Understood, case-insensitive: ``today``, ``tomorrow``, ``yesterday``; a weekday (``fri``,
``friday``, ``next fri``, ``last fri``); ``next week`` / ``next month`` (the Monday / the
1st after); ``+3d``, ``3d``, ``2w``, ``1m``, ``+3 days``, ``in 2 weeks``; ``3d ago``,
``-3d``, ``2 weeks ago``; ``mar 18``, ``18 mar``, ``march 18``; ISO ``2026-03-18``.

``direction`` says which way a bare weekday or month-day points: +1 (the snooze form: the
next one) or -1 (the log form: the last one, today included).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_WEEKDAYS |= {name.lower(): i for i, name in enumerate(calendar.day_abbr)}
_WEEKDAYS |= {"tues": 1, "wed": 2, "thur": 3, "thurs": 3}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS |= {"sept": 9}
_UNITS = {"d": "d", "day": "d", "days": "d", "w": "w", "wk": "w", "week": "w", "weeks": "w",
          "m": "m", "mo": "m", "month": "m", "months": "m"}
_RELATIVE = re.compile(r"^(in\s+)?([+-])?\s*(\d{1,3})\s*([a-z]+)(\s+ago)?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTH_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})$|^(\d{1,2})\s+([a-z]+)\.?$")


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def resolve(text: str, today: date, direction: int = 1) -> date | None:
    """The day ``text`` means, or None when it is not understood."""
    words = " ".join(text.strip().lower().split())
    if not words:
        return None
    fixed = {"today": today, "tomorrow": today + timedelta(days=1),
             "yesterday": today - timedelta(days=1),
             "next week": today + timedelta(days=7 - today.weekday()),
             "next month": _add_months(today.replace(day=1), 1)}
    if words in fixed:
        return fixed[words]
    if match := _ISO.match(words):
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    match = _RELATIVE.match(words)
    if match and match[4] in _UNITS:  # else perhaps "18 march"
        unit = _UNITS[match[4]]
        if match[1] and (match[2] == "-" or match[5]):
            return None
        amount = int(match[3]) * (-1 if match[2] == "-" or match[5] else 1)
        if unit == "d":
            return today + timedelta(days=amount)
        if unit == "w":
            return today + timedelta(weeks=amount)
        return _add_months(today, amount)
    parts = words.split()
    if len(parts) <= 2 and parts[-1] in _WEEKDAYS and (len(parts) == 1 or parts[0] in ("next", "last", "this")):
        weekday = _WEEKDAYS[parts[-1]]
        way = {"next": 1, "last": -1}.get(parts[0], direction) if len(parts) == 2 else direction
        if way > 0:
            return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
        return today - timedelta(days=(today.weekday() - weekday) % 7)
    if match := _MONTH_DAY.match(words):
        month_name, day_text = (match[1], match[2]) if match[1] else (match[4], match[3])
        month = _MONTHS.get(month_name)
        if month is None:
            return None
        for year in (today.year, today.year + direction):
            try:
                found = date(year, month, int(day_text))
            except ValueError:
                return None
            if (found >= today) if direction > 0 else (found <= today):
                return found
        return None
    return None


EXAMPLES = "tomorrow, fri, next week, +3d, 2w, mar 18 or 2026-03-18"


def spoken(day: date) -> str:
    """A day as the forms read it back: 'Monday 9 March 2026'."""
    return f"{calendar.day_name[day.weekday()]} {day.day} {calendar.month_name[day.month]} {day.year}"
