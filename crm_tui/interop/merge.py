"""Matching imported people to existing contacts, and merging without losing anything.

A record matches an existing contact by email, then LinkedIn profile, then normalised name
plus company. A match is updated only where it adds something: empty fields are filled,
new emails, phones and tags are added, notes are appended; what the user typed (name,
notes, tags, tier, threads, touches) is never replaced. A LinkedIn record with a new
company or position for a known contact is a job change: recorded in
``Contact.job_changes`` (the engine turns it into a `congratulate` step).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import arrow
import orjson

from crm_tui.domain.models import Contact, JobChange, Touch
from crm_tui.interop import records as r


@dataclass
class Entry:
    """One line of the report: what happens to one record, and why."""

    line: int
    name: str
    reason: str
    contact_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "name": self.name, "contact_id": self.contact_id, "reason": self.reason}


@dataclass
class ImportReport:
    kind: str
    path: str
    dry_run: bool = False
    added: list[Entry] = field(default_factory=list)
    updated: list[Entry] = field(default_factory=list)
    skipped: list[Entry] = field(default_factory=list)
    errors: list[r.Problem] = field(default_factory=list)
    job_changes: int = 0
    touches: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)

    def summary(self) -> str:
        verb = "would add" if self.dry_run else "added"
        upd = "would update" if self.dry_run else "updated"
        return (
            f"{verb} {len(self.added)}, {upd} {len(self.updated)}, skipped {len(self.skipped)}, "
            f"errors {len(self.errors)}"
            + (f" ({self.job_changes} job change{'s' if self.job_changes != 1 else ''})" if self.job_changes else "")
        )

    def lines(self) -> list[str]:
        """The full report, one line per record (for the CLI and the dialog's preview)."""
        out = [self.summary()]
        for title, entries in (("add", self.added), ("update", self.updated), ("skip", self.skipped)):
            for e in entries:
                who = f"{e.name} ({e.contact_id})" if e.contact_id else e.name
                out.append(f"  {title:6} line {e.line}: {who}: {e.reason}")
        for p in self.errors:
            out.append(f"  error  line {p.line}: {p.message}")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "dry_run": self.dry_run,
            "counts": {
                "added": len(self.added),
                "updated": len(self.updated),
                "skipped": len(self.skipped),
                "errors": len(self.errors),
                "job_changes": self.job_changes,
            },
            "added": [e.to_json() for e in self.added],
            "updated": [e.to_json() for e in self.updated],
            "skipped": [e.to_json() for e in self.skipped],
            "errors": [{"line": p.line, "message": p.message} for p in self.errors],
        }


class Index:
    """Existing (and newly planned) contacts by email, LinkedIn profile and name + company."""

    def __init__(self) -> None:
        self.by_email: dict[str, Contact] = {}
        self.by_linkedin: dict[str, Contact] = {}
        self.by_name: dict[tuple[str, str], Contact] = {}

    def add(self, contact: Contact) -> None:
        for address in contact.emails:
            if address:
                self.by_email.setdefault(address.casefold(), contact)
        key = r.linkedin_key(contact.linkedin)
        if key:
            self.by_linkedin.setdefault(key, contact)
        name = r.fold(contact.name)
        if name:
            self.by_name.setdefault((name, r.fold(contact.company)), contact)

    def match(self, record: r.Incoming) -> tuple[Contact | None, str]:
        for address in record.emails:
            found = self.by_email.get(address.casefold())
            if found:
                return found, f"email {address}"
        key = r.linkedin_key(record.linkedin)
        if key and key in self.by_linkedin:
            return self.by_linkedin[key], "LinkedIn profile"
        found = self.by_name.get((r.fold(record.name), r.fold(record.company)))
        if found:
            return found, "name and company" if record.company else "name"
        return None, ""


@dataclass
class Plan:
    """What an import will write: new contacts, changed copies of existing ones, touches."""

    new: list[Contact] = field(default_factory=list)
    changed: dict[str, tuple[Contact, Contact]] = field(default_factory=dict)  # id -> (live, copy)
    touches: list[tuple[Contact, Touch]] = field(default_factory=list)  # touch for a new contact


def plan(existing: list[Contact], records: list[r.Incoming], kind: str, now: arrow.Arrow, report: ImportReport) -> Plan:
    """Decide, without writing, what importing ``records`` does; fills ``report``."""
    index = Index()
    for contact in existing:
        index.add(contact)
    result = Plan()
    new_lines: dict[int, int] = {}  # id(new contact) -> line it came from
    for record in records:
        target, why = index.match(record)
        if target is None:
            contact = new_contact(record, now)
            result.new.append(contact)
            new_lines[id(contact)] = record.line
            index.add(contact)
            if record.connected_on:
                result.touches.append((contact, connected_touch(record.connected_on, now)))
            report.added.append(Entry(record.line, contact.name, "new"))
            continue
        if not target.id:  # a person seen earlier in this same file
            changes = merge_into(target, record, kind, now)
            index.add(target)
            note = f"; merged {', '.join(changes)}" if changes else ""
            first_line = new_lines[id(target)]
            report.skipped.append(
                Entry(record.line, record.name, f"same person as line {first_line} (by {why}){note}")
            )
            continue
        live, working = result.changed.get(target.id) or (target, _copy(target))
        changes = merge_into(working, record, kind, now)
        if changes:
            result.changed[live.id] = (live, working)
            index.add(working)
            if any(c.startswith("job change") for c in changes):
                report.job_changes += 1
            report.updated.append(Entry(record.line, live.name, f"matched by {why}; {', '.join(changes)}", live.id))
        else:
            report.skipped.append(Entry(record.line, live.name, f"matched by {why}; nothing new", live.id))
    return result


def _copy(contact: Contact) -> Contact:
    # orjson serialises dataclasses natively: ten times faster than asdict + deepcopy.
    return Contact.from_dict(orjson.loads(orjson.dumps(contact)))


def new_contact(record: r.Incoming, now: arrow.Arrow) -> Contact:
    extra = copy.deepcopy(record.extra)
    if record.phones[1:]:
        extra["phones"] = list(record.phones[1:])
    return Contact(
        name=record.name,
        emails=list(record.emails),
        phone=record.phones[0] if record.phones else "",
        company=record.company,
        role=record.role,
        tags=list(record.tags),
        notes=record.notes,
        linkedin=record.linkedin,
        birthday=record.birthday,
        created_at=now.isoformat(),
        extra=extra,
    )


def connected_touch(day: str, now: arrow.Arrow) -> Touch:
    """LinkedIn's "Connected On" as a first inbound touch at noon local time that day."""
    at = arrow.Arrow.fromdate(date.fromisoformat(day), tzinfo=now.tzinfo).replace(hour=12)
    return Touch(contact_id="", at=at.isoformat(), direction="in", channel="linkedin",
                 note="Connected on LinkedIn", step=None)


def merge_into(contact: Contact, record: r.Incoming, kind: str, now: arrow.Arrow) -> list[str]:
    """Add what ``record`` knows and ``contact`` lacks; return what changed (for the report)."""
    changes: list[str] = []
    changes += _add_emails(contact, record.emails)
    changes += _add_values(contact, "phone", "phones", record.phones, lambda p: "".join(ch for ch in p if ch.isdigit() or ch == "+"))
    kept: dict[str, str] = {}
    job = _job_change(contact, record, now) if kind == "linkedin" else None
    if job is not None:
        contact.job_changes.append(job.to_dict())
        contact.company, contact.role = job.company, job.role
        before = " / ".join(x for x in (job.prev_role, job.prev_company) if x)
        after = " / ".join(x for x in (job.role, job.company) if x)
        changes.append(f"job change: {before} -> {after}")
    else:
        for name in ("company", "role"):
            value = getattr(record, name)
            current = getattr(contact, name)
            if value and not current:
                setattr(contact, name, value)
                changes.append(name)
            elif value and r.fold(value) != r.fold(current):
                kept[name] = value
    if record.name and r.fold(record.name) != r.fold(contact.name):
        kept["name"] = record.name
    new_tags = [t for t in record.tags if t.casefold() not in {x.casefold() for x in contact.tags}]
    if new_tags:
        contact.tags = [*contact.tags, *new_tags]
        changes.append("tags " + ", ".join(new_tags))
    if record.notes and record.notes not in contact.notes:
        contact.notes = f"{contact.notes}\n\n{record.notes}" if contact.notes else record.notes
        changes.append("notes")
    for name in ("linkedin", "birthday"):
        value = getattr(record, name)
        if value and not getattr(contact, name):
            setattr(contact, name, value)
            changes.append(name)
        elif (value and name == "linkedin" and r.linkedin_key(value) != r.linkedin_key(contact.linkedin)) or (value and name == "birthday" and value != contact.birthday):
            kept[name] = value
    extra = copy.deepcopy(record.extra)
    if kept:
        # Values that differ from what the user has: kept beside it, never over it.
        extra.setdefault(kind, {}).update({f"imported {k}": v for k, v in kept.items()})
    for source, values in extra.items():
        target = contact.extra.setdefault(source, {})
        if not isinstance(target, dict):
            continue
        fresh = {k: v for k, v in values.items() if target.get(k) != v}
        if fresh:
            target.update(fresh)
            changes.append(f"{len(fresh)} other field{'s' if len(fresh) != 1 else ''}")
    return changes


def _add_emails(contact: Contact, values: list[str]) -> list[str]:
    """New addresses join the contact's list (matching is case-insensitive)."""
    added = [v for v in dict.fromkeys(values) if not contact.has_address(v)]
    added = [v for i, v in enumerate(added) if v.casefold() not in {a.casefold() for a in added[:i]}]
    contact.emails = [*contact.emails, *added]
    return [f"email {v}" for v in added]


def _add_values(contact: Contact, main: str, more: str, values: list[str], key: Any) -> list[str]:
    known = [getattr(contact, main), *contact.extra.get(more, [])]
    known_keys = {key(v) for v in known if v}
    added = []
    for value in values:
        if key(value) in known_keys:
            continue
        known_keys.add(key(value))
        if not getattr(contact, main):
            setattr(contact, main, value)
        else:
            contact.extra[more] = [*contact.extra.get(more, []), value]
        added.append(value)
    return [f"{main} {v}" for v in added]


def _job_change(contact: Contact, record: r.Incoming, now: arrow.Arrow) -> JobChange | None:
    company_changed = bool(record.company and contact.company and r.fold(record.company) != r.fold(contact.company))
    role_changed = bool(record.role and contact.role and r.fold(record.role) != r.fold(contact.role))
    if not (company_changed or role_changed):
        return None
    return JobChange(
        at=now.isoformat(),
        company=record.company or contact.company,
        role=record.role or contact.role,
        prev_company=contact.company,
        prev_role=contact.role,
        congratulated=False,
    )
