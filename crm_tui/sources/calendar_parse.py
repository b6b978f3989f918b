"""Finding calendar files and reading their events: parsing, recurrence, who attends
(see :mod:`crm_tui.sources.calendar`)."""


from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any

from crm_tui.config import Settings
from crm_tui.domain.text import clean
from crm_tui.sources.calendar_model import (
    _UTC,
    MAX_FILE_BYTES,
    SINGLE,
    Occurrence,
    Unreadable,
)


# --------------------------------------------------------------------------- finding files
def calendar_files(roots: Iterable[Path]) -> tuple[list[str], list[Unreadable], bool]:
    """Every ``.ics`` file under ``roots`` (a file, a vdir, or a tree of vdirs), sorted;
    hidden folders (``.git``, vdirsyncer's status) are skipped. Paths as strings: a sync
    with nothing changed lists thousands, and Path objects cost more than the listing."""
    found: list[str] = []
    problems: list[Unreadable] = []
    roots_ok = True
    for root in roots:
        root = Path(os.path.expanduser(str(root)))
        if root.is_file():
            found.append(str(root))
            continue
        if not root.is_dir():
            problems.append(Unreadable(str(root), "no such file or folder"))
            roots_ok = False
            continue
        def unreadable(exc: OSError, root: Path = root) -> None:
            problems.append(Unreadable(str(exc.filename or root), exc.strerror or str(exc)))

        join = os.path.join
        for folder, dirs, files in os.walk(root, onerror=unreadable):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found.extend(join(folder, f) for f in files
                         if f.endswith((".ics", ".ICS", ".Ics")) and not f.startswith("."))
    return sorted(set(found)), problems, roots_ok


def is_calendar_path(path: Path) -> bool:
    """True for an ``.ics`` file, a folder holding one (a vdir), or a folder of such folders
    (``~/.calendars`` with one vdir per calendar)."""
    path = Path(os.path.expanduser(str(path)))
    if path.is_file():
        return path.suffix.lower() == ".ics"
    return _holds_ics(path, depth=1)


def _holds_ics(folder: Path, depth: int) -> bool:
    try:
        with os.scandir(folder) as entries:
            listed = list(entries)
    except OSError:
        return False
    if any(e.name.lower().endswith(".ics") and e.is_file() for e in listed):
        return True
    return depth > 0 and any(_holds_ics(Path(e.path), depth - 1) for e in listed
                             if e.is_dir() and not e.name.startswith("."))


# --------------------------------------------------------------------------- parsing
def _as_datetime(value: Any, zone: tzinfo) -> tuple[datetime, bool]:
    """(aware datetime, all-day?) for an icalendar date/datetime; floating -> ``zone``."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=zone), False
        return value, False
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=zone), True
    raise ValueError(f"not a date or time: {value!r}")


def _slot(value: Any) -> str:
    """A stable text form of a start or RECURRENCE-ID: UTC for aware times, the plain ISO
    form for floating times and dates (they do not depend on the user's zone)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(_UTC).strftime("%Y%m%dT%H%M%SZ")
        return value.strftime("%Y%m%dT%H%M%S")
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    return str(value)


def _address(value: Any) -> str:
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def _people(component: Any) -> tuple[list[tuple[str, str]], str]:
    """([(address, PARTSTAT)] of the attendees, the organizer's address)."""
    raw = component.get("ATTENDEE")
    if raw is None:
        raw = []
    elif not isinstance(raw, list):
        raw = [raw]
    attendees = []
    for a in raw:
        params = getattr(a, "params", {}) or {}
        attendees.append((_address(a), str(params.get("PARTSTAT", "NEEDS-ACTION")).upper()))
    return attendees, _address(component.get("ORGANIZER"))


def _uid(component: Any) -> str:
    uid = clean(str(component.get("UID") or ""), 500)
    if uid:
        return uid.replace("|", "/")
    basis = "\x1f".join(str((component.get(k) and component.get(k).to_ical()) or "")
                        for k in ("DTSTART", "SUMMARY", "ORGANIZER"))
    return "nouid-" + hashlib.sha1(basis.encode("utf-8", "replace")).hexdigest()[:20]


def _recurring_uids(cal: Any) -> set[str]:
    """UIDs of the events that recur (RRULE, RDATE or an override by RECURRENCE-ID): their
    occurrences are told apart by RECURRENCE-ID; any other event is one slot, ``single``."""
    found = set()
    for component in cal.walk("VEVENT"):
        if any(component.get(name) is not None for name in ("RRULE", "RDATE", "RECURRENCE-ID")):
            found.add(_uid(component))
    return found


def _event_facts(component: Any, me: frozenset[str],
                 max_attendees: int) -> tuple[str, str, list[str]] | None:
    """(uid, title, the contacts' candidate addresses) of an event that can be a touch,
    or None (cancelled, an all-hands, declined by me, nobody but me)."""
    if str(component.get("STATUS") or "").upper() == "CANCELLED":
        return None
    attendees, organizer = _people(component)
    if len(attendees) > max_attendees:
        return None
    if any(addr in me and partstat == "DECLINED" for addr, partstat in attendees):
        return None
    emails = {addr for addr, partstat in attendees if addr and partstat != "DECLINED"}
    if organizer:
        emails.add(organizer)
    emails -= me
    if not emails:
        return None
    return _uid(component), clean(str(component.get("SUMMARY") or ""), 200), sorted(emails)


def _occurrences_of(component: Any, me: frozenset[str], max_attendees: int,
                    zone: tzinfo, recurring: set[str], start_value: Any = None,
                    recurrence_value: Any = None,
                    facts: dict[int, Any] | None = None) -> Occurrence | None:
    """The occurrence of ``component`` starting at ``start_value`` (default its DTSTART),
    or None when it is not a touch. ``facts`` remembers what does not change from one
    occurrence of a series to the next."""
    if facts is not None and id(component) in facts:
        known = facts[id(component)]
    else:
        known = _event_facts(component, me, max_attendees)
        if facts is not None:
            facts[id(component)] = known
    if known is None:
        return None
    uid, title, emails = known
    if start_value is None:
        start_prop = component.get("DTSTART")
        if start_prop is None:
            return None
        start_value = start_prop.dt
        recurrence = component.get("RECURRENCE-ID")
        recurrence_value = recurrence.dt if recurrence is not None else None
    start, all_day = _as_datetime(start_value, zone)
    slot = _slot(recurrence_value) if recurrence_value is not None and uid in recurring else SINGLE
    return Occurrence(uid=uid, slot=slot, start=start.isoformat(), title=title, emails=emails,
                      all_day=all_day, epoch=start.timestamp())


def _expand(cal: Any, start: datetime, end: datetime,
            skip_bad: bool) -> list[tuple[Any, Any, Any]]:
    """(source component, occurrence start, its RECURRENCE-ID) of every occurrence in
    ``[start, end)``. Uses recurring-ical-events' occurrences directly when it has them:
    its public ``between`` copies the whole component for each occurrence, which was two
    thirds of the time of a weekly series; falls back to it otherwise."""
    import recurring_ical_events

    query = recurring_ical_events.of(cal, skip_bad_series=skip_bad)
    between = getattr(query, "_occurrences_between", None)
    to_datetime = getattr(query, "to_datetime", None)
    if between is not None and to_datetime is not None:
        found = []
        for occurrence in between(to_datetime(start), to_datetime(end)):
            adapter = getattr(occurrence, "_adapter", None)
            component = getattr(adapter, "_component", None)
            if component is None:
                break  # not the shape we know: take the public road
            recurrence = component.get("RECURRENCE-ID")
            found.append((component, occurrence.start,
                          recurrence.dt if recurrence is not None else occurrence.start))
        else:
            return found
    return [(c, c["DTSTART"].dt, c["RECURRENCE-ID"].dt) for c in query.between(start, end)]


def _single_events(cal: Any, start: datetime, end: datetime, zone: tzinfo,
                   problems: list[str]) -> list[Any]:
    """The VEVENTs of a calendar with no recurrence at all that start in ``[start, end)``:
    most files of a vdir, read without the cost of the recurrence machinery."""
    found = []
    for component in cal.walk("VEVENT"):
        prop = component.get("DTSTART")
        if prop is None:
            problems.append("an event without a start (DTSTART) was skipped")
            continue
        try:
            at, _ = _as_datetime(prop.dt, zone)
        except Exception as exc:
            problems.append(f"an event was skipped: {_why(exc)}")
            continue
        if start <= at < end:
            found.append(component)
    return found


def parse_file(path: Path, settings: Settings, start: datetime, end: datetime,
               zone: tzinfo) -> tuple[list[Occurrence], list[str]]:
    """The occurrences in ``[start, end)`` of one file, and what was wrong with it.

    Raises nothing for bad content: a file that cannot be parsed at all gives ([], [why]);
    a calendar with a bad series gives its good events and the reason for the bad one."""
    occurrences, problems, _skipped = read_file(path, settings, start, end, zone, None)
    return occurrences, problems


def read_file(path: Path, settings: Settings, start: datetime, end: datetime, zone: tzinfo,
              wanted: frozenset[str] | None) -> tuple[list[Occurrence], list[str], list[str] | None]:
    """:func:`parse_file`, and None; or, with ``wanted`` (the contacts' addresses), for a
    plainly well-formed file whose ORGANIZER and ATTENDEE lines name none of them
    (``calendar_prefilter.worth_parsing``), ([], [], the addresses it names) without
    parsing it: it can make no touch and no meeting to come, and parsing it would report
    nothing. The cache keeps those addresses, so a contact who gets one of them later has
    the file parsed then. A file that cannot be read, too large or empty, is reported
    before that, as any file is."""
    data, reasons, named = load_file(path, wanted)
    if data is None:
        return [], reasons, named
    occurrences, problems = _parse(data, settings, start, end, zone)
    return occurrences, problems, None


def load_file(path: Path | str,
              wanted: frozenset[str] | None) -> tuple[bytes | None, list[str], list[str] | None]:
    """The first half of :func:`read_file`, everything but the parsing: (the file's bytes,
    to be parsed, [], None), or (None, why it cannot be read, None), or (None, [], the
    addresses it names) for a file the prefilter lets go unparsed."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, [exc.strerror or str(exc)], None
    if len(data) > MAX_FILE_BYTES:
        return None, [f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"], None
    if not data.strip():
        return None, ["empty file"], None
    from crm_tui.sources.calendar_prefilter import CalendarText, worth_parsing

    if wanted is not None:
        text = CalendarText.of(data)
        if text is not None:
            worth, named = worth_parsing(text, wanted)
            if not worth:
                return None, [], named
    return data, [], None


def _parse(data: bytes, settings: Settings, start: datetime, end: datetime,
           zone: tzinfo) -> tuple[list[Occurrence], list[str]]:
    import icalendar  # heavy imports: only when a calendar is parsed
    try:
        calendars = icalendar.Calendar.from_ical(data, multiple=True)
    except Exception as exc:  # icalendar raises ValueError, KeyError, IndexError...
        return [], [f"not a valid calendar: {_why(exc)}"]
    if not calendars:
        return [], ["no calendar in the file"]
    me = frozenset(_address(a) for a in settings.me.emails)
    found: list[Occurrence] = []
    problems: list[str] = []
    for cal in calendars:
        try:
            recurring = _recurring_uids(cal)
        except Exception as exc:
            problems.append(f"could not read the events: {_why(exc)}")
            continue
        if not recurring:
            components = [(c, None, None) for c in _single_events(cal, start, end, zone, problems)]
        else:
            try:
                components = _expand(cal, start, end, skip_bad=False)
            except Exception as exc:  # a bad series: keep the others, report this one
                problems.append(f"an event could not be expanded ({_why(exc)}); "
                                "the others were read")
                try:
                    components = _expand(cal, start, end, skip_bad=True)
                except Exception as exc2:
                    problems[-1] = f"could not expand the events: {_why(exc2)}"
                    continue
        facts: dict[int, Any] = {}
        for component, at, recurrence_id in components:
            try:
                occurrence = _occurrences_of(component, me, settings.sources.max_attendees, zone,
                                             recurring, at, recurrence_id, facts)
            except Exception as exc:  # an odd value in one event must not lose the file
                problems.append(f"an event was skipped: {_why(exc)}")
                continue
            if occurrence is not None:
                found.append(occurrence)
    return found, problems


def _why(exc: BaseException) -> str:
    text = clean(str(exc), 200) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if not isinstance(exc, ValueError) else text


