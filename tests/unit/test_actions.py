"""crm_tui.services.actions: what done / reply / snooze / skip / move on write to the store."""

from __future__ import annotations

import arrow
import pytest

from crm_tui.config import Settings
from crm_tui.domain.models import Article, Contact, Feed, Thread, Touch
from crm_tui.services import actions, engine

NOW = arrow.get("2026-03-02T18:00:00+00:00")


def only(store, contact_id, **want):
    found = [s for s in engine.for_contact(store, Settings(), NOW, contact_id)
             if all(getattr(s, k) == v for k, v in want.items())]
    assert len(found) == 1, found
    return found[0]


def test_done_logs_the_step_on_its_thread_to_the_recipient(store):
    dana = store.add_contact(Contact(name="Dana"))
    lee = store.add_contact(Contact(name="Lee"))
    thread = store.add_thread(Thread(contact_id=dana.id, kind="interview",
                                     at="2026-03-02T10:00:00+00:00", interviewers=[lee.id]))
    s = only(store, lee.id, step="thank-you")
    touch = actions.done(store, s, NOW, note="Thanks!")
    assert (touch.contact_id, touch.thread_id, touch.step, touch.direction) == (
        lee.id, thread.id, "thank-you", "out")
    assert store.contact(lee.id).last_out == NOW.isoformat()


def test_done_with_an_article_records_the_share(store):
    maya = store.add_contact(Contact(name="Maya"))
    feed = store.add_feed(Feed(url="/tmp/feed.xml"))
    article = store.add_article(Article(feed_id=feed.id, title="dbt at scale"))
    s = only(store, maya.id, step="keep-in-touch")
    touch = actions.done(store, s, NOW, article_id=article.id)
    (share,) = store.shares(maya.id)
    assert (share.article_id, share.touch_id) == (article.id, touch.id)
    with pytest.raises(actions.ActionError):
        actions.done(store, s, NOW, article_id="a999")


def test_congratulate_done_marks_the_job_change(store):
    dan = store.add_contact(Contact(name="Dan", job_changes=[
        {"at": "2026-03-01T09:00:00+00:00", "company": "Tidemark Bank", "congratulated": False}]))
    s = only(store, dan.id, step="congratulate")
    actions.done(store, s, NOW)
    assert store.contact(dan.id).job_changes[0]["congratulated"] is True
    assert only(store, dan.id).step == "keep-in-touch"


def test_reply_finds_the_only_open_thread_and_paid_closes_an_invoice(store):
    ravi = store.add_contact(Contact(name="Ravi"))
    invoice = store.add_thread(Thread(contact_id=ravi.id, kind="invoice", at="2026-01-01T10:00:00+00:00"))
    touch = actions.reply(store, ravi.id, NOW, outcome="paid", note="Paid today")
    assert touch.thread_id == invoice.id and touch.direction == "in"
    assert store.thread(invoice.id).status == "closed"
    assert store.thread(invoice.id).close_reason == "paid"


def test_reply_with_two_open_threads_stays_unthreaded_and_paid_needs_an_invoice(store):
    ravi = store.add_contact(Contact(name="Ravi"))
    store.add_thread(Thread(contact_id=ravi.id, kind="interview", at="2026-02-01T10:00:00+00:00"))
    store.add_thread(Thread(contact_id=ravi.id, kind="application", at="2026-02-01T10:00:00+00:00"))
    assert actions.reply(store, ravi.id, NOW).thread_id is None
    with pytest.raises(actions.ActionError, match="invoice"):
        actions.reply(store, ravi.id, NOW, outcome="paid")


def test_graceful_close_done_closes_the_thread(store):
    clara = store.add_contact(Contact(name="Clara"))
    thread = store.add_thread(Thread(contact_id=clara.id, kind="interview", at="2026-02-20T10:00:00+00:00"))
    actions.reply(store, clara.id, NOW.shift(hours=-2), thread_id=thread.id, outcome="rejected")
    s = only(store, clara.id, step="graceful-close")
    assert s.status == "due"
    actions.done(store, s, NOW)
    assert store.thread(thread.id).status == "closed"
    assert only(store, clara.id).step == "keep-in-touch"


def test_snooze_counts_and_refuses_the_past(store):
    mei = store.add_contact(Contact(name="Mei"))
    actions.snooze(store, mei.id, "2026-03-09", NOW)
    actions.snooze(store, mei.id, "2026-03-12", NOW)
    assert (store.contact(mei.id).snoozed_until, store.contact(mei.id).snooze_count) == ("2026-03-12", 2)
    for bad in ("2026-03-02", "yesterday"):
        with pytest.raises(actions.ActionError):
            actions.snooze(store, mei.id, bad, NOW)


def test_skip_today_and_move_on(store):
    mei = store.add_contact(Contact(name="Mei"))
    actions.skip_today(store, mei.id, NOW)
    assert store.contact(mei.id).skipped_on == "2026-03-02"
    assert not engine.today(store, Settings(), NOW)
    thread = store.add_thread(Thread(contact_id=mei.id, kind="application", at="2026-02-01T10:00:00+00:00"))
    closed = actions.move_on(store, thread.id, NOW)
    assert (closed.status, closed.close_reason, closed.closed_at) == ("closed", "moved on", NOW.isoformat())
    with pytest.raises(actions.ActionError):
        actions.move_on(store, "t99", NOW)


def test_next_due_names_the_soonest_step(store):
    maya = store.add_contact(Contact(name="Maya", tier="close"))
    store.log_touch(Touch(
        contact_id=maya.id, at="2026-03-01T10:00:00+00:00"))
    upcoming = engine.next_due(store, Settings(), NOW)
    assert (upcoming.contact, upcoming.due) == ("Maya", "2026-03-15")
