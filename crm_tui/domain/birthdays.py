"""Birthdays: ``YYYY-MM-DD`` or ``--MM-DD`` (year unknown), as vCard and Google give them.

A birthday on 29 February is kept on 28 February in the years without one (the day
before, so it still falls in February and is never late).
"""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date

_FULL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH_DAY = re.compile(r"^--(\d{2})-?(\d{2})$")


@functools.lru_cache(maxsize=65536)  # the engine asks for every contact on every run
def parse(value: str | None) -> tuple[int | None, int, int] | None:
    """(year or None, month, day), or None when ``value`` is empty or not a real day."""
    if not value:
        return None
    value = value.strip()
    full = _FULL.match(value)
    if full:
        year, month, day = (int(g) for g in full.groups())
    else:
        short = _MONTH_DAY.match(value)
        if not short:
            return None
        year, (month, day) = None, (int(g) for g in short.groups())
    try:
        date(year or 2000, month, day)  # 2000 is a leap year: 29 Feb is allowed without one
    except ValueError:
        return None
    return year, month, day


def normalise(value: str) -> str | None:
    """The stored form (``YYYY-MM-DD`` or ``--MM-DD``) of a typed birthday, or None."""
    found = parse(value)
    if found is None:
        return None
    year, month, day = found
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def on_year(value: str | None, year: int) -> date | None:
    """The day the birthday is celebrated in ``year`` (29 Feb -> 28 Feb in common years)."""
    found = parse(value)
    if found is None:
        return None
    _, month, day = found
    if month == 2 and day == 29 and not calendar.isleap(year):
        day = 28
    return date(year, month, day)


def next_on(value: str | None, today: date) -> date | None:
    """The next day the birthday is celebrated, today included."""
    this_year = on_year(value, today.year)
    if this_year is None:
        return None
    if this_year >= today:
        return this_year
    return on_year(value, today.year + 1)


def age_on(value: str | None, day: date) -> int | None:
    """How old they turn on ``day`` (None when the year is unknown)."""
    found = parse(value)
    if found is None or found[0] is None:
        return None
    return day.year - found[0]
