"""Scenarios S1-S10 of follow-up-rules.md, each built through the public API.

History is made the way the user makes it: contacts and threads in the store, outbound
touches by doing the suggested step (crm_tui.services.actions.done) at the time it was done.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import arrow
import pytest

from crm_tui.config import Settings
from crm_tui.domain.models import Contact, Suggestion, Thread, Touch
from crm_tui.services import actions, engine
from crm_tui.store.repository import Store

SETTINGS = Settings()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "data", today=arrow.get("2026-01-01T00:00:00+00:00")) as opened:
        yield opened


def t(iso: str) -> arrow.Arrow:
    return arrow.get(iso)


def suggestions(db: Store, when: str) -> list[Suggestion]:
    return engine.suggestions(db, SETTINGS, t(when))


def pick(found: list[Suggestion], **want: object) -> list[Suggestion]:
    return [s for s in found if all(getattr(s, k) == v for k, v in want.items())]


def one(found: list[Suggestion], **want: object) -> Suggestion:
    matches = pick(found, **want)
    assert len(matches) == 1, (want, [(s.contact, s.step, s.status) for s in found])
    return matches[0]


def do(db: Store, when: str, **want: object) -> None:
    """Do the step matching ``want`` as suggested at ``when``."""
    s = one(suggestions(db, when), **want)
    actions.done(db, s, t(when), note=f"{s.step} sent")


def interview(db: Store, at: str, decision_by: str | None = None) -> tuple[Contact, Contact, Thread]:
    dana = db.add_contact(Contact(name="Dana Hiring", company="Tidemark Bank", tier="active"))
    lee = db.add_contact(Contact(name="Lee Panel", company="Tidemark Bank", tier="casual"))
    thread = db.add_thread(Thread(contact_id=dana.id, kind="interview", at=at,
                                  decision_by=decision_by, interviewers=[lee.id]))
    return dana, lee, thread


def test_s1_thank_you_due_today_one_per_interviewer(db):
    dana, lee, thread = interview(db, "2026-03-02T10:00:00+00:00")
    found = suggestions(db, "2026-03-02T18:00:00+00:00")
    thanks = pick(found, step="thank-you", thread_id=thread.id)
    assert {s.recipient_id for s in thanks} == {dana.id, lee.id}
    assert all(s.status == "due" and s.due == "2026-03-02" for s in thanks)
    assert all(s.overdue_days == 0 for s in thanks)


def test_s2_thank_you_overdue_after_24h_ranked_above_keep_in_touch(db):
    dana, lee, thread = interview(db, "2026-03-02T10:00:00+00:00")
    old = db.add_contact(Contact(name="Old Friend", tier="active"))
    db.log_touch(Touch(contact_id=old.id, at="2026-01-20T10:00:00+00:00", direction="in"))
    today = engine.today(db, SETTINGS, t("2026-03-04T09:00:00+00:00"))
    thanks = pick(today, step="thank-you")
    assert len(thanks) == 2
    assert all(s.status == "overdue" and s.due == "2026-03-02" and s.overdue_days == 2
               for s in thanks)
    routine = one(today, contact_id=old.id)
    assert routine.step == "keep-in-touch" and routine.status == "overdue"
    assert max(today.index(s) for s in thanks) < today.index(routine)


def s3_history(db: Store) -> tuple[Contact, Thread]:
    dana, lee, thread = interview(db, "2026-03-02T10:00:00+00:00", decision_by="2026-03-13")
    do(db, "2026-03-02T17:00:00+00:00", step="thank-you", recipient_id=dana.id)
    do(db, "2026-03-02T17:05:00+00:00", step="thank-you", recipient_id=lee.id)
    return dana, thread


def test_s3_first_follow_up_third_business_day_after_decision(db):
    dana, thread = s3_history(db)
    before = one(suggestions(db, "2026-03-16T09:00:00+00:00"), thread_id=thread.id)
    assert (before.step, before.status, before.due) == ("follow-up-1", "upcoming", "2026-03-18")
    found = suggestions(db, "2026-03-18T09:00:00+00:00")
    s = one(found, thread_id=thread.id)
    assert (s.step, s.status, s.due, s.contact_id) == ("follow-up-1", "due", "2026-03-18", dana.id)
    assert "Fri 13 Mar" in s.reason and "third business day" in s.reason


def test_s4_second_follow_up_a_week_after_the_first(db):
    dana, thread = s3_history(db)
    do(db, "2026-03-18T09:30:00+00:00", thread_id=thread.id, step="follow-up-1")
    s = one(suggestions(db, "2026-03-25T09:00:00+00:00"), thread_id=thread.id)
    assert (s.step, s.status, s.due) == ("follow-up-2", "due", "2026-03-25")


def test_s5_after_two_unanswered_a_final_call_then_move_on(db):
    dana, thread = s3_history(db)
    do(db, "2026-03-18T09:30:00+00:00", thread_id=thread.id, step="follow-up-1")
    do(db, "2026-03-25T09:30:00+00:00", thread_id=thread.id, step="follow-up-2")
    found = suggestions(db, "2026-04-03T09:00:00+00:00")
    s = one(found, thread_id=thread.id)
    assert (s.step, s.status, s.due, s.channel) == ("final-call", "overdue", "2026-04-01", "call")
    assert "2 unanswered follow-ups on this thread" in s.warnings
    assert not [x for x in found if x.thread_id == thread.id and x.channel == "email"
                and x.status in ("due", "overdue")]
    actions.done(db, s, t("2026-04-03T11:00:00+00:00"), note="Voicemail left")
    after = one(suggestions(db, "2026-04-10T09:00:00+00:00"), thread_id=thread.id)
    assert (after.step, after.status, after.due) == ("move-on", "due", "2026-04-10")
    assert actions.done(db, after, t("2026-04-10T09:00:00+00:00")) is None
    assert db.thread(thread.id).status == "closed"
    assert not pick(suggestions(db, "2026-04-11T09:00:00+00:00"), thread_id=thread.id)


def test_s6_first_follow_up_one_week_without_decision_date(db):
    dana, lee, thread = interview(db, "2026-03-03T11:00:00+00:00")
    do(db, "2026-03-03T16:00:00+00:00", step="thank-you", recipient_id=dana.id)
    do(db, "2026-03-03T16:10:00+00:00", step="thank-you", recipient_id=lee.id)
    s = one(suggestions(db, "2026-03-10T09:00:00+00:00"), thread_id=thread.id)
    assert (s.step, s.status, s.due) == ("follow-up-1", "due", "2026-03-10")


@pytest.mark.parametrize("when", ["2026-03-02T18:00:00+00:00", "2026-07-15T08:00:00+00:00",
                                  "2027-01-01T00:30:00+00:00"])
def test_s7_active_contact_forty_days_after_an_inbound_touch(db, when):
    now = t(when)
    maya = db.add_contact(Contact(name="Maya", tier="active"))
    db.log_touch(Touch(contact_id=maya.id, at=now.shift(days=-40).isoformat(), direction="in"))
    s = one(suggestions(db, when), contact_id=maya.id)
    assert (s.step, s.status, s.overdue_days) == ("keep-in-touch", "overdue", 10)
    assert s.due == now.shift(days=-10).date().isoformat()


def test_s8_pester_guard_after_an_article_share(db):
    dana, thread = s3_history(db)
    db.log_touch(Touch(contact_id=dana.id, at="2026-03-16T12:00:00+00:00", direction="out",
                       note="Shared the piece on bank data platforms"))
    s = one(suggestions(db, "2026-03-18T09:00:00+00:00"), thread_id=thread.id)
    assert (s.step, s.status, s.due) == ("follow-up-1", "waiting", "2026-03-23")
    assert "Mon 16 Mar" in s.reason
    assert not pick(engine.today(db, SETTINGS, t("2026-03-18T09:00:00+00:00")), thread_id=thread.id)
    later = one(suggestions(db, "2026-03-23T09:00:00+00:00"), thread_id=thread.id)
    assert (later.step, later.status) == ("follow-up-1", "due")


def test_s9_first_payment_reminder_when_terms_elapse(db):
    client = db.add_contact(Contact(name="Ravi Client", company="Kestrel Logistics"))
    thread = db.add_thread(Thread(contact_id=client.id, kind="invoice",
                                  at="2026-02-01T10:00:00+00:00", terms=30, label="#2026-004"))
    s = one(engine.today(db, SETTINGS, t("2026-03-04T09:00:00+00:00")), thread_id=thread.id)
    assert (s.step, s.due, s.status) == ("payment-reminder", "2026-03-03", "overdue")
    assert s.overdue_days == 1


@pytest.mark.parametrize("when", ["2026-03-20T09:00:00+00:00", "2026-04-15T09:00:00+00:00",
                                  "2026-12-01T09:00:00+00:00"])
def test_s10_application_one_follow_up_then_nothing(db, when):
    recruiter = db.add_contact(Contact(name="Ines Recruiter", company="Mossgate Software"))
    thread = db.add_thread(Thread(contact_id=recruiter.id, kind="application",
                                  at="2026-03-02T10:00:00+00:00", role="Data Engineer"))
    do(db, "2026-03-09T10:00:00+00:00", thread_id=thread.id, step="application-follow-up")
    found = suggestions(db, when)
    on_thread = pick(found, thread_id=thread.id)
    assert all(s.status == "closed" for s in on_thread)
    assert not pick(engine.today(db, SETTINGS, t(when)), thread_id=thread.id)
