"""`crm-tui sync` end to end: the touch rule, dedupe, incremental reads, the summary."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from crm_tui.paths import resolve
from crm_tui.store.repository import Store
from tests.sources.maildirs import ME, configure, deliver, mbox, message


@pytest.fixture(autouse=True)
def _later_clock(monkeypatch):
    monkeypatch.setenv("CRM_TUI_NOW", "2026-04-20T09:00:00+00:00")


def _touches(home: Path) -> list[dict]:
    with Store.open(resolve(home).data, readonly=True) as store:
        return [t.to_dict() for t in store.touches()]


def _digest(home: Path) -> dict[str, str]:
    data = resolve(home).data
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(data.glob("*.json"))}


def _sync(run_cli, *args: str) -> dict:
    result = run_cli("sync", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_no_addresses_configured_is_a_clear_error(run_cli, tmp_path, isolated_home):
    deliver(tmp_path / "Mail" / "INBOX", message("a@b.example", ME))
    result = run_cli("sync", str(tmp_path / "Mail"))
    assert result.exit_code == 2
    assert "[me]" in result.output and "emails = " in result.output


def test_nothing_configured_and_no_path_says_how(run_cli, isolated_home):
    configure(isolated_home)
    result = run_cli("sync")
    assert result.exit_code == 2 and "[sources]" in result.output


def test_the_touch_rule(run_cli, tmp_path, isolated_home):
    configure(isolated_home)
    run_cli("add", "Ada Lovelace", "--email", "Ada@Example.org")
    run_cli("add", "Bo Lin", "--email", "bo@example.net")
    inbox, sent, lists = (tmp_path / "Mail" / n for n in ("INBOX", "Sent", "Lists"))
    # in: from Ada, me in To (my address in another case)
    deliver(inbox, message("Ada <ada@example.org>", "Sam <SAM@Example.com>", "Re: Following up",
                           "Fri, 13 Mar 2026 10:00:00 +0100", "a1@example.org"))
    # out: from my second address, Ada in Cc, Bo in To: one touch each
    deliver(sent, message("sam.rivera@work.example", "bo@example.net", "Plans",
                          "Thu, 12 Mar 2026 09:00:00 +0000", "s1@work.example", cc="ada@example.org"))
    # from Ada to a list, me not addressed: no touch
    deliver(lists, message("ada@example.org", "python-list@lists.example", "Release",
                           "Wed, 11 Mar 2026 09:00:00 +0000", "l1@example.org", cc=""))
    # an out-of-office from Bo: never a touch
    deliver(inbox, message("bo@example.net", ME, "Out of office", "Wed, 11 Mar 2026 09:00:00 +0000",
                           "ooo@example.net", extra="Auto-Submitted: auto-replied"))
    # Auto-Submitted: no is an ordinary message
    deliver(inbox, message("bo@example.net", ME, "Lunch?", "Wed, 11 Mar 2026 12:00:00 +0000",
                           "b2@example.net", extra="Auto-Submitted: no"))
    report = _sync(run_cli, str(tmp_path / "Mail"))
    mail = report["mail"]
    assert mail["messages_read"] == 5 and mail["sources"] == 3
    assert mail["touches_added"] == {"out": 2, "in": 2}
    assert mail["automatic"] == 1
    touches = {(t["contact_id"], t["direction"], t["note"]) for t in _touches(isolated_home)}
    assert touches == {("c1", "in", "Re: Following up"), ("c1", "out", "Plans"),
                       ("c2", "out", "Plans"), ("c2", "in", "Lunch?")}
    ada_in = next(t for t in _touches(isolated_home) if t["direction"] == "in" and t["contact_id"] == "c1")
    assert ada_in["at"] == "2026-03-13T10:00:00+01:00" and ada_in["channel"] == "email"
    assert ada_in["source"] == "mail" and ada_in["key"] == "a1@example.org"
    listed = json.loads(run_cli("list", "--json").output)
    ada = next(c for c in listed if c["id"] == "c1")
    assert ada["last_in"] == "2026-03-13T10:00:00+01:00" and ada["touch_count"] == 2


def test_one_touch_per_message_and_contact_wherever_found(run_cli, tmp_path, isolated_home):
    configure(isolated_home)
    run_cli("add", "Ada Lovelace", "--email", "ada@example.org")
    raw = message(ME, "ada@example.org", "Hello", "Thu, 12 Mar 2026 09:00:00 +0000", "same@x")
    deliver(tmp_path / "Mail" / "Sent", raw)
    deliver(tmp_path / "Mail" / "Lists", raw)
    box = mbox(tmp_path / "archive.mbox", [(ME, raw)])
    report = _sync(run_cli, str(tmp_path / "Mail"), str(box))
    assert report["mail"]["touches_added"] == {"out": 1, "in": 0}
    assert report["mail"]["already_known"] == 2
    # No Message-ID: keyed by a hash of From, Date, Subject and recipients.
    bare = message(ME, "ada@example.org", "No id", "Fri, 13 Mar 2026 09:00:00 +0000")
    deliver(tmp_path / "Mail" / "Sent", bare)
    deliver(tmp_path / "Mail" / "Archive", bare)
    report = _sync(run_cli, str(tmp_path / "Mail"))
    assert report["mail"]["touches_added"] == {"out": 1, "in": 0}
    assert len(_touches(isolated_home)) == 2


def test_resync_reads_nothing_and_changes_no_byte(run_cli, tmp_path, isolated_home):
    configure(isolated_home, mail=[str(tmp_path / "Mail"), str(tmp_path / "old.mbox")])
    run_cli("add", "Ada Lovelace", "--email", "ada@example.org")
    for i in range(5):
        deliver(tmp_path / "Mail" / "INBOX", message("ada@example.org", ME, f"m{i}",
                                                     f"Thu, {i + 2} Apr 2026 09:00:00 +0000", f"m{i}@x"))
    mbox(tmp_path / "old.mbox", [(ME, message(ME, "ada@example.org", "old", "Mon, 2 Feb 2026 09:00:00 +0000", "o@x"))])
    first = _sync(run_cli)
    assert first["mail"]["touches_added"] == {"out": 1, "in": 5}
    before = _digest(isolated_home)
    again = _sync(run_cli)
    assert again["mail"]["messages_read"] == 0 and again["mail"]["touches_added"] == {"out": 0, "in": 0}
    assert _digest(isolated_home) == before
    # --rescan reads everything again and still changes nothing.
    rescanned = _sync(run_cli, "--rescan")
    assert rescanned["mail"]["messages_read"] == 6 and rescanned["mail"]["already_known"] == 6
    assert _digest(isolated_home) == before


def test_incremental_maildir_and_mbox(run_cli, tmp_path, isolated_home):
    configure(isolated_home)
    run_cli("add", "Ada Lovelace", "--email", "ada@example.org")
    inbox = tmp_path / "Mail" / "INBOX"
    first = deliver(inbox, message("ada@example.org", ME, "one", "Thu, 2 Apr 2026 09:00:00 +0000", "1@x"), sub="new")
    box = tmp_path / "a.mbox"
    mbox(box, [(ME, message(ME, "ada@example.org", "b1", "Mon, 2 Feb 2026 09:00:00 +0000", "b1@x"))])
    assert _sync(run_cli, str(tmp_path / "Mail"), str(box))["mail"]["messages_read"] == 2
    # The mail client reads the message: new/ -> cur/ with a flag. Not a new message.
    first.rename(inbox / "cur" / (first.name + ":2,S"))
    deliver(inbox, message("ada@example.org", ME, "two", "Fri, 3 Apr 2026 09:00:00 +0000", "2@x"))
    with open(box, "ab") as handle:  # appended: only the new message is read
        handle.write(b"From sam@example.com Tue Feb  3 09:00:00 2026\n" +
                     message(ME, "ada@example.org", "b2", "Tue, 3 Feb 2026 09:00:00 +0000", "b2@x") + b"\n")
    report = _sync(run_cli, str(tmp_path / "Mail"), str(box))
    assert report["mail"]["messages_read"] == 2
    assert report["mail"]["touches_added"] == {"out": 1, "in": 1}
    # Rewritten (a message deleted, so the head changed): read from the start, no duplicates.
    mbox(box, [(ME, message(ME, "ada@example.org", "b2", "Tue, 3 Feb 2026 09:00:00 +0000", "b2@x"))])
    report = _sync(run_cli, str(box))
    assert report["mail"]["messages_read"] == 1 and report["mail"]["already_known"] == 1
    assert len(_touches(isolated_home)) == 4


def test_dry_run_saves_nothing_and_text_summary(run_cli, tmp_path, isolated_home):
    configure(isolated_home)
    run_cli("add", "Ada Lovelace", "--email", "ada@example.org")
    deliver(tmp_path / "Mail" / "INBOX", message("ada@example.org", ME, "x", "Thu, 2 Apr 2026 09:00:00 +0000", "1@x"))
    before = _digest(isolated_home)
    dry = _sync(run_cli, str(tmp_path / "Mail"), "--dry-run")
    assert dry["dry_run"] is True and dry["mail"]["touches_added"] == {"out": 0, "in": 1}
    assert _digest(isolated_home) == before
    text = run_cli("sync", str(tmp_path / "Mail")).output
    assert "1 messages read" in text and "0 out, 1 in" in text


def test_dates_missing_or_implausible_fall_back_and_are_counted(run_cli, tmp_path, isolated_home):
    configure(isolated_home)
    run_cli("add", "Ada Lovelace", "--email", "ada@example.org")
    inbox = tmp_path / "Mail" / "INBOX"
    deliver(inbox, message("ada@example.org", ME, "no date", None, "d1@x"))
    deliver(inbox, message("ada@example.org", ME, "far future", "Fri, 31 Dec 9999 10:00:00 +0000", "d2@x"))
    deliver(inbox, message("ada@example.org", ME, "epoch", "Thu, 01 Jan 1970 00:00:00 +0000", "d3@x"))
    box = mbox(tmp_path / "x.mbox", [(ME, message(ME, "ada@example.org", "no date in mbox", None, "d4@x"))])
    report = _sync(run_cli, str(tmp_path / "Mail"), str(box))
    assert report["mail"]["dates_guessed"]["count"] == 4
    assert report["mail"]["touches_added"] == {"out": 1, "in": 3}
    ats = {t["note"]: t["at"] for t in _touches(isolated_home)}
    assert ats["no date"] == "2023-11-14T22:13:20+00:00"  # the file's mtime (maildirs.OLD)
    assert ats["no date in mbox"] == "2026-03-12T10:00:00+00:00"  # the From line


def test_log_mail_from_standard_input_and_a_file(run_cli, tmp_path, isolated_home):
    configure(isolated_home)
    run_cli("add", "Ada Lovelace", "--email", "ada@example.org")
    raw = message("Sam <sam@example.com>", "Ada <ada@example.org>", "Piped from mutt",
                  "Thu, 19 Mar 2026 10:00:00 +0000", "p1@x", body="A long body\n" * 10000)
    first = run_cli("log", "--mail", "-", input=raw.decode())
    assert first.exit_code == 0 and "logged: mail to Ada Lovelace" in first.output
    again = run_cli("log", "--mail", "-", input=raw.decode())
    assert again.exit_code == 0 and "already logged" in again.output
    (touch,) = _touches(isolated_home)
    assert touch["note"] == "Piped from mutt" and touch["direction"] == "out" and touch["key"] == "p1@x"
    # The same message found later by a sync is the same touch.
    deliver(tmp_path / "Mail" / "Sent", raw)
    assert _sync(run_cli, str(tmp_path / "Mail"))["mail"]["already_known"] == 1
    stranger = tmp_path / "stranger.eml"
    stranger.write_bytes(message("x@else.example", ME, "hi", "Thu, 19 Mar 2026 10:00:00 +0000", "s@x"))
    result = run_cli("log", "--mail", str(stranger))
    assert result.exit_code == 0 and "not between you and a contact" in result.output
    bad = run_cli("log", "--mail", "-", input="\x00\x01 binary junk")
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert run_cli("log", "Ada Lovelace", "--mail", "-", input=raw.decode()).exit_code == 2


def test_keep_subjects_false_keeps_no_text_from_mail(run_cli, tmp_path, isolated_home):
    configure(isolated_home, mail=[], extra="keep_subjects = false\n")  # in [sources]
    run_cli("add", "Ada Lovelace", "--email", "ada@example.org")
    deliver(tmp_path / "Mail" / "INBOX", message("ada@example.org", ME, "Private matters",
                                                 "Thu, 2 Apr 2026 09:00:00 +0000", "p@x"))
    assert _sync(run_cli, str(tmp_path / "Mail"))["mail"]["touches_added"] == {"out": 0, "in": 1}
    (touch,) = _touches(isolated_home)
    assert touch["note"] == "" and touch["key"] == "p@x"
    data = resolve(isolated_home).data
    assert not any(b"Private matters" in p.read_bytes() for p in data.glob("*.json"))
