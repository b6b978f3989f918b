"""`crm-tui sync` with calendars, end to end (pinned clock: Mon 2 Mar 2026 18:00 UTC)."""

from __future__ import annotations

import json

from tests.sources.ics import event, write


def _people(run_cli):
    ada = run_cli("add", "Ada Park", "--email", "ada@example.com").output.strip()
    ben = run_cli("add", "Ben Ode", "--email", "ben@example.com", "--tier", "close").output.strip()
    return ada, ben


def test_sync_a_vdir_given_as_path_then_nothing_changes(run_cli, tmp_path):
    ada, ben = _people(run_cli)
    vdir = tmp_path / "calendars" / "work"
    write(vdir / "a.ics", event("a", ":20260225T190000Z", summary="Dinner",
                                attendees=("ada@example.com",)))
    write(vdir / "b.ics", event("b", ":20260305T120000Z", summary="Lunch",
                                attendees=("ben@example.com",)))
    write(vdir / "broken.ics", "BEGIN:VEVENT\r\nDTSTART:nonsense")
    result = run_cli("sync", str(tmp_path / "calendars"), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    section = report["calendar"]
    assert (section["files"], section["touches_added"], section["upcoming"]) == (3, 1, 1)
    (bad,) = section["unreadable"]
    assert bad["path"] == str(vdir / "broken.ics") and bad["reason"]
    touches = [t for t in json.loads(run_cli("list", "--json").output) if t["id"] == ada]
    assert touches[0]["last_in"].startswith("2026-02-25T19:00")
    rows = {r["contact_id"]: r for r in json.loads(run_cli("today", "--json", "--all").output)}
    assert rows[ben]["status"] == "waiting" and "Next meeting Thu 5 Mar: Lunch" in rows[ben]["reason"]
    again = json.loads(run_cli("sync", str(tmp_path / "calendars"), "--json").output)["calendar"]
    assert (again["files_read"], again["files_unchanged"], again["touches_added"]) == (0, 3, 0)
    assert [u["path"] for u in again["unreadable"]] == [bad["path"]]  # still reported


def test_sync_from_config_text_summary_and_dry_run(run_cli, isolated_home, tmp_path):
    _people(run_cli)
    path = write(tmp_path / "cal.ics", event("a", ":20260225T190000Z", summary="Dinner",
                                             attendees=("ada@example.com",)))
    (isolated_home / "config.toml").write_text(f'[sources]\ncalendars = ["{path}"]\n')
    dry = run_cli("sync", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "meetings: 1 added, 0 moved, 0 removed" in dry.output and "dry run" in dry.output
    assert json.loads(run_cli("list", "--json").output)[0]["last_in"] is None
    real = run_cli("sync")
    assert "meetings: 1 added" in real.output
    assert "meetings: 0 added, 0 moved, 0 removed" in run_cli("sync").output


def test_a_meeting_never_asks_what_they_said(run_cli, tmp_path):
    """Unlike a synced mail, a meeting on an open thread pauses it without reply-received."""
    ada, _ = _people(run_cli)
    run_cli("thread", "open", ada, "--kind", "application", "--at", "2026-02-20T10:00:00+00:00")
    path = write(tmp_path / "cal.ics", event("a", ":20260225T190000Z", summary="Coffee",
                                             attendees=("ada@example.com",)))
    run_cli("sync", str(path))
    rows = [r for r in json.loads(run_cli("today", "--json", "--all").output) if r["contact_id"] == ada]
    assert "reply-received" not in {r["step"] for r in rows}
    assert any("paused" in r["reason"] for r in rows)


def test_a_sync_with_nothing_to_do_takes_no_lock(run_cli, tmp_path, isolated_home):
    """Held by another crm-tui (the TUI): a calendar sync with nothing new still answers."""
    from crm_tui.paths import resolve
    from crm_tui.store.repository import Store

    _people(run_cli)
    path = write(tmp_path / "cal.ics", event("a", ":20260225T190000Z", attendees=("ada@example.com",)))
    run_cli("sync", str(path))
    run_cli("sync", str(path))  # confirms the first one's writes
    with Store.open(resolve(isolated_home).data):
        quiet = run_cli("sync", str(path), "--json")
    assert quiet.exit_code == 0, quiet.output
    section = json.loads(quiet.output)["calendar"]
    assert (section["files_read"], section["touches_added"]) == (0, 0)
