"""The commonest calendar file read without icalendar: one or a few events that do not recur.

A vdir holds one file per event, most of them plain meetings; icalendar takes ~1 ms each
(it types every property and parameter), most of a first sync. A file the prefilter finds
plainly well formed (``calendar_prefilter``), with no time zone definitions, no recurrence
(RRULE, RDATE, EXDATE, RECURRENCE-ID) and, in each event, one UID, one DTSTART (a date, a
UTC time, a floating time or a known TZID), at most one SUMMARY, STATUS and ORGANIZER, and
no escapes in them, is read here into exactly the occurrences icalendar's road gives
(``tests/sources/test_calendar_simple.py`` compares the two on every file it can). Any
other file returns None and takes icalendar's road.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, tzinfo
from typing import Any

from crm_tui.config import Settings
from crm_tui.domain.text import clean
from crm_tui.sources.calendar_model import SINGLE, Occurrence
from crm_tui.sources.calendar_parse import _address, _as_datetime
from crm_tui.sources.calendar_prefilter import CalendarText, Line

_RECURRING = frozenset({"RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "EXRULE"})
_ONCE = frozenset({"UID", "DTSTART", "SUMMARY", "STATUS", "ORGANIZER"})
_PARAM = re.compile(r';([A-Za-z0-9-]+)=("[^"]*"|[^";:,]*(?:,(?:"[^"]*"|[^";:,]*))*)')
_PLAIN_WORD = re.compile(r"[A-Za-z0-9-]+")


def _params(text: str) -> dict[str, str]:
    """A property's parameters by upper-case name, their values as written (the two read
    here, PARTSTAT and TZID, are taken only when plain words)."""
    return {name.upper(): value for name, value in _PARAM.findall(text)}


def _when(value: str, params: dict[str, str]) -> date | datetime | None:
    """A DTSTART value as icalendar types it, or None when not of a form read here."""
    if set(params) - {"TZID"}:
        return None
    zone = params.get("TZID")
    if len(value) == 8:
        return None if zone else date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    moment = datetime(int(value[:4]), int(value[4:6]), int(value[6:8]),
                      int(value[9:11]), int(value[11:13]), int(value[13:15]))
    if value.endswith("Z"):
        return None if zone else moment.replace(tzinfo=zoneinfo.ZoneInfo("UTC"))
    if zone is None:
        return moment
    if not _PLAIN_WORD.fullmatch(zone.replace("/", "-").replace("_", "-").replace("+", "-")):
        return None
    return moment.replace(tzinfo=zoneinfo.ZoneInfo(zone))


def _events(lines: list[Line]) -> list[dict[str, Any]] | None:
    """Each VEVENT's properties (name -> value, ATTENDEE -> [(value, PARTSTAT)], DTSTART
    -> its date or time), or None when the file is not of the simple form."""
    events: list[dict[str, Any]] = []
    stack: list[str] = []
    for name, params, value in lines:
        if name in _RECURRING:
            return None
        if name == "BEGIN":
            if value.upper() == "VTIMEZONE":
                return None
            if value.upper() == "VEVENT":
                if "VEVENT" in stack:
                    return None  # (an event inside an event: icalendar's road)
                events.append({"ATTENDEE": []})
            stack.append(value.upper())
            continue
        if name == "END":
            stack.pop()
            continue
        if not stack or stack[-1] != "VEVENT":
            continue  # (a VALARM's attendees are not the meeting's)
        event = events[-1]
        parsed = _params(params)
        if name == "ATTENDEE":
            partstat = parsed.get("PARTSTAT", "NEEDS-ACTION")
            if not _PLAIN_WORD.fullmatch(partstat):
                return None
            event["ATTENDEE"].append((value, partstat.upper()))
        elif name in _ONCE:
            if name in event or "\\" in value:
                return None  # twice (icalendar makes a list), or an escape it would undo
            event[name] = _when(value, parsed) if name == "DTSTART" else value
            if event[name] is None:
                return None
    return events


def simple_occurrences(text: CalendarText, settings: Settings, start: datetime, end: datetime,
                       zone: tzinfo) -> list[Occurrence] | None:
    """The occurrences of a calendar in ``[start, end)``, as ``calendar_parse`` finds them
    with icalendar; None when the file is not of the simple form (see the module doc)."""
    lines = text.lines
    if lines is None or text.people is None:
        return None
    events = _events(lines)
    if events is None:
        return None
    me = frozenset(_address(a) for a in settings.me.emails)
    found = []
    for event in events:
        uid = clean(event.get("UID", ""), 500)
        if not uid:
            return None  # (icalendar's road makes one from a hash of its properties)
        at, all_day = _as_datetime(event["DTSTART"], zone)
        if not start <= at < end or event.get("STATUS", "").upper() == "CANCELLED":
            continue
        attendees = [(_address(value), partstat) for value, partstat in event["ATTENDEE"]]
        if len(attendees) > settings.sources.max_attendees:
            continue
        if any(address in me and partstat == "DECLINED" for address, partstat in attendees):
            continue
        emails = {address for address, partstat in attendees if address and partstat != "DECLINED"}
        organizer = _address(event.get("ORGANIZER", ""))
        if organizer:
            emails.add(organizer)
        emails -= me
        if emails:
            found.append(Occurrence(uid=uid.replace("|", "/"), slot=SINGLE, start=at.isoformat(),
                                    title=clean(event.get("SUMMARY", ""), 200), emails=sorted(emails),
                                    all_day=all_day, epoch=at.timestamp()))
    return found


def read_simple(data: bytes, settings: Settings, start: datetime, end: datetime,
                zone: tzinfo) -> list[Occurrence] | None:
    """:func:`simple_occurrences` of a file's bytes."""
    text = CalendarText.of(data)
    return None if text is None else simple_occurrences(text, settings, start, end, zone)
