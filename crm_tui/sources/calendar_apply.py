"""Applying a calendar reading to the store: touches added, moved or removed, and the
meetings to come (see :mod:`crm_tui.sources.calendar`)."""


from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import arrow
import orjson

from crm_tui.config import Settings
from crm_tui.domain.models import REPLY_NOTED, Contact, Touch
from crm_tui.perf import gc_paused
from crm_tui.sources.calendar_model import (
    MEETINGS_KEPT,
    SOURCE,
    Reading,
    Summary,
)
from crm_tui.sources.calendar_parse import _address


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
    everyone = _index(store.contacts(), frozenset())  # (one pass: the digest and the matching)
    digest = _index_hash(everyone)
    quiet = nothing_to_do(reading, digest, now, dry_run)
    if quiet is not None:
        return quiet
    summary = Summary(dry_run=dry_run, unreadable=list(reading.unreadable),
                      files=reading.files, files_read=reading.files_read,
                      files_unchanged=reading.files_unchanged)
    me = frozenset(_address(a) for a in settings.me.emails)
    by_email = {address: ids for address, ids in everyone.items() if address not in me}
    # Tens of thousands of touches, their documents and the cache's entries, none of them
    # garbage: the collector's passes over them were a third of this step.
    with gc_paused():
        return _apply_all(store, reading, summary, by_email, digest, now, dry_run)


def contact_addresses(store: Any) -> frozenset[str]:
    """Every contact's address, as meetings are matched against them (see :func:`_index`)."""
    return frozenset(_index(store.contacts(), frozenset()))


def contacts_digest(store: Any) -> tuple[str, frozenset[str]]:
    """(:func:`contacts_hash`, :func:`contact_addresses`) from one pass over the contacts."""
    by_email = _index(store.contacts(), frozenset())
    return _index_hash(by_email), frozenset(by_email)


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
        to_log = [*adds, *(m[:5] for m in moves)]
        # Classified at once ("noted": just a reply): a meeting pauses a sequence like a
        # reply but asks nothing of the user (no `reply-received`, unlike a mail). Logged
        # together: each contact's summary is saved once, not once per meeting.
        touches = store.log_touches(
            Touch(contact_id=contact_id, at=at, direction="in", channel="meeting", note=title,
                  source=SOURCE, key=key, outcome=REPLY_NOTED)
            for key, contact_id, at, title, _path in to_log)
        logged = [(f"{key}#{contact_id}", touch, path)
                  for (key, contact_id, _at, _title, path), touch in zip(to_log, touches, strict=True)]
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
    for touch_id, contact_id, at, note, key in store.keyed_touches(SOURCE, window.isoformat()):
        found[f"{key}#{contact_id}"] = {"id": touch_id, "at": at, "title": note, "path": ""}
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


