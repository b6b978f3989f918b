"""crm_tui.sources.calendar: meetings in calendars become touches, exactly once."""

from __future__ import annotations

import time

import arrow
import pytest

from crm_tui.config import Settings
from crm_tui.domain.models import Contact
from crm_tui.sources import calendar as cal
from tests.sources.ics import event, write

NOW = arrow.get("2026-03-02T18:00:00+00:00")  # a Monday


@pytest.fixture
def settings() -> Settings:
    s = Settings()
    s.me.emails = ["Me@Example.com"]
    return s


@pytest.fixture
def people(store):
    ada = store.add_contact(Contact(name="Ada Park", emails=["ada@example.com"]))
    ben = store.add_contact(Contact(name="Ben Ode", emails=["ben@example.com", "ben.ode@work.example"]))
    return ada, ben


def meetings(store, contact_id=None):
    return [t for t in store.touches(contact_ids=[contact_id] if contact_id else None)
            if t.channel == "meeting"]


def sync(store, path, settings, now=NOW, **kw):
    return cal.sync(store, [path], settings, now, **kw)


def test_a_past_meeting_is_one_inbound_meeting_touch_and_resyncing_changes_nothing(
        store, people, settings, tmp_path):
    ada, _ = people
    path = write(tmp_path / "cal.ics", event("u1", ":20260225T190000Z", summary="Dinner \x1b[31m",
                                             attendees=("ada@example.com",)))
    summary = sync(store, path, settings)
    (touch,) = meetings(store)
    assert (touch.contact_id, touch.direction, touch.channel, touch.note) == (
        ada.id, "in", "meeting", "Dinner")  # the escape sequence is cleaned away
    assert arrow.get(touch.at) == arrow.get("2026-02-25T19:00:00Z")
    assert (touch.source, touch.key) == ("calendar", "u1|single")
    assert store.contact(ada.id).last_in == touch.at
    assert summary.touches_added == 1 and not summary.unreadable
    before = {p.name: p.read_bytes() for p in store.folder.glob("*.json")}
    again = sync(store, path, settings)
    assert (again.touches_added, again.touches_moved, again.touches_removed) == (0, 0, 0)
    assert {p.name: p.read_bytes() for p in store.folder.glob("*.json")} == before


def test_future_meetings_are_kept_on_the_contact_not_as_touches(store, people, settings, tmp_path):
    ada, _ = people
    path = write(tmp_path / "cal.ics",
                 event("later", ":20260310T120000Z", summary="Lunch", attendees=("ada@example.com",)),
                 event("sooner", ":20260304T080000Z", summary="Call", attendees=("ada@example.com",)))
    summary = sync(store, path, settings)
    assert meetings(store) == []
    assert [m["title"] for m in store.contact(ada.id).meetings] == ["Call", "Lunch"]
    assert summary.upcoming == 1
    # When the first one is past, the next sync makes it a touch and drops it from the list.
    sync(store, path, settings, now=arrow.get("2026-03-05T09:00:00+00:00"))
    assert [t.note for t in meetings(store)] == ["Call"]
    assert [m["title"] for m in store.contact(ada.id).meetings] == ["Lunch"]


def test_any_address_of_the_contact_and_the_organizer_count(store, people, settings, tmp_path):
    ada, ben = people
    path = write(tmp_path / "cal.ics",
                 event("a", ":20260220T100000Z", organizer="mailto:ADA@example.com"),
                 event("b", ":20260221T100000Z", attendees=("mailto:Ben.Ode@work.example",)))
    sync(store, path, settings)
    assert [(t.contact_id, t.note) for t in meetings(store)] == [(ada.id, "Coffee"), (ben.id, "Coffee")]


# ------------------------------------------------------------------------ exclusion rules
@pytest.mark.parametrize("extra, attendees, organizer, want", [
    (("STATUS:CANCELLED",), ("ada@example.com",), "mailto:me@example.com", []),
    ((), ("PARTSTAT=DECLINED:mailto:ada@example.com", "ben@example.com"), "mailto:me@example.com",
     ["ben"]),
    ((), ("PARTSTAT=DECLINED:mailto:me@example.com", "ada@example.com"), "mailto:ada@example.com",
     []),
    ((), ("PARTSTAT=TENTATIVE:mailto:ada@example.com",), "mailto:me@example.com", ["ada"]),
    ((), ("ada@example.com", *tuple(f"p{i}@example.org" for i in range(10))),
     "mailto:me@example.com", []),  # 11 attendees: an all-hands
    ((), ("ada@example.com", *tuple(f"p{i}@example.org" for i in range(9))),
     "mailto:me@example.com", ["ada"]),  # exactly 10: still personal
], ids=["cancelled", "contact-declined", "i-declined", "tentative-counts", "too-many",
        "ten-is-fine"])
def test_exclusion_rules(store, people, settings, tmp_path, extra, attendees, organizer, want):
    ids = {"ada": people[0].id, "ben": people[1].id}
    path = write(tmp_path / "cal.ics", event("x", ":20260220T100000Z", attendees=attendees,
                                             organizer=organizer, extra=extra))
    sync(store, path, settings)
    assert sorted(t.contact_id for t in meetings(store)) == sorted(ids[w] for w in want)


def test_max_attendees_is_a_setting(store, people, settings, tmp_path):
    settings.sources.max_attendees = 1
    path = write(tmp_path / "cal.ics", event("x", ":20260220T100000Z",
                                             attendees=("ada@example.com", "ben@example.com")))
    sync(store, path, settings)
    assert meetings(store) == []


def test_todos_and_journals_are_not_meetings(store, people, settings, tmp_path):
    todo = event("t", ":20260220T100000Z", attendees=("ada@example.com",)).replace("VEVENT", "VTODO")
    journal = event("j", ":20260220T100000Z", attendees=("ada@example.com",)).replace("VEVENT", "VJOURNAL")
    sync(store, write(tmp_path / "cal.ics", todo, journal), settings)
    assert meetings(store) == []


# ------------------------------------------------------------------------ recurrence
WEEKLY = ("RRULE:FREQ=WEEKLY",)  # Mondays 10:00 UTC from 5 Jan: 5 Jan .. 2 Mar = 9 by now


def _days(store):
    return [arrow.get(t.at).format("YYYY-MM-DD") for t in meetings(store)]


def test_rrule_rdate_and_exdate(store, people, settings, tmp_path):
    path = write(tmp_path / "cal.ics", event(
        "weekly", ":20260105T100000Z", attendees=("ada@example.com",),
        extra=(*WEEKLY, "EXDATE:20260119T100000Z", "RDATE:20260107T150000Z")))
    sync(store, path, settings)
    days = _days(store)
    assert "2026-01-19" not in days and "2026-01-07" in days
    assert len(days) == 9 - 1 + 1
    assert days[-1] == "2026-03-02"  # today 10:00 is past at 18:00


def test_a_moved_occurrence_moves_its_touch_and_a_cancelled_one_removes_it(
        store, people, settings, tmp_path):
    master = event("w", ":20260105T100000Z", attendees=("ada@example.com",), extra=WEEKLY)
    path = write(tmp_path / "cal.ics", master)
    sync(store, path, settings)
    assert "2026-02-02" in _days(store) and len(_days(store)) == 9
    moved = event("w", ":20260203T150000Z", summary="Coffee (moved)", attendees=("ada@example.com",),
                  extra=("RECURRENCE-ID:20260202T100000Z",))
    write(path, master, moved)
    summary = sync(store, path, settings)
    assert summary.touches_moved == 1 and summary.touches_added == 0
    days = _days(store)
    assert "2026-02-02" not in days and "2026-02-03" in days and len(days) == 9
    cancelled = event("w", ":20260209T100000Z", attendees=("ada@example.com",),
                      extra=("RECURRENCE-ID:20260209T100000Z", "STATUS:CANCELLED"))
    write(path, master, moved, cancelled)
    summary = sync(store, path, settings)
    assert summary.touches_removed == 1
    assert "2026-02-09" not in _days(store) and len(_days(store)) == 8
    # The whole event deleted: every touch it made goes.
    write(path, event("other", ":20260101T100000Z"))
    summary = sync(store, path, settings)
    assert summary.touches_removed == 8 and meetings(store) == []


def test_an_endless_daily_rule_is_expanded_only_inside_the_window(store, people, settings, tmp_path):
    settings.sources.calendar_days = 30
    path = write(tmp_path / "cal.ics", event("daily", ":20000101T090000Z",
                                             attendees=("ada@example.com",),
                                             extra=("RRULE:FREQ=DAILY",)))
    started = time.perf_counter()
    sync(store, path, settings)
    assert time.perf_counter() - started < 5
    days = _days(store)
    assert len(days) == 30 and days[0] == "2026-02-01" and days[-1] == "2026-03-02"


@pytest.mark.parametrize("start, tz_block, want_utc", [
    (";TZID=Europe/Berlin:20260225T190000", "", "2026-02-25T18:00:00+00:00"),
    (";TZID=W. Europe Standard Time:20260225T190000", "", "2026-02-25T18:00:00+00:00"),
    (";TZID=America/New_York:20260225T190000", "", "2026-02-26T00:00:00+00:00"),
    (":20260225T190000", "", "2026-02-25T19:00:00+00:00"),  # floating: the user's zone (UTC)
    (":20260225T190000Z", "", "2026-02-25T19:00:00+00:00"),
    (";VALUE=DATE:20260225", "", "2026-02-25T00:00:00+00:00"),  # all-day: local midnight
    (";TZID=Custom/Zone:20260225T190000", "\r\n".join([
        "BEGIN:VTIMEZONE", "TZID:Custom/Zone", "BEGIN:STANDARD", "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0300", "TZOFFSETTO:+0300", "END:STANDARD", "END:VTIMEZONE"]),
     "2026-02-25T16:00:00+00:00"),
], ids=["tzid", "windows-name", "new-york", "floating", "utc", "all-day", "vtimezone"])
def test_time_zones(store, people, settings, tmp_path, start, tz_block, want_utc):
    path = write(tmp_path / "cal.ics", event("z", start, attendees=("ada@example.com",)),
                 timezones=tz_block)
    summary = sync(store, path, settings)
    assert not summary.unreadable
    (touch,) = meetings(store)
    assert arrow.get(touch.at).to("UTC").isoformat() == want_utc


def test_floating_times_follow_the_users_zone(store, people, settings, tmp_path):
    path = write(tmp_path / "cal.ics", event("f", ":20260225T190000", attendees=("ada@example.com",)))
    sync(store, path, settings, now=NOW.to("Asia/Tokyo"))
    (touch,) = meetings(store)
    assert arrow.get(touch.at).to("UTC").isoformat() == "2026-02-25T10:00:00+00:00"


def test_no_uid_is_stable_and_one_uid_in_two_files_is_one_touch(store, people, settings, tmp_path):
    write(tmp_path / "vdir" / "a.ics", event(None, ":20260220T100000Z", attendees=("ada@example.com",)))
    write(tmp_path / "vdir" / "b.ics", event("same", ":20260221T100000Z", attendees=("ada@example.com",)))
    write(tmp_path / "vdir" / "c.ics", event("same", ":20260221T100000Z", attendees=("ada@example.com",)))
    sync(store, tmp_path / "vdir", settings)
    assert len(meetings(store)) == 2
    # Without the cache (a lost cache file), the store itself is searched: still no duplicates.
    cal.cache_path(store.folder).unlink()
    again = sync(store, tmp_path / "vdir", settings)
    assert again.touches_added == 0 and len(meetings(store)) == 2


# ------------------------------------------------------------------------ files and folders
def test_a_vdir_with_nothing_changed_reads_no_file(store, people, settings, tmp_path):
    vdir = tmp_path / "calendars" / "work"
    for n in range(5):
        write(vdir / f"{n}.ics", event(f"e{n}", f":2026022{n}T100000Z", attendees=("ada@example.com",)))
    (tmp_path / "calendars" / ".git").mkdir()
    (tmp_path / "calendars" / ".git" / "x.ics").write_text("junk")
    first = sync(store, tmp_path / "calendars", settings)
    assert (first.files, first.files_read, len(meetings(store))) == (5, 5, 5)
    second = sync(store, tmp_path / "calendars", settings)
    assert (second.files_read, second.files_unchanged) == (0, 5)
    write(vdir / "0.ics", event("e0", ":20260219T100000Z", summary="Tea", attendees=("ada@example.com",)))
    third = sync(store, tmp_path / "calendars", settings)
    assert third.files_read == 1 and third.touches_moved == 1


def test_unreadable_files_are_reported_and_their_touches_kept(store, people, settings, tmp_path):
    vdir = tmp_path / "vdir"
    good = write(vdir / "good.ics", event("g", ":20260220T100000Z", attendees=("ada@example.com",)))
    write(vdir / "bad.ics", event("b", ":20260221T100000Z", attendees=("ada@example.com",)))
    sync(store, vdir, settings)
    assert len(meetings(store)) == 2
    (vdir / "bad.ics").write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2026023", encoding="utf-8")
    summary = sync(store, vdir, settings)
    assert [u.path for u in summary.unreadable] == [str(vdir / "bad.ics")]
    assert summary.unreadable[0].reason
    assert len(meetings(store)) == 2 and summary.touches_removed == 0
    assert good.exists()


def test_a_missing_folder_is_reported_and_removes_nothing(store, people, settings, tmp_path):
    path = write(tmp_path / "vdir" / "a.ics", event("a", ":20260220T100000Z", attendees=("ada@example.com",)))
    sync(store, tmp_path / "vdir", settings)
    path.unlink()
    (tmp_path / "vdir").rmdir()
    summary = sync(store, tmp_path / "vdir", settings)
    assert summary.unreadable[0].reason == "no such file or folder"
    assert len(meetings(store)) == 1


def test_dry_run_writes_nothing(store, people, settings, tmp_path):
    path = write(tmp_path / "cal.ics", event("a", ":20260220T100000Z", attendees=("ada@example.com",)))
    generation = store.generation
    summary = sync(store, path, settings, dry_run=True)
    assert summary.touches_added == 1 and summary.dry_run
    assert store.generation == generation and meetings(store) == []
    assert not cal.cache_path(store.folder).exists()


def test_is_calendar_path(tmp_path):
    write(tmp_path / "v" / "a.ics", event("a", ":20260220T100000Z"))
    (tmp_path / "m" / "cur").mkdir(parents=True)
    assert cal.is_calendar_path(tmp_path / "v") and cal.is_calendar_path(tmp_path / "v" / "a.ics")
    assert not cal.is_calendar_path(tmp_path / "m") and not cal.is_calendar_path(tmp_path / "nope")


def test_a_dropped_batch_is_noticed_by_the_next_sync(store, people, settings, tmp_path):
    """`crm-tui sync --dry-run` (or an error in another source) drops the whole batch after
    the calendar's part ran and its cache was saved: the next sync must still log, and
    still remove, what that batch did not."""
    path = write(tmp_path / "cal.ics", event("a", ":20260220T100000Z", attendees=("ada@example.com",)))
    cache = cal.cache_path(store.folder)

    def dropped():
        reading = cal.read([path], settings, NOW, cal.load_cache(cache))
        with pytest.raises(RuntimeError), store.batch():
            cal.apply(store, reading, settings, NOW)
            raise RuntimeError("another source failed")
        cal.save_cache(cache, reading)

    dropped()
    assert meetings(store) == []
    again = sync(store, path, settings)
    assert again.touches_added == 1 and len(meetings(store)) == 1
    # Another touch now takes the id the dropped batch had used: still not ours.
    write(path, event("a", ":20260220T100000Z", attendees=("ada@example.com",),
                      extra=("STATUS:CANCELLED",)))
    dropped()
    assert len(meetings(store)) == 1  # the removal was dropped too
    assert sync(store, path, settings).touches_removed == 1
    assert meetings(store) == []


def test_nothing_to_do_reads_no_file_and_not_the_cache_bulk(store, people, settings, tmp_path,
                                                            monkeypatch):
    path = write(tmp_path / "cal.ics",
                 event("a", ":20260220T100000Z", attendees=("ada@example.com",)),
                 event("b", ":20260310T100000Z", attendees=("ada@example.com",)))
    sync(store, path, settings)
    sync(store, path, settings)  # confirms what the first one logged

    def boom(*args):
        raise AssertionError("the bulk was read")

    monkeypatch.setattr(cal, "_load_bulk", boom)
    quiet = sync(store, path, settings, now=NOW.shift(days=2))
    assert (quiet.files_read, quiet.touches_added, quiet.upcoming) == (0, 0, 1)


def test_a_new_contact_or_a_meeting_now_past_is_noticed_with_no_file_changed(
        store, people, settings, tmp_path):
    path = write(tmp_path / "cal.ics",
                 event("a", ":20260220T100000Z", attendees=("cy@example.com",)),
                 event("b", ":20260304T100000Z", attendees=("ada@example.com",)))
    sync(store, path, settings)
    sync(store, path, settings)
    assert meetings(store) == []
    cy = store.add_contact(Contact(name="Cy Lee", emails=["CY@example.com"]))
    assert sync(store, path, settings).touches_added == 1
    assert [t.contact_id for t in meetings(store)] == [cy.id]
    later = sync(store, path, settings, now=NOW.shift(days=3))
    assert later.touches_added == 1 and len(meetings(store)) == 2


def test_a_sync_of_other_paths_leaves_the_first_ones_touches(store, people, settings, tmp_path):
    a = write(tmp_path / "a.ics", event("a", ":20260220T100000Z", attendees=("ada@example.com",)))
    b = write(tmp_path / "b.ics", event("b", ":20260221T100000Z", attendees=("ben@example.com",)))
    sync(store, a, settings)
    summary = sync(store, b, settings)
    assert summary.touches_removed == 0 and len(meetings(store)) == 2
    a.unlink()
    gone = cal.sync(store, [tmp_path], settings, NOW)  # the folder holding both: a.ics is gone
    assert gone.touches_removed == 1 and [t.key for t in meetings(store)] == ["b|single"]


def test_the_cache_is_private_like_the_data(store, people, settings, tmp_path):
    path = write(tmp_path / "cal.ics", event("a", ":20260220T100000Z", attendees=("ada@example.com",)))
    sync(store, path, settings)
    folder = cal.cache_path(store.folder).parent
    assert folder.stat().st_mode & 0o077 == 0
    assert all(p.stat().st_mode & 0o077 == 0 for p in folder.iterdir())
