"""Drafts from the store: gathers a message's context, then lets domain.compose write it.

Used by ``crm-tui draft`` and by the composer dialog. Reads only; nothing is logged here.
"""

from __future__ import annotations

from dataclasses import dataclass

import arrow

from crm_tui.config import Settings
from crm_tui.domain import drafts, template_library
from crm_tui.domain.models import (
    KEEP_IN_TOUCH,
    Article,
    Contact,
    JobChange,
    Suggestion,
    Thread,
)
from crm_tui.store.repository import Store

# Which thread kind a step belongs to (to find the thread when only a step is given).
STEP_KINDS: dict[str, tuple[str, ...]] = {
    "thank-you": ("interview",),
    "follow-up-1": ("interview",),
    "follow-up-2": ("interview",),
    "final-call": ("interview",),
    "move-on": ("interview", "application", "invoice"),
    "application-follow-up": ("application",),
    "ask-connection": ("application",),
    "payment-reminder": ("invoice",),
    "reply-requested": ("interview", "application", "invoice"),
    "graceful-close": ("interview", "application"),
}


@dataclass
class Plan:
    """What a draft is about: the step, the thread, who it goes to, the engine's warnings."""

    step: str
    contact: Contact
    recipient: Contact
    thread: Thread | None = None
    suggestion: Suggestion | None = None
    channel: str = "email"


def suggestions_for(store: Store, settings: Settings, now: arrow.Arrow,
                    contact_id: str) -> list[Suggestion]:
    """The engine's suggestions for one contact, most urgent first."""
    from crm_tui.services import engine

    return engine.for_contact(store, settings, now, contact_id)


def most_urgent(store: Store, settings: Settings, now: arrow.Arrow,
                contact: Contact) -> Suggestion | None:
    """The contact's most urgent step that still wants a message (not a closed thread)."""
    found = [s for s in suggestions_for(store, settings, now, contact.id) if s.status != "closed"]
    return found[0] if found else None


def _default_channel(contact: Contact) -> str:
    if contact.email:
        return "email"
    if contact.linkedin:
        return "linkedin"
    return "message" if contact.phone else "email"


def plan(store: Store, settings: Settings, now: arrow.Arrow, contact: Contact,
         suggestion: Suggestion | None = None, step: str | None = None,
         thread: Thread | None = None, article: Article | None = None) -> Plan:
    """Decide the step, thread and recipient of a draft.

    Priority: an explicit suggestion; else the step/thread asked for (matched against the
    engine's suggestions so the warnings come along); else sharing the article given; else
    the contact's most urgent step; else keep-in-touch.
    """
    if suggestion is None:
        candidates = suggestions_for(store, settings, now, contact.id)
        wanted = step or ("share-article" if article is not None and thread is None else None)
        for s in candidates:
            if wanted and s.step != wanted:
                continue
            if thread is not None and s.thread_id != thread.id:
                continue
            if s.status == "closed" and not wanted:
                continue
            suggestion = s
            break
        if suggestion is None and not wanted and thread is None:
            suggestion = next((s for s in candidates if s.status != "closed"), None)
        if suggestion is None:
            step = wanted or _step_for_thread(thread) or KEEP_IN_TOUCH
    if suggestion is not None:
        # Sharing an article fulfils the suggestion (it is logged with its step), but the
        # message is about the article.
        step = step or ("share-article" if article is not None else suggestion.step)
        if thread is None and suggestion.thread_id and step != "share-article":
            thread = store.thread(suggestion.thread_id)
    assert step is not None
    if thread is None and step in STEP_KINDS:
        thread = _thread_for(store, contact, step)
    recipient = contact
    if suggestion is not None and suggestion.recipient_id:
        recipient = store.contact(suggestion.recipient_id) or contact
    # The thread's own contact gives the company being applied to / interviewed at.
    about = contact
    if thread is not None and thread.contact_id != recipient.id:
        about = store.contact(thread.contact_id) or contact
    channel = _default_channel(recipient)
    if suggestion is not None and suggestion.channel not in ("", "other"):
        channel = suggestion.channel
        if channel == "email" and not recipient.email and _default_channel(recipient) != "email":
            channel = _default_channel(recipient)
    return Plan(step, about, recipient, thread, suggestion, channel)


def _step_for_thread(thread: Thread | None) -> str | None:
    if thread is None:
        return None
    return {"interview": "follow-up-1", "application": "application-follow-up",
            "invoice": "payment-reminder"}.get(thread.kind)


def _thread_for(store: Store, contact: Contact, step: str) -> Thread | None:
    """The most recent open thread with this contact of a kind the step belongs to."""
    kinds = STEP_KINDS[step]
    found = [t for t in store.threads(contact_id=contact.id, open_only=True) if t.kind in kinds]
    return max(found, key=lambda t: t.at) if found else None


def talking_points(thread: Thread | None) -> str:
    """What a message may say about the conversation: only the talking points the user
    wrote for that purpose on the thread. Notes (a contact's, a touch's, a thread's) are
    private memory and never go into a draft."""
    return thread.talking_points if thread is not None else ""


def reminder_number(store: Store, thread: Thread | None) -> int:
    if thread is None or thread.kind != "invoice":
        return 1
    sent = [t for t in store.touches(thread_id=thread.id) if t.direction == "out"
            and t.step == "payment-reminder"]
    return len(sent) + 1


def job_change(contact: Contact) -> JobChange | None:
    pending = [JobChange.from_dict(c) for c in contact.job_changes if isinstance(c, dict)]
    fresh = [c for c in pending if not c.congratulated]
    return max(fresh, key=lambda c: c.at) if fresh else (pending[-1] if pending else None)


def context_for(store: Store, settings: Settings, now: arrow.Arrow, p: Plan,
                article: Article | None = None, channel: str | None = None) -> drafts.MessageContext:
    return drafts.MessageContext(
        contact=p.contact,
        step=p.step,
        channel=channel or p.channel,
        thread=p.thread,
        article=article,
        recipient=p.recipient,
        last_note=talking_points(p.thread),
        me_name=settings.me.name,
        signature=settings.me.signature,
        now=now,
        job_change=job_change(p.recipient),
        reminder_number=reminder_number(store, p.thread),
        warnings=list(p.suggestion.warnings) if p.suggestion else [],
    )


def draft_for(store: Store, settings: Settings, now: arrow.Arrow, contact: Contact,
              suggestion: Suggestion | None = None, step: str | None = None,
              thread: Thread | None = None, article: Article | None = None,
              channel: str | None = None, variant: int = 0,
              library: template_library.Library | None = None) -> drafts.Draft:
    """The suggested message for ``contact`` (see :func:`plan` for which step)."""
    p = plan(store, settings, now, contact, suggestion, step, thread, article)
    if article is None and p.step == "their-post" and p.suggestion is not None and p.suggestion.article_id:
        article = store.article(p.suggestion.article_id)  # the message is about their post
    ctx = context_for(store, settings, now, p, article, channel)
    if library is None:  # the user's templates.toml applies everywhere, previews included
        library = template_library.cached_library(settings.templates_file)[0]
    return drafts.draft(ctx, variant, library)
