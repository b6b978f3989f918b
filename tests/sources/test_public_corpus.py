"""A run over a real public mail corpus: notmuch's test corpus (tests/fixtures/mail)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from crm_tui.paths import resolve
from crm_tui.store.repository import Store
from tests.sources.maildirs import age

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail" / "notmuch-default"
# Two of the list's members play "me"; Lars wrote to each of them directly (list in Cc).
ME = ["keithp@keithp.com", "dottedmag@dottedmag.net"]


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setenv("CRM_TUI_NOW", "2026-04-20T09:00:00+00:00")


@pytest.fixture
def corpus(tmp_path, isolated_home) -> Path:
    tree = tmp_path / "Mail"
    shutil.copytree(CORPUS, tree)
    for folder in [p for p in tree.rglob("*") if p.is_dir()] + [tree]:
        if (folder / "cur").is_dir() or (folder / "new").is_dir():
            age(folder)
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text(
        "[me]\nemails = [" + ", ".join(f'"{a}"' for a in ME) + "]\n", encoding="utf-8")
    return tree


def _sync(run_cli, *args):
    result = run_cli("sync", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _in_cur_or_new(tree: Path) -> list[Path]:
    return [p for p in tree.rglob("*") if p.is_file() and p.parent.name in ("cur", "new")]


def test_the_notmuch_corpus(run_cli, corpus, isolated_home, tmp_path):
    run_cli("add", "Lars Kellogg-Stedman", "--email", "LARS@seas.harvard.edu")
    report = _sync(run_cli, str(corpus))["mail"]
    # Every message in a cur/ or new/ folder is read, nothing else, and none is unreadable.
    assert report["messages_read"] == len(_in_cur_or_new(corpus)) == 43
    assert report["unreadable"]["count"] == 0 and report["dates_guessed"]["count"] == 0
    assert report["touches_added"] == {"out": 0, "in": 2}
    with Store.open(resolve(isolated_home).data, readonly=True) as store:
        touches = sorted((t.at, t.note, t.key) for t in store.touches())
    assert touches == [
        ("2009-11-17T15:33:01-05:00", "Re: [notmuch] Working with Maildir storage?",
         "20091117203301.GV3165@dottiness.seas.harvard.edu"),
        ("2009-11-17T19:50:40-05:00", "Re: [notmuch] Working with Maildir storage?",
         "20091118005040.GA25380@dottiness.seas.harvard.edu"),
    ]
    # Keith's own posts went to the list only: no touch, and the list is no correspondent.
    people = json.loads(run_cli("correspondents", "--json").output)
    assert people == []
    # Nothing new: nothing read, not a byte changed; a full rescan changes nothing either.
    data = resolve(isolated_home).data
    digest = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in data.glob("*.json")}
    assert _sync(run_cli, str(corpus))["mail"]["messages_read"] == 0
    assert _sync(run_cli, str(corpus), "--rescan")["mail"]["already_known"] == 2
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in data.glob("*.json")} == digest
    # The same messages as one mbox (as `mutt` would save them): the same two touches.
    box = tmp_path / "corpus.mbox"
    with open(box, "wb") as out:
        for path in sorted(_in_cur_or_new(corpus)):
            raw = path.read_bytes()
            head, _, body = raw.partition(b"\n\n")
            body = b"\n".join(b">" + line if line.startswith(b"From ") else line for line in body.split(b"\n"))
            out.write(b"From someone@example.org Sat Jan  1 00:00:00 2011\n" + head + b"\n\n" + body + b"\n")
    mbox_report = _sync(run_cli, str(box))["mail"]
    assert mbox_report["messages_read"] == 43 and mbox_report["unreadable"]["count"] == 0
    assert mbox_report["already_known"] == 2 and mbox_report["touches_added"] == {"out": 0, "in": 0}


def test_the_corpus_without_contacts_lists_the_correspondent(run_cli, corpus):
    _sync(run_cli, str(corpus))
    people = json.loads(run_cli("correspondents", "--json").output)
    assert [(p["email"], p["received"], p["sent"]) for p in people] == [("lars@seas.harvard.edu", 2, 0)]
    assert people[0]["name"] == "Lars Kellogg-Stedman"
