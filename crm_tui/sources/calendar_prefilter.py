"""Which calendar files need parsing at all (see :mod:`crm_tui.sources.calendar`).

Parsing is most of a first sync's time (icalendar: ~1 ms a small file). A file whose
ORGANIZER and ATTENDEE lines name none of the contacts can make no touch and no meeting to
come, so it need not be parsed, with one condition: that parsing it would not have said
anything either. A file is left unparsed only when it is plainly well formed (valid UTF-8,
no control characters, every line ``NAME;PARAM=...:value``, components that open and close
in order inside a VCALENDAR, every event with a start), and the values the reader uses
(starts and ends, durations, recurrence rules and dates, time zones) are of their plain
forms; anything else is parsed, and reported exactly as before.

The lines are read as icalendar reads them: unfolded (a line break followed by a space or a
tab continues the line, RFC 5545 3.1; CRLF or a bare LF), names in any case.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date
from functools import lru_cache

from crm_tui.sources.calendar_parse import _address

# icalendar's own unfolding and line split (icalendar/parser/content_line.py).
_UNFOLD = re.compile(r"(?:(?<!\n)\r\n|(?<![\r\n])\n)(?:\r?\n)*[ \t]")
_NEWLINE = re.compile(r"\r?\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)")  # (a lone CR too)
# NAME, then parameters (values plain or quoted, comma lists), then ":" and the value.
_PARAM_VALUE = r'(?:"[^"]*"|[^";:,]*)'
_LINE = re.compile(rf"([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+={_PARAM_VALUE}(?:,{_PARAM_VALUE})*)*):(.*)",
                   re.DOTALL)
_TZID = re.compile(r';TZID=("[^"]*"|[^";:,]*)', re.IGNORECASE)
_VALUE_PARAM = re.compile(r";VALUE=([^;:]*)", re.IGNORECASE)
_DATE = r"(?:19|20|21)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_TIME = r"T(?:[01]\d|2[0-3])[0-5]\d[0-5]\dZ?"
_WHEN = re.compile(rf"{_DATE}(?:{_TIME})?(?:,{_DATE}(?:{_TIME})?)*")
_DURATION = re.compile(r"[+-]?P(?:\d+W|\d+D(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?|T(?:\d+H)?(?:\d+M)?(?:\d+S)?)")
_OFFSET = re.compile(r"[+-](?:[01]\d|2[0-3])[0-5]\d(?:[0-5]\d)?")
_DAYS = r"(?:MO|TU|WE|TH|FR|SA|SU)"
_RULE_PARTS = {
    "FREQ": re.compile(r"SECONDLY|MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY"),
    "UNTIL": re.compile(rf"{_DATE}(?:{_TIME})?"),
    "COUNT": re.compile(r"[1-9]\d{0,4}"),
    "INTERVAL": re.compile(r"[1-9]\d{0,3}"),
    "WKST": re.compile(_DAYS),
    "BYDAY": re.compile(rf"(?:[+-]?(?:[1-9]|[1-4]\d|5[0-3])?{_DAYS})(?:,[+-]?(?:[1-9]|[1-4]\d|5[0-3])?{_DAYS})*"),
    "BYMONTH": re.compile(r"(?:[1-9]|1[0-2]|0[1-9])(?:,(?:[1-9]|1[0-2]|0[1-9]))*"),
    "BYMONTHDAY": re.compile(r"[+-]?(?:[1-9]|[12]\d|3[01])(?:,[+-]?(?:[1-9]|[12]\d|3[01]))*"),
}
_WHEN_PROPS = frozenset({"DTSTART", "DTEND", "DUE", "RECURRENCE-ID", "EXDATE", "RDATE"})
_PEOPLE = frozenset({"ORGANIZER", "ATTENDEE"})
_STAMPS = frozenset({"DTSTAMP", "CREATED", "LAST-MODIFIED", "COMPLETED"})
_NUMBERS = frozenset({"SEQUENCE", "PRIORITY", "PERCENT-COMPLETE", "REPEAT"})
_GEO = re.compile(r"-?\d{1,3}(?:\.\d+)?;-?\d{1,3}(?:\.\d+)?")
# Properties icalendar reads as text (or as a list of texts, a URI, an address).
_TEXTS = frozenset({
    "SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT", "CATEGORIES", "UID", "STATUS", "CLASS",
    "TRANSP", "PRODID", "VERSION", "CALSCALE", "METHOD", "TZNAME", "TZID", "CONTACT",
    "RELATED-TO", "RESOURCES", "ACTION", "URL", "TZURL", "ATTACH", "REQUEST-STATUS",
})
_PEOPLE_LINES = re.compile(r"^(?:ORGANIZER|ATTENDEE)[;:][^\r\n]*", re.IGNORECASE | re.MULTILINE)


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _real_date(value: str) -> bool:
    """Whether YYYYMMDD... names a day that exists (not 30 February)."""
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return False
    return True


def _rule_ok(value: str) -> bool:
    parts = value.upper().split(";")
    if not parts[0].startswith("FREQ="):
        return False
    seen = set()
    for part in parts:
        key, _, item = part.partition("=")
        pattern = _RULE_PARTS.get(key)
        if pattern is None or key in seen or not pattern.fullmatch(item):
            return False
        if key == "UNTIL" and not _real_date(item):
            return False
        seen.add(key)
    return not {"UNTIL", "COUNT"} <= seen


def _value_ok(name: str, params: str, value: str, zones: set[str]) -> bool:
    """Whether icalendar reads this property without a word: a property it types (a
    date, a rule, a number, a trigger...) only in its plain form, text of any kind, and
    nothing it does not know but X- properties (read as text)."""
    kind = _VALUE_PARAM.search(params)
    declared = kind.group(1).upper() if kind else None
    if "ENCODING=" in params.upper():
        return False  # (base64 that may not decode)
    if name in _WHEN_PROPS or name in _STAMPS:
        if declared not in (None, "DATE", "DATE-TIME"):
            return False  # (a PERIOD, say)
        for tzid in _TZID.findall(params):
            zones.add(tzid.strip('"'))
        dates = value.split(",")
        if declared and any((len(v) == 8) != (declared == "DATE") for v in dates):
            return False
        return bool(_WHEN.fullmatch(value)) and all(_real_date(v) for v in dates)
    if declared not in (None, "TEXT"):
        return False
    if name in ("RRULE", "EXRULE"):
        return _rule_ok(value)
    if name == "DURATION" or name == "TRIGGER":
        return bool(_DURATION.fullmatch(value))
    if name in ("TZOFFSETFROM", "TZOFFSETTO"):
        return bool(_OFFSET.fullmatch(value))
    if name in _NUMBERS:
        return value.isdigit() and value.isascii() and len(value) < 10
    if name == "GEO":
        return bool(_GEO.fullmatch(value))
    return name in _TEXTS or name.startswith("X-")


def _lines(data: bytes) -> str | None:
    """The file's text, unfolded; None when it is not UTF-8."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return _UNFOLD.sub("", text)


Line = tuple[str, str, str]  # (NAME in upper case, ";PARAM=..." as written, value)


class CalendarText:
    """A calendar file's unfolded text, split into lines once for every reader of it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: list[Line] | None = None
        self._found: set[str] | None = None
        self._split = self._scanned = False

    @property
    def lines(self) -> list[Line] | None:
        """Its lines; None when one is not of the plain ``NAME;PARAMS:value`` form or the
        text holds a control character."""
        if not self._split:
            self._split = True
            self._lines = _split(self.text)
        return self._lines

    @property
    def people(self) -> set[str] | None:
        """The addresses its ORGANIZER and ATTENDEE lines name, as the reader would read
        them; None when the file is not plainly well formed (see the module doc)."""
        if not self._scanned:
            self._scanned = True
            lines = self.lines
            self._found = None if lines is None else _scan(lines)
        return self._found

    @classmethod
    def of(cls, data: bytes) -> CalendarText | None:
        text = _lines(data)
        return None if text is None else cls(text)


def _split(text: str) -> list[Line] | None:
    if _CONTROL.search(text):
        return None
    lines = []
    for line in _NEWLINE.split(text):
        if not line:
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            return None
        lines.append((match.group(1).upper(), match.group(2), match.group(3)))
    return lines


def _addresses(value: str) -> set[str] | None:
    """The addresses an ORGANIZER or ATTENDEE value may be read as (None: not sure)."""
    if "\\" in value:
        return None  # an escape icalendar would undo
    found = {_address(value)}
    if "," in value:
        found.update(_address(part) for part in value.split(","))
    return found


def scan(data: bytes) -> set[str] | None:
    """:attr:`CalendarText.people` of a file's bytes."""
    text = CalendarText.of(data)
    return None if text is None else text.people


def _scan(lines: list[Line]) -> set[str] | None:
    found: set[str] = set()
    stack: list[str] = []
    calendars = starts = 0
    used_zones: set[str] = set()
    declared_zones: set[str] = set()
    for name, params, value in lines:
        if name in _PEOPLE:
            addresses = _addresses(value)
            if addresses is None:
                return None
            found |= addresses
        elif name == "BEGIN":
            component = value.upper()
            if (not stack) != (component == "VCALENDAR"):
                return None
            calendars += component == "VCALENDAR"
            stack.append(component)
            starts = 0 if component == "VEVENT" else starts
        elif name == "END":
            if not stack or stack.pop() != value.upper():
                return None
            if value.upper() == "VEVENT" and starts != 1:
                return None  # an event without a start (or with two)
        else:
            if name == "DTSTART" and stack and stack[-1] == "VEVENT":
                starts += 1
            if name == "TZID" and stack and stack[-1] == "VTIMEZONE":
                declared_zones.add(value)
            if not _value_ok(name, params, value, used_zones):
                return None
    if stack or not calendars or not used_zones <= (declared_zones | _zones()):
        return None
    return found


def worth_parsing(data: bytes | CalendarText, wanted: frozenset[str]) -> tuple[bool, list[str]]:
    """(whether the file must be parsed, the addresses it names): it must unless it is
    plainly well formed and names none of the ``wanted`` addresses."""
    text = CalendarText.of(data) if isinstance(data, bytes) else data
    if text is None:
        return True, []
    # First the people alone (cheap): a file naming a contact is parsed, whatever its form.
    for line in _PEOPLE_LINES.findall(text.text):
        match = _LINE.fullmatch(line)
        addresses = _addresses(match.group(3)) if match else None
        if addresses is not None and not addresses.isdisjoint(wanted):
            return True, []
    found = text.people
    if found is None:
        return True, []
    return not found.isdisjoint(wanted), sorted(found - {""})
