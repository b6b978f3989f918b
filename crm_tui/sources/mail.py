"""Mail as a source of touches: Maildirs, trees of Maildirs and mbox files (rule 20).

A message is a touch with contact C when it is from one of my addresses and C is in To or
Cc (``out``), or from C with one of my addresses in To or Cc (``in``); addresses compare
case-insensitively and any of C's addresses counts. One touch per (Message-ID, contact),
wherever the message is found; ``Auto-Submitted`` other than ``no`` is never a touch. The
touch's time is the ``Date`` header (with its offset; the mbox From line or the file's mtime
when it is missing or implausible), its note the cleaned subject (none with
``[sources] keep_subjects = false``). Bodies are never read.

The reading is in :mod:`crm_tui.sources.mailread` (no store, no lock); this module turns
what was read into touches, thread steps and correspondents inside the store's batch.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import arrow

from crm_tui.config import Settings
from crm_tui.domain.models import SOURCE_MAIL, Contact, Touch
from crm_tui.domain.synced import Correspondent, SourceState
from crm_tui.sources import mailread
from crm_tui.sources.base import Progress, SourceConfigError
from crm_tui.sources.mailread import MailScan, Message
from crm_tui.store.repository import Store

KIND = "mail"
# Senders that are machines, never people to add (local part, before any +tag).
_MACHINE = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]?daemon|postmaster|bounces?|"
    r"notifications?|notify|daemon|automailer|auto[-_.]?reply)([-+_.].*)?$"
)


def is_machine(address: str) -> bool:
    local = address.split("@", 1)[0].lower()
    return bool(_MACHINE.match(local)) or local.startswith("bounce")


def contact_addresses(contact: Contact) -> list[str]:
    """Every address of a contact, lower case, first one first."""
    found: list[str] = []
    for address in contact.emails:
        address = str(address).strip().lower()
        if address and address not in found:
            found.append(address)
    return found


def my_addresses(settings: Settings) -> list[str]:
    return sorted({a.strip().lower() for a in settings.me.emails if a.strip()})


@dataclass
class MailSummary:
    """What a mail sync did; ``to_json`` is its section of ``crm-tui sync --json``."""

    sources: int = 0
    read: int = 0
    added_out: int = 0
    added_in: int = 0
    thread_steps: int = 0  # outbound mails logged as a thread's step
    replies: int = 0  # inbound mails on open threads (reply-received)
    known: int = 0  # touches already there (the same message seen before or elsewhere)
    automatic: int = 0  # Auto-Submitted: never a touch
    not_touches: int = 0  # parsed, but not between me and a contact
    correspondents: int = 0  # new people who wrote to me and are not contacts
    guessed: list[str] = field(default_factory=list)
    problems: list[mailread.Problem] = field(default_factory=list)
    contact_ids: list[str] = field(default_factory=list)  # of the touches added, in order

    def to_json(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "messages_read": self.read,
            "touches_added": {"out": self.added_out, "in": self.added_in},
            "thread_steps": self.thread_steps,
            "replies": self.replies,
            "already_known": self.known,
            "automatic": self.automatic,
            "not_touches": self.not_touches,
            "new_correspondents": self.correspondents,
            "dates_guessed": {"count": len(self.guessed), "paths": self.guessed[:200]},
            "unreadable": {"count": len(self.problems),
                           "items": [p.to_json() for p in self.problems[:200]]},
        }

    def lines(self) -> list[str]:
        out = [
            f"mail: {self.read} messages read from {self.sources} "
            f"folder{'s' if self.sources != 1 else ''}/files",
            f"  touches added: {self.added_out} out, {self.added_in} in"
            f" ({self.known} already known, {self.automatic} automatic replies skipped)",
            f"  on open threads: {self.thread_steps} steps done, {self.replies} replies to classify",
        ]
        if self.correspondents:
            out.append(f"  {self.correspondents} new correspondents (crm-tui correspondents)")
        if self.guessed:
            out.append(f"  {len(self.guessed)} dates missing or implausible, taken from the "
                       "mbox From line or the file's time:")
            out.extend(f"    {p}" for p in self.guessed[:20])
            if len(self.guessed) > 20:
                out.append(f"    ... and {len(self.guessed) - 20} more (--json lists 200)")
        if self.problems:
            out.append(f"  {len(self.problems)} unreadable, skipped:")
            out.extend(f"    {p.path}: {p.reason}" for p in self.problems[:20])
            if len(self.problems) > 20:
                out.append(f"    ... and {len(self.problems) - 20} more (--json lists 200)")
        return out


# --------------------------------------------------------------------------- the kind
class MailKind:
    """The mail source kind (see :mod:`crm_tui.sources.base` for the protocol)."""

    name = KIND

    def detect(self, path: Path) -> bool:
        return mailread.detect(path)

    def configured(self, settings: Settings) -> list[str]:
        return list(settings.sources.mail)

    def check(self, settings: Settings) -> None:
        if not my_addresses(settings):
            raise SourceConfigError(
                "no [me] emails configured: mail cannot tell your messages from theirs. Add "
                "your addresses to config.toml, e.g.\n  [me]\n  emails = [\"you@example.com\"]")

    def snapshot(self, store: Store) -> dict[str, dict[str, Any]]:
        return {s.path: s.data for s in store.source_states(KIND)}

    def scan(self, paths: list[Path], snapshot: dict[str, dict[str, Any]], settings: Settings,
             now: arrow.Arrow, progress: Progress | None) -> MailScan:
        return mailread.scan(paths, my_addresses(settings), snapshot,
                             cap=settings.sources.max_header_bytes,
                             keep_subjects=settings.sources.keep_subjects,
                             now=now.datetime, progress=progress)

    def idle(self, scanned: MailScan, snapshot: dict[str, dict[str, Any]]) -> MailSummary | None:
        """The summary of a scan that leaves nothing to write (no message, every source as
        it was): the store need not be opened for writing at all. None otherwise."""
        if scanned.messages or any(snapshot.get(k) != v for k, v in scanned.states.items()):
            return None
        return MailSummary(sources=scanned.sources, read=scanned.read, guessed=scanned.guessed,
                           problems=scanned.problems)

    def apply(self, store: Store, scanned: MailScan, settings: Settings,
              now: arrow.Arrow) -> MailSummary:
        summary = apply_messages(store, scanned.messages, settings, now)
        summary.sources = scanned.sources
        summary.read = scanned.read
        summary.guessed = scanned.guessed
        summary.problems = scanned.problems
        _save_states(store, scanned.states)
        return summary


def _save_states(store: Store, states: dict[str, dict[str, Any]]) -> None:
    existing = {s.path: s for s in store.source_states(KIND)}
    for path, data in sorted(states.items()):
        old = existing.get(path)
        store.save_source_state(SourceState(kind=KIND, path=path, id=old.id if old else "",
                                             data=data))


# --------------------------------------------------------------------------- the rule
def apply_messages(store: Store, messages: Iterable[Message], settings: Settings,
                   now: arrow.Arrow) -> MailSummary:
    """Log the touches of these messages (inside the caller's batch); see the module doc."""
    summary = MailSummary()
    me = set(my_addresses(settings))
    by_address: dict[str, list[str]] = {}
    for contact in store.contacts():
        for address in contact_addresses(contact):
            by_address.setdefault(address, []).append(contact.id)
    ordered = sorted(messages, key=lambda m: (datetime.fromisoformat(m.at), m.key, m.path))
    planned: list[tuple[Touch, Message]] = []
    people_seen: dict[str, dict[str, Any]] = {}
    for message in ordered:
        if message.automatic:
            summary.automatic += 1
            continue
        to = [a for a, _ in message.recipients]
        if message.sender in me:
            direction = "out"
            targets = [cid for a in to if a not in me for cid in by_address.get(a, ())]
        elif me.intersection(to):
            direction = "in"
            targets = list(by_address.get(message.sender, ()))
        else:
            summary.not_touches += 1
            continue
        _note_correspondents(people_seen, message, direction, me, by_address)
        if not targets:
            summary.not_touches += 1
            continue
        for contact_id in dict.fromkeys(targets):
            planned.append((Touch(contact_id=contact_id, at=message.at, direction=direction,
                                  channel="email", note=message.subject, source=SOURCE_MAIL,
                                  key=message.key), message))
    fresh = _dedupe(store, planned, summary)
    if fresh:
        _place_on_threads(store, fresh, settings, now)
        # Logged together: each month's file and each contact's summary once, not per mail.
        store.log_touches([touch for touch, _message in fresh])
        for touch, _message in fresh:
            if touch.contact_id not in summary.contact_ids:
                summary.contact_ids.append(touch.contact_id)
            if touch.direction == "out":
                summary.added_out += 1
                summary.thread_steps += bool(touch.thread_id and touch.step)
            else:
                summary.added_in += 1
                summary.replies += bool(touch.thread_id)
    summary.correspondents = _save_correspondents(store, people_seen)
    return summary


def _dedupe(store: Store, planned: list[tuple[Touch, Message]],
            summary: MailSummary) -> list[tuple[Touch, Message]]:
    """Drop touches already stored (same message key and contact) or planned twice."""
    months = sorted({Store._month_of(t.at) for t, _ in planned})
    known: set[tuple[str, str]] = set()
    for month in months:
        for old in store.month_touches(month):
            if old.key:
                known.add((old.key, old.contact_id))
    fresh = []
    for touch, message in planned:
        ident = (touch.key, touch.contact_id)
        if ident in known:
            summary.known += 1
            continue
        known.add(ident)
        fresh.append((touch, message))
    return fresh


def _place_on_threads(store: Store, fresh: list[tuple[Touch, Message]], settings: Settings,
                      now: arrow.Arrow) -> None:
    threads = store.threads(open_only=True)
    if not threads:
        return
    from crm_tui.sources.mailthreads import ThreadMatcher, since  # the engine, only when needed

    people: set[str] = set()
    for t in threads:
        people.update((t.contact_id, *t.interviewers))
    involved = [(t, m) for t, m in fresh if t.contact_id in people]
    if not involved:
        return
    contacts = [c for c in (store.contact(p) for p in sorted(people)) if c is not None]
    history = store.touches(contact_ids=people, since=since(threads))
    matcher = ThreadMatcher(contacts, threads, history, settings.cadence, now.tzinfo)
    for touch, message in involved:
        matcher.place(touch, message.refs)


def _note_correspondents(seen: dict[str, dict[str, Any]], message: Message, direction: str,
                         me: set[str], by_address: dict[str, list[str]]) -> None:
    """Count direct messages both ways with people who are not contacts."""
    digest = hashlib.sha1(message.key.encode("utf-8", "replace")).hexdigest()[:12]
    if direction == "in":
        others = [(message.sender, message.sender_name, "received")]
    else:
        others = [(a, n, "sent") for a, n in message.recipients if a not in me]
    for address, name, way in others:
        if address in by_address or address in me or is_machine(address):
            continue
        entry = seen.setdefault(address, {"received": [], "sent": [], "name": "", "last": ""})
        entry[way].append(digest)
        if not entry["last"] or not _later(entry["last"], message.at):
            entry["last"] = message.at
            if name and way == "received":
                entry["name"] = name


def _save_correspondents(store: Store, seen: dict[str, dict[str, Any]]) -> int:
    if not seen:
        return 0
    existing = {c.email: c for c in store.correspondents()}
    new_people = 0
    for address in sorted(seen):
        entry = seen[address]
        old = existing.get(address)
        person = Correspondent(email=address) if old is None else Correspondent.from_dict(old.to_dict())
        known = set(person.seen)
        changed = False
        for way in ("received", "sent"):
            for digest in entry[way]:
                if digest in known:
                    continue
                known.add(digest)
                person.seen.append(digest)
                setattr(person, way, getattr(person, way) + 1)
                changed = True
        if not changed:
            continue
        if not person.last or _later(entry["last"], person.last):
            person.last = entry["last"]
            if entry["name"]:
                person.name = entry["name"]
        if not person.name and entry["name"]:
            person.name = entry["name"]
        if (old is None or not old.received) and person.received:
            new_people += 1
        store.save_correspondent(person)
    return new_people


def _later(a: str, b: str) -> bool:
    return datetime.fromisoformat(a) > datetime.fromisoformat(b)
