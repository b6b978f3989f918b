"""Synced mail moves a thread's sequence exactly as pressing keys would (rule 21).

- An outbound mail to the person an open thread's pending outbound step addresses (a
  thank-you, a follow-up, a payment reminder, an answer they asked for...), sent after the
  thread started, is logged on that thread as that step, as ``d`` on Today would log it.
  Whether a step is pending is asked of the cadence engine as of the mail's own time, with
  every touch before it (the ones this sync adds included), so one mail to the hiring
  manager with an interviewer in Cc is two thank-yous, and a later mail is the follow-up.
- An inbound mail from a thread's contact or interviewer after the thread started is
  logged on the thread without an outcome: the engine then raises ``reply-received`` until
  the user says what it was (``r`` on Today, ``crm-tui reply --asked|...|--noted``).
- Two open threads with one person: the one whose earlier touches share the mail's
  References/In-Reply-To wins, else the one whose pending step is the most urgent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo

import arrow

from crm_tui.config import CadenceSettings
from crm_tui.domain import cadence
from crm_tui.domain.models import Contact, Suggestion, Thread, Touch

# The steps a mail can be (the outbound ones; move-on and reply-received are not mails).
OUTBOUND_STEPS = frozenset({
    "thank-you", "follow-up-1", "follow-up-2", "final-call", "application-follow-up",
    "ask-connection", "payment-reminder", "graceful-close", "reply-requested",
})


class ThreadMatcher:
    """Assigns thread and step to synced touches, in time order (call :meth:`place`)."""

    def __init__(self, contacts: Iterable[Contact], threads: Iterable[Thread],
                 history: Iterable[Touch], settings: CadenceSettings, zone: tzinfo) -> None:
        self.threads = [t for t in threads if t.status == "open"]
        # Without their summaries: as of a past mail, only the touches before it count.
        self.contacts = {c.id: replace(c, last_in=None, last_out=None, touch_count=0) for c in contacts}
        self.settings = settings
        self.zone = zone
        self.history = list(history)  # touches of the threads' people (grows as we place)
        self.by_person: dict[str, list[Thread]] = {}
        for thread in self.threads:
            for person in dict.fromkeys([thread.contact_id, *thread.interviewers]):
                self.by_person.setdefault(person, []).append(thread)

    def people(self) -> set[str]:
        return set(self.by_person)

    def place(self, touch: Touch, refs: list[str]) -> None:
        """Set ``touch.thread_id`` (and ``step`` for outbound) when a thread takes it."""
        candidates = [t for t in self.by_person.get(touch.contact_id, ())
                      if _parse(touch.at) >= _parse(t.at)]
        if not candidates:
            return
        moment = arrow.get(touch.at).to(self.zone)
        pending = {t.id: self._pending(t, touch.contact_id, moment) for t in candidates}
        if touch.direction == "out":
            candidates = [t for t in candidates if pending[t.id] is not None]
            if not candidates:
                return
        chosen = self._choose(candidates, pending, refs)
        touch.thread_id = chosen.id
        step = pending[chosen.id]
        if touch.direction == "out" and step is not None and step.step in OUTBOUND_STEPS:
            touch.step = step.step
        self.history.append(touch)

    def _pending(self, thread: Thread, person: str, moment: arrow.Arrow) -> Suggestion | None:
        """The thread's next step addressed to ``person`` as of ``moment``, if any."""
        people = {thread.contact_id, *thread.interviewers}
        contacts = [self.contacts[p] for p in people if p in self.contacts]
        # Just before the mail: the engine at the mail's own moment must not count it.
        before = moment.shift(seconds=-1)
        touches = [t for t in self.history if t.contact_id in people and _parse(t.at) <= before.datetime]
        found = cadence.compute(contacts, [thread], touches, self.settings, before)
        for s in found:
            if s.thread_id == thread.id and (s.recipient_id or s.contact_id) == person \
                    and s.status != "closed" and (s.step in OUTBOUND_STEPS or s.step == "reply-received"):
                return s
        return None

    def _choose(self, candidates: list[Thread], pending: dict[str, Suggestion | None],
                refs: list[str]) -> Thread:
        if len(candidates) == 1:
            return candidates[0]
        if refs:
            wanted = set(refs)
            for thread in candidates:
                if any(t.thread_id == thread.id and t.key in wanted for t in self.history):
                    return thread

        def urgency(thread: Thread) -> tuple[object, ...]:
            s = pending.get(thread.id)
            return (0, s.rank) if s is not None else (1, (thread.at, thread.id))

        return min(candidates, key=urgency)


def _parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def since(threads: Iterable[Thread]) -> str | None:
    """The earliest open thread's start, a day early (as the engine loads touches)."""
    starts = [datetime.fromisoformat(t.at) for t in threads if t.status == "open"]
    return (min(starts) - timedelta(days=1)).isoformat() if starts else None
