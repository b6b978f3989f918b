"""`crm-tui today` end to end with CRM_TUI_NOW pinned (Mon 2 Mar 2026 18:00 UTC)."""

from __future__ import annotations

import json

KEYS = {"contact_id", "contact", "thread_id", "kind", "step", "status", "due", "overdue_days",
        "reason", "channel", "warnings"}


def _setup(run_cli):
    dana = run_cli("add", "Dana Hiring", "--tier", "active").output.strip()
    run_cli("log", dana, "--at", "2026-02-20T10:00:00+00:00")
    ravi = run_cli("add", "Ravi Client").output.strip()
    maya = run_cli("add", "Maya Okafor", "--tier", "active").output.strip()
    run_cli("log", maya, "--in", "--at", "2026-01-21T10:00:00+00:00")
    invoice = run_cli("thread", "open", ravi, "--kind", "invoice", "--at",
                      "2026-01-31T10:00:00+00:00", "--label", "#7").output.strip()
    interview = run_cli("thread", "open", dana, "--kind", "interview", "--at",
                        "2026-03-02T10:00:00+00:00").output.strip()
    return dana, ravi, maya, invoice, interview


def test_today_json_keys_order_and_values(run_cli):
    dana, ravi, maya, invoice, interview = _setup(run_cli)
    result = run_cli("today", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert all(set(row) >= KEYS for row in rows)
    assert [(r["contact_id"], r["step"], r["status"]) for r in rows] == [
        (dana, "thank-you", "due"),
        (ravi, "payment-reminder", "due"),
        (maya, "keep-in-touch", "overdue"),
    ]
    assert rows[0]["thread_id"] == interview and rows[0]["kind"] == "interview"
    assert rows[0]["warnings"] == []
    assert rows[1]["due"] == "2026-03-02" and rows[1]["overdue_days"] == 0
    assert rows[2]["due"] == "2026-02-20" and rows[2]["overdue_days"] == 10
    assert rows[2]["thread_id"] is None and rows[2]["kind"] == "keep-in-touch"


def test_today_limit_all_and_plain_text(run_cli):
    _setup(run_cli)
    assert len(json.loads(run_cli("today", "--json", "--limit", "1").output)) == 1
    everything = json.loads(run_cli("today", "--json", "--all").output)
    assert {"waiting", "due"} <= {r["status"] for r in everything}
    text = run_cli("today").output
    assert "thank-you" in text and "Dana Hiring" in text and "overdue 10d" in text


def test_nobody_today_says_who_is_next(run_cli):
    maya = run_cli("add", "Maya Okafor", "--tier", "close").output.strip()
    run_cli("log", maya, "--at", "2026-03-01T10:00:00+00:00")
    result = run_cli("today")
    assert result.exit_code == 0
    assert "Nobody to ping today." in result.output
    assert "Next: Maya Okafor on Sun 15 Mar (keep-in-touch)." in result.output
    assert json.loads(run_cli("today", "--json").output) == []


def test_today_follows_the_pinned_clock(run_cli):
    _setup(run_cli)
    later = run_cli("today", "--json", env={"CRM_TUI_NOW": "2026-03-04T09:00:00+00:00"})
    rows = json.loads(later.output)
    assert rows[0]["step"] == "thank-you" and rows[0]["status"] == "overdue"
    assert rows[0]["overdue_days"] == 2


def test_local_zone_across_the_dst_change(run_cli):
    berlin = {"TZ": "Europe/Berlin", "CRM_TUI_NOW": "2026-03-29T10:30:00"}
    dana = run_cli("add", "Dana Hiring", env=berlin).output.strip()
    # 10:00 on Saturday (UTC+1) to 10:30 on Sunday (UTC+2) is 23.5 real hours: still due.
    opened = run_cli("thread", "open", dana, "--kind", "interview", "--at", "2026-03-28T10:00",
                     env=berlin)
    assert opened.exit_code == 0, opened.output
    rows = json.loads(run_cli("today", "--json", env=berlin).output)
    (thanks,) = [r for r in rows if r["step"] == "thank-you"]
    assert (thanks["status"], thanks["due"], thanks["overdue_days"]) == ("due", "2026-03-28", 0)
    later = json.loads(run_cli("today", "--json", env={**berlin, "CRM_TUI_NOW": "2026-03-29T11:30:00"}).output)
    (late,) = [r for r in later if r["step"] == "thank-you"]
    assert (late["status"], late["overdue_days"]) == ("overdue", 1)
