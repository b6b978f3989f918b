"""Bad input is skipped and counted with its path: never a crash, never a traceback, and a
sync saves all its touches or none."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crm_tui.paths import resolve
from crm_tui.store import storage
from crm_tui.store.repository import Store
from tests.sources.maildirs import ME, age, configure, deliver, message


@pytest.fixture(autouse=True)
def _later_clock(monkeypatch):
    monkeypatch.setenv("CRM_TUI_NOW", "2026-04-20T09:00:00+00:00")


@pytest.fixture
def ada(run_cli, isolated_home):
    configure(isolated_home)
    run_cli("add", "Ada Lovelace", "--email", "ada@example.org")
    return "c1"


def _sync(run_cli, *args):
    result = run_cli("sync", *args, "--json")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return json.loads(result.output)


def _good(box: Path, n: int = 1) -> None:
    for i in range(n):
        deliver(box, message("ada@example.org", ME, f"good {i}", f"Thu, {i + 1} Apr 2026 09:00:00 +0000", f"g{i}@x"))


def _problems(report) -> dict[str, str]:
    return {item["path"]: item["reason"] for item in report["mail"]["unreadable"]["items"]}


def test_every_kind_of_bad_file_is_skipped_and_named(run_cli, tmp_path, ada, isolated_home):
    box = tmp_path / "Mail" / "INBOX"
    _good(box, 2)
    cur = box / "cur"
    bad = {
        "binary": cur / "100.binary:2,S",
        "huge-line": cur / "101.huge:2,S",
        "no-sender": cur / "102.nosender:2,S",
        "fifo": cur / "103.fifo:2,S",
    }
    bad["binary"].write_bytes(b"\x7fELF\x02\x01" + os.urandom(4096))
    bad["huge-line"].write_bytes(b"From: ada@example.org\nTo: " + ME.encode() + b"\nX-Long: " + b"a" * (1024 * 1024) + b"\n\nbody")
    bad["no-sender"].write_bytes(b"To: " + ME.encode() + b"\nSubject: who?\n\n")
    os.mkfifo(bad["fifo"])
    # Odd but readable: truncated mid-header, undeclared 8-bit and invalid UTF-8, RFC 2047
    # garbage, a date far in the future: each still a touch.
    (cur / "200.trunc:2,S").write_bytes(b"From: ada@example.org\nTo: " + ME.encode() + b"\nMessage-ID: <t@x>\nSubject: cut he")
    (cur / "201.latin1:2,S").write_bytes(b"From: Ad\xe9 <ada@example.org>\nTo: " + ME.encode() +
                                         b"\nMessage-ID: <l@x>\nSubject: Caf\xe9 \xff\xfe ok\nDate: Thu, 2 Apr 2026 10:00:00 +0000\n\nx")
    (cur / "202.utf8:2,S").write_bytes("From: ada@example.org\nTo: sam@example.com\nMessage-ID: <u@x>\n"
                                       "Subject: Grüße ✓\nDate: Thu, 2 Apr 2026 11:00:00 +0000\n\n".encode())
    (cur / "203.rfc2047:2,S").write_bytes(b"From: =?utf-8?b?!!!?= <ada@example.org>\nTo: " + ME.encode() +
                                          b"\nMessage-ID: <r@x>\nSubject: =?x-unknown?q?=FF=FE?= =?utf-8?q?\x1b]52;c;bad\x07?=\n"
                                          b"Date: Thu, 2 Apr 2026 12:00:00 +0000\n\nx")
    age(box)
    report = _sync(run_cli, str(tmp_path / "Mail"))
    problems = _problems(report)
    assert "header block over 256 KiB" in problems[str(bad["huge-line"])]
    assert "no sender" in problems[str(bad["no-sender"])]
    assert "not a regular file" in problems[str(bad["fifo"])]
    assert "not a mail message" in problems[str(bad["binary"])]
    assert report["mail"]["touches_added"] == {"out": 0, "in": 6}
    with Store.open(resolve(isolated_home).data, readonly=True) as store:
        notes = {t.key: t.note for t in store.touches()}
    assert notes["l@x"].startswith("Café") and notes["u@x"] == "Grüße ✓"
    assert "\x1b" not in notes["r@x"] and "\x07" not in notes["r@x"]  # cleaned like all untrusted text
    # Re-running skips the same bad files again, quietly counted, and adds nothing.
    again = _sync(run_cli, str(tmp_path / "Mail"), "--rescan")
    assert again["mail"]["touches_added"] == {"out": 0, "in": 0}


def test_symlink_loops_missing_paths_and_a_directory_named_like_an_mbox(run_cli, tmp_path, ada):
    root = tmp_path / "Mail"
    _good(root / "INBOX")
    (root / "loop").symlink_to(root)  # a folder that contains itself
    (root / "self").symlink_to(root / "self")  # a symlink to itself
    (root / "dangling").symlink_to(tmp_path / "nowhere")
    fake_mbox = tmp_path / "archive.mbox"
    fake_mbox.mkdir()
    report = _sync(run_cli, str(root), str(fake_mbox), str(tmp_path / "missing"))
    problems = _problems(report)
    assert any("symlink loop" in reason for reason in problems.values())
    assert any(path.endswith("self") for path in problems)
    assert report["mail"]["touches_added"] == {"out": 0, "in": 1}
    unknown = {u["path"]: u["reason"] for u in report["unknown_paths"]}
    assert str(fake_mbox) in unknown and str(tmp_path / "missing") in unknown


def test_unreadable_files_and_folders(run_cli, tmp_path, ada, monkeypatch):
    box = tmp_path / "Mail" / "INBOX"
    _good(box, 2)
    locked = deliver(box, message("ada@example.org", ME, "locked", "Fri, 3 Apr 2026 09:00:00 +0000", "k@x"))
    deliver(tmp_path / "Mail" / "Secret", message("ada@example.org", ME, "s", "Fri, 3 Apr 2026 09:00:00 +0000", "s@x"))
    # The tests run as root (permissions do not stop root): fail the OS calls instead.
    real_open, real_scandir = os.open, os.scandir

    def deny_open(path, *args, **kwargs):
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    def deny_scandir(path="."):
        if "Secret" in str(path):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    with monkeypatch.context() as patched:
        patched.setattr(os, "open", deny_open)
        patched.setattr(os, "scandir", deny_scandir)
        report = _sync(run_cli, str(tmp_path / "Mail"))
    problems = _problems(report)
    assert problems[str(locked)] == "Permission denied"
    assert any("Secret" in path and reason == "Permission denied" for path, reason in problems.items())
    assert report["mail"]["touches_added"] == {"out": 0, "in": 2}
    # Readable again: the file was not remembered as read, so the next sync that lists the
    # folder (new mail arrived) logs it.
    deliver(box, message("ada@example.org", ME, "later", "Sat, 4 Apr 2026 09:00:00 +0000", "later@x"))
    again = _sync(run_cli, str(tmp_path / "Mail" / "INBOX"))
    assert again["mail"]["touches_added"] == {"out": 0, "in": 2}  # "later" and the locked one


def test_a_failed_write_saves_none_of_the_touches(run_cli, tmp_path, ada, isolated_home, monkeypatch):
    box = tmp_path / "Mail" / "INBOX"
    _good(box, 30)
    data = resolve(isolated_home).data
    before = {p.name: p.read_bytes() for p in data.glob("*.json")}
    real = storage._write_synced
    calls = {"n": 0}

    def flaky(path, payload):
        calls["n"] += 1
        if calls["n"] == 2:  # the second file of the batch
            raise OSError(28, "No space left on device")
        return real(path, payload)

    with monkeypatch.context() as patched:
        patched.setattr(storage, "_write_synced", flaky)
        result = run_cli("sync", str(tmp_path / "Mail"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "No space left" in result.output
    assert {p.name: p.read_bytes() for p in data.glob("*.json")} == before
    # Nothing was remembered as read either: the next sync logs all 30.
    assert _sync(run_cli, str(tmp_path / "Mail"))["mail"]["touches_added"] == {"out": 0, "in": 30}
