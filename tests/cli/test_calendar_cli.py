"""End to end (pinned clock, Mon 2 Mar 2026 18:00 UTC): birthdays, `today --count`,
`export ics` and the `[sources] reminders` folder kept up to date after every write."""

from __future__ import annotations

import json

import icalendar


def test_today_count_prints_just_the_number(run_cli):
    assert run_cli("today", "--count").output == "0\n"
    run_cli("add", "Ada Park")
    run_cli("add", "Ben Ode", "--birthday", "--03-02")
    result = run_cli("today", "--count")
    # Ada's hello and Ben's birthday (which covers Ben's hello today)
    assert result.exit_code == 0 and result.output == "2\n"
    rows = json.loads(run_cli("today", "--json").output)
    assert [r["step"] for r in rows] == ["birthday", "keep-in-touch"]


def test_add_and_edit_birthday(run_cli):
    ada = run_cli("add", "Ada Park", "--birthday", "1992-02-29", "--json")
    assert json.loads(ada.output)["birthday"] == "1992-02-29"
    edited = run_cli("edit", "Ada", "--birthday", "--0302", "--json")
    assert edited.exit_code == 0 and json.loads(edited.output)["birthday"] == "--03-02"
    bad = run_cli("edit", "Ada", "--birthday", "1990-02-30")
    assert bad.exit_code == 2 and "not a date" in bad.output
    cleared = run_cli("edit", "Ada", "--birthday", "", "--json")
    assert json.loads(cleared.output)["birthday"] == ""
    assert run_cli("edit", "Nobody", "--tier", "close").exit_code == 2


def test_birthday_done_counts_as_the_touch(run_cli):
    ben = run_cli("add", "Ben Ode", "--birthday", "1980-03-02", "--tier", "close").output.strip()
    assert run_cli("done", ben).exit_code == 0
    rows = json.loads(run_cli("today", "--json", "--all").output)
    steps = {r["step"]: r for r in rows}
    assert "birthday" not in steps  # closed: sent today
    assert steps["keep-in-touch"]["due"] == "2026-03-16"


def test_export_ics_folder_and_file(run_cli, tmp_path):
    run_cli("add", "Ada Park", "--email", "ada@example.com")
    folder = tmp_path / "crm"
    result = run_cli("export", "ics", str(folder))
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote 1 follow-up to {folder} (1 file changed, 0 removed)\n"
    (path,) = folder.glob("*.ics")
    event = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Follow up with Ada Park (keep in touch)"
    single = run_cli("export", "ics", str(tmp_path / "all.ics"), "--days", "7")
    assert single.exit_code == 0 and (tmp_path / "all.ics").exists()


def test_reminders_folder_follows_every_write(run_cli, isolated_home, tmp_path):
    target = tmp_path / "calendars" / "crm"
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text(f'[sources]\nreminders = "{target}"\n')
    ada = run_cli("add", "Ada Park").output.strip()
    assert [p.name for p in target.glob("*.ics")] == [f"crm-tui-{ada}-kit-keep-in-touch.ics"]
    run_cli("log", ada, "--at", "2026-03-01T10:00:00+00:00")  # keep-in-touch now in 90 days
    assert list(target.glob("*.ics")) == []
    # Reading commands do not export.
    (target / "marker").write_text("x")
    run_cli("today")
    assert (target / "marker").exists()
