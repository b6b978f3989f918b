"""Business-day arithmetic on plain dates: Monday to Friday, no holidays (rule book: Words)."""

from __future__ import annotations

from datetime import date, timedelta

_ORDINALS = ("zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh",
             "eighth", "ninth", "tenth")


def is_business_day(day: date) -> bool:
    return day.weekday() < 5


def add_business_days(day: date, count: int) -> date:
    """The ``count``-th business day after ``day`` (before it when negative).

    ``day`` itself never counts, so the third business day after Friday 13 March is
    Wednesday 18 March, and after Saturday 14 March too.
    """
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if day.weekday() < 5:
            remaining -= 1
    return day


def business_days_between(start: date, end: date) -> int:
    """How many business days lie in (start, end]; 0 when end <= start."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    weekday = start.weekday()
    for offset in range(1, rest + 1):
        if (weekday + offset) % 7 < 5:
            count += 1
    return count


def ordinal(number: int) -> str:
    """'third' for 3; '12th' past ten."""
    if 0 <= number < len(_ORDINALS):
        return _ORDINALS[number]
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
