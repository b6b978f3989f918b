"""Public corpora of odd and hostile calendars (tests/fixtures/calendars/README.md): each file
either syncs or is reported with its path and a reason; nothing raises."""

from __future__ import annotations

from pathlib import Path

import arrow
import pytest

from crm_tui.config import Settings
from crm_tui.domain.models import Contact
from crm_tui.sources import calendar as cal

CORPUS = Path(__file__).parent.parent / "fixtures" / "calendars"
FILES = sorted(CORPUS.glob("*/*.ics"))
NOW = arrow.get("2026-03-02T18:00:00+00:00")
# Files that cannot be read at all, or hold an event that cannot be read or expanded
# (invalid_duration.ics is not here: only its end is broken, and a touch needs its start).
REPORTED = {"invalid_tzoffset.ics", "non_dst_error.ics", "big_bad_calendar.ics",
            "broken_dtstart.ics", "broken_ical.ics", "fuzz_testcase_0_char_in_component_name.ics",
            "fuzz_testcase_invalid_month.ics",
            "issue_1050_multiple_calendars.ics", "issue_1081_invalid_rrule_freq.ics",
            "issue_1081_invalid_start_and_end.ics"}


def _with_attendee(data: bytes) -> bytes:
    """The corpus events name nobody: make a contact attend every one."""
    line = b"ATTENDEE;PARTSTAT=ACCEPTED:mailto:ada@example.com"
    return (data.replace(b"BEGIN:VEVENT\r\n", b"BEGIN:VEVENT\r\n" + line + b"\r\n")
            .replace(b"BEGIN:VEVENT\n", b"BEGIN:VEVENT\n" + line + b"\n"))


def test_the_corpus_is_there():
    assert len(FILES) >= 60


@pytest.mark.parametrize("source", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_calendar_syncs_or_is_reported(store, tmp_path, source):
    ada = store.add_contact(Contact(name="Ada", emails=["ada@example.com"]))
    path = tmp_path / source.name
    path.write_bytes(_with_attendee(source.read_bytes()))
    settings = Settings()
    settings.sources.calendar_days = 365 * 30  # the corpus is from 2001-2025
    summary = cal.sync(store, [path], settings, NOW)
    touches = store.touches(contact_ids=[ada.id])
    if source.name in REPORTED:
        assert summary.unreadable and all(u.path == str(path) and u.reason for u in summary.unreadable)
    else:
        assert summary.unreadable == []
        assert len(touches) == summary.touches_added
    again = cal.sync(store, [path], settings, NOW)
    assert (again.touches_added, again.touches_moved, again.touches_removed) == (0, 0, 0)


@pytest.mark.parametrize("name, count", [
    ("event_dt_rrule_invalid_until.ics", 3),  # UNTIL a date while DTSTART is a date-time
    ("event_dt_rrule_until_before_start.ics", 0),
    ("without_uid.ics", 1),
    ("tz_windows_format.ics", 1),
    ("event_dt_recuid_no_master.ics", 1),
    ("event_dt_multi_recuid_no_master.ics", 2),
    ("event_dt_multi_uid.ics", 2),
    ("event_rrule_recuid_cancelled.ics", 5),  # one of six occurrences cancelled
    ("event_rrule_recuid_invalid_tzid.ics", 6),  # unknown TZID: read as floating
    ("event_dtr_exdatez.ics", 3),
])
def test_known_cases(store, tmp_path, name, count):
    ada = store.add_contact(Contact(name="Ada", emails=["ada@example.com"]))
    path = tmp_path / name
    path.write_bytes(_with_attendee((CORPUS / "khal" / name).read_bytes()))
    settings = Settings()
    settings.sources.calendar_days = 365 * 30
    cal.sync(store, [path], settings, NOW)
    assert len(store.touches(contact_ids=[ada.id])) == count
