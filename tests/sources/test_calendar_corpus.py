"""A public corpus of odd and hostile calendars nobody on the team wrote: the calendars of
icalendar's own test suite, which its wheel installs beside the library
(``icalendar/tests/calendars`` and ``.../events``; nothing is copied into this repository).
Each file either syncs or is reported with its path and a reason; nothing raises."""

from __future__ import annotations

from pathlib import Path

import arrow
import icalendar
import pytest

from crm_tui.config import Settings
from crm_tui.domain.models import Contact
from crm_tui.sources import calendar as cal
from tests.corpora import corpus, files

CORPUS = Path(icalendar.__file__).parent / "tests"
# vobject's test calendars too, when scripts/corpora.py has fetched them (its cards aside).
VOBJECT = [p for p in files("vobject", "*.ics") if "vcard" not in p.name]
FILES = sorted([*CORPUS.glob("calendars/*.ics"), *CORPUS.glob("events/*.ics")]) + VOBJECT
NOW = arrow.get("2026-03-02T18:00:00+00:00")
# Files that cannot be read at all, or hold an event that cannot be read or expanded.
KNOWN_BAD = {"big_bad_calendar.ics", "broken_dtstart.ics", "broken_ical.ics",
             "fuzz_testcase_0_char_in_component_name.ics", "fuzz_testcase_invalid_month.ics",
             "issue_1050_multiple_calendars.ics", "issue_1081_invalid_rrule_freq.ics",
             "issue_1081_invalid_start_and_end.ics",
             "badstream.ics"}  # vobject's
SEEN: dict[str, int] = {"synced": 0, "reported": 0}


def _with_attendee(data: bytes) -> bytes:
    """The corpus events name nobody: make a contact attend every one."""
    line = b"ATTENDEE;PARTSTAT=ACCEPTED:mailto:ada@example.com"
    return (data.replace(b"BEGIN:VEVENT\r\n", b"BEGIN:VEVENT\r\n" + line + b"\r\n")
            .replace(b"BEGIN:VEVENT\n", b"BEGIN:VEVENT\n" + line + b"\n"))


def test_the_corpus_is_there():
    corpus("vobject")
    assert len(VOBJECT) >= 15
    assert len(FILES) >= 100
    assert {p.name for p in FILES} >= KNOWN_BAD


@pytest.mark.parametrize("source", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_calendar_syncs_or_is_reported(store, tmp_path, source):
    ada = store.add_contact(Contact(name="Ada", emails=["ada@example.com"]))
    path = tmp_path / source.name
    path.write_bytes(_with_attendee(source.read_bytes()))
    settings = Settings()
    settings.sources.calendar_days = 365 * 30  # the corpus is from 2001-2025
    summary = cal.sync(store, [path], settings, NOW)
    touches = store.touches(contact_ids=[ada.id])
    if summary.unreadable:
        SEEN["reported"] += 1
        assert all(u.path == str(path) and u.reason for u in summary.unreadable)
    else:
        SEEN["synced"] += 1
        assert len(touches) == summary.touches_added
    if source.name in KNOWN_BAD:
        assert summary.unreadable, "a broken calendar must be reported"
    again = cal.sync(store, [path], settings, NOW)
    assert (again.touches_added, again.touches_moved, again.touches_removed) == (0, 0, 0)


def test_the_corpus_reached_both_cases():
    """Runs after the parametrized test (file order): both outcomes were really seen."""
    if SEEN["synced"] + SEEN["reported"] < len(FILES):
        pytest.skip("run with the whole file to see both outcomes")
    assert SEEN["synced"] >= 50 and SEEN["reported"] >= len(KNOWN_BAD)
