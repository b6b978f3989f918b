"""The engine and the calendar: birthdays (their own step) and meetings to come."""

from __future__ import annotations

import arrow
import pytest

from crm_tui.config import CadenceSettings
from crm_tui.domain import birthdays, cadence
from crm_tui.domain.models import Contact

NOW = arrow.get("2026-03-02T18:00:00+00:00")  # Monday 2 March 2026 (not a leap year)


def steps(contact: Contact, now: arrow.Arrow = NOW):
    return {s.step: s for s in cadence.compute([contact], [], [], CadenceSettings(), now)}


def person(**kw) -> Contact:
    kw.setdefault("name", "Ada Park")
    kw.setdefault("id", "c1")
    return Contact(**kw)


# ------------------------------------------------------------------------ birthdays
@pytest.mark.parametrize("value, today, want", [
    ("1990-03-02", "2026-03-02", "2026-03-02"),
    ("--03-02", "2026-03-02", "2026-03-02"),
    ("1990-03-01", "2026-03-02", "2027-03-01"),
    ("1992-02-29", "2026-03-02", "2027-02-28"),  # 29 Feb on 28 Feb in common years
    ("1992-02-29", "2027-03-01", "2028-02-29"),  # and on the day in leap years
    ("--02-29", "2027-02-28", "2027-02-28"),
    ("1990-12-31", "2026-12-31", "2026-12-31"),
    ("", "2026-03-02", None),
    ("1990-02-30", "2026-03-02", None),
    ("--13-01", "2026-03-02", None),
])
def test_next_birthday(value, today, want):
    got = birthdays.next_on(value, arrow.get(today).date())
    assert (got.isoformat() if got else None) == want


def test_normalise():
    assert birthdays.normalise("1990-3-2") is None
    assert birthdays.normalise("1990-03-02") == "1990-03-02"
    assert birthdays.normalise("--0302") == "--03-02"
    assert birthdays.normalise("--02-29") == "--02-29"
    assert birthdays.normalise("tomorrow") is None


def test_birthday_is_due_on_the_day_time_critical_and_covers_keep_in_touch():
    found = steps(person(birthday="1986-03-02", last_out="2026-01-01T10:00:00+00:00"))
    wish = found["birthday"]
    assert (wish.status, wish.due, wish.channel) == ("due", "2026-03-02", "email")
    assert "turns 40" in wish.reason
    assert wish.rank[:2] == (0, 0)  # actionable, time-critical tier
    assert found["keep-in-touch"].status == "waiting"
    assert "birthday" in found["keep-in-touch"].reason


def test_birthday_ignores_the_pester_guard():
    found = steps(person(birthday="--03-02", last_out="2026-02-28T10:00:00+00:00"))
    assert found["birthday"].status == "due"


def test_birthday_is_gone_the_next_day_and_never_overdue():
    assert "birthday" not in steps(person(birthday="--03-01"))  # next one in a year


def test_a_birthday_within_60_days_is_upcoming():
    found = steps(person(birthday="--04-30"))
    assert (found["birthday"].status, found["birthday"].due) == ("upcoming", "2026-04-30")
    assert "birthday" not in steps(person(birthday="--05-02"))  # 61 days ahead


def test_a_message_on_the_day_closes_it_and_resets_keep_in_touch():
    found = steps(person(birthday="--03-02", last_out="2026-03-02T09:00:00+00:00", tier="close"))
    assert found["birthday"].status == "closed"
    assert found["keep-in-touch"].due == "2026-03-16"


def test_birthday_follows_the_users_zone():
    # 23:30 on 1 March in New York is already 2 March in UTC: not their birthday yet there.
    late = arrow.get("2026-03-01T23:30:00-05:00")
    assert steps(person(birthday="--03-02"), late)["birthday"].status == "upcoming"
    assert steps(person(birthday="--03-02"), late.to("UTC"))["birthday"].status == "due"


def test_29_february_is_celebrated_on_28_february_in_a_common_year():
    found = steps(person(birthday="2000-02-29"), arrow.get("2026-02-28T10:00:00+00:00"))
    assert found["birthday"].status == "due"


# ------------------------------------------------------------------------ meetings to come
def test_a_meeting_ahead_makes_keep_in_touch_wait_until_then():
    contact = person(tier="active", last_in="2026-01-20T10:00:00+00:00",
                     meetings=[{"at": "2026-03-04T19:00:00+00:00", "title": "Dinner"}])
    kit = steps(contact)["keep-in-touch"]
    assert (kit.status, kit.due) == ("waiting", "2026-03-04")
    assert kit.reason.startswith("Next meeting Wed 4 Mar: Dinner; keep-in-touch waits until then.")


def test_a_meeting_further_than_the_interval_does_not_hold_keep_in_touch():
    contact = person(tier="active", last_in="2026-01-20T10:00:00+00:00",
                     meetings=[{"at": "2026-04-30T19:00:00+00:00", "title": "Dinner"}])
    assert steps(contact)["keep-in-touch"].status == "overdue"


def test_a_past_meeting_not_yet_synced_holds_nothing():
    contact = person(tier="active", last_in="2026-01-20T10:00:00+00:00",
                     meetings=[{"at": "2026-03-01T19:00:00+00:00", "title": "Dinner"}])
    assert steps(contact)["keep-in-touch"].status == "overdue"
    assert cadence.next_meeting(contact, NOW.datetime) is None


def test_a_meeting_after_the_due_date_in_the_future_changes_nothing():
    contact = person(tier="close", last_in="2026-03-01T10:00:00+00:00",
                     meetings=[{"at": "2026-03-20T19:00:00+00:00", "title": "Dinner"}])
    kit = steps(contact)["keep-in-touch"]
    assert (kit.status, kit.due) == ("upcoming", "2026-03-15")


def test_a_meeting_is_a_reply_on_a_thread_not_an_outbound_touch():
    """A meeting touch is inbound: it pauses a sequence like a reply and never trips the
    pester guard (it does not move last_out)."""
    from crm_tui.domain.models import Thread, Touch

    contact = person()
    thread = Thread(id="t1", contact_id="c1", kind="application", at="2026-02-20T10:00:00+00:00")
    meeting = Touch(id="2026-02.1", contact_id="c1", at="2026-02-25T10:00:00+00:00",
                    direction="in", channel="meeting", note="Coffee")
    (s,) = [x for x in cadence.compute([contact], [thread], [meeting], CadenceSettings(), NOW)
            if x.thread_id]
    assert s.status == "waiting" and "paused" in s.reason
    assert not any("last outbound" in w for w in s.warnings)
