"""Reminders out: the open steps from the store written as iCalendar (``crm-tui export ics``
and ``[sources] reminders``, re-exported after every write to the store).

Reads the store and writes elsewhere: it never writes to the store, so it runs after a
write has been saved, and a failure here never undoes one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import arrow

from crm_tui.config import Settings
from crm_tui.domain import drafts, template_library
from crm_tui.domain.models import Contact, Suggestion, Thread
from crm_tui.interop import ics_export
from crm_tui.services import engine
from crm_tui.services.drafting import job_change
from crm_tui.store.repository import Store

DEFAULT_DAYS = 30


def _messages(settings: Settings, now: arrow.Arrow) -> Callable[[Suggestion, Contact, Contact, Thread | None], str]:
    library = template_library.cached_library(settings.templates_file)[0]

    def message(s: Suggestion, recipient: Contact, about: Contact, thread: Thread | None) -> str:
        """The suggested message, without "what we discussed" (that reads every touch of
        the person: too slow for hundreds of steps, and a reminder does not need it)."""
        channel = s.channel if s.channel not in ("", "other") else "email"
        ctx = drafts.MessageContext(
            contact=about, step=s.step, channel=channel, thread=thread, recipient=recipient,
            me_name=settings.me.name, signature=settings.me.signature, now=now,
            job_change=job_change(recipient),
            reminder_number=s.unanswered + 1 if s.step == "payment-reminder" else 1)
        try:
            return drafts.as_text(drafts.draft(ctx, 0, library))
        except (ValueError, KeyError):
            return ""

    return message


def _basis(settings: Settings) -> list[Any]:
    """What every draft depends on besides its step and people: your templates file (its
    mtime and size) and what you sign with."""
    path = settings.templates_file
    try:
        stat = path.stat() if path is not None else None
    except OSError:
        stat = None
    return [settings.me.name, settings.me.signature,
            [stat.st_mtime_ns, stat.st_size] if stat else None]


@dataclass
class Snapshot:
    """What an export is written from, read from the store at one moment. Taking it is
    cheap (the engine's suggestions are cached); writing from it (:func:`write`) is the
    slow part, drafting and writing hundreds of files, and reads the store no more, so
    the TUI runs it off the event loop."""

    suggestions: list[Suggestion]
    contacts: dict[str, Contact]
    threads: dict[str, Thread]
    settings: Settings
    now: arrow.Arrow


def snapshot(store: Store, settings: Settings, now: arrow.Arrow) -> Snapshot:
    return Snapshot(list(engine.suggestions(store, settings, now)), {c.id: c for c in store.contacts()},
                    {t.id: t for t in store.threads(open_only=True)}, settings, now)


def write(snap: Snapshot, target: Path, days: int = DEFAULT_DAYS) -> ics_export.Result:
    """Draft the open steps of ``snap`` and write them to ``target`` (``.ics`` or a vdir)."""
    items = ics_export.items_for(snap.suggestions, snap.contacts, snap.threads, snap.now, days,
                                 _messages(snap.settings, snap.now), basis=_basis(snap.settings))
    return ics_export.write(items, target, snap.now)


def export(store: Store, settings: Settings, now: arrow.Arrow, target: Path,
           days: int = DEFAULT_DAYS) -> ics_export.Result:
    """Compute the open steps and write them to ``target`` (a ``.ics`` file or a vdir)."""
    return write(snapshot(store, settings, now), target, days)


def target_of(settings: Settings) -> Path | None:
    """``[sources] reminders`` as a path; None when it is not set."""
    target = settings.sources.reminders.strip()
    return Path(os.path.expanduser(target)) if target else None


def write_to_reminders(snap: Snapshot) -> ics_export.Result | None:
    """:func:`write` to ``[sources] reminders``; None when it is not set. A failure is
    returned in ``problems``, never raised: the store write it follows already succeeded."""
    path = target_of(snap.settings)
    if path is None:
        return None
    try:
        return write(snap, path)
    except OSError as exc:
        return ics_export.Result(path, problems=[f"reminders not exported to {path}: "
                                                 f"{exc.strerror or exc}"])


def refresh(store: Store, settings: Settings, now: arrow.Arrow) -> ics_export.Result | None:
    """Re-export to ``[sources] reminders``; None when it is not set. A failure is returned
    in ``problems``, never raised: the store write it follows has already succeeded."""
    if target_of(settings) is None:
        return None
    return write_to_reminders(snapshot(store, settings, now))
