"""Meetings in: `.ics` files and vdirs become touches (channel ``meeting``, direction ``in``).

Reading (slow: parsing and recurrence expansion) and applying (a store batch) are separate,
so a caller can read without holding the store's lock: :func:`read` then :func:`apply`, or
:func:`sync` for both.

What counts. Each occurrence of a VEVENT (recurrence expanded by ``recurring-ical-events``:
RRULE, RDATE, EXDATE, RECURRENCE-ID overrides; VTIMEZONE/TZID, Windows zone names, UTC,
floating and all-day times) that starts inside the look-back window
(``[sources] calendar_days``, default two years) and whose ORGANIZER or an ATTENDEE is a
contact's address. A past occurrence (start <= now) is a touch with that contact; a future
one is a meeting to come (``Contact.meetings``). Never counted:

- an event or occurrence with ``STATUS:CANCELLED``;
- a contact whose ``PARTSTAT`` is ``DECLINED``;
- an event I declined (an ATTENDEE that is one of ``[me] emails`` with ``DECLINED``);
- an event with more than ``[sources] max_attendees`` attendees (an all-hands);
- VTODO and VJOURNAL components (only VEVENTs are read).

Identity. One touch per (UID, occurrence slot, contact), where the slot is the occurrence's
RECURRENCE-ID (its place in the series), or ``single`` for an event that does not recur.
The touch records it in ``Touch.key`` (``UID|slot``, with ``Touch.source = "calendar"``
and the outcome ``noted``: a meeting pauses a sequence like a reply but asks nothing), so a
re-sync changes nothing, a moved occurrence moves its touch (same slot, new start) and an
occurrence cancelled later removes it; an event deleted from a file read this time removes
its touches (a sync of other paths leaves them alone). An event without a UID gets one from
a hash of its start, summary and organizer. Floating and all-day times are taken in the
user's zone (the zone of ``now``).

Bad input never raises: a file that cannot be read or parsed, or a recurrence that cannot be
expanded, is listed in ``Summary.unreadable`` with its path and the reason; the good events
of a calendar with one bad series are still read. Touches made from a file that is now
unreadable are kept (a broken file is not a cancelled meeting).

Speed. A sync skips every file whose mtime and size are as last time: their occurrences are
cached in ``<data>/cache/`` (a cache: losing it costs one full re-read, never data). With
nothing to do (no file changed, the same contacts' addresses, no meeting started since the
last sync) only the cache's small index is read and the store is not written.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

import arrow
import orjson

from crm_tui.config import Settings
from crm_tui.domain.models import REPLY_NOTED, Contact, Touch
from crm_tui.domain.text import clean

SOURCE = "calendar"  # Touch.source of a meeting touch; Touch.key is "UID|slot"
CACHE_VERSION = 2
MAX_FILE_BYTES = 20 * 1024 * 1024
# Future meetings are expanded this far ahead; the cache is reused while it still sees
# this much of the future (a no-change sync a month later re-reads nothing).
AHEAD_DAYS = 180
REUSE_AHEAD_DAYS = 120
MEETINGS_KEPT = 3  # per contact, soonest first
_UTC = UTC
SINGLE = "single"  # the slot of an event that does not recur: moving it moves its touch


# --------------------------------------------------------------------------- results
@dataclass(slots=True)
class Occurrence:
    """One expanded occurrence, as cached (plain values only)."""

    uid: str
    slot: str  # RECURRENCE-ID in a stable ISO form, or SINGLE: the occurrence's identity
    start: str  # ISO datetime with offset (floating and all-day: in the user's zone)
    title: str
    emails: list[str]  # organizer and attendees who did not decline, lower case
    all_day: bool = False
    epoch: float = 0.0  # the start as a POSIX time, for cheap comparisons

    @property
    def key(self) -> str:
        return f"{self.uid}|{self.slot}"

    def as_list(self) -> list[Any]:
        return [self.uid, self.slot, self.start, self.title, self.emails, self.all_day, self.epoch]


@dataclass
class Unreadable:
    path: str
    reason: str


@dataclass
class Summary:
    """What a calendar sync saw and did (``--json`` prints :meth:`to_json`)."""

    files: int = 0  # calendar files found
    files_read: int = 0  # parsed this time
    files_unchanged: int = 0  # skipped: same mtime and size as last time
    events: int = 0  # occurrences inside the window, before matching contacts
    touches_added: int = 0
    touches_moved: int = 0
    touches_removed: int = 0
    touches_updated: int = 0  # title changed
    contacts_met: int = 0  # contacts with at least one touch from the calendars this sync
    upcoming: int = 0  # contacts with a meeting to come
    unreadable: list[Unreadable] = field(default_factory=list)
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """The text summary of `crm-tui sync`."""
        read = f"{self.files_read} calendar file{'s' if self.files_read != 1 else ''} read"
        if self.files_unchanged:
            read += f", {self.files_unchanged} unchanged"
        changes = (f"meetings: {self.touches_added} added, {self.touches_moved} moved, "
                   f"{self.touches_removed} removed")
        if self.touches_updated:
            changes += f", {self.touches_updated} renamed"
        out = [f"{read}; {changes}; {self.upcoming} contact{'s' if self.upcoming != 1 else ''} "
               "with a meeting ahead"]
        out += [f"unreadable calendar {u.path}: {u.reason}" for u in self.unreadable]
        return out


@dataclass
class Reading:
    """The result of :func:`read`: what was parsed, what the cache still holds, problems,
    and the new cache (``cache``: the small index; ``bulk()``: occurrences and touches)."""

    parsed: dict[str, list[Occurrence]]  # path -> occurrences, of the files read this time
    unchanged: list[str]  # files whose occurrences are in the cache
    unreadable: list[Unreadable]
    roots_ok: bool  # every given path existed
    files_read: int
    files_unchanged: int
    window_start: datetime
    cache: dict[str, Any]
    previous: dict[str, Any] = field(default_factory=dict)  # the last sync's state
    same_files: bool = False  # the same files as last time, none of them changed
    bulk_path: Path | None = None
    roots: list[str] = field(default_factory=list)  # the paths read, absolute
    _bulk: dict[str, Any] | None = None
    bulk_dirty: bool = False

    @property
    def files(self) -> int:
        return len(self.parsed) + len(self.unchanged)

    def bulk(self) -> dict[str, Any]:
        """The cache's big part (read on first use: a sync with nothing to do never does)."""
        if self._bulk is None:
            self._bulk = _load_bulk(self.bulk_path, self.previous.get("stamp"))
        return self._bulk

    def occurrences(self) -> dict[str, list[Occurrence]]:
        cached = self.bulk().get("occ", {})
        found = {path: [Occurrence(*o) for o in cached.get(path, [])] for path in self.unchanged}
        found.update(self.parsed)
        return found


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
    import icalendar  # heavy imports: only when a calendar is read

    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return [], [exc.strerror or str(exc)]
    if len(data) > MAX_FILE_BYTES:
        return [], [f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"]
    if not data.strip():
        return [], ["empty file"]
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


# --------------------------------------------------------------------------- cache
# Two files in <data>/cache/: a small index read by every sync (each file's mtime and size,
# the last sync's state) and the bulk (every occurrence, the touches logged from them), read
# only when something is to be done. The same random stamp in both ties them together.
def cache_path(data_folder: Path) -> Path:
    return data_folder / "cache" / "calendar.json"


def _bulk_path(index_path: Path) -> Path:
    return index_path.with_name("calendar-data.json")


def _fingerprint(settings: Settings) -> str:
    """What parsing depends on besides the file: a change re-reads every file."""
    basis = orjson.dumps([sorted(_address(a) for a in settings.me.emails),
                          settings.sources.max_attendees, settings.sources.calendar_days])
    return hashlib.sha1(basis).hexdigest()[:16]


def load_cache(path: Path) -> dict[str, Any]:
    """The index (``{}`` when missing or unreadable: everything is read again)."""
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {}
    data["_bulk_path"] = str(_bulk_path(path))
    return data


def _load_bulk(path: Path | None, stamp: Any) -> dict[str, Any]:
    empty: dict[str, Any] = {"occ": {}, "touches": None, "unconfirmed": None}
    if path is None or not stamp:
        return empty
    try:
        data = orjson.loads(Path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return empty
    if not isinstance(data, dict) or data.get("stamp") != stamp:
        return empty
    return data


def _write_atomic(path: Path, payload: bytes) -> None:
    """Private like the rest of the data folder (0700 folder, 0600 files: the cache names
    who you met and when)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def save_cache(path: Path, reading: Reading) -> None:
    """Write the index, and the bulk when it changed (temp file, fsync, replace: a half
    written cache is never read; the bulk first, so the index never names a missing one)."""
    index = {k: v for k, v in reading.cache.items() if not k.startswith("_")}
    if reading.bulk_dirty:
        stamp = os.urandom(8).hex()
        bulk = dict(reading.bulk())
        bulk["stamp"] = stamp
        _write_atomic(_bulk_path(path), orjson.dumps(bulk))
        index["state"] = {**index.get("state", {}), "stamp": stamp}
    _write_atomic(path, orjson.dumps(index))


# --------------------------------------------------------------------------- read
def read(roots: Iterable[Path], settings: Settings, now: arrow.Arrow,
         cache: dict[str, Any] | None = None) -> Reading:
    """Parse the calendars under ``roots`` that changed (no store needed: call it without
    the lock); the others' occurrences stay in the cache until :func:`apply` wants them."""
    roots = list(roots)
    zone = now.tzinfo or _UTC
    now_dt = now.datetime
    window_start = now_dt - timedelta(days=settings.sources.calendar_days)
    horizon = now_dt + timedelta(days=AHEAD_DAYS)
    cache = dict(cache or {})
    fingerprint = _fingerprint(settings)
    zone_name = str(getattr(zone, "key", None) or zone)
    same_settings = cache.get("fingerprint") == fingerprint and cache.get("zone") == zone_name
    old_files: dict[str, Any] = cache.get("files", {}) if same_settings else {}
    files, problems, roots_ok = calendar_files(roots)
    parsed: dict[str, list[Occurrence]] = {}
    unchanged: list[str] = []
    new_files: dict[str, Any] = {}
    reuse_until = (now_dt + timedelta(days=REUSE_AHEAD_DAYS)).isoformat()
    since = window_start.isoformat()
    for key in files:
        try:
            stat = os.stat(key)
        except OSError as exc:
            problems.append(Unreadable(key, exc.strerror or str(exc)))
            continue
        old = old_files.get(key)
        if (old and old.get("mtime_ns") == stat.st_mtime_ns and old.get("size") == stat.st_size
                and old.get("horizon", "") >= reuse_until and old.get("since", "") <= since):
            unchanged.append(key)
            problems.extend(Unreadable(key, reason) for reason in old.get("problems", []))
            new_files[key] = old
        else:
            occ, reasons = parse_file(Path(key), settings, window_start, horizon, zone)
            parsed[key] = occ
            problems.extend(Unreadable(key, r) for r in reasons)
            new_files[key] = {"mtime_ns": stat.st_mtime_ns, "size": stat.st_size,
                              "since": since, "horizon": horizon.isoformat(), "problems": reasons}
    new_cache = {"version": CACHE_VERSION, "fingerprint": fingerprint, "zone": zone_name,
                 "files": new_files, "state": cache.get("state", {})}
    previous = cache.get("state", {}) if same_settings else {}
    bulk_path = cache.get("_bulk_path")
    return Reading(parsed, unchanged, problems, roots_ok, len(parsed), len(unchanged),
                   window_start, new_cache, previous=previous,
                   same_files=not parsed and set(new_files) == set(old_files),
                   bulk_path=Path(bulk_path) if bulk_path else None,
                   roots=[os.path.abspath(os.path.expanduser(str(r))) for r in roots])


# --------------------------------------------------------------------------- apply
def _index(contacts: Iterable[Contact], me: frozenset[str]) -> dict[str, list[str]]:
    by_email: dict[str, list[str]] = {}
    for c in contacts:
        for address in {a.strip().lower() for a in c.emails if a.strip()}:
            if address not in me:
                by_email.setdefault(address, []).append(c.id)
    return by_email


def _index_hash(by_email: dict[str, list[str]]) -> str:
    return hashlib.sha1(orjson.dumps(sorted(by_email.items()))).hexdigest()[:16]


def apply(store: Any, reading: Reading, settings: Settings, now: arrow.Arrow,
          dry_run: bool = False) -> Summary:
    """Bring the store in line with ``reading``: add, move and remove meeting touches and
    refresh every contact's meetings to come, in one batch (nothing when ``dry_run``).

    Nothing to do (no file changed, the same contacts' addresses, no meeting started since
    the last sync, which left nothing unconfirmed): the cache's big part is not even read."""
    digest = contacts_hash(store)
    quiet = nothing_to_do(reading, digest, now, dry_run)
    if quiet is not None:
        return quiet
    summary = Summary(dry_run=dry_run, unreadable=list(reading.unreadable),
                      files=reading.files, files_read=reading.files_read,
                      files_unchanged=reading.files_unchanged)
    me = frozenset(_address(a) for a in settings.me.emails)
    return _apply_all(store, reading, summary, _index(store.contacts(), me), digest, now,
                      dry_run)


def contacts_hash(store: Any) -> str:
    """A digest of every contact's addresses: when it changes, meetings are matched again
    (your own addresses are in the settings' fingerprint, which re-reads every file)."""
    return _index_hash(_index(store.contacts(), frozenset()))


def nothing_to_do(reading: Reading, contacts: str, now: arrow.Arrow,
                  dry_run: bool = False) -> Summary | None:
    """The summary when the store needs no change, else None: no calendar file changed,
    the contacts' addresses (``contacts``: :func:`contacts_hash`) are as last time, no
    meeting started since, and the last sync's writes are confirmed."""
    state = reading.previous
    now_epoch = now.timestamp()
    if not (reading.same_files and state.get("contacts") == contacts and not state.get("pending")
            and "now" in state
            and not any(state["now"] < t <= now_epoch for t in state.get("future", ()))):
        return None
    return Summary(dry_run=dry_run, unreadable=list(reading.unreadable), files=reading.files,
                   files_read=reading.files_read, files_unchanged=reading.files_unchanged,
                   events=state.get("events", 0), upcoming=state.get("upcoming", 0))


def _apply_all(store: Any, reading: Reading, summary: Summary, by_email: dict[str, list[str]],
               contacts_hash: str, now: arrow.Arrow, dry_run: bool) -> Summary:
    now_epoch = now.timestamp()
    window = reading.window_start
    window_epoch = window.timestamp()
    occurrences = reading.occurrences()
    # desired touches: (key, contact) -> (start, title, path); upcoming per contact
    wanted: dict[tuple[str, str], tuple[str, str, str]] = {}
    ahead: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    future: set[float] = set()
    seen_uids: set[str] = set()
    for path, found in occurrences.items():
        for o in found:
            seen_uids.add(o.uid)
            if o.epoch < window_epoch:
                continue
            summary.events += 1
            for address in o.emails:
                for contact_id in by_email.get(address, ()):
                    if o.epoch <= now_epoch:
                        wanted.setdefault((o.key, contact_id), (o.start, o.title, path))
                    else:
                        future.add(o.epoch)
                        ahead.setdefault(contact_id, {}).setdefault(
                            (o.uid, o.slot), {"at": o.start, "title": o.title,
                                              "all_day": o.all_day})
    failed_paths = {u.path for u in reading.unreadable}
    tracked = _tracked(store, reading, window)
    adds: list[tuple[str, str, str, str, str]] = []  # key, contact, start, title, path
    moves: list[tuple[str, str, str, str, str, str]] = []  # + old touch id
    removes: list[str] = []  # touch ids
    retitles: list[tuple[str, str]] = []  # touch id, title
    for (key, contact_id), (at, title, path) in wanted.items():
        have = tracked.get(f"{key}#{contact_id}")
        if have is None:
            adds.append((key, contact_id, at, title, path))
        elif have["at"] != at and datetime.fromisoformat(have["at"]) != datetime.fromisoformat(at):
            moves.append((key, contact_id, at, title, path, have["id"]))
        elif have.get("title", "") != title:
            retitles.append((have["id"], title))
    for name, have in tracked.items():
        key, _, contact_id = name.rpartition("#")
        if (key, contact_id) in wanted:
            continue
        uid = key.rpartition("|")[0]
        if datetime.fromisoformat(have["at"]) < window:
            continue  # history before the window: kept, no longer followed
        if uid not in seen_uids:
            # The event is gone from every calendar read. Remove its touches only when we
            # know that: its file was one of those read this time (a sync of other PATHs
            # says nothing about it), not unreadable, and every root path was there.
            if (not reading.roots_ok or have.get("path") in failed_paths
                    or not _under(have.get("path", ""), reading.roots)):
                continue
        elif have.get("path") in failed_paths:
            continue
        removes.append(have["id"])
    summary.touches_added = len(adds)
    summary.touches_moved = len(moves)
    summary.touches_removed = len(removes)
    summary.touches_updated = len(retitles)
    summary.contacts_met = len({c for _, c in wanted})
    upcoming = {cid: sorted(m.values(), key=lambda m: m["at"])[:MEETINGS_KEPT]
                for cid, m in ahead.items()}
    summary.upcoming = len(upcoming)
    meeting_changes = [c for c in store.contacts()
                       if (c.meetings or []) != upcoming.get(c.id, [])]
    if dry_run:
        return summary
    new_tracked = {k: v for k, v in tracked.items()
                   if datetime.fromisoformat(v["at"]) >= window}
    removed = set(removes)
    with store.batch():
        for touch_id in removes + [m[5] for m in moves]:
            if store.touch(touch_id) is not None:
                store.delete_touch(touch_id)
            removed.add(touch_id)
        for touch_id, title in retitles:
            touch = store.touch(touch_id)
            if touch is not None:
                touch.note = title
                store.update_touch(touch)
        logged = []
        for key, contact_id, at, title, path in [*adds, *(m[:5] for m in moves)]:
            # Classified at once ("noted": just a reply): a meeting pauses a sequence like
            # a reply but asks nothing of the user (no `reply-received`, unlike a mail).
            touch = store.log_touch(Touch(contact_id=contact_id, at=at, direction="in",
                                          channel="meeting", note=title, source=SOURCE, key=key,
                                          outcome=REPLY_NOTED))
            logged.append((f"{key}#{contact_id}", touch, path))
        for contact in meeting_changes:
            contact.meetings = upcoming.get(contact.id, [])
            store.update_contact(contact)
    gone = {k: v for k, v in new_tracked.items() if v["id"] in removed}
    new_tracked = {k: v for k, v in new_tracked.items() if v["id"] not in removed}
    for (touch_id, title) in retitles:
        for v in new_tracked.values():
            if v["id"] == touch_id:
                v["title"] = title
    for name, touch, path in logged:
        new_tracked[name] = {"id": touch.id, "at": touch.at, "title": touch.note, "path": path}
    # Not yet known to be saved: the batch may still be dropped (a dry run of `sync`, an
    # error in another source, a crash). The next sync checks these few against the store.
    unconfirmed = {"added": [name for name, _, _ in logged], "removed": gone}
    bulk = reading.bulk()
    bulk["occ"] = {path: [o.as_list() for o in found] for path, found in occurrences.items()}
    bulk["touches"] = new_tracked
    bulk["unconfirmed"] = unconfirmed
    reading.bulk_dirty = True
    reading.cache["state"] = {
        "now": now_epoch, "contacts": contacts_hash, "future": sorted(future),
        "pending": bool(logged or gone), "events": summary.events, "upcoming": summary.upcoming,
    }
    return summary


def _under(path: str, roots: list[str]) -> bool:
    return bool(path) and any(path == root or path.startswith(root.rstrip(os.sep) + os.sep)
                              for root in roots)


def _tracked(store: Any, reading: Reading, window: datetime) -> dict[str, dict[str, Any]]:
    """The calendar touches in the store, by "key#contact": from the cache, or (no cache)
    found by reading the touches since the window start.

    The cache is written before the store's batch is known to be saved, so what the last
    sync changed is checked against the store first: a touch it added that is not there
    (with its key) is forgotten, a touch it removed that is still there is followed again.
    Only those are looked up, so this costs nothing when the last sync changed nothing."""
    bulk = reading.bulk()
    cached = bulk.get("touches")
    if cached is not None:
        tracked: dict[str, dict[str, Any]] = cached
        unconfirmed = bulk.get("unconfirmed") or {}
        for name in unconfirmed.get("added", []):
            entry = tracked.get(name)
            if entry is not None and not _is_ours(store, entry["id"], name):
                del tracked[name]
        for name, entry in (unconfirmed.get("removed") or {}).items():
            if name not in tracked and _is_ours(store, entry["id"], name):
                tracked[name] = dict(entry)
        return tracked
    found: dict[str, dict[str, Any]] = {}
    for t in store.touches(since=window.isoformat()):
        if t.source == SOURCE and t.key:
            found[f"{t.key}#{t.contact_id}"] = {"id": t.id, "at": t.at, "title": t.note,
                                                "path": ""}
    return found


def _is_ours(store: Any, touch_id: str, name: str) -> bool:
    """Whether the store holds touch ``touch_id`` as the meeting touch ``name`` names (ids of
    a dropped batch can be given to other touches later)."""
    key, _, contact_id = name.rpartition("#")
    try:
        touch = store.touch(touch_id)
    except (KeyError, ValueError):
        return False
    return (touch is not None and touch.source == SOURCE and touch.key == key
            and touch.contact_id == contact_id)


# --------------------------------------------------------------------------- both
def sync(store: Any, roots: Iterable[Path], settings: Settings, now: arrow.Arrow,
         dry_run: bool = False) -> Summary:
    """Read the calendars under ``roots`` and apply them to ``store`` (see the module doc).

    The cache is saved after the store's batch (a crash in between costs a re-read next
    time, nothing else)."""
    path = cache_path(Path(store.folder))
    reading = read(roots, settings, now, load_cache(path))
    summary = apply(store, reading, settings, now, dry_run=dry_run)
    if not dry_run:
        try:
            save_cache(path, reading)
        except OSError as exc:
            summary.unreadable.append(Unreadable(str(path), f"cache not saved: {exc}"))
    return summary
