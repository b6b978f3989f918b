"""The `their-post` step (issue 18): a new post on a contact's own feed, a moment to reply."""

from __future__ import annotations

import arrow

from crm_tui.config import CadenceSettings
from crm_tui.domain.cadence import KEEP_IN_TOUCH_STEPS, compute, who_to_ping
from crm_tui.domain.models import Contact, Post, Thread, Touch

NOW = arrow.get("2026-03-17T09:00:00+00:00")  # a Tuesday


def ada(**extra) -> Contact:
    fields = {"name": "Ada Lovelace", "id": "c1", "tier": "active", "last_out": "2026-02-01T10:00:00+00:00"}
    fields.update(extra)
    return Contact(**fields)


def post(published: str = "2026-03-15T08:00:00+00:00", title: str = "What I learned shipping robots") -> Post:
    return Post(contact_id="c1", article_id="a7", title=title, published=published)


def steps(found, contact_id="c1"):
    return [(s.step, s.status, s.due) for s in found if s.contact_id == contact_id]


def test_a_new_post_is_a_moment_to_reply_and_takes_keep_in_touchs_place():
    found = compute([ada()], [], [], CadenceSettings(), NOW, [post()])
    assert steps(found) == [("their-post", "overdue", "2026-03-15")]
    s = found[0]
    assert s.reason == "Ada published 'What I learned shipping robots' on Sun 15 Mar: a good moment to reply."
    assert s.article_id == "a7" and s.recipient_id == "c1" and s.channel == "email"
    assert s.rank[1] == 4  # ranked with keep-in-touch (rule 4: low pressure)
    assert "their-post" in KEEP_IN_TOUCH_STEPS  # the hook a daily keep-in-touch budget counts with


def test_without_a_post_keep_in_touch_is_unchanged():
    assert [x[0] for x in steps(compute([ada()], [], [], CadenceSettings(), NOW, []))] == ["keep-in-touch"]


def test_older_than_14_days_is_not_news():
    found = compute([ada()], [], [], CadenceSettings(), NOW, [post("2026-03-02T08:00:00+00:00")])
    assert [x[0] for x in steps(found)] == ["keep-in-touch"]
    found = compute([ada()], [], [], CadenceSettings(), NOW, [post("2026-03-03T08:00:00+00:00")])
    assert [x[0] for x in steps(found)] == ["their-post"]


def test_the_newest_post_is_the_one_mentioned():
    found = compute([ada()], [], [], CadenceSettings(), NOW,
                    [post("2026-03-10T08:00:00+00:00", "Older"), post("2026-03-16T08:00:00+00:00", "Newer")])
    assert "'Newer'" in found[0].reason


def test_writing_to_them_after_the_post_is_the_reply():
    replied = ada(last_out="2026-03-16T12:00:00+00:00")
    found = compute([replied], [], [], CadenceSettings(), NOW, [post()])
    assert "their-post" not in [x[0] for x in steps(found)]


def test_the_pester_guard_applies():
    recent = ada(last_out="2026-03-14T12:00:00+00:00")  # before the post, 3 days ago
    found = compute([recent], [], [], CadenceSettings(), NOW, [post()])
    assert steps(found) == [("their-post", "waiting", "2026-03-21")]
    assert "Waits until Sat 21 Mar" in found[0].reason
    assert who_to_ping(found) == []


def test_a_dormant_contact_silent_for_over_a_year_is_left_alone():
    silent = ada(tier="dormant", last_out="2024-11-01T10:00:00+00:00", last_in=None)
    found = compute([silent], [], [], CadenceSettings(), NOW, [post()])
    assert [x[0] for x in steps(found)] == ["rekindle"]
    never = ada(tier="dormant", last_out=None)
    assert "their-post" not in [x[0] for x in steps(compute([never], [], [], CadenceSettings(), NOW, [post()]))]
    lately = ada(tier="dormant", last_out=None, last_in="2025-12-01T10:00:00+00:00")
    assert [x[0] for x in steps(compute([lately], [], [], CadenceSettings(), NOW, [post()]))] == ["their-post"]


def test_time_critical_steps_rank_first():
    grace = Contact(name="Grace Hopper", id="c2", tier="active")
    thread = Thread(contact_id="c2", kind="interview", at="2026-03-17T08:00:00+00:00", id="t1")
    found = who_to_ping(compute([ada(), grace], [thread], [], CadenceSettings(), NOW, [post()]))
    assert [(s.contact_id, s.step) for s in found][:2] == [("c2", "thank-you"), ("c1", "their-post")]


def test_an_open_thread_with_them_covers_it():
    thread = Thread(contact_id="c1", kind="application", at="2026-03-12T08:00:00+00:00", id="t1")
    sent = Touch(contact_id="c1", at="2026-03-12T08:00:00+00:00", direction="out", thread_id="t1", id="2026-1")
    found = compute([ada(last_out=sent.at)], [thread], [sent], CadenceSettings(), NOW, [post()])
    mine = [s for s in found if s.step == "their-post"]
    assert len(mine) == 1 and mine[0].status == "waiting"
    assert mine[0].reason.startswith("The open application thread covers this for now.")


def test_a_dormant_contact_followed_even_if_dormant_gets_the_step():
    """'... unless asked': a feed followed even if dormant makes the step whatever the silence."""
    silent = ada(tier="dormant", last_out="2024-11-01T10:00:00+00:00", last_in=None)
    asked = Post(contact_id="c1", article_id="a7", title="Back at it", published="2026-03-15T08:00:00+00:00",
                 even_if_dormant=True)
    found = compute([silent], [], [], CadenceSettings(), NOW, [asked])
    assert [x[0] for x in steps(found)] == ["their-post"]
    never = ada(tier="dormant", last_out=None)
    assert [x[0] for x in steps(compute([never], [], [], CadenceSettings(), NOW, [asked]))] == ["their-post"]
    # The other limits still hold: old news is no step, a reply since ends it.
    stale = Post(contact_id="c1", article_id="a7", title="Old", published="2026-03-01T08:00:00+00:00",
                 even_if_dormant=True)
    assert "their-post" not in [x[0] for x in steps(compute([silent], [], [], CadenceSettings(), NOW, [stale]))]
