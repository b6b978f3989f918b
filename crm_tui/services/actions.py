"""What the user does with a suggestion: done, reply, snooze, skip, move on.

Shared by the command line and the TUI. Each action is one named store change (all or
nothing, and undoable: ``crm-tui undo`` says "Undid: done on Ravi Menon's payment
reminder"). Errors the user can cause raise :class:`ActionError` with a message fit to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import arrow

from crm_tui.domain.models import (
    CHANNELS,
    REPLY_NOTED,
    REPLY_PAID,
    Article,
    Contact,
    Share,
    Suggestion,
    Thread,
    Touch,
)
from crm_tui.domain.text import clean_multiline
from crm_tui.store.repository import Store


class ActionError(ValueError):
    """The action cannot be done as asked (unknown contact, closed thread, past date...)."""


def _contact(store: Store, contact_id: str) -> Contact:
    contact = store.contact(contact_id)
    if contact is None:
        raise ActionError(f"no contact {contact_id!r}")
    return contact


def _thread(store: Store, thread_id: str) -> Thread:
    thread = store.thread(thread_id)
    if thread is None:
        raise ActionError(f"no thread {thread_id!r}")
    return thread


def _name(store: Store, contact_id: str | None) -> str:
    contact = store.contact(contact_id) if contact_id else None
    return " ".join(contact.name.split()) if contact else (contact_id or "someone")


def step_words(step: str) -> str:
    """'follow-up-1' -> 'follow-up 1', 'payment-reminder' -> 'payment reminder'."""
    words = step.replace("-", " ")
    return words.replace("follow up", "follow-up")


def thread_words(store: Store, thread: Thread) -> str:
    """"Ravi Menon's invoice" (or interview, application)."""
    return f"{_name(store, thread.contact_id)}'s {thread.kind}"


def close_thread(store: Store, thread_id: str, now: arrow.Arrow, reason: str = "") -> Thread:
    """Close a thread (idempotent: an already closed thread keeps its first closing)."""
    thread = _thread(store, thread_id)
    if thread.status != "closed":
        thread.status = "closed"
        thread.closed_at = now.isoformat()
        thread.close_reason = reason
        with store.change(f"closing {thread_words(store, thread)} ({reason or 'closed'})"):
            store.update_thread(thread)
    return thread


def done(store: Store, s: Suggestion, now: arrow.Arrow, channel: str | None = None,
         note: str = "", article_id: str | None = None) -> Touch | None:
    """Log the outbound touch that fulfils ``s``; ``move-on`` closes its thread instead
    (and returns None). A graceful close also closes the thread; a congratulation marks the
    job change congratulated; an article is recorded as shared."""
    if s.step == "move-on":
        if s.thread_id:
            move_on(store, s.thread_id, now)
        return None
    if s.step == "reply-received" and not note:
        # `d` on their synced mail: dealt with, it was just a reply (as `reply --noted`).
        return reply(store, s.recipient_id or s.contact_id, now, thread_id=s.thread_id,
                     outcome=REPLY_NOTED)
    recipient = s.recipient_id or s.contact_id
    contact = _contact(store, recipient)
    channel = channel or (s.channel if s.channel in CHANNELS and s.channel != "other" else "email")
    if channel not in CHANNELS:
        raise ActionError(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")
    if article_id and store.article(article_id) is None:
        raise ActionError(f"no article {article_id!r}")
    if article_id is None and s.step == "their-post" and s.article_id and store.article(s.article_id):
        article_id = s.article_id  # replying to their post: the touch names it
    with store.change(f"done on {_name(store, recipient)}'s {step_words(s.step)}"):
        touch = store.log_touch(Touch(
            contact_id=recipient,
            at=now.isoformat(),
            direction="out",
            channel=channel,
            note=clean_multiline(note, 5000),
            thread_id=s.thread_id,
            article_id=article_id,
            # An answer written to their synced mail is not a step of the sequence.
            step=None if s.step == "reply-received" else s.step,
        ))
        if article_id:
            store.add_share(Share(article_id=article_id, contact_id=recipient, at=touch.at,
                                  touch_id=touch.id))
        if s.step == "graceful-close" and s.thread_id:
            close_thread(store, s.thread_id, now, "they chose someone else")
        if s.step == "congratulate":
            for change in contact.job_changes:
                change["congratulated"] = True
            store.update_contact(contact)
    return touch


def _reply_thread(store: Store, contact_id: str, outcome: str | None) -> str | None:
    """The open thread a reply without ``--thread`` belongs to, when there is only one."""
    open_threads = store.threads(contact_id=contact_id, open_only=True)
    if outcome == REPLY_PAID:
        open_threads = [t for t in open_threads if t.kind == "invoice"]
    return open_threads[0].id if len(open_threads) == 1 else None


def reply(store: Store, contact_id: str, now: arrow.Arrow, thread_id: str | None = None,
          outcome: str | None = None, note: str = "", channel: str = "email") -> Touch:
    """Log their reply (an inbound touch): it pauses the thread's sequence.

    Without ``thread_id`` the reply goes to the contact's only open thread, if there is
    exactly one. ``paid`` closes an invoice thread; ``rejected`` leaves it open until the
    graceful close is done. When a synced mail from them waits to be classified
    (``reply-received``), the outcome is set on that touch instead of logging another.
    """
    _contact(store, contact_id)
    if channel not in CHANNELS:
        raise ActionError(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")
    synced = pending_reply(store, contact_id, thread_id)
    if synced is not None:
        return _classify(store, synced, outcome or REPLY_NOTED, note, now)
    if thread_id is None:
        thread_id = _reply_thread(store, contact_id, outcome)
    thread = None
    if thread_id is not None:
        thread = _thread(store, thread_id)
        if contact_id != thread.contact_id and contact_id not in thread.interviewers \
                and contact_id != thread.via:
            raise ActionError(f"thread {thread.id} is not with this contact")
    if outcome == REPLY_PAID and (thread is None or thread.kind != "invoice"):
        raise ActionError("'paid' is for an invoice thread (give --thread)")
    with store.change(f"reply from {_name(store, contact_id)}"):
        touch = store.log_touch(Touch(
            contact_id=contact_id,
            at=now.isoformat(),
            direction="in",
            channel=channel,
            note=clean_multiline(note, 5000),
            thread_id=thread_id,
            outcome=outcome,
        ))
        if outcome == REPLY_PAID and thread is not None:
            close_thread(store, thread.id, now, "paid")
    return touch


def pending_reply(store: Store, contact_id: str, thread_id: str | None = None) -> Touch | None:
    """The latest synced mail from this contact on an open thread that nobody classified or
    answered yet (what makes ``reply-received`` due), if any."""
    threads = {t.id for t in store.threads(contact_id=contact_id, open_only=True)}
    if thread_id is not None:
        threads &= {thread_id}
    if not threads:
        return None
    touches = store.touches(contact_ids=[contact_id])
    for index in range(len(touches) - 1, -1, -1):
        touch = touches[index]
        if touch.direction == "in" and touch.thread_id in threads:
            if not touch.unclassified:
                return None  # their latest reply there was classified already
            answered = any(t.direction == "out" and t.thread_id == touch.thread_id
                           for t in touches[index + 1:])
            return None if answered else touch
    return None


def _classify(store: Store, touch: Touch, outcome: str, note: str, now: arrow.Arrow) -> Touch:
    thread = store.thread(touch.thread_id) if touch.thread_id else None
    if outcome == REPLY_PAID and (thread is None or thread.kind != "invoice"):
        raise ActionError("'paid' is for an invoice thread")
    touch.outcome = outcome
    note = clean_multiline(note, 5000)
    if note:
        touch.note = f"{touch.note} — {note}" if touch.note else note
    with store.batch():
        store.update_touch(touch)
        if outcome == REPLY_PAID and thread is not None:
            close_thread(store, thread.id, now, "paid")
    return touch


def snooze(store: Store, contact_id: str, until: str, now: arrow.Arrow) -> Contact:
    """Nothing for this contact before ``until`` (an ISO date after today); counted."""
    contact = _contact(store, contact_id)
    try:
        day = date.fromisoformat(until[:10])
    except ValueError:
        raise ActionError(f"{until!r} is not an ISO date (YYYY-MM-DD)") from None
    if day <= now.date():
        raise ActionError(f"snooze until a day after today ({now.date().isoformat()})")
    contact.snoozed_until = day.isoformat()
    contact.snooze_count += 1
    with store.change(f"snooze of {_name(store, contact_id)} until {day.isoformat()}"):
        store.update_contact(contact)
    return contact


def skip_today(store: Store, contact_id: str, now: arrow.Arrow) -> Contact:
    """Hide this contact from today's list (back tomorrow)."""
    contact = _contact(store, contact_id)
    contact.skipped_on = now.date().isoformat()
    with store.change(f"skip of {_name(store, contact_id)} for today"):
        store.update_contact(contact)
    return contact


def move_on(store: Store, thread_id: str, now: arrow.Arrow) -> Thread:
    """Close the thread: no more follow-ups; the contact returns to keep-in-touch."""
    return close_thread(store, thread_id, now, "moved on")


def share_article(store: Store, contact_id: str, article: Article, now: arrow.Arrow,
                  channel: str = "email", note: str = "") -> Touch:
    """Record an article sent to someone: a ``share-article`` touch on no thread, and the
    share. It fulfils no thread step (a reminder or an application's one follow-up is not
    used up by an article), but it is an outbound touch, so the pester guard counts it."""
    _contact(store, contact_id)
    if channel not in CHANNELS:
        raise ActionError(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")
    text = note or (f"Shared: {article.title}" + (f" {article.link}" if article.link else ""))
    title = " ".join(article.title.split())
    with store.change(f"sharing \u201c{title[:60]}\u201d with {_name(store, contact_id)}"):
        touch = store.log_touch(Touch(
            contact_id=contact_id,
            at=now.isoformat(),
            direction="out",
            channel=channel,
            note=clean_multiline(text, 5000),
            article_id=article.id,
            step="share-article",
        ))
        store.add_share(Share(article_id=article.id, contact_id=contact_id, at=touch.at,
                              touch_id=touch.id))
    return touch


@dataclass(frozen=True)
class TouchEntry:
    """A touch as the log form fills it in: a reply (``in``) or a message sent (``out``)."""

    contact_id: str
    at: arrow.Arrow
    direction: str
    channel: str
    note: str = ""
    thread_id: str | None = None
    outcome: str | None = None  # replies only: asked, rejected, paid
    step: str | None = None  # what an outbound touch fulfils, when a step was due


def log_entry(store: Store, entry: TouchEntry) -> Touch:
    """Log a touch from the form. A reply goes through :func:`reply` (it pauses the
    sequence; ``paid`` closes the invoice); an outbound touch is logged as it is."""
    if entry.direction == "in":
        return reply(store, entry.contact_id, entry.at, thread_id=entry.thread_id,
                     outcome=entry.outcome, note=entry.note, channel=entry.channel)
    with store.change(f"touch with {_name(store, entry.contact_id)}"):
        return store.log_touch(Touch(contact_id=entry.contact_id, at=entry.at.isoformat(),
                                     direction="out", channel=entry.channel, note=entry.note,
                                     thread_id=entry.thread_id, step=entry.step))


def mark_sent(store: Store, s: Suggestion, recipient_id: str, now: arrow.Arrow, channel: str,
              note: str, article_id: str | None = None) -> Touch | None:
    """The composer's "mark sent": log the message as the touch that fulfils ``s``.

    A closing note (``move-on``) is a real touch too, and closes the thread; anything else
    goes through :func:`done`. A message sharing an article is a share on no thread
    (:func:`share_article`), whatever step it was composed from: it must not count as the
    thread's reminder or follow-up."""
    if article_id is not None:
        article = store.article(article_id)
        if article is None:
            raise ActionError(f"no article {article_id!r}")
        return share_article(store, recipient_id, article, now, channel=channel, note=note)
    if s.step == "move-on":
        with store.change(f"closing note to {_name(store, recipient_id)}"):
            touch = store.log_touch(Touch(
                contact_id=recipient_id, at=now.isoformat(), direction="out", channel=channel,
                note=note, thread_id=s.thread_id, article_id=article_id, step=s.step))
            if s.thread_id:
                move_on(store, s.thread_id, now)
        return touch
    return done(store, s, now, channel=channel, note=note, article_id=article_id)
