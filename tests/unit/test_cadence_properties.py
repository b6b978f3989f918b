"""Invariants of the cadence engine, checked with Hypothesis on random histories.

- no due outbound step breaks the minimum gap (rule 16), except the exempt ones;
- after two unanswered follow-ups on an interview, only final-call / move-on (rule 9);
- an inbound touch always pauses the sequence (rule 10);
- a closed thread is never due;
- the ranking is a total order: distinct keys, and the result does not depend on input order.

Random histories rarely reach the interesting case on their own (two follow-ups logged and
left unanswered: 0 of 400 examples; a step falling due after an outbound touch: 0-8 of 100),
so the strategies below build it on top of a random world, and every property counts the
examples that reached its case and asserts, after the run, that at least a stated share did
(``Reach``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import arrow
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_tui.config import CadenceSettings
from crm_tui.domain.cadence import GUARD_EXEMPT, compute, who_to_ping
from crm_tui.domain.models import TIERS, Contact, Thread, Touch

SETTINGS = CadenceSettings()
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]
OUT_STEPS = [None, None, "thank-you", "follow-up-1", "follow-up-2", "final-call",
             "reply-requested", "payment-reminder", "application-follow-up"]
FOLLOW_UPS = {"follow-up-1", "follow-up-2"}
PROPS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def worlds(draw):
    tz = draw(st.sampled_from(ZONES))
    naive = draw(st.datetimes(min_value=datetime(2026, 1, 5), max_value=datetime(2026, 12, 20)))
    now = arrow.get(naive, tzinfo=tz)
    today = now.date()
    n = draw(st.integers(1, 4))
    contacts = []
    for i in range(1, n + 1):
        snooze = draw(st.one_of(st.none(), st.integers(-5, 10)))
        contacts.append(Contact(
            name=f"Person {i}", id=f"c{i}",
            tier=draw(st.sampled_from(TIERS)),
            every=draw(st.one_of(st.none(), st.integers(1, 60))),
            snoozed_until=(today + timedelta(days=snooze)).isoformat() if snooze is not None else None,
            snooze_count=draw(st.integers(0, 3)),
            skipped_on=today.isoformat() if draw(st.booleans()) and draw(st.booleans()) else None,
        ))
    ids = [c.id for c in contacts]
    threads = []
    for j in range(1, draw(st.integers(0, 3)) + 1):
        kind = draw(st.sampled_from(["interview", "application", "invoice"]))
        owner = draw(st.sampled_from(ids))
        others = [i for i in ids if i != owner]
        start = now.shift(days=-draw(st.integers(0, 70)), hours=-draw(st.integers(0, 23)))
        threads.append(Thread(
            contact_id=owner, kind=kind, id=f"t{j}", at=start.isoformat(),
            status="closed" if draw(st.integers(0, 5)) == 0 else "open",
            decision_by=((start.date() + timedelta(days=draw(st.integers(-2, 20)))).isoformat()
                         if kind == "interview" and draw(st.booleans()) else None),
            interviewers=draw(st.lists(st.sampled_from(others), unique=True, max_size=2))
            if kind == "interview" and others else [],
            via=draw(st.sampled_from(others)) if kind == "application" and others and draw(st.booleans()) else None,
            terms=draw(st.integers(0, 45)),
        ))
    touches = []
    for k in range(1, draw(st.integers(0, 12)) + 1):
        inbound = draw(st.booleans()) and draw(st.booleans())
        thread = draw(st.one_of(st.none(), st.sampled_from(threads))) if threads else None
        who = thread.contact_id if thread is not None and draw(st.booleans()) else draw(st.sampled_from(ids))
        at = now.shift(minutes=-draw(st.integers(0, 90 * 24 * 60)))
        if draw(st.booleans()):
            at = at.to("UTC")
        touches.append(Touch(
            contact_id=who, at=at.isoformat(), id=f"2026-{k}",
            direction="in" if inbound else "out",
            channel=draw(st.sampled_from(["email", "email", "call", "linkedin"])),
            thread_id=thread.id if thread is not None else None,
            step=None if inbound else draw(st.sampled_from(OUT_STEPS)),
            outcome=draw(st.sampled_from([None, None, "asked", "rejected", "paid"])) if inbound else None,
        ))
    return now, contacts, threads, touches


class Reach:
    """How many examples of one property reached its case (the branch that asserts)."""

    def __init__(self, case: str) -> None:
        self.case = case
        self.examples = 0
        self.reached = 0

    def __call__(self, reached: bool) -> None:
        self.examples += 1
        self.reached += bool(reached)

    def at_least(self, share: float) -> None:
        assert self.examples, "the property ran no example"
        assert self.reached >= share * self.examples, (
            f"{self.case}: reached in {self.reached} of {self.examples} examples, "
            f"expected at least {share:.0%}")


# The built part of a world: a fresh contact, never snoozed or skipped, with one open thread.
BUILT = "c9"
BUILT_THREAD = "t9"


def _built_contact(draw) -> Contact:
    return Contact(name="Built Person", id=BUILT, tier=draw(st.sampled_from(TIERS)))


@st.composite
def worlds_with_a_due_thread(draw, share: bool = False, status: str = "open"):
    """A random world plus a thread whose next step the calendar already makes due (an
    invoice past its terms, an application or an interview more than a week old), open
    unless ``status`` says otherwise; with ``share``, an article shared with its contact 0 to
    14 days ago (no thread), so the pester guard holds the step back in some examples and
    lets it through in others."""
    now, contacts, threads, touches = draw(worlds())
    kind = draw(st.sampled_from(["interview", "application", "invoice"]))
    terms = draw(st.integers(0, 45))
    late = draw(st.integers(1, 30))
    days_ago = late + (terms if kind == "invoice" else SETTINGS.followup_no_decision_days)
    start = now.shift(days=-days_ago, hours=-draw(st.integers(0, 23)))
    thread = Thread(contact_id=BUILT, kind=kind, id=BUILT_THREAD, at=start.isoformat(),
                    terms=terms, status=status)
    extra = []
    if share:
        # Half within the gap (held back), half at or past its end (let through).
        days = draw(st.integers(0, 6) if draw(st.booleans()) else st.integers(7, 14))
        ago = now.shift(days=-days, minutes=-draw(st.integers(0, 24 * 60 - 1)))
        extra.append(Touch(contact_id=BUILT, at=ago.isoformat(), id="2026-101",
                           direction="out", channel="email", note="shared an article"))
    return (now, [*contacts, _built_contact(draw)], [*threads, thread], [*touches, *extra])


@st.composite
def worlds_with_two_unanswered(draw):
    """A random world plus an interview whose two follow-ups were logged and never answered
    (sometimes after an earlier reply, or an answer to something they asked, and sometimes
    followed by the final call)."""
    now, contacts, threads, touches = draw(worlds())
    # Mostly a week or more ago, when the final call (or moving on) is due.
    recent = draw(st.booleans()) and draw(st.booleans())
    days = draw(st.integers(0, 6) if recent else st.integers(7, 35))
    second = now.shift(days=-days, minutes=-draw(st.integers(0, 600)))
    first = second.shift(days=-draw(st.integers(1, 21)))
    start = first.shift(days=-draw(st.integers(1, 20)), hours=-draw(st.integers(0, 12)))
    decision = (start.date() + timedelta(days=draw(st.integers(-2, 20)))).isoformat() \
        if draw(st.booleans()) else None
    ids = [c.id for c in contacts]
    thread = Thread(contact_id=BUILT, kind="interview", id=BUILT_THREAD, at=start.isoformat(),
                    decision_by=decision,
                    interviewers=draw(st.lists(st.sampled_from(ids), unique=True, max_size=2)))
    n = iter(range(201, 300))

    def touch(at, direction="out", **fields) -> Touch:
        return Touch(contact_id=fields.pop("contact_id", BUILT), at=at.isoformat(),
                     id=f"2026-{next(n)}", direction=direction, thread_id=BUILT_THREAD,
                     channel=fields.pop("channel", "email"), **fields)

    history = []
    if draw(st.booleans()):
        history.append(touch(start.shift(hours=4), step="thank-you"))
    earlier = draw(st.sampled_from([None, None, "reply", "asked"]))
    if earlier:
        history.append(touch(first.shift(hours=-12), "in",
                             outcome="asked" if earlier == "asked" else None))
        if earlier == "asked":
            history.append(touch(first.shift(hours=-6), step="reply-requested"))
    history.append(touch(first, step="follow-up-1"))
    history.append(touch(second, step="follow-up-2"))
    if days >= 8 and draw(st.booleans()):
        # The final call, a week or more ago: moving on is due.
        called = now.shift(days=-draw(st.integers(7, days - 1)), minutes=-draw(st.integers(0, 600)))
        history.append(touch(called, step="final-call", channel="call"))
    return (now, [*contacts, _built_contact(draw)], [*threads, thread], [*touches, *history])


def local_day(iso: str, now: arrow.Arrow):
    return arrow.get(iso).to(now.tzinfo).date()


def test_no_due_outbound_step_breaks_the_minimum_gap():
    reach = Reach("a due step for a contact reached out to before")

    @PROPS
    @given(worlds_with_a_due_thread(share=True))
    def check(world):
        now, contacts, threads, touches = world
        today = now.date()
        reached = False
        for s in who_to_ping(compute(contacts, threads, touches, SETTINGS, now)):
            if s.step in GUARD_EXEMPT:
                continue
            outs = [local_day(t.at, now) for t in touches
                    if t.contact_id == s.contact_id and t.direction == "out"]
            if outs:
                reached = True
                assert (today - max(outs)).days >= SETTINGS.min_gap_days, s
        reach(reached)

    check()
    reach.at_least(0.3)


def test_after_two_unanswered_follow_ups_only_a_call_or_moving_on():
    reach = Reach("a due step on an interview with two unanswered follow-ups")

    @PROPS
    @given(worlds_with_two_unanswered())
    def check(world):
        now, contacts, threads, touches = world
        found = compute(contacts, threads, touches, SETTINGS, now)
        reached = False
        for thread in threads:
            if thread.kind != "interview":
                continue
            mine = sorted((t for t in touches if t.thread_id == thread.id),
                          key=lambda t: (arrow.get(t.at), int(t.id.split("-")[1])))
            # replies from the thread's people logged without a thread count too
            people = {thread.contact_id, *thread.interviewers}
            loose = [t for t in touches if t.thread_id is None and t.direction == "in"
                     and t.contact_id in people and arrow.get(t.at) >= arrow.get(thread.at)]
            mine = sorted(mine + loose, key=lambda t: (arrow.get(t.at), int(t.id.split("-")[1])))
            last_in = max((i for i, t in enumerate(mine) if t.direction == "in"), default=-1)
            after = mine[last_in + 1:]
            if last_in >= 0 and mine[last_in].outcome == "asked" and after:
                after = after[1:]  # our answer to what they asked is not a follow-up
            unanswered = [t for t in after if t.direction == "out" and t.step in FOLLOW_UPS]
            if len(unanswered) < 2:
                continue
            for s in found:
                if s.thread_id == thread.id and s.status in ("due", "overdue"):
                    reached = True
                    assert s.step in ("final-call", "move-on"), (s, unanswered)
        reach(reached)

    check()
    reach.at_least(0.3)


def test_an_inbound_touch_always_pauses_the_sequence():
    reach = Reach("a reply on a thread that had a step due")

    @PROPS
    @given(worlds_with_a_due_thread(), st.data())
    def check(world, data):
        now, contacts, threads, touches = world
        open_threads = [t for t in threads if t.status == "open"]
        if not open_threads:
            reach(False)
            return
        # The built thread (its step is due) or any open one.
        thread = data.draw(st.one_of(st.sampled_from(open_threads[-1:]),
                                     st.sampled_from(open_threads)))
        outcome = data.draw(st.sampled_from([None, "asked"]))
        allowed = {"thank-you"} | ({"reply-requested"} if outcome == "asked" else set())
        before = compute(contacts, threads, touches, SETTINGS, now)
        reply = Touch(contact_id=thread.contact_id, at=now.isoformat(), direction="in",
                      id="2026-999", thread_id=thread.id, outcome=outcome)
        found = compute(contacts, threads, [*touches, reply], SETTINGS, now)
        for s in found:
            if s.thread_id == thread.id and s.status in ("due", "overdue"):
                assert s.step in allowed, s
        # The case: without the reply a step the reply must hold back was due.
        reach(any(s.thread_id == thread.id and s.status in ("due", "overdue")
                  and s.step not in allowed for s in before))

    check()
    reach.at_least(0.5)


def test_a_closed_thread_is_never_due():
    reach = Reach("a closed thread that would have a step due if it were open")

    @PROPS
    @given(worlds_with_a_due_thread(status="closed"))
    def check(world):
        now, contacts, threads, touches = world
        closed = {t.id for t in threads if t.status == "closed"}
        found = compute(contacts, threads, touches, SETTINGS, now)
        assert not [s for s in found if s.thread_id in closed]
        assert all(s.status in ("due", "overdue") for s in who_to_ping(found))
        reopened = [replace(t, status="open") for t in threads]
        reach(any(s.thread_id in closed for s in
                  who_to_ping(compute(contacts, reopened, touches, SETTINGS, now))))

    check()
    reach.at_least(0.9)


def test_the_ranking_is_a_total_order():
    reach = Reach("two or more suggestions to order")

    @PROPS
    @given(worlds(), st.randoms(use_true_random=False))
    def check(world, rnd):
        now, contacts, threads, touches = world
        found = compute(contacts, threads, touches, SETTINGS, now)
        ranks = [s.rank for s in found]
        assert len(set(ranks)) == len(ranks)
        assert ranks == sorted(ranks)
        shuffled = [list(x) for x in (contacts, threads, touches)]
        for part in shuffled:
            rnd.shuffle(part)
        again = compute(*shuffled, SETTINGS, now)
        assert [s.to_json() for s in again] == [s.to_json() for s in found]
        for s in found:
            assert s.overdue_days >= 0
            assert (s.status == "overdue") == (s.overdue_days > 0) or s.status == "overdue"
        reach(len(found) >= 2)

    check()
    reach.at_least(0.4)
