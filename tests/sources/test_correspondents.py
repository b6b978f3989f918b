"""`crm-tui correspondents`: who wrote to me directly and is not a contact."""

from __future__ import annotations

import json

import pytest

from tests.sources.maildirs import ME, configure, deliver, message


@pytest.fixture(autouse=True)
def _later_clock(monkeypatch):
    monkeypatch.setenv("CRM_TUI_NOW", "2026-04-20T09:00:00+00:00")


def _listed(run_cli, *extra):
    result = run_cli("correspondents", "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_listed_ranked_and_filtered(run_cli, tmp_path, isolated_home):
    configure(isolated_home)
    run_cli("add", "Ada Lovelace", "--email", "ada@example.org")
    box = tmp_path / "Mail"
    d = "Thu, {} Apr 2026 09:00:00 +0000".format
    # Bea wrote twice and I answered once: two-way, ranked first.
    deliver(box / "INBOX", message("Bea Quist <bea@else.example>", ME, "hi", d(1), "b1@x"))
    deliver(box / "INBOX", message("Bea Q. <BEA@else.example>", ME, "again", d(3), "b2@x"))
    deliver(box / "INBOX", message("Bea Q. <bea@else.example>", ME, "again", d(3), "b2@x"))  # same message twice
    deliver(box / "Sent", message(ME, "bea@else.example", "re", d(4), "s1@x"))
    # Cy wrote three times, never answered.
    for i in range(3):
        deliver(box / "INBOX", message("Cy <cy@else.example>", f"{ME}, other@else.example", f"c{i}", d(5 + i), f"c{i}@x"))
    # Never listed: a list (never writes to me directly), my own address, a contact,
    # a no-reply sender, a bounce, someone I only wrote to.
    deliver(box / "Lists", message("Dev List <dev@lists.example>", "dev@lists.example", "digest", d(2), "l@x", cc=""))
    deliver(box / "INBOX", message(ME, ME, "note to self", d(2), "self@x"))
    deliver(box / "INBOX", message("ada@example.org", ME, "contact", d(2), "a@x"))
    deliver(box / "INBOX", message("GitHub <noreply@github.example>", ME, "notice", d(2), "n@x"))
    deliver(box / "INBOX", message("MAILER-DAEMON@mx.example", ME, "undeliverable", d(2), "m@x"))
    deliver(box / "INBOX", message("bounces+123@mail.example", ME, "bounce", d(2), "bo@x"))
    deliver(box / "Sent", message(ME, "dan@else.example", "cold mail", d(2), "dan@x"))
    assert run_cli("sync", str(box)).exit_code == 0
    listed = _listed(run_cli)
    assert [p["email"] for p in listed] == ["bea@else.example", "cy@else.example"]
    bea, cy = listed
    assert bea == {"name": "Bea Q.", "email": "bea@else.example", "received": 2, "sent": 1,
                   "last": "2026-04-04T09:00:00+00:00"}
    assert (cy["received"], cy["sent"], cy["name"]) == (3, 0, "Cy")
    assert _listed(run_cli, "--limit", "1") == [bea]
    # A re-sync (even reading everything again) counts nothing twice.
    assert run_cli("sync", str(box), "--rescan").exit_code == 0
    assert _listed(run_cli) == listed
    text = run_cli("correspondents").output
    assert "Bea Q.\tbea@else.example\t2 in / 1 out\tlast 2026-04-04" in text


def test_add_and_ignore_for_good(run_cli, tmp_path, isolated_home):
    configure(isolated_home)
    box = tmp_path / "Mail"
    deliver(box / "INBOX", message("Bea Quist <bea@else.example>", ME, "hi", "Thu, 2 Apr 2026 09:00:00 +0000", "b1@x"))
    deliver(box / "INBOX", message("Cy <cy@else.example>", ME, "hi", "Thu, 2 Apr 2026 09:00:00 +0000", "c1@x"))
    run_cli("sync", str(box))
    added = run_cli("correspondents", "--add", "Bea@Else.example")
    assert added.exit_code == 0 and "Bea Quist <bea@else.example> added" in added.output
    contact = json.loads(run_cli("list", "--json").output)[0]
    assert contact["name"] == "Bea Quist" and contact["emails"] == ["bea@else.example"]
    assert run_cli("correspondents", "--ignore", "cy@else.example").exit_code == 0
    assert _listed(run_cli) == []
    deliver(box / "INBOX", message("Cy <cy@else.example>", ME, "again", "Fri, 3 Apr 2026 09:00:00 +0000", "c2@x"))
    run_cli("sync", str(box))
    assert _listed(run_cli) == []  # ignored for good
    # Bea's past mail becomes touches with a rescan.
    rescan = json.loads(run_cli("sync", str(box), "--rescan", "--json").output)
    assert rescan["mail"]["touches_added"] == {"out": 0, "in": 1}
    assert run_cli("correspondents", "--add", "nobody@else.example").exit_code == 2
