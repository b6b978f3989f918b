"""Reminders out: `crm-tui export ics` as one file or a vdir, read back by icalendar and khal."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import arrow
import icalendar
import pytest

from crm_tui.config import Settings
from crm_tui.domain.models import Contact, Thread, Touch
from crm_tui.services import reminders as ics_export

NOW = arrow.get("2026-03-02T18:00:00+00:00")
# CI installs khal into its own venv and names it in CRM_TUI_KHAL (see .ci/run).
KHAL = os.environ.get("CRM_TUI_KHAL") or shutil.which("khal") or next(
    (str(p) for p in (Path(".ci-khal/bin/khal"), Path("/tmp/khal-venv/bin/khal")) if p.exists()),
    None)


def fill(store):
    acme = store.add_contact(Contact(name="Ada Park", emails=["ada@example.com"], company="Acme"))
    store.add_thread(Thread(contact_id=acme.id, kind="interview", at="2026-02-20T10:00:00+00:00",
                            decision_by="2026-02-24", role="Data lead"))
    ben = store.add_contact(Contact(name="Ben Ode", birthday="1990-03-10", tier="close",
                                    last_out="2026-03-01T10:00:00+00:00"))
    store.log_touch(Touch(contact_id=ben.id, at="2026-03-01T10:00:00+00:00", note="hi"))
    # Keep-in-touch due in 80 days: outside the default 30.
    cy = store.add_contact(Contact(name="Cy Lee", tier="casual"))
    store.log_touch(Touch(contact_id=cy.id, at="2026-02-20T10:00:00+00:00", direction="in"))
    return acme, ben, cy


def events_in(folder: Path) -> dict[str, icalendar.Event]:
    found = {}
    for path in sorted(folder.glob("crm-tui-*.ics")):
        cal = icalendar.Calendar.from_ical(path.read_bytes())
        (event,) = cal.walk("VEVENT")
        found[path.name] = event
    return found


def test_a_vdir_of_open_steps_with_stable_uids_and_a_9am_alarm(store, tmp_path):
    acme, ben, cy = fill(store)
    result = ics_export.export(store, Settings(), NOW, tmp_path / "crm")
    events = events_in(tmp_path / "crm")
    assert result.items == len(events) == result.written
    by_summary = {str(e["SUMMARY"]): e for e in events.values()}
    follow = by_summary["Follow up with Ada Park (interview, Acme)"]
    assert follow["DTSTART"].dt == date(2026, 3, 2)  # overdue: placed on today
    assert follow["DTEND"].dt == date(2026, 3, 3)
    assert "decision was due" in str(follow["DESCRIPTION"])
    assert "Suggested message:" in str(follow["DESCRIPTION"]) and "Hi Ada" in str(follow["DESCRIPTION"])
    (alarm,) = follow.walk("VALARM")
    assert alarm["TRIGGER"].dt == timedelta(hours=9) and alarm["TRIGGER"].params["RELATED"] == "START"
    assert str(alarm["ACTION"]) == "DISPLAY"
    wish = by_summary["Wish Ben Ode a happy birthday"]
    assert wish["DTSTART"].dt == date(2026, 3, 10)
    assert not any("Cy Lee" in s for s in by_summary)  # due in 80 days
    assert str(follow["UID"]) == f"crm-tui-{acme.id}-t1-follow-up-1@crm-tui"
    # No temp files left; the manifest is a dot file khal and vdirsyncer skip.
    assert {p.name for p in (tmp_path / "crm").iterdir()} == {*events, ".crm-tui-export.json"}


def test_a_second_export_rewrites_nothing_and_closed_steps_lose_their_file(store, tmp_path):
    acme, ben, cy = fill(store)
    folder = tmp_path / "crm"
    ics_export.export(store, Settings(), NOW, folder)
    mine = folder / "my-own-event.ics"
    mine.write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("crm-tui-*.ics")}
    again = ics_export.export(store, Settings(), NOW.shift(minutes=5), folder)
    assert (again.written, again.removed) == (0, 0)
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("crm-tui-*.ics")} == before
    thread = store.threads(open_only=True)[0]
    thread.status = "closed"
    store.update_thread(thread)
    after = ics_export.export(store, Settings(), NOW, folder)
    assert after.removed == 1 and mine.exists()
    assert not any("Acme" in str(e["SUMMARY"]) and "interview" in str(e["SUMMARY"])
                   for e in events_in(folder).values())


def test_days_widens_the_window(store, tmp_path):
    fill(store)
    wide = ics_export.export(store, Settings(), NOW, tmp_path / "wide", days=120)
    narrow = ics_export.export(store, Settings(), NOW, tmp_path / "narrow", days=30)
    assert wide.items == narrow.items + 1  # Cy Lee's keep-in-touch in 80 days


def test_a_single_file(store, tmp_path):
    fill(store)
    target = tmp_path / "sub" / "crm.ics"
    result = ics_export.export(store, Settings(), NOW, target)
    cal = icalendar.Calendar.from_ical(target.read_bytes())
    assert len(cal.walk("VEVENT")) == result.items >= 2
    assert str(cal["X-WR-CALNAME"]) == "crm-tui follow-ups"
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert len(set(uids)) == len(uids)
    assert ics_export.export(store, Settings(), NOW.shift(hours=1), target).written == 0


def test_hostile_names_stay_text(store, tmp_path):
    store.add_contact(Contact(name="Eve; DROP\nEND:VEVENT", emails=["eve@example.com"]))
    ics_export.export(store, Settings(), NOW, tmp_path / "crm")
    (event,) = events_in(tmp_path / "crm").values()
    assert str(event["SUMMARY"]).startswith("Follow up with Eve; DROP\nEND:VEVENT")


@pytest.mark.skipif(KHAL is None, reason="khal not installed (pip install khal into any venv)")
def test_khal_reads_the_vdir(store, tmp_path):
    fill(store)
    folder = tmp_path / "calendars" / "crm"
    ics_export.export(store, Settings(), NOW, folder)
    conf = tmp_path / "khal.conf"
    conf.write_text(
        f"[calendars]\n[[crm]]\npath = {folder}\n[locale]\ntimeformat = %H:%M\n"
        "dateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\n"
        "longdatetimeformat = %Y-%m-%d %H:%M\ndefault_timezone = UTC\nlocal_timezone = UTC\n"
        "[default]\ndefault_calendar = crm\n")
    out = subprocess.run(
        [KHAL, "-c", str(conf), "list", "--format", "{start-date} {title}", "2026-03-01", "40d"],
        capture_output=True, text=True, timeout=120,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
             "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    assert out.returncode == 0, out.stderr
    assert "warning" not in out.stderr.lower() and "error" not in out.stderr.lower(), out.stderr
    assert "2026-03-02 Follow up with Ada Park (interview, Acme)" in out.stdout
    assert "2026-03-10 Wish Ben Ode a happy birthday" in out.stdout


def test_only_what_changed_is_drafted_and_written_again(store, tmp_path, monkeypatch):
    acme, ben, cy = fill(store)
    folder = tmp_path / "crm"
    ics_export.export(store, Settings(), NOW, folder)
    drafted = []
    real = ics_export._messages

    def counting(settings, now):
        message = real(settings, now)

        def wrapped(s, *args):
            drafted.append(s.contact_id)
            return message(s, *args)
        return wrapped

    monkeypatch.setattr(ics_export, "_messages", counting)
    assert ics_export.export(store, Settings(), NOW, folder).written == 0 and drafted == []
    acme.company = "Acme Labs"
    store.update_contact(acme)
    again = ics_export.export(store, Settings(), NOW, folder)
    # Ada's follow-up and her keep-in-touch (waiting on the thread) both name Acme.
    assert (again.written, drafted) == (2, [acme.id, acme.id])
    summaries = {str(e["SUMMARY"]) for e in events_in(folder).values()}
    assert "Follow up with Ada Park (interview, Acme Labs)" in summaries
    signed = Settings()
    signed.me.signature = "Sam"
    resigned = ics_export.export(store, signed, NOW, folder)
    assert resigned.written == resigned.items >= 4  # every draft signs


def test_a_single_file_reuses_the_events_that_did_not_change(store, tmp_path, monkeypatch):
    acme, ben, cy = fill(store)
    target = tmp_path / "crm.ics"
    first = ics_export.export(store, Settings(), NOW, target)
    drafted = []
    real = ics_export._messages

    def counting(settings, now):
        message = real(settings, now)

        def wrapped(s, *args):
            drafted.append(s.contact_id)
            return message(s, *args)
        return wrapped

    monkeypatch.setattr(ics_export, "_messages", counting)
    ben.company = "Quillon"
    store.update_contact(ben)
    again = ics_export.export(store, Settings(), NOW.shift(hours=1), target)
    assert again.written == 1 and set(drafted) == {ben.id}
    cal = icalendar.Calendar.from_ical(target.read_bytes())
    events = cal.walk("VEVENT")
    assert len(events) == first.items
    assert any(str(e["SUMMARY"]) == "Wish Ben Ode a happy birthday (Quillon)" for e in events)
    assert sum("Acme" in str(e["SUMMARY"]) for e in events) == 2  # Ada's, kept as they were
