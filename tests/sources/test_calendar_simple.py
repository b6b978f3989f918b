"""crm_tui.sources.calendar_simple reads the commonest files exactly as icalendar's road does."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import icalendar
import pytest

from crm_tui.config import Settings
from crm_tui.sources import calendar_parse
from crm_tui.sources.calendar_simple import read_simple
from tests.corpora import files
from tests.sources.ics import calendar, event

CORPUS = Path(icalendar.__file__).parent / "tests"  # installed with icalendar; not copied here
START = datetime(2000, 1, 1, tzinfo=UTC)
END = datetime(2030, 1, 1, tzinfo=UTC)
ZONES = [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))]


def _settings() -> Settings:
    settings = Settings()
    settings.me.emails = ["Me@Example.com"]
    settings.sources.max_attendees = 4
    return settings


def _both(data: bytes, zone=UTC, start=START, end=END):
    settings = _settings()
    return read_simple(data, settings, start, end, zone), calendar_parse._parse(data, settings, start, end, zone)


def _random_event(rng: random.Random, n: int) -> str:
    day = f"20{rng.randint(24, 27)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    start = rng.choice([f":{day}T{rng.randint(0, 23):02d}{rng.choice(['00', '30'])}00Z",
                        f";TZID=Europe/Berlin:{day}T{rng.randint(0, 23):02d}3000",
                        ";TZID=Europe/Berlin:20260329T023000",  # a time the clocks skip
                        ";TZID=America/New_York:20261101T013000",  # a time that happens twice
                        f":{day}T091500", f";VALUE=DATE:{day}", f":{day}"])
    people = [rng.choice(["ada@example.com", "BEN@Example.COM", "me@example.com", "cy@example.com"])
              for _ in range(rng.randint(0, 6))]
    attendees = tuple(rng.choice([
        f"PARTSTAT={rng.choice(['ACCEPTED', 'declined', 'TENTATIVE', 'NEEDS-ACTION'])}:mailto:{p}",
        f"PARTSTAT=ACCEPTED:MAILTO:{p}", f'CN="Doe: Jo";ROLE=REQ-PARTICIPANT;PARTSTAT=DECLINED:mailto:{p}', p])
        for p in people)
    extra = rng.sample(["STATUS:CANCELLED", "STATUS:confirmed", "DTEND:20300101T000000Z",
                        "LOCATION:Room 1", "X-SOMETHING;X-P=1:value",
                        "BEGIN:VALARM\r\nACTION:EMAIL\r\nATTENDEE:mailto:ada@example.com\r\n"
                        "TRIGGER:-PT15M\r\nEND:VALARM"], rng.randint(0, 3))
    return event(rng.choice([f"u{n}", f"u|{n}", f"  spaced {n} "]), start,
                 summary=rng.choice(["Coffee", "", "Café ☕", "Lunch; with notes"]),
                 attendees=attendees, organizer=rng.choice(["", "mailto:Me@example.com", "MAILTO:cy@example.com"]),
                 extra=tuple(extra))


def test_generated_files_read_alike():
    rng = random.Random(5)
    simple_read = 0
    for n in range(400):
        text = calendar(*[_random_event(rng, n * 10 + k) for k in range(rng.choice([1, 1, 1, 2, 3]))])
        if rng.random() < 0.3:
            text = text.replace("\r\n", "\n")
        data = text.encode()
        zone = rng.choice(ZONES)
        simple, (occurrences, problems) = _both(data, zone)
        if simple is not None:
            simple_read += 1
            assert problems == [] and simple == occurrences, text
    assert simple_read > 250


@pytest.mark.parametrize("text", [
    calendar(event("a", ":20260220T100000Z", extra=("RRULE:FREQ=WEEKLY;COUNT=3",),
                   attendees=("ada@example.com",))),                        # recurring
    calendar(event(None, ":20260220T100000Z", attendees=("ada@example.com",))),  # no UID
    calendar(event("a", ":20260220T100000Z", summary="a\\, b", attendees=("ada@example.com",))),
    calendar(event("a", ":20260220T100000Z", attendees=("ada@example.com",),
                   extra=("SUMMARY:twice",))),
    calendar(event("a", ";TZID=Custom/Zone:20260220T100000", attendees=("ada@example.com",)),
             timezones="BEGIN:VTIMEZONE\r\nTZID:Custom/Zone\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
                       "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE"),
    calendar(event("a", ";X-P=1:20260220T100000Z", attendees=("ada@example.com",))),
    calendar(event("a", ":20260220T100000Z", attendees=('PARTSTAT="ACCEPTED":mailto:ada@example.com',))),
])
def test_anything_else_takes_icalendars_road(text):
    simple, (occurrences, _problems) = _both(text.encode())
    assert simple is None


CORPUS_FILES = sorted(CORPUS.rglob("*.ics")) + files("vobject", "*.ics")  # (vobject: when fetched)


def test_the_corpus_reads_alike():
    """icalendar's own test calendars, each with a contact made to attend every event."""
    line = b"ATTENDEE;PARTSTAT=ACCEPTED:mailto:ada@example.com"
    simple_read = 0
    for path in CORPUS_FILES:
        data = path.read_bytes()
        for attended in (data, data.replace(b"BEGIN:VEVENT\r\n", b"BEGIN:VEVENT\r\n" + line + b"\r\n")
                         .replace(b"BEGIN:VEVENT\n", b"BEGIN:VEVENT\n" + line + b"\n")):
            simple, (occurrences, problems) = _both(attended, start=datetime(1990, 1, 1, tzinfo=UTC))
            if simple is not None:
                simple_read += 1
                assert problems == [] and simple == occurrences, path.name
    assert len(CORPUS_FILES) >= 100 and simple_read >= 10
