"""Correcting the history: edit or delete a logged touch (CLI `touch edit|delete`, the
contact screen's timeline). Each is one named, undoable change; the checks are the same
as when logging (:mod:`crm_tui.domain.validate`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import arrow

from crm_tui.domain import validate
from crm_tui.domain.models import CHANNELS, Touch
from crm_tui.domain.text import clean_multiline
from crm_tui.store.repository import Store


class EditError(ValueError):
    """The edit cannot be made as asked; the message is fit to show."""


@dataclass
class TouchEdit:
    """What to change (None: keep). ``thread_id=""`` takes the touch off its thread."""

    at: arrow.Arrow | None = None
    note: str | None = None
    channel: str | None = None
    direction: str | None = None
    thread_id: str | None = None


def describe(store: Store, touch: Touch) -> str:
    """"the email to Ravi Menon of 2026-03-02"."""
    contact = store.contact(touch.contact_id)
    name = " ".join(contact.name.split()) if contact else touch.contact_id
    towards = "from" if touch.direction == "in" else "to"
    return f"the {touch.channel} {towards} {name} of {touch.at[:10]}"


def edit_touch(store: Store, touch_id: str, edit: TouchEdit, now: arrow.Arrow) -> Touch:
    """Apply ``edit`` to the touch; returns it as stored (its id changes with its month)."""
    old = store.touch(touch_id)
    if old is None:
        raise EditError(f"no touch {touch_id!r}")
    new = replace(old)
    if edit.at is not None:
        problem = validate.touch_time(edit.at, now)
        if problem:
            raise EditError(problem)
        new.at = edit.at.isoformat()
    if edit.note is not None:
        new.note = clean_multiline(edit.note, 5000)
    if edit.channel is not None:
        if edit.channel not in CHANNELS:
            raise EditError(f"unknown channel {edit.channel!r} (one of {', '.join(CHANNELS)})")
        new.channel = edit.channel
    if edit.direction is not None:
        if edit.direction not in ("in", "out"):
            raise EditError("a touch goes in or out")
        new.direction = edit.direction
        if edit.direction == "in":
            new.step = None
        else:
            new.outcome = None
    if edit.thread_id is not None:
        thread_id = edit.thread_id or None
        if thread_id is not None:
            thread = store.thread(thread_id)
            if thread is None:
                raise EditError(f"no thread {thread_id!r}")
            if old.contact_id not in (thread.contact_id, thread.via) \
                    and old.contact_id not in thread.interviewers:
                raise EditError(f"thread {thread_id} is not with this contact")
        if thread_id != old.thread_id:
            new.thread_id = thread_id
            new.step = None if thread_id is None and old.step != "share-article" else new.step
    if new == old:
        return old
    with store.change(f"edit of {describe(store, old)}"):
        return store.rewrite_touch(new)


def delete_touch(store: Store, touch_id: str) -> str:
    """Delete the touch; returns what it was ("the email to Ravi Menon of 2026-03-02")."""
    old = store.touch(touch_id)
    if old is None:
        raise EditError(f"no touch {touch_id!r} (try `crm-tui touches CONTACT`)")
    what = describe(store, old)
    with store.change(f"deleting {what}"):
        store.delete_touch(touch_id)
    return what
