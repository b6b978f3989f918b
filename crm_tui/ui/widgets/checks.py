"""Checks for form fields: each returns an error message, or None when the value is fine.

The rules themselves are :mod:`crm_tui.domain.validate`, shared with the command line;
this module only adds the forms' own parsing (a date typed without a time, ...)."""

from __future__ import annotations

import re

import arrow

from crm_tui.domain import dates, validate

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}$")
_MONTH_DAY = re.compile(r"^--(\d{2})-(\d{2})$")


def email(value: str) -> str | None:
    if validate.email(value):
        return "Not an email address (expected name@example.com)."
    return None


def required(value: str, what: str) -> str | None:
    return None if value.strip() else f"{what} is required."


def days(value: str, low: int = 1, high: int = 3650) -> str | None:
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        return f"A whole number of days, {low} to {high}."
    return None


def date(value: str, allow_month_day: bool = False) -> str | None:
    """YYYY-MM-DD (or --MM-DD for a birthday without year)."""
    if not value:
        return None
    if allow_month_day and (m := _MONTH_DAY.match(value)):
        try:
            arrow.get(f"2000-{m.group(1)}-{m.group(2)}")
        except (ValueError, arrow.parser.ParserError):
            return "Not a real day of the year."
        return None
    if not _DATE.match(value):
        hint = " or --MM-DD" if allow_month_day else ""
        return f"A date like 2026-03-02{hint}."
    problem = validate.iso_date(value)
    if problem:
        return problem[0].upper() + problem[1:]
    return None


def when(value: str, now: arrow.Arrow) -> arrow.Arrow | str:
    """A touch's moment: 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM' (local), at most a day ahead."""
    if _DATE.match(value):
        text = f"{value} {now.format('HH:mm')}"
    elif _DATETIME.match(value):
        text = value.replace("T", " ")
    else:  # as people say it: yesterday, fri (the last one), 3d ago, mar 18...
        day = dates.resolve(value, now.date(), direction=-1)
        if day is None:
            return "A date like yesterday, fri, 3d ago, mar 2, 2026-03-02 or 2026-03-02 14:30."
        text = f"{day.isoformat()} {now.format('HH:mm')}"
    problem = validate.iso_date(text[:10])
    if problem:
        return problem[0].upper() + problem[1:]
    try:
        moment = arrow.get(text, "YYYY-MM-DD HH:mm", tzinfo=now.tzinfo)
    except (ValueError, arrow.parser.ParserError):
        return "Not a real date."
    future = validate.touch_time(moment, now)
    if future:
        return "More than a day in the future: a touch is something that happened."
    return moment
