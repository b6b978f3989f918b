"""Reminders out: the open steps as an iCalendar file or a vdir (khal, vdirsyncer, CalDAV).

One all-day VEVENT per open step (due, overdue, upcoming or waiting) whose date falls within
the next ``days`` days; an overdue step is placed on today. SUMMARY "Follow up with Ada Park
(interview, Acme)", DESCRIPTION the reason and the suggested message, and a VALARM at 09:00
local time on the day (``TRIGGER;RELATED=START:PT9H`` on an all-day event, which calendar
apps read in the device's own zone).

Stable identity: the UID is made of (contact, thread, step), so an item keeps its UID, and
in a vdir its file name, from one export to the next; a step that moves only changes its
date. In a vdir a file is rewritten only when its content changed (DTSTAMP aside), with a
temp file and an atomic rename (the folder fsynced once at the end), and the files of items
no longer open are removed (only files this exporter wrote: their names start with
``crm-tui-``). A single ``.ics`` file is replaced atomically as a whole. Either way a dot
file beside the events records what each was written from (its fingerprint), so an export
after a small change drafts and serialises only the steps that changed: with
``[sources] reminders`` one runs after every write.

Pure: no store here (``services/reminders.py`` computes the steps and calls this).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import arrow
import orjson

from crm_tui.domain.models import KEEP_IN_TOUCH, Contact, Suggestion, Thread

PRODID = "-//crm-tui//follow-up reminders//EN"
FILE_PREFIX = "crm-tui-"
UID_DOMAIN = "crm-tui"
OPEN = ("due", "overdue", "upcoming", "waiting")
ALARM_HOUR = 9
_SAFE = re.compile(r"[^A-Za-z0-9._-]")
# In a vdir: what each file was written from (a dot file: khal and vdirsyncer skip it).
MANIFEST = ".crm-tui-export.json"

_VERBS = {
    "birthday": "Wish {name} a happy birthday",
    "thank-you": "Thank {name}",
    "payment-reminder": "Payment reminder to {name}",
    "final-call": "Call {name}",
    "move-on": "Move on from {name}",
    "congratulate": "Congratulate {name}",
    "reply-requested": "Answer {name}",
    "reply-received": "Read {name}'s reply",
}
_KINDS = {KEEP_IN_TOUCH: "keep in touch"}
_NO_KIND = frozenset({"birthday"})  # the summary says it already


@dataclass
class Result:
    path: Path
    items: int = 0  # events in the export
    written: int = 0  # files written (a vdir: new or changed items; a file: 0 or 1)
    removed: int = 0  # stale files removed (vdir)
    problems: list[str] = field(default_factory=list)


@dataclass
class Item:
    uid: str
    day: date
    summary: str
    reason: str  # the reason and the engine's warnings
    alarm: str
    fingerprint: str = ""  # changes when anything the event is written from changes
    message: Callable[[], str] | None = None  # the suggested message, drafted on demand
    _description: str | None = None

    @property
    def description(self) -> str:
        """The reason, then the suggested message (drafted only when the file is written)."""
        if self._description is None:
            text = self.reason
            draft = self.message() if self.message is not None else ""
            if draft:
                text += "\n\nSuggested message:\n\n" + draft
            self._description = text.strip()
        return self._description


def uid_for(s: Suggestion) -> str:
    """Stable per (contact, thread, step)."""
    return f"{FILE_PREFIX}{s.contact_id}-{s.thread_id or 'kit'}-{s.step}@{UID_DOMAIN}"


def items_for(suggestions: Iterable[Suggestion], contacts: dict[str, Contact],
              threads: dict[str, Thread], now: arrow.Arrow, days: int = 30,
              message: Callable[[Suggestion, Contact, Contact, Thread | None], str] | None = None,
              basis: Any = None) -> list[Item]:
    """The calendar items for the open steps within ``days`` days of today; ``message``
    gives the suggested message of a step (recipient, the contact the thread is with).

    Each item's fingerprint covers what its file is written from: the step, the contacts
    and thread its message is drafted from, and ``basis`` (what else the drafts depend on,
    e.g. the templates and your signature), so a vdir export redrafts only what changed."""
    today = now.date()
    last = today + timedelta(days=days)
    items: dict[str, Item] = {}
    for s in suggestions:
        if s.status not in OPEN:
            continue
        day = max(date.fromisoformat(s.due[:10]), today)
        if day >= last:
            continue
        contact = contacts.get(s.contact_id)
        if contact is None:
            continue
        thread = threads.get(s.thread_id or "")
        about = contacts.get(thread.contact_id, contact) if thread else contact
        detail = [] if s.kind in _NO_KIND else [_KINDS.get(s.kind, s.kind)]
        if about.company:
            detail.append(about.company)
        summary = _VERBS.get(s.step, "Follow up with {name}").format(name=contact.name)
        if detail:
            summary = f"{summary} ({', '.join(detail)})"
        reason = s.reason
        if s.warnings:
            reason += "\nNote: " + "; ".join(s.warnings) + "."
        uid = uid_for(s)
        draft = None
        if message is not None and s.step != "move-on":
            draft = functools.partial(message, s, contact, about, thread)
        fingerprint = hashlib.sha1(orjson.dumps(
            [day.isoformat(), summary, reason, s.step, s.channel, s.unanswered, contact,
             about if about is not contact else None, thread, basis, draft is not None],
            default=str)).hexdigest()
        items[uid] = Item(uid, day, summary, reason, f"crm-tui: {summary}", fingerprint, draft)
    return sorted(items.values(), key=lambda i: (i.day, i.uid))


# --------------------------------------------------------------------------- iCalendar
def _event(item: Item, stamp: datetime) -> Any:
    from icalendar import Alarm, Event

    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", item.day)
    event.add("dtend", item.day + timedelta(days=1))
    event.add("summary", item.summary)
    event.add("description", item.description)
    event.add("transp", "TRANSPARENT")  # a reminder does not make you busy
    event.add("categories", ["crm-tui"])
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", item.alarm)
    alarm.add("trigger", timedelta(hours=ALARM_HOUR), parameters={"RELATED": "START"})
    event.add_component(alarm)
    return event


def _calendar(items: Iterable[Item], stamp: datetime, name: str | None = None) -> bytes:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if name:
        cal.add("x-wr-calname", name)
    for item in items:
        cal.add_component(_event(item, stamp))
    data: bytes = cal.to_ical()
    return data


_DTSTAMP = re.compile(rb"^DTSTAMP[;:].*\r?\n", re.MULTILINE)


def _same(old: bytes, new: bytes) -> bool:
    return _DTSTAMP.sub(b"", old) == _DTSTAMP.sub(b"", new)


def _write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Temp file (hidden: khal and vdirsyncer skip dot files), then an atomic rename, so no
    reader ever sees half a file. ``durable`` also fsyncs it first."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def file_name(uid: str) -> str:
    name = _SAFE.sub("_", uid.split("@", 1)[0])
    if len(name) > 120:
        name = name[:100] + "-" + hashlib.sha1(uid.encode()).hexdigest()[:12]
    return f"{name}.ics"


def _write_file(items: list[Item], target: Path, stamp: datetime, result: Result) -> Result:
    """One VCALENDAR. Its events are kept beside it (a dot file, with what each was written
    from), so only the steps that changed are drafted and serialised again."""
    target.parent.mkdir(parents=True, exist_ok=True)
    side = target.with_name(f".{target.name}.crm-tui.json")
    try:
        cached = orjson.loads(side.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        cached = {}
    if not isinstance(cached, dict):
        cached = {}
    events: dict[str, list[str]] = {}
    for item in items:
        old = cached.get(item.uid)
        if (item.fingerprint and isinstance(old, list) and len(old) == 2
                and old[0] == item.fingerprint and isinstance(old[1], str)):
            events[item.uid] = old
        else:
            events[item.uid] = [item.fingerprint, _event(item, stamp).to_ical().decode("utf-8")]
    header = _calendar([], stamp, "crm-tui follow-ups").decode("utf-8")
    head, _, tail = header.rpartition("END:VCALENDAR")
    data = (head + "".join(text for _, text in events.values()) + "END:VCALENDAR" + tail).encode()
    try:
        old_data = target.read_bytes()
    except OSError:
        old_data = None
    if old_data is None or not _same(old_data, data):
        _write_atomic(target, data)
        _fsync_folder(target.parent)
        result.written = 1
    if events != cached:
        _write_atomic(side, orjson.dumps(events), durable=False)
    return result


def write(items: list[Item], target: Path, now: arrow.Arrow) -> Result:
    """Write ``items`` to ``target``: one VCALENDAR when it ends in ``.ics``, else a vdir."""
    target = Path(os.path.expanduser(str(target)))
    stamp = now.to("UTC").datetime.replace(microsecond=0).astimezone(UTC)
    result = Result(target, items=len(items))
    if target.suffix.lower() == ".ics" and not target.is_dir():
        return _write_file(items, target, stamp, result)
    target.mkdir(parents=True, exist_ok=True)
    manifest_path = target / MANIFEST
    try:
        manifest = orjson.loads(manifest_path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        manifest = {}
    if not isinstance(manifest, dict):
        manifest = {}
    new_manifest: dict[str, str] = {}
    wanted: set[str] = set()
    for item in items:
        name = file_name(item.uid)
        wanted.add(name)
        path = target / name
        new_manifest[name] = item.fingerprint
        if item.fingerprint and manifest.get(name) == item.fingerprint and path.exists():
            continue  # written from the same facts last time: no need to draft it again
        data = _calendar([item], stamp)
        try:
            old = path.read_bytes()
        except OSError:
            old = None
        if old is not None and _same(old, data):
            continue
        # Not fsynced one by one (300 fsyncs took a second): the vdir is re-written from
        # the store after every change, so a power cut can at worst cost the last export.
        _write_atomic(path, data, durable=False)
        result.written += 1
    for path in target.glob(f"{FILE_PREFIX}*.ics"):
        if path.name not in wanted:
            try:
                path.unlink()
                result.removed += 1
            except OSError as exc:
                result.problems.append(f"{path}: {exc.strerror or exc}")
    if new_manifest != manifest:
        _write_atomic(manifest_path, orjson.dumps(new_manifest, option=orjson.OPT_SORT_KEYS),
                      durable=False)
    if result.written or result.removed:
        _fsync_folder(target)
    return result
