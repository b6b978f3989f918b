"""The follow-up engine: who to ping, when, and why (docs: follow-up-rules.md).

``compute(contacts, threads, touches, settings, now)`` is a pure function. It returns one
:class:`Suggestion` per contact for keep-in-touch, one per open thread for its sequence and
one thank-you per interviewer, every status included, sorted by ``Suggestion.rank``.
``who_to_ping`` keeps the ones due today or overdue.

Dates. All calendar arithmetic happens on local dates in the zone of ``now`` (touches are
stored with their own offsets and converted). "Business days" are Monday to Friday, no
holidays. The 24-hour thank-you window is measured in real elapsed time (UTC), so a DST
change does not stretch or shrink it. Status: ``due`` when the due date is today,
``overdue`` when earlier (``overdue_days = today - due``), ``upcoming`` when later,
``waiting`` when something other than the calendar holds the step back (their decision date,
a reply that paused the sequence, the pester guard, a snooze, a skip), ``closed`` when the
thread needs nothing more. Exception (rule 5, S2): a thank-you is ``due`` on the interview day
and for 24 hours after the interview, ``overdue`` after that.

Which touches count. A thread's history is every touch logged with its ``thread_id``, plus
replies (inbound touches) from its contact or interviewers logged without a thread after the
thread started, plus outbound touches marked ``step="thank-you"`` to them after it started.

Interview (rules 5-11):

- Thank-you: one suggestion per person met: the thread contact (the hiring manager) and
  each interviewer; ``contact_id`` and ``recipient_id`` are that person. A person is thanked
  by an outbound touch on the thread marked ``thank-you``, or by an unmarked one before the
  first follow-up falls due. A thank-you never sent lapses once the first follow-up is due
  (the follow-up takes over), and is not offered after a rejection.
- Follow-up 1: the 3rd business day after ``decision_by`` (a weekend decision date counts
  from the weekend: Sat 14 Mar -> Wed 18 Mar), else 7 days after the interview. Before the
  decision date passes the step is ``waiting`` ("awaiting their decision").
- Follow-up 2: 7 days after follow-up 1 when the decision date had passed when it was sent,
  else 14 days after it. Further follow-ups count as follow-ups (and as unanswered).
- After two unanswered follow-ups no email is suggested: ``final-call`` (channel call) falls
  due 7 days after the last follow-up; once a call is logged (step ``final-call`` or any
  call), ``move-on`` falls due 7 days after it (time to call back); if no call was made
  within 14 days of the last follow-up the offer lapses and ``move-on`` is due then.
  ``move-on`` is not a message: doing it closes the thread.

Application (rules 12-13): one nudge 7 days after applying: ``application-follow-up`` to
the thread contact, or ``ask-connection`` to the ``via`` contact (status check and an
introduction) when there is one. After that nudge the thread is ``closed``: nothing more.
For applications and invoices an outbound touch on the start day is the sending itself,
not a nudge.

Invoice (rules 14-15): ``payment-reminder`` when the terms (``thread.terms`` days, default
from settings) have elapsed, then every ``invoice_reminder_days``; from the second reminder
the reason asks for a call and whether someone else should be contacted. Rule 9 (stop after
two) does not apply to money owed; the unanswered warning (rule 17) does.

Replies (rule 10). The latest inbound touch decides: a synced mail nobody has classified
yet (``Touch.unclassified``) makes ``reply-received`` due on its day (time-critical, exempt
from the pester guard) until it is classified or answered; ``paid`` closes an invoice thread;
``rejected`` makes ``graceful-close`` due on the reply date until an outbound touch follows,
then the thread is ``closed`` and keep-in-touch takes over; ``asked`` makes
``reply-requested`` due on the reply date until an outbound touch follows; any reply pauses
the sequence: follow-ups are counted again from the reply (or from our answer to their
request), and the next one waits at least ``followup_no_decision_days`` (7) after it.

Pester guard (rules 16-17). Every outbound step except ``thank-you``, ``reply-requested``
and ``graceful-close`` (it answers their message; a gracious reply comes promptly) waits until ``min_gap_days`` after the contact's last outbound touch, on
any thread (S8); the status is then ``waiting`` and the due date is the end of the gap.
Warnings flag two or more unanswered follow-ups and an outbound touch within the gap.

Keep-in-touch (rules 1-3). Due = last touch in either direction + interval (``every`` or the
tier's). Never touched: due today. ``dormant`` contacts, and anyone silent for more than twice
their interval, get ``rekindle`` instead. While an open thread with the contact still has a
step ahead (not ``closed``), keep-in-touch is ``waiting`` ("the interview thread covers it").
A job change not yet congratulated replaces keep-in-touch with ``congratulate``, due from the
change date (channel linkedin when a profile is known).

Their post (issue 18). A new post on a contact's own feed (their blog or newsletter: first
seen by a refresh after the feed's first one), published within 14 days, makes ``their-post``
due on its publication day until we next write to them; it takes the place of their
keep-in-touch/rekindle step, ranks with keep-in-touch (tier 4), respects the pester guard,
snooze and skip, waits while an open thread covers them, and is not made for a dormant
contact silent for over a year unless their feed was followed ``even_if_dormant``.

Snooze and skip. ``snoozed_until`` in the future turns every step of the contact into
``waiting`` until that date (due = that date at the earliest, also after it expires); the
snooze count shows as a warning. ``skipped_on == today`` hides the contact's due steps from
today's list only (``waiting``, due tomorrow).

Ranking (``Suggestion.rank``, smaller first, a total order):
``(group, tier, -urgency, due, contact_id, thread_id, step, recipient_id)`` where group is 0
for due/overdue, 1 for waiting/upcoming, 2 for closed; tier (actionable only) is 0 for
time-critical steps (thank-you, reply-requested, graceful-close), 1 interview and
application steps, 2 payment reminders, 3 congratulate, 4 keep-in-touch/rekindle; urgency
is the days overdue, for keep-in-touch the days overdue divided by the interval (so a close
friend 7 days late outranks a casual contact 30 days late). Non-actionable rows sort by due
date. The trailing ids make any two suggestions comparable and distinct.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import arrow

from crm_tui.config import CadenceSettings
from crm_tui.domain import birthdays
from crm_tui.domain.businessdays import (
    add_business_days,
    business_days_between,
    ordinal,
)
from crm_tui.domain.models import (
    KEEP_IN_TOUCH,
    REPLY_ASKED,
    REPLY_PAID,
    REPLY_REJECTED,
    TIERS,
    Contact,
    Post,
    Suggestion,
    Thread,
    Touch,
)

# Steps the pester guard lets through (rule 16): courtesy owed and answers they asked for.
GUARD_EXEMPT = frozenset({"thank-you", "reply-requested", "graceful-close", "move-on",
                          "reply-received", "birthday"})
# Steps that are not an outbound message (reply-received: say what their mail was).
NOT_OUTBOUND = frozenset({"move-on", "reply-received"})
ACTIONABLE = ("due", "overdue")
_TIER = {
    "thank-you": 0, "reply-requested": 0, "graceful-close": 0, "reply-received": 0,
    "birthday": 0,
    "follow-up-1": 1, "follow-up-2": 1, "final-call": 1, "move-on": 1,
    "application-follow-up": 1, "ask-connection": 1,
    "payment-reminder": 2,
    "congratulate": 3,
    "keep-in-touch": 4, "rekindle": 4, "share-article": 4, "their-post": 4,
}
_GROUP = {"due": 0, "overdue": 0, "waiting": 1, "upcoming": 1, "closed": 2}
# Outbound steps that answer their message rather than follow up.
_ANSWERS = frozenset({"reply-requested", "graceful-close"})
_NOT_FOLLOW_UPS = frozenset({"thank-you", "reply-requested", "graceful-close", "move-on",
                             "congratulate", "keep-in-touch", "rekindle", "share-article",
                             "reply-received", "birthday", "their-post"})
_UTC = UTC
# An upcoming birthday is a suggestion (today --all, calendar export) this many days ahead.
BIRTHDAY_AHEAD_DAYS = 60
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _fast_zone(zone: tzinfo | None) -> tzinfo | None:
    """The same zone as a zoneinfo/timezone object when possible: converting 20,000 time
    stamps with dateutil's tzfile costs several times more than with zoneinfo."""
    if zone is None:
        return None
    offset_now = zone.utcoffset(datetime(2000, 1, 1))
    name = getattr(zone, "_filename", None) or getattr(zone, "key", None)
    if isinstance(name, str) and name:
        key = name.split("zoneinfo/", 1)[-1].lstrip("/")
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    if type(zone).__name__ in ("tzutc", "tzoffset") and offset_now is not None:
        return timezone(offset_now)
    return zone


# --------------------------------------------------------------------------- public API
def compute(
    contacts: Iterable[Contact],
    threads: Iterable[Thread],
    touches: Iterable[Touch],
    settings: CadenceSettings,
    now: arrow.Arrow,
    posts: Iterable[Post] = (),
) -> list[Suggestion]:
    """Every next step for these contacts and threads as of ``now``, ranked.

    ``touches`` needs to hold the touches of the open threads' people (keep-in-touch reads
    the contacts' ``last_in``/``last_out`` summaries instead of the touches). ``posts``:
    recent posts on contacts' own feeds (see :func:`_their_post`).
    """
    ctx = _Context(list(contacts), list(touches), settings, now)
    found: list[Suggestion] = []
    covered: dict[str, Thread] = {}
    # Sorted so that the result never depends on the input order (e.g. which thread
    # "covers" a contact's keep-in-touch: the earliest).
    for thread in sorted(threads, key=lambda t: (t.at, t.id)):
        if thread.status != "open" or thread.contact_id not in ctx.contacts:
            continue
        rule = _THREAD_RULES.get(thread.kind)
        if rule is None:
            continue
        made = rule(thread, ctx.thread_events(thread), ctx)
        if any(s.status != "closed" for s in made):
            for person in (thread.contact_id, *thread.interviewers, thread.via):
                if person:
                    covered.setdefault(person, thread)
        found.extend(made)
    for contact in ctx.contacts.values():
        wish = _birthday(contact, ctx) if contact.birthday else None
        if wish is not None:
            found.append(wish)
        found.append(_keep_in_touch(contact, ctx, covered.get(contact.id),
                                    birthday_today=wish is not None and wish.status == "due"))
    if posts:
        found = _with_their_posts(found, posts, ctx, covered)
    for s in found:
        _finish(s, ctx)
    found.sort(key=lambda s: s.rank)
    return found


def who_to_ping(suggestions: Iterable[Suggestion]) -> list[Suggestion]:
    """Only what is due today or overdue, most urgent first."""
    return sorted((s for s in suggestions if s.status in ACTIONABLE), key=lambda s: s.rank)


# Steps held back by the daily budget: nothing is lost by waiting a few days for them.
# A new post of theirs is a low-pressure reason to write, so it counts like keep-in-touch.
BUDGETED = frozenset({"keep-in-touch", "rekindle", "congratulate", "their-post"})


def within_budget(ranked: Iterable[Suggestion], limit: int) -> tuple[list[Suggestion], int]:
    """(the list with at most ``limit`` budgeted steps, the most urgent ones; how many more
    wait for later days). Time-critical and thread steps always stay. ``limit`` 0: no cap."""
    kept: list[Suggestion] = []
    held = 0
    budget = limit
    for s in ranked:
        if s.step in BUDGETED and limit > 0:
            if budget <= 0:
                held += 1
                continue
            budget -= 1
        kept.append(s)
    return kept, held


def held_back_line(held: int) -> str:
    """What Today says about the steps the budget holds back."""
    return f"and {held} more to keep in touch with, spread over the coming weeks"


def rank_key(s: Suggestion, today: date, interval: int = 0) -> tuple[Any, ...]:
    """The total order described in the module docstring."""
    group = _GROUP.get(s.status, 1)
    if group == 0:
        tier = _TIER.get(s.step, 4)
        urgency = s.overdue_days / interval if tier == 4 and interval else float(s.overdue_days)
        if s.step == "thank-you" and s.status == "due":
            urgency = 0.0
    else:
        tier, urgency = 0, 0.0
    return (group, tier, -urgency, s.due, s.contact_id, s.thread_id or "", s.step,
            s.recipient_id or "")


# --------------------------------------------------------------------------- context
@dataclass(slots=True)
class _Event:
    at: datetime  # aware
    day: date  # local date in the zone of now
    touch: Touch

    @property
    def order(self) -> tuple[datetime, int, int]:
        """Time, then the id's number ("2026-9" before "2026-10") for equal times."""
        year, _, number = self.touch.id.partition("-")
        try:
            return (self.at, int(year), int(number))
        except ValueError:
            return (self.at, 0, 0)

    @property
    def inbound(self) -> bool:
        return self.touch.direction == "in"


class _Context:
    """Everything the rules share: the clock, the people, the touches indexed once."""

    def __init__(self, contacts: list[Contact], touches: list[Touch],
                 settings: CadenceSettings, now: arrow.Arrow) -> None:
        self.settings = settings
        self.tz: tzinfo = _fast_zone(now.tzinfo) or _UTC
        self.now: datetime = now.datetime.astimezone(self.tz)
        self.now_utc = self.now.astimezone(_UTC)
        self.today: date = self.now.date()
        self.contacts = {c.id: c for c in contacts}
        self.gap = timedelta(days=settings.min_gap_days)
        self.today_iso = self.today.isoformat()
        self.intervals = {tier: settings.interval(tier) for tier in TIERS}
        self.interval: dict[str, int] = {}  # per contact, filled by keep-in-touch
        self.by_thread: dict[str, list[_Event]] = {}
        self.loose: dict[str, list[_Event]] = {}  # unthreaded replies and marked thank-yous
        self.touch_out: dict[str, datetime] = {}
        self.touch_in: dict[str, datetime] = {}
        self._out_day: dict[str, date | None] = {}
        for t in touches:
            at = self.parse(t.at)
            latest = self.touch_out if t.direction == "out" else self.touch_in
            if t.contact_id not in latest or at > latest[t.contact_id]:
                latest[t.contact_id] = at
            if t.thread_id:
                self.by_thread.setdefault(t.thread_id, []).append(_Event(at, self.day(at), t))
            elif t.direction == "in" or t.step == "thank-you":
                self.loose.setdefault(t.contact_id, []).append(_Event(at, self.day(at), t))

    def parse(self, iso: str) -> datetime:
        moment = datetime.fromisoformat(iso)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        return moment

    def day(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def day_of(self, iso: str | None) -> date | None:
        if not iso:
            return None
        moment = datetime.fromisoformat(iso)
        if moment.tzinfo is None:
            return moment.date()  # naive: already local time
        return moment.astimezone(self.tz).date()

    def name(self, contact_id: str | None) -> str:
        contact = self.contacts.get(contact_id or "")
        return contact.name if contact else (contact_id or "?")

    def first_name(self, contact_id: str | None) -> str:
        contact = self.contacts.get(contact_id or "")
        return (contact.first_name or contact.name) if contact else (contact_id or "?")

    def last_out_day(self, contact_id: str) -> date | None:
        """The local date of the last outbound touch to the contact (summary or touches)."""
        if contact_id in self._out_day:
            return self._out_day[contact_id]
        contact = self.contacts.get(contact_id)
        seen = self.touch_out.get(contact_id)
        if seen is None:  # the common case: only the contact's summary
            result = self.day_of(contact.last_out) if contact else None
        else:
            best = self.parse(contact.last_out) if contact and contact.last_out else None
            result = self.day(seen if best is None or seen > best else best)
        self._out_day[contact_id] = result
        return result

    def last_in_day(self, contact_id: str) -> date | None:
        contact = self.contacts.get(contact_id)
        seen = self.touch_in.get(contact_id)
        if seen is None:  # the common case: only the contact's summary
            return self.day_of(contact.last_in) if contact else None
        best = self.parse(contact.last_in) if contact and contact.last_in else None
        if best is None or seen > best:
            best = seen
        return self.day(best)

    def thread_events(self, thread: Thread) -> list[_Event]:
        events = list(self.by_thread.get(thread.id, ()))
        start = self.parse(thread.at)
        for person in {thread.contact_id, *thread.interviewers}:
            for e in self.loose.get(person, ()):
                if e.at >= start:
                    events.append(e)
        events.sort(key=lambda e: e.order)
        return events

    def d(self, day: date) -> str:
        """'Mon 2 Mar' (with the year when it is not this year); no strftime: it is slow
        and follows the locale, and these sentences are English."""
        text = f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"
        return text if day.year == self.today.year else f"{text} {day.year}"

    def status(self, due: date) -> str:
        if due < self.today:
            return "overdue"
        return "due" if due == self.today else "upcoming"


def _to_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _make(ctx: _Context, thread: Thread | None, contact_id: str, step: str, due: date,
          reason: str, *, status: str | None = None, channel: str = "email",
          recipient_id: str | None = None, unanswered: int = 0,
          name: str | None = None) -> Suggestion:
    return Suggestion(
        contact_id=contact_id,
        contact=name if name is not None else ctx.name(contact_id),
        step=step,
        status=status or ctx.status(due),
        due=due,  # type: ignore[arg-type]  # a date until _finish writes the ISO string
        reason=reason,
        kind=thread.kind if thread else KEEP_IN_TOUCH,
        thread_id=thread.id if thread else None,
        channel=channel,
        unanswered=unanswered,
        recipient_id=recipient_id,
    )


# --------------------------------------------------------------------------- replies
@dataclass(slots=True)
class _Replies:
    last: _Event | None = None  # the latest inbound touch
    answer: _Event | None = None  # our first outbound touch after it
    paid: _Event | None = None

    @property
    def outcome(self) -> str | None:
        return self.last.touch.outcome if self.last else None

    @property
    def anchor(self) -> _Event | None:
        """Outbound touches after this one are follow-ups (None: count from the start)."""
        if self.last and self.outcome == REPLY_ASKED and self.answer:
            return self.answer
        return self.last


def _replies(events: list[_Event]) -> _Replies:
    found = _Replies()
    for e in events:
        if e.inbound:
            found.last = e
            found.answer = None
            if e.touch.outcome == REPLY_PAID:
                found.paid = e
        elif found.last is not None and found.answer is None:
            found.answer = e
    return found


def _after(events: list[_Event], anchor: _Event | None) -> list[_Event]:
    if anchor is None:
        return list(events)
    return [e for e in events if e.order > anchor.order]


def _answer_steps(thread: Thread, replies: _Replies, ctx: _Context) -> list[Suggestion] | None:
    """Rule 10: what a reply asks of us, or None when the sequence goes on."""
    last = replies.last
    if last is None:
        return None
    who = last.touch.contact_id
    said = f" ({_short(last.touch.note)})" if last.touch.note else ""
    channel = last.touch.channel if last.touch.channel in ("email", "linkedin", "message") else "email"
    if replies.outcome == REPLY_REJECTED:
        if replies.answer:
            return [_make(ctx, thread, thread.contact_id, "graceful-close", replies.answer.day,
                          f"{ctx.first_name(who)} chose someone else on {ctx.d(last.day)}; you "
                          f"answered graciously on {ctx.d(replies.answer.day)}. Back to keeping "
                          "in touch.", status="closed", channel=channel, recipient_id=who)]
        return [_make(ctx, thread, who, "graceful-close", last.day,
                      f"{ctx.first_name(who)} chose another candidate on {ctx.d(last.day)}{said}: "
                      "thank them briefly and ask to be kept in mind.",
                      channel=channel, recipient_id=who)]
    if last.touch.unclassified and replies.answer is None:
        # A synced mail: the engine cannot read intent from a subject line (rule 21).
        subject = f" ('{_short(last.touch.note)}')" if last.touch.note else ""
        return [_make(ctx, thread, who, "reply-received", last.day,
                      f"{ctx.first_name(who)} replied on {ctx.d(last.day)}{subject}: what did "
                      "they say?", channel=channel, recipient_id=who)]
    if replies.outcome == REPLY_ASKED and replies.answer is None:
        return [_make(ctx, thread, who, "reply-requested", last.day,
                      f"{ctx.first_name(who)} replied on {ctx.d(last.day)} and asked for "
                      f"something{said}: answer now.", channel=channel, recipient_id=who)]
    return None


def _short(note: str, limit: int = 60) -> str:
    note = " ".join(note.split())
    return note if len(note) <= limit else note[: limit - 1].rstrip() + "…"


def _paused(ctx: _Context, replies: _Replies, due: date) -> tuple[date, str | None]:
    """After a reply the next nudge waits a week after it; returns (due, reason or None)."""
    anchor = replies.anchor
    if anchor is None:
        return due, None
    resume = anchor.day + timedelta(days=ctx.settings.followup_no_decision_days)
    due = max(due, resume)
    who = ctx.first_name(replies.last.touch.contact_id) if replies.last else "They"
    return due, (f"{who} replied on {ctx.d(replies.last.day)}; the sequence is paused "
                 f"until {ctx.d(due)}.") if replies.last else None


# --------------------------------------------------------------------------- interview
def _interview(thread: Thread, events: list[_Event], ctx: _Context) -> list[Suggestion]:
    s = ctx.settings
    start = ctx.parse(thread.at)
    start_day = ctx.day(start)
    decision = _to_date(thread.decision_by)
    if decision:
        first_due = add_business_days(decision, s.followup_business_days)
    else:
        first_due = start_day + timedelta(days=s.followup_no_decision_days)
    people = [p for p in dict.fromkeys([thread.contact_id, *thread.interviewers]) if p in ctx.contacts]
    replies = _replies(events)

    thanked: dict[str, date] = {}
    follow_ups_ever = 0
    for e in events:
        if e.inbound:
            continue
        step, person = e.touch.step, e.touch.contact_id
        if step == "thank-you" or (step is None and person not in thanked and e.day < first_due
                                   and follow_ups_ever == 0 and e.touch.channel != "call"):
            thanked.setdefault(person, e.day)
        elif step not in _NOT_FOLLOW_UPS:
            follow_ups_ever += 1

    out: list[Suggestion] = []
    rejected = replies.outcome == REPLY_REJECTED
    if not rejected and follow_ups_ever == 0 and ctx.today < first_due:
        for person in people:
            if person in thanked:
                continue
            elapsed = ctx.now_utc - start.astimezone(_UTC)
            status: str | None
            if elapsed < timedelta(0):
                status = "upcoming"
            else:
                status = "due" if elapsed <= timedelta(hours=24) else "overdue"
            role = "the interview" if person == thread.contact_id else "interviewing you"
            out.append(_make(
                ctx, thread, person, "thank-you", start_day,
                f"Interviewed {ctx.d(start_day)} {start.astimezone(ctx.tz):%H:%M}"
                f"{_for_role(thread)}: thank {ctx.first_name(person)} for {role} within 24 hours, "
                "a separate short note.", status=status, recipient_id=person))

    answered = _answer_steps(thread, replies, ctx)
    if answered is not None:
        return out + answered

    follow_ups: list[_Event] = []
    calls: list[_Event] = []
    for e in _after(events, replies.anchor):
        if e.inbound or e.touch.step in _NOT_FOLLOW_UPS or _is_thanks(e, thanked, first_due):
            continue
        if e.touch.step == "final-call" or (e.touch.channel == "call" and len(follow_ups) >= 2):
            calls.append(e)
        else:
            follow_ups.append(e)
    main = thread.contact_id
    unanswered = len(follow_ups) + len(calls)
    pause_reason = None
    interviewed = f"Interviewed {ctx.d(start_day)}{_for_role(thread)}"
    if not follow_ups:
        due, pause_reason = _paused(ctx, replies, first_due)
        if decision:
            if ctx.today >= first_due:
                since = business_days_between(decision, ctx.today)
                reason = (f"{interviewed}; decision was due {ctx.d(decision)} — "
                          f"{ordinal(since)} business day since.")
            else:
                reason = (f"{interviewed}; awaiting their decision, due {ctx.d(decision)}: follow "
                          f"up on {ctx.d(first_due)} if there is no news.")
        else:
            reason = (f"{interviewed}, no decision date given — follow up a week later, "
                      f"{ctx.d(first_due)}.")
        status = None
        if due > ctx.today and (pause_reason or (decision and ctx.today <= decision)):
            status = "waiting"
        out.append(_make(ctx, thread, main, "follow-up-1", due, pause_reason or reason,
                         status=status, recipient_id=main, unanswered=unanswered))
        return out
    last = follow_ups[-1]
    if len(follow_ups) == 1:
        passed = decision is not None and decision < last.day
        gap = s.second_followup_after_decision_days if passed else s.second_followup_days
        due = last.day + timedelta(days=gap)
        why = (f"the decision date {ctx.d(decision)} has passed" if decision is not None and passed
               else "no decision date passed")
        reason = (f"{interviewed}; first follow-up on {ctx.d(last.day)} unanswered and {why} — "
                  f"follow up again {('one week' if passed else 'two weeks')} later.")
        out.append(_make(ctx, thread, main, "follow-up-2", due, reason, recipient_id=main,
                         unanswered=unanswered))
        return out
    sent = ", ".join(ctx.d(e.day) for e in follow_ups[-2:])
    if calls:
        call = calls[-1]
        due = call.day + timedelta(days=s.min_gap_days)
        reason = (f"Two follow-ups ({sent}) and a call on {ctx.d(call.day)} unanswered: move "
                  "on — close this thread and keep in touch instead.")
        out.append(_make(ctx, thread, main, "move-on", due, reason, channel="other",
                         recipient_id=main, unanswered=unanswered))
    elif ctx.today < last.day + timedelta(days=2 * s.min_gap_days):
        due = last.day + timedelta(days=s.min_gap_days)
        reason = (f"Two follow-ups ({sent}) unanswered: no more email — one short phone call, "
                  "then move on.")
        out.append(_make(ctx, thread, main, "final-call", due, reason, channel="call",
                         recipient_id=main, unanswered=unanswered))
    else:
        due = last.day + timedelta(days=2 * s.min_gap_days)
        reason = (f"Two follow-ups ({sent}) unanswered and no call made: move on — close this "
                  "thread and keep in touch instead.")
        out.append(_make(ctx, thread, main, "move-on", due, reason, channel="other",
                         recipient_id=main, unanswered=unanswered))
    return out


def _is_thanks(e: _Event, thanked: dict[str, date], first_due: date) -> bool:
    if e.touch.step == "thank-you":
        return True
    return (e.touch.step is None and thanked.get(e.touch.contact_id) == e.day
            and e.day < first_due)


def _for_role(thread: Thread) -> str:
    return f" for {thread.role}" if thread.role else ""


# --------------------------------------------------------------------------- application
def _application(thread: Thread, events: list[_Event], ctx: _Context) -> list[Suggestion]:
    start = ctx.parse(thread.at)
    start_day = ctx.day(start)
    replies = _replies(events)
    answered = _answer_steps(thread, replies, ctx)
    if answered is not None:
        return answered
    # The application itself, logged on the day, is not its follow-up.
    nudges = [e for e in _after(events, replies.anchor)
              if not e.inbound and e.touch.step not in _ANSWERS and e.day > start_day]
    via = thread.via if thread.via in ctx.contacts else None
    target = via or thread.contact_id
    step = "ask-connection" if via else "application-follow-up"
    company = ctx.contacts[thread.contact_id].company
    applied = f"Applied {ctx.d(start_day)}{_for_role(thread)}"
    if nudges:
        done_on = nudges[0].day
        return [_make(ctx, thread, target, step, done_on,
                      f"{applied}; followed up on {ctx.d(done_on)} — one follow-up is the limit, "
                      "nothing more on this application.", status="closed",
                      recipient_id=target, unanswered=len(nudges))]
    base = start_day + timedelta(days=ctx.settings.application_followup_days)
    due, pause_reason = _paused(ctx, replies, base)
    if via:
        reason = (f"{applied}{' at ' + company if company else ''}: ask "
                  f"{ctx.first_name(via)} for a status check and an introduction to the recruiter.")
    else:
        reason = f"{applied}: one short follow-up about a week later; that is the limit."
    status = "waiting" if pause_reason and due > ctx.today else None
    return [_make(ctx, thread, target, step, due, pause_reason or reason, status=status,
                  recipient_id=target)]


# --------------------------------------------------------------------------- invoice
def _invoice(thread: Thread, events: list[_Event], ctx: _Context) -> list[Suggestion]:
    s = ctx.settings
    sent = ctx.day(ctx.parse(thread.at))
    terms = thread.terms if thread.terms is not None else s.invoice_terms_days
    label = f" {thread.label}" if thread.label else ""
    amount = f" ({thread.amount})" if thread.amount else ""
    replies = _replies(events)
    main = thread.contact_id
    if replies.paid:
        return [_make(ctx, thread, main, "payment-reminder", replies.paid.day,
                      f"Invoice{label} paid on {ctx.d(replies.paid.day)}.", status="closed",
                      recipient_id=main)]
    answered = _answer_steps(thread, replies, ctx)
    if answered is not None:
        return answered
    # The email that sent the invoice, logged on the day, is not a reminder.
    reminders = [e for e in _after(events, replies.anchor)
                 if not e.inbound and e.touch.step not in _NOT_FOLLOW_UPS and e.day > sent]
    term_end = sent + timedelta(days=terms)
    if not reminders:
        due, pause_reason = _paused(ctx, replies, term_end)
        reason = (f"Invoice{label}{amount} sent {ctx.d(sent)} on {terms}-day terms: payment was "
                  f"due {ctx.d(term_end)}.")
        if term_end > ctx.today:
            reason = (f"Invoice{label}{amount} sent {ctx.d(sent)} on {terms}-day terms: "
                      f"payment due {ctx.d(term_end)}.")
        status = "waiting" if pause_reason and due > ctx.today else None
        return [_make(ctx, thread, main, "payment-reminder", due, pause_reason or reason,
                      status=status, recipient_id=main)]
    last = reminders[-1]
    due = last.day + timedelta(days=s.invoice_reminder_days)
    number = len(reminders) + 1
    reason = (f"Invoice{label}{amount} still unpaid; reminder {number} — last one "
              f"{ctx.d(last.day)}: email and call, and ask whether someone else should be "
              "contacted.")
    return [_make(ctx, thread, main, "payment-reminder", due, reason, recipient_id=main,
                  unanswered=len(reminders))]


_THREAD_RULES = {"interview": _interview, "application": _application, "invoice": _invoice}


# --------------------------------------------------------------------------- keep in touch
def interval_of(contact: Contact, settings: CadenceSettings) -> int:
    return int(contact.every) if contact.every else settings.interval(contact.tier)


def _keep_in_touch(contact: Contact, ctx: _Context, covering: Thread | None,
                   birthday_today: bool = False) -> Suggestion:
    pending = [jc for jc in contact.job_changes if not jc.get("congratulated")] \
        if contact.job_changes else None
    if pending:
        change = max(pending, key=lambda jc: jc.get("at", ""))
        day = ctx.day_of(change.get("at")) or ctx.today
        where = " at ".join(x for x in (change.get("role", ""), change.get("company", "")) if x)
        channel = "linkedin" if contact.linkedin else "email"
        return _make(ctx, None, contact.id, "congratulate", day,
                     f"{contact.first_name or contact.name} started a new job"
                     f"{' as ' + where if where else ''} ({ctx.d(day)}): congratulate them.",
                     channel=channel, recipient_id=contact.id)
    interval = int(contact.every) if contact.every else ctx.intervals.get(contact.tier, ctx.settings.casual)
    ctx.interval[contact.id] = interval
    last_in = ctx.last_in_day(contact.id)
    last_out = ctx.last_out_day(contact.id)
    if last_in is None or (last_out is not None and last_out > last_in):
        last = last_out
    else:
        last = last_in
    cadence = f"every {interval} days" if contact.every else f"{contact.tier}: every {interval} days"
    if last is None:
        due = ctx.today
        step = "rekindle" if contact.tier == "dormant" else KEEP_IN_TOUCH
        reason = f"Never in touch yet ({cadence}): say hello."
    else:
        due = last + timedelta(days=interval)
        since = (ctx.today - last).days
        way = "they reached you" if last == last_in and last != last_out else "you reached out"
        step = "rekindle" if contact.tier == "dormant" or since > 2 * interval else KEEP_IN_TOUCH
        reason = f"Last touch {ctx.d(last)} ({way}), {since} days ago; {cadence}."
        if step == "rekindle":
            reason += " Rekindle: a short warm note, an article they'd like, or a coffee."
    status = None
    if covering is not None:
        status = "waiting"
        reason = f"The open {covering.kind} thread covers this for now. {reason}"
    elif birthday_today:
        status = "waiting"
        due = max(due, ctx.today + timedelta(days=1))
        reason = f"Their birthday wish today covers this. {reason}"
    elif contact.meetings:
        meeting = next_meeting(contact, ctx.now)
        if meeting is not None:
            day, title = ctx.day(meeting[0]), meeting[1]
            if (day - ctx.today).days <= interval and due <= day:
                status = "waiting"
                due = day
                what = f": {title}" if title else ""
                reason = (f"Next meeting {ctx.d(day)}{what}; keep-in-touch waits until then. "
                          f"{reason}")
    return _make(ctx, None, contact.id, step, due, reason, status=status,
                 recipient_id=contact.id, name=contact.name)


# --------------------------------------------------------------------------- their post
# A post older than this is no longer news: no step.
THEIR_POST_DAYS = 14
# A dormant contact silent for longer than this gets no their-post step.
DORMANT_SILENCE_DAYS = 365
# Steps that count towards a daily keep-in-touch budget, should one be set (the trust
# issue's): their-post is low pressure, like keep-in-touch (rule 4).
KEEP_IN_TOUCH_STEPS = frozenset({KEEP_IN_TOUCH, "rekindle", "their-post"})


def _with_their_posts(found: list[Suggestion], posts: Iterable[Post], ctx: _Context,
                      covered: dict[str, Thread]) -> list[Suggestion]:
    """Add a ``their-post`` step per contact with a post worth replying to; it takes the
    place of that contact's keep-in-touch or rekindle step (one ping per person)."""
    newest: dict[str, Post] = {}
    for post in posts:
        best = newest.get(post.contact_id)
        if best is None or (post.published, post.article_id) > (best.published, best.article_id):
            newest[post.contact_id] = post
    replacing: dict[str, Suggestion] = {}
    for contact_id, post in sorted(newest.items()):
        contact = ctx.contacts.get(contact_id)
        if contact is None:
            continue
        made = _their_post(contact, post, ctx, covered.get(contact_id))
        if made is not None:
            replacing[contact_id] = made
    if not replacing:
        return found
    kept = [s for s in found if not (s.contact_id in replacing and s.thread_id is None
                                     and s.step in (KEEP_IN_TOUCH, "rekindle"))]
    return kept + list(replacing.values())


def _their_post(contact: Contact, post: Post, ctx: _Context, covering: Thread | None) -> Suggestion | None:
    """A new post on their own feed: a good, low-pressure moment to reply (issue 18).

    - Only a post from the last ``THEIR_POST_DAYS`` days (older is not news), and only
      until we write to them after it was published (that reply is the step done).
    - Not for a dormant contact silent for over a year (a reply to a stranger's blog post
      out of the blue reads oddly); keep-in-touch's rekindle covers them. Unless asked:
      a feed followed ``even_if_dormant`` makes the step whatever the silence.
    - Due the day it was published; the pester guard, snooze and skip apply as to every
      step (``_finish``); an open thread with them covers it, as it covers keep-in-touch.
    """
    day = ctx.day_of(post.published)
    if day is None or day > ctx.today or (ctx.today - day).days > THEIR_POST_DAYS:
        return None
    last_out = ctx.last_out_day(contact.id)
    if last_out is not None and last_out >= day:
        return None  # we wrote to them since: replied already
    if contact.tier == "dormant" and not post.even_if_dormant:
        last_in = ctx.last_in_day(contact.id)
        last = max((d for d in (last_in, last_out) if d is not None), default=None)
        if last is None or (ctx.today - last).days > DORMANT_SILENCE_DAYS:
            return None
    first = contact.first_name or contact.name
    reason = f"{first} published '{post.title}' on {ctx.d(day)}: a good moment to reply."
    status = None
    if covering is not None:
        status = "waiting"
        reason = f"The open {covering.kind} thread covers this for now. {reason}"
    made = _make(ctx, None, contact.id, "their-post", day, reason, status=status,
                 recipient_id=contact.id, name=contact.name)
    made.article_id = post.article_id
    return made


def next_meeting(contact: Contact, now: datetime) -> tuple[datetime, str] | None:
    """The contact's next meeting from the calendars still ahead of ``now``: (start, title).
    A meeting already under way (started at most two hours ago) still counts as next."""
    soon = now - timedelta(hours=2)
    for m in contact.meetings or ():
        try:
            at = datetime.fromisoformat(str(m.get("at", "")))
        except (ValueError, TypeError, AttributeError):
            continue
        if at.tzinfo is None:
            at = at.replace(tzinfo=now.tzinfo)
        if at >= soon:
            return at, str(m.get("title", ""))
    return None


# --------------------------------------------------------------------------- birthday
def _birthday(contact: Contact, ctx: _Context) -> Suggestion | None:
    """``birthday`` due on the day (in the user's zone), time-critical and exempt from the
    pester guard; any message to them that day counts as the wish (``closed``). On other
    days it is ``upcoming`` on the next birthday when that is within BIRTHDAY_AHEAD_DAYS
    (further ones would only double the engine's work at 10,000 contacts with birthdays):
    it is never overdue. Its ``kind`` is ``birthday`` (not keep-in-touch, which it covers on
    the day)."""
    day = birthdays.next_on(contact.birthday, ctx.today)
    if day is None or (day - ctx.today).days > BIRTHDAY_AHEAD_DAYS:
        return None
    first = contact.first_name or contact.name
    age = birthdays.age_on(contact.birthday, day)
    turns = f" (turns {age})" if age and age > 0 else ""
    channel = "message" if contact.phone else "email"
    if day == ctx.today:
        if ctx.last_out_day(contact.id) == ctx.today:
            done = _make(ctx, None, contact.id, "birthday", day,
                         f"{first}'s birthday today{turns}: you have sent your wishes.",
                         status="closed", channel=channel, recipient_id=contact.id,
                         name=contact.name)
            done.kind = "birthday"
            return done
        reason = f"{first}'s birthday today{turns}: send a short, warm wish."
    else:
        reason = f"{first}'s birthday on {ctx.d(day)}{turns}."
    wish = _make(ctx, None, contact.id, "birthday", day, reason, channel=channel,
                 recipient_id=contact.id, name=contact.name)
    wish.kind = "birthday"
    return wish


# --------------------------------------------------------------------------- overlays
def _finish(s: Suggestion, ctx: _Context) -> None:
    """Pester guard, snooze, skip, warnings, overdue days and rank (runs 10,000s of times:
    kept lean on purpose)."""
    contact = ctx.contacts.get(s.contact_id)
    last_out = ctx.last_out_day(s.contact_id)
    today = ctx.today
    due: date = s.due  # type: ignore[assignment]  # still a date here (see _make)
    if s.status != "closed":
        if last_out is not None and s.step not in GUARD_EXEMPT:
            guard = last_out + ctx.gap
            if due < guard:
                due = guard
                s.status = "waiting" if guard > today else ctx.status(guard)
                s.reason += (f" Waits until {ctx.d(guard)}: you last reached out "
                             f"{ctx.d(last_out)} (at most once every {ctx.gap.days} days).")
        if contact is not None and contact.snoozed_until:
            until = _to_date(contact.snoozed_until)
            if until is not None and until > today:
                due = max(due, until)
                s.status = "waiting"
                s.reason = f"Snoozed until {ctx.d(until)}. {s.reason}"
            elif until is not None and due < until and s.status in ACTIONABLE:
                due = until
                s.status = ctx.status(until)
        if (contact is not None and contact.skipped_on == ctx.today_iso
                and s.status in ACTIONABLE):
            due = max(due, today + timedelta(days=1))
            s.status = "waiting"
            s.reason = f"Skipped today. {s.reason}"
    s.due = due.isoformat()
    s.overdue_days = (today - due).days if s.status == "overdue" else 0
    if s.unanswered >= 2:
        s.warnings.append(f"{s.unanswered} unanswered follow-ups on this thread")
    if last_out is not None and s.status != "closed" and s.step not in NOT_OUTBOUND:
        days = (today - last_out).days
        if 0 <= days < ctx.gap.days:
            s.warnings.append("you reached out today" if days == 0 else
                              f"last outbound touch {days} day{'s' if days > 1 else ''} ago")
    if contact is not None and contact.snooze_count:
        n = contact.snooze_count
        s.warnings.append(f"snoozed {n} time{'s' if n > 1 else ''}")
    interval = ctx.interval.get(s.contact_id, 0)
    s.rank = rank_key(s, today, interval)
