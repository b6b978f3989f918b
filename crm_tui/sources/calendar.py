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
cached in ``<data>/cache/`` (a cache: losing it costs one full re-read, never data). A new
file that is plainly well formed and names none of the contacts in its ORGANIZER and
ATTENDEE lines is not parsed at all (``calendar_prefilter``): the cache keeps the addresses
it names, and the file is parsed once one of them becomes a contact's. Every file that is
parsed is parsed by icalendar (a faster reader of our own for plain events was tried and
dropped: the project reads iCalendar with the library made for it); many of them are read
over the cores (``calendar_pool``: a process pool from 150 files, one process below). With
nothing to do (no file changed, the same contacts' addresses, no meeting started since the
last sync) only the cache's small index is read and the store is not written.
"""


from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import arrow
import orjson

from crm_tui.config import Settings
from crm_tui.sources import calendar_pool
from crm_tui.sources.calendar_apply import (  # noqa: F401
    _apply_all,
    _index,
    _index_hash,
    _is_ours,
    _tracked,
    _under,
    apply,
    contact_addresses,
    contacts_digest,
    contacts_hash,
    nothing_to_do,
)
from crm_tui.sources.calendar_model import (  # noqa: F401
    _UTC,
    AHEAD_DAYS,
    CACHE_VERSION,
    MAX_FILE_BYTES,
    MEETINGS_KEPT,
    REUSE_AHEAD_DAYS,
    SINGLE,
    SOURCE,
    Occurrence,
    Reading,
    Summary,
    Unreadable,
)
from crm_tui.sources.calendar_parse import (  # noqa: F401
    _address,
    _as_datetime,
    _event_facts,
    _expand,
    _holds_ics,
    _occurrences_of,
    _people,
    _recurring_uids,
    _single_events,
    _slot,
    _uid,
    _why,
    calendar_files,
    is_calendar_path,
    parse_file,
    read_file,
)


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
         cache: dict[str, Any] | None = None, addresses: Iterable[str] | None = None) -> Reading:
    """Parse the calendars under ``roots`` that changed (no store needed: call it without
    the lock); the others' occurrences stay in the cache until :func:`apply` wants them.

    ``addresses``, the contacts' (:func:`contact_addresses`), lets a new, plainly
    well-formed file that names none of them go unparsed (``calendar_prefilter``); the cache keeps the addresses
    it names, and it is parsed once one of them is a contact's (or when ``addresses`` is
    not given). A file parsed once is always parsed again when it changes, so what it
    logged is kept or removed exactly as before."""
    me = frozenset(_address(a) for a in settings.me.emails)
    wanted = None if addresses is None else frozenset(addresses) - me
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
    jobs: list[tuple[str, bool]] = []  # files to read: after the loop, over the cores
    for key in files:
        try:
            stat = os.stat(key)
        except OSError as exc:
            problems.append(Unreadable(key, exc.strerror or str(exc)))
            continue
        old = old_files.get(key)
        skipped = old.get("skipped") if old else None  # not parsed: the addresses it names
        if (old and old.get("mtime_ns") == stat.st_mtime_ns and old.get("size") == stat.st_size
                and old.get("horizon", "") >= reuse_until and old.get("since", "") <= since
                and (skipped is None or (wanted is not None and wanted.isdisjoint(skipped)))):
            unchanged.append(key)
            problems.extend(Unreadable(key, reason) for reason in old.get("problems", []))
            new_files[key] = old
            continue
        problems.append(Unreadable(key, ""))  # (its reasons, in this place, once parsed)
        # (a file parsed before is parsed again: what it logged is kept or removed exactly)
        jobs.append((key, old is None or skipped is not None))
        new_files[key] = {"mtime_ns": stat.st_mtime_ns, "size": stat.st_size,
                          "since": since, "horizon": horizon.isoformat(), "problems": []}
    done, stopped = calendar_pool.read_all(jobs, settings, window_start, horizon, zone, wanted)
    for key, _may_skip in jobs:
        if key in stopped:  # not cached: read again next time (its touches are kept)
            del new_files[key]
            continue
        parsed[key], reasons, named = done[key]
        new_files[key]["problems"] = reasons
        if named is not None:
            new_files[key]["skipped"] = named
    problems = [found for p in problems for found in (
        [p] if p.reason else [Unreadable(p.path, stopped[p.path])] if p.path in stopped
        else [Unreadable(p.path, r) for r in new_files[p.path]["problems"]])]
    new_cache = {"version": CACHE_VERSION, "fingerprint": fingerprint, "zone": zone_name,
                 "files": new_files, "state": cache.get("state", {})}
    previous = cache.get("state", {}) if same_settings else {}
    bulk_path = cache.get("_bulk_path")
    return Reading(parsed, unchanged, problems, roots_ok, len(parsed), len(unchanged),
                   window_start, new_cache, previous=previous,
                   same_files=not parsed and set(new_files) == set(old_files),
                   bulk_path=Path(bulk_path) if bulk_path else None,
                   roots=[os.path.abspath(os.path.expanduser(str(r))) for r in roots])




# --------------------------------------------------------------------------- both
def sync(store: Any, roots: Iterable[Path], settings: Settings, now: arrow.Arrow,
         dry_run: bool = False) -> Summary:
    """Read the calendars under ``roots`` and apply them to ``store`` (see the module doc).

    The cache is saved after the store's batch (a crash in between costs a re-read next
    time, nothing else)."""
    path = cache_path(Path(store.folder))
    reading = read(roots, settings, now, load_cache(path), contact_addresses(store))
    summary = apply(store, reading, settings, now, dry_run=dry_run)
    if not dry_run:
        try:
            save_cache(path, reading)
        except OSError as exc:
            summary.unreadable.append(Unreadable(str(path), f"cache not saved: {exc}"))
    return summary
