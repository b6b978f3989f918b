"""Writing small calendars for tests: one VEVENT per call, CRLF line ends as RFC 5545 asks."""

from __future__ import annotations

from pathlib import Path


def event(uid: str | None, start: str, *, summary: str = "Coffee", attendees: tuple[str, ...] = (),
          organizer: str = "mailto:me@example.com", extra: tuple[str, ...] = ()) -> str:
    """A VEVENT. ``start`` is a full DTSTART property value with its parameters, e.g.
    ``;TZID=Europe/Berlin:20260225T190000`` or ``:20260225T190000Z``. ``attendees`` are
    ``PARTSTAT=...:mailto:...`` strings or plain addresses (accepted)."""
    lines = ["BEGIN:VEVENT"]
    if uid is not None:
        lines.append(f"UID:{uid}")
    lines += [f"DTSTART{start}", f"SUMMARY:{summary}", "DTSTAMP:20260101T000000Z"]
    if organizer:
        lines.append(f"ORGANIZER:{organizer}")
    for a in attendees:
        if ":" in a and not a.startswith("mailto:"):
            lines.append(f"ATTENDEE;{a}")
        else:
            lines.append(f"ATTENDEE;PARTSTAT=ACCEPTED:{a if a.startswith('mailto:') else 'mailto:' + a}")
    lines += list(extra)
    lines.append("END:VEVENT")
    return "\r\n".join(lines)


def calendar(*events: str, timezones: str = "") -> str:
    body = "\r\n".join(e for e in (timezones, *events) if e)
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//crm-tui tests//EN\r\n"
            f"{body}\r\nEND:VCALENDAR\r\n")


def write(path: Path, *events: str, timezones: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(calendar(*events, timezones=timezones), encoding="utf-8", newline="")
    return path
