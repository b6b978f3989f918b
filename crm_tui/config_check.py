"""Checking ``config.toml``: every setting has a type and a range; a wrong value is named
with its line and the default used instead; unknown keys and sections are reported.

A value out of range used to crash (``close = 99999999999999999999``: an OverflowError
in date arithmetic) or quietly remove a safeguard (``timeout = inf`` or ``nan``: no
deadline). Every numeric setting must have a range here (a test checks it).
"""

from __future__ import annotations

import math
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

# section.key -> (lowest, highest, unit) for numbers; (0, most characters, "") for text.
RANGES: dict[str, tuple[float, float, str]] = {
    "cadence.close": (1, 3650, "days"),
    "cadence.active": (1, 3650, "days"),
    "cadence.casual": (1, 3650, "days"),
    "cadence.dormant": (1, 3650, "days"),
    "cadence.min_gap_days": (0, 365, "days"),
    "cadence.followup_business_days": (1, 30, "business days"),
    "cadence.followup_no_decision_days": (1, 90, "days"),
    "cadence.second_followup_after_decision_days": (1, 90, "days"),
    "cadence.second_followup_days": (1, 90, "days"),
    "cadence.application_followup_days": (1, 90, "days"),
    "cadence.invoice_terms_days": (0, 365, "days"),
    "cadence.invoice_reminder_days": (14, 21, "days"),
    "cadence.daily_keep_in_touch": (0, 1000, "steps a day (0: no limit)"),
    "me.name": (0, 200, "characters"),
    "me.signature": (0, 2000, "characters"),
    "feeds.timeout": (1, 300, "seconds"),
    "feeds.max_bytes": (1024, 100 * 1024 * 1024, "bytes"),
    "feeds.concurrency": (1, 256, "feeds at once"),
    "feeds.per_host": (1, 16, "requests at once"),
    "feeds.retention_days": (1, 3650, "days"),
    "feeds.max_per_feed": (1, 10_000, "articles"),
    "feeds.max_entries": (1, 10_000, "entries"),
    "feeds.refresh_minutes": (0, 10_080, "minutes"),
    "feeds.parse_seconds": (0.5, 600, "seconds"),
    "ui.theme": (0, 100, "characters"),
    "sources.max_header_bytes": (4096, 16 * 1024 * 1024, "bytes"),
    "sources.keep_subjects": (0, 1, ""),  # true or false
    "sources.sync_on_start": (0, 1, ""),  # true or false
    # Lists of text: (0, most items, "items"); each item at most _ITEM_CHARS characters.
    "me.emails": (0, 100, "addresses"),
    "sources.mail": (0, 1000, "paths"),
    "sources.calendars": (0, 1000, "paths"),
    "sources.calendar_days": (1, 36500, "days"),
    "sources.max_attendees": (1, 10_000, "attendees"),
    "sources.reminders": (0, 4096, "characters"),
}
_ITEM_CHARS = 4096
# Sections read elsewhere (not dataclasses): binding id -> keys.
FREE_SECTIONS = frozenset({"keys"})


def line_of(text: str, section: str, key: str | None = None) -> int | None:
    """The line (1-based) of ``[section]`` or of ``key`` inside it; None if not found."""
    current = ""
    key_re = re.compile(rf"""^\s*(?:"{re.escape(key)}"|'{re.escape(key)}'|{re.escape(key)})\s*=""") if key else None
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
        if header:
            current = header.group(1).strip().strip('"')
            if key is None and current == section:
                return number
            continue
        if key_re is not None and current == section and key_re.match(line):
            return number
        if key is not None and not current and re.match(rf"^\s*{re.escape(section)}\.{re.escape(key)}\s*=", line):
            return number
    return None


def where(path: Path, text: str, section: str, key: str | None = None) -> str:
    line = line_of(text, section, key)
    return f"{path}, line {line}" if line else f"{path}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _range_text(low: float, high: float, unit: str) -> str:
    fmt = (lambda v: f"{v:,.0f}") if float(low).is_integer() and float(high).is_integer() else str
    return f"{fmt(low)} to {fmt(high)}" + (f" {unit}" if unit else "")


def coerce(name: str, value: Any, default: Any) -> tuple[Any, str | None]:
    """``value`` as the setting's type and in its range, or (None, why not)."""
    low, high, unit = RANGES.get(name, (0, 1_000_000, ""))
    if isinstance(default, bool):
        return (value, None) if isinstance(value, bool) else (None, "must be true or false")
    if isinstance(default, list):  # a list of text: addresses, paths
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, 'must be a list of text, e.g. ["a", "b"]'
        if len(value) > high:
            return None, f"has more than {high:,.0f} {unit}"
        if any(len(v) > _ITEM_CHARS for v in value):
            return None, f"has an item longer than {_ITEM_CHARS:,} characters"
        return list(value), None
    if isinstance(default, str):
        if not isinstance(value, str):
            return None, "must be text (in quotes)"
        if len(value) > high:
            return None, f"is longer than {high:,.0f} characters"
        return value, None
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None, "must be a number"
        if isinstance(value, float) and not math.isfinite(value):
            return None, f"must be a finite number ({_range_text(low, high, unit)})"
        if isinstance(default, int) and isinstance(value, float):
            if not value.is_integer():
                return None, f"must be a whole number ({_range_text(low, high, unit)})"
            if not low <= value <= high:
                return None, f"is out of range ({_range_text(low, high, unit)})"
            value = int(value)
        if not low <= value <= high:
            return None, f"is out of range ({_range_text(low, high, unit)})"
        return (float(value) if isinstance(default, float) else value), None
    return None, "is not a setting that can be set here"


def apply(path: Path, text: str, raw: dict[str, Any], settings: Any, sections: dict[str, type]) -> None:
    """Set each valid value of ``raw`` on ``settings``; report the rest in settings.problems."""
    problems: list[str] = settings.problems
    for section, body in raw.items():
        if section in FREE_SECTIONS:
            continue
        cls = sections.get(section)
        if cls is None:
            problems.append(
                f"{where(path, text, section)}: unknown section [{section}] "
                f"(known: {', '.join(sorted([*sections, *FREE_SECTIONS]))}); ignored"
            )
            continue
        if not isinstance(body, dict):
            problems.append(f"{where(path, text, section)}: {section} must be a [{section}] table; ignored")
            continue
        target = getattr(settings, section)
        known = {f.name for f in fields(cls)}
        for key, value in body.items():
            name = f"{section}.{key}"
            if key not in known:
                problems.append(f"{where(path, text, section, key)}: unknown setting {name}; ignored")
                continue
            default = getattr(target, key)
            good, why = coerce(name, value, default)
            if why is not None:
                problems.append(f"{where(path, text, section, key)}: {name} = {_show(value)} {why}; using {default!r}")
                continue
            setattr(target, key, good)
    keys = raw.get("keys", {})
    if not isinstance(keys, dict):
        problems.append(f"{where(path, text, 'keys')}: keys must be a [keys] table; ignored")
        return
    for binding, value in keys.items():
        if not isinstance(value, str) or len(value) > 200:
            problems.append(f"{where(path, text, 'keys', binding)}: keys.{binding} must be keys like \"d,ctrl+d\"; ignored")
            continue
        settings.keys[str(binding)] = value
