"""A run over a real public mail corpus nobody on the team wrote: the messages of CPython's
own email test suite (``Lib/test/test_email/data/msg_*.txt``, shipped with the standard
library, so nothing is copied into this repository). They are a hard case: MIME oddities,
RFC 2047 words, missing and malformed headers, a message with no From at all.

The expected touches are worked out here independently, with the standard library's
``email.utils`` on the same files, and compared with what ``crm-tui sync`` stored.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import shutil
import sysconfig
from email.utils import getaddresses
from pathlib import Path

import pytest

from crm_tui.paths import resolve
from crm_tui.store.repository import Store
from tests.sources.maildirs import age

CORPUS = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
ME = ["cravindogs@cravindogs.com"]
BARRY = ["barry@python.org", "barry@digicool.com"]

pytestmark = pytest.mark.skipif(
    not list(CORPUS.glob("msg_*.txt")), reason="this Python has no test.test_email data"
)


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setenv("CRM_TUI_NOW", "2026-04-20T09:00:00+00:00")


def _messages() -> list[Path]:
    return sorted(CORPUS.glob("msg_*.txt"))


@pytest.fixture
def corpus(tmp_path, isolated_home) -> Path:
    """The corpus as a Maildir (one message a file in cur/), as a mail client keeps it."""
    tree = tmp_path / "Mail" / "INBOX"
    for part in ("cur", "new", "tmp"):
        (tree / part).mkdir(parents=True)
    for index, path in enumerate(_messages()):
        shutil.copy(path, tree / "cur" / f"{1_000_000 + index}.{path.stem}.host:2,S")
    age(tree)
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text(
        "[me]\nemails = [" + ", ".join(f'"{a}"' for a in ME) + "]\n", encoding="utf-8")
    return tree.parent


def _expected_inbound() -> set[object]:
    """The messages from Barry with one of my addresses in To or Cc (the rule), one per
    Message-ID, or per (From, Date, Subject, recipients) for those without one (all of
    his here: several files are copies of one message, which must count once)."""
    found: set[object] = set()
    for path in _messages():
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32)
        senders = {a.lower() for _, a in getaddresses(msg.get_all("From", []))}
        to = {a.lower() for _, a in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []))}
        if senders & set(BARRY) and to & set(ME):
            found.add(msg.get("Message-ID") or (frozenset(senders), msg.get("Date"), msg.get("Subject"),
                                                frozenset(to)))
    return found


def _sync(run_cli, *args):
    result = run_cli("sync", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_standard_library_corpus(run_cli, corpus, isolated_home, tmp_path):
    run_cli("add", "Barry Warsaw", *[arg for a in BARRY for arg in ("--email", a.upper())])
    expected = _expected_inbound()
    assert len(expected) >= 2  # the case is really in the corpus
    report = _sync(run_cli, str(corpus))["mail"]
    # Every message is read or listed as unreadable with its path: none is lost silently.
    # Every file is read; the one that is no mail message is listed with its path and why.
    assert report["messages_read"] == len(_messages())
    assert [item["reason"] for item in report["unreadable"]["items"]] == [
        "not a mail message (no header at the top)"]
    assert report["unreadable"]["items"][0]["path"].endswith(".msg_19.host:2,S")
    # Copies of one message (the same From, Date, Subject and recipients) count once.
    assert report["already_known"] >= 6
    assert report["touches_added"]["out"] == 0
    assert report["touches_added"]["in"] == len(expected)
    with Store.open(resolve(isolated_home).data, readonly=True) as store:
        touches = store.touches()
    assert {t.direction for t in touches} == {"in"}
    assert all("\x1b" not in t.note and "\r" not in t.note for t in touches)
    # Nothing new: nothing read, not a byte changed; a full rescan changes nothing either.
    data = resolve(isolated_home).data
    digest = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in data.glob("*.json")}
    assert _sync(run_cli, str(corpus))["mail"]["messages_read"] == 0
    assert _sync(run_cli, str(corpus), "--rescan")["mail"]["touches_added"] == {"out": 0, "in": 0}
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in data.glob("*.json")} == digest
    # The same messages as one mbox (as `mutt` would save them): the same touches, known.
    box = tmp_path / "corpus.mbox"
    with open(box, "wb") as out:
        for path in _messages():
            raw = path.read_bytes().replace(b"\r\n", b"\n")
            head, _, body = raw.partition(b"\n\n")
            body = b"\n".join(b">" + line if line.startswith(b"From ") else line for line in body.split(b"\n"))
            out.write(b"From someone@example.org Sat Jan  1 00:00:00 2011\n" + head + b"\n\n" + body + b"\n")
    mbox_report = _sync(run_cli, str(box))["mail"]
    assert mbox_report["touches_added"] == {"out": 0, "in": 0}


def test_the_corpus_without_contacts_lists_barry_as_a_correspondent(run_cli, corpus):
    _sync(run_cli, str(corpus))
    people = json.loads(run_cli("correspondents", "--json").output)
    emails = {p["email"] for p in people}
    assert emails & set(BARRY)  # he wrote to me directly
    assert not emails & set(ME)  # never my own address
