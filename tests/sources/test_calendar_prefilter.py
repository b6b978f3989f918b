"""crm_tui.sources.calendar_prefilter: a plainly well-formed calendar that names none of
the contacts is not parsed; nothing it would have logged or reported is lost."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import arrow
import icalendar
import pytest

from crm_tui.config import Settings
from crm_tui.domain.models import Contact
from crm_tui.sources import calendar as cal
from crm_tui.sources import calendar_parse
from crm_tui.sources.calendar_kind import CalendarKind
from crm_tui.sources.calendar_prefilter import scan, worth_parsing
from tests.corpora import files
from tests.sources.ics import calendar, event, write

NOW = arrow.get("2026-03-02T18:00:00+00:00")
CORPUS = Path(icalendar.__file__).parent / "tests"  # installed with icalendar; not copied here


@pytest.fixture
def parsed(monkeypatch) -> list[int]:
    """Counts the files read for their events (by icalendar)."""
    calls: list[int] = []
    real = calendar_parse._parse

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(calendar_parse, "_parse", counting)
    return calls


def _bytes(*events: str) -> bytes:
    return calendar(*events).encode()


def test_the_addresses_are_read_as_icalendar_reads_them():
    data = _bytes(event("a", ":20260220T100000Z", organizer="MAILTO:Boss@Example.COM",
                        attendees=('CN="Doe: Jo";PARTSTAT=ACCEPTED:mailto:jo@example.com',
                                   "PARTSTAT=TENTATIVE:Plain@Example.com")))
    assert scan(data) == {"boss@example.com", "jo@example.com", "plain@example.com"}


@pytest.mark.parametrize("fold", ["\r\n ", "\r\n\t", "\n ", "\n\t"])
def test_folded_lines_are_unfolded_first(fold):
    line = "ATTENDEE;PARTSTAT=ACCEPTED:MAILTO:ada@example.com"
    folded = line[:20] + fold + line[20:35] + fold + line[35:]
    data = _bytes(event("a", ":20260220T100000Z", extra=(folded,)))
    assert "ada@example.com" in scan(data)
    assert worth_parsing(data, frozenset({"ada@example.com"}))[0]
    assert not worth_parsing(data, frozenset({"cy@example.com"}))[0]


@pytest.mark.parametrize("odd", [
    "BEGIN:VEVENT\r\nDTSTART:nonsense",                                   # no calendar, bad start
    calendar(event("a", ":20260230T100000Z")),                            # 30 February
    calendar(event("a", ":20260220T100000Z", extra=("RRULE:FREQ=WEEKLY;BYMONTH=13",))),
    calendar(event("a", ";TZID=Mars/Olympus:20260220T100000")),           # a zone nobody knows
    calendar(event("a", ":20260220T100000Z")).replace("END:VCALENDAR", ""),  # not closed
    calendar(event("a", ":20260220T100000Z").replace("DTSTART:20260220T100000Z\r\n", "")),
    calendar(event("a", ":20260220T100000Z", summary="bell \x07")),       # a control character
    calendar(event("a", ":20260220T100000Z", attendees=("mailto:a\\,b@example.com",))),  # escaped
    "BeGIN:\x00\r\n",
    calendar(event("a", ":20260220T100000Z", summary="a lone\rreturn")),
])
def test_anything_odd_is_parsed(odd):
    data = odd.encode("utf-8", "surrogatepass")
    assert scan(data) is None
    assert worth_parsing(data, frozenset({"nobody@example.com"})) == (True, [])


def test_a_plain_file_with_time_zones_and_rules_may_be_skipped():
    zones = ("BEGIN:VTIMEZONE\r\nTZID:Custom/Zone\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
             "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
             "END:STANDARD\r\nEND:VTIMEZONE")
    data = calendar(event("a", ";TZID=Europe/Berlin:20260220T100000",
                          extra=("RRULE:FREQ=WEEKLY;UNTIL=20260601T000000Z", "DURATION:PT1H")),
                    event("b", ";TZID=Custom/Zone:20260220T100000", attendees=("cy@example.com",)),
                    timezones=zones).encode()
    assert scan(data) == {"me@example.com", "cy@example.com"}
    assert worth_parsing(data, frozenset({"ada@example.com"})) == (False, ["cy@example.com", "me@example.com"])


def test_a_file_naming_no_contact_is_not_parsed_and_counts_for_the_cache(
        store, settings, tmp_path, parsed):
    ada = store.add_contact(Contact(name="Ada", emails=["ada@example.com"]))
    write(tmp_path / "v" / "cy.ics", event("c", ":20260220T100000Z", attendees=("cy@example.com",)))
    write(tmp_path / "v" / "ada.ics", event("a", ":20260221T100000Z",
                                            attendees=("PARTSTAT=ACCEPTED:MAILTO:ADA@EXAMPLE.COM",)))
    first = cal.sync(store, [tmp_path / "v"], settings, NOW)
    assert (first.files_read, first.touches_added, first.unreadable) == (2, 1, [])
    assert len(parsed) == 1  # only ada's
    assert [t.contact_id for t in store.touches()] == [ada.id]
    again = cal.sync(store, [tmp_path / "v"], settings, NOW)
    assert (again.files_read, again.files_unchanged, len(parsed)) == (0, 2, 1)


def test_a_contact_who_gets_a_named_address_has_the_file_parsed(store, settings, tmp_path, parsed):
    path = write(tmp_path / "cy.ics", event("c", ":20260220T100000Z", attendees=("cy@example.com",)))
    cal.sync(store, [path], settings, NOW)
    cal.sync(store, [path], settings, NOW)
    assert parsed == [] and store.touches() == []
    cy = store.add_contact(Contact(name="Cy", emails=["Cy@Example.com"]))
    later = cal.sync(store, [path], settings, NOW)
    assert later.touches_added == 1 and [t.contact_id for t in store.touches()] == [cy.id]
    assert len(parsed) == 1


def test_a_broken_file_naming_no_contact_is_still_reported(store, settings, tmp_path, parsed):
    path = write(tmp_path / "bad.ics", event("c", ":nonsense", attendees=("cy@example.com",)))
    summary = cal.sync(store, [path], settings, NOW)
    assert [u.path for u in summary.unreadable] == [str(path)] and len(parsed) == 1


def test_a_file_once_parsed_is_parsed_again_when_it_changes(store, settings, tmp_path, parsed):
    """What a parsed file logged is kept or removed exactly as without the prefilter."""
    ada = store.add_contact(Contact(name="Ada", emails=["ada@example.com"]))
    path = write(tmp_path / "a.ics", event("a", ":20260220T100000Z", attendees=("ada@example.com",)))
    cal.sync(store, [path], settings, NOW)
    assert [t.contact_id for t in store.touches()] == [ada.id]
    write(path, event("a", ":20260220T100000Z", attendees=("cy@example.com",), summary="Renamed"))
    summary = cal.sync(store, [path], settings, NOW)
    assert len(parsed) == 2 and summary.touches_removed == 1 and store.touches() == []


def test_the_sync_command_path_prefilters_from_its_snapshot(store, settings, tmp_path, parsed):
    store.add_contact(Contact(name="Ada", emails=["ada@example.com"]))
    write(tmp_path / "cy.ics", event("c", ":20260220T100000Z", attendees=("cy@example.com",)))
    kind = CalendarKind()
    snapshot = kind.snapshot(store)
    scanned = kind.scan([tmp_path], snapshot, settings, NOW)
    assert scanned.reading.files_read == 1 and parsed == []
    assert kind.apply(store, scanned, settings, NOW).touches_added == 0


FILES = sorted(CORPUS.rglob("*.ics")) + files("vobject", "*.ics")  # (vobject: when fetched)


def test_a_corpus_file_judged_plain_parses_without_a_word_and_names_no_one_else():
    """icalendar's own test calendars (odd and hostile ones among them): whatever the
    prefilter calls plain, icalendar reads without a problem, and every address it finds
    in them the prefilter found too."""
    start, end = datetime(1990, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)
    plain = 0
    for path in FILES:
        data = path.read_bytes()
        found = scan(data)
        if found is None:
            continue
        plain += 1
        _occurrences, problems = calendar_parse._parse(data, Settings(), start, end, UTC)
        assert problems == [], path.name
        named = set()
        for parsed_calendar in icalendar.Calendar.from_ical(data, multiple=True):
            for component in parsed_calendar.walk():
                attendees, organizer = calendar_parse._people(component)
                named |= {a for a, _ in attendees} | {organizer}
        assert named - {""} <= found, path.name
    assert len(FILES) >= 100 and plain >= 20
