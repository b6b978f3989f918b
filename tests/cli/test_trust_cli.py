"""Issue 13 on the command line: undo/redo, fixing touches, validators, the daily budget,
imports' tier and tags, sharing on no thread, drafts without notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm_tui.paths import resolve
from crm_tui.store.repository import Store


def ok(result):
    assert result.exit_code == 0, result.output
    return result.output.strip()


def refused(result, *words: str) -> str:
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.output, result.output
    return result.output


def _export(run_cli, tmp_path: Path, name: str) -> dict:
    target = tmp_path / f"{name}.json"
    ok(run_cli("export", "json", str(target)))
    data = json.loads(target.read_text())
    data.pop("exported_at", None)
    return data


# ----------------------------------------------------------------------- undo / redo
def test_undo_and_redo_name_the_change_and_restore_the_export_exactly(run_cli, tmp_path):
    ok(run_cli("add", "Ravi Menon", "--email", "ravi@example.com", "--company", "Acme"))
    thread = ok(run_cli("thread", "open", "Ravi", "--kind", "invoice",
                        "--at", "2026-01-15T10:00:00+00:00", "--label", "INV-7"))
    before = _export(run_cli, tmp_path, "before")
    assert "payment-reminder" in ok(run_cli("done", "Ravi"))
    after = _export(run_cli, tmp_path, "after")
    assert after != before

    assert ok(run_cli("undo")) == "Undid: done on Ravi Menon's payment reminder"
    assert _export(run_cli, tmp_path, "undone") == before
    assert ok(run_cli("redo")) == "Redid: done on Ravi Menon's payment reminder"
    assert _export(run_cli, tmp_path, "redone") == after

    assert ok(run_cli("move-on", thread)) == f"moved on: {thread} closed"
    assert ok(run_cli("undo")) == "Undid: closing Ravi Menon's invoice (moved on)"
    assert ok(run_cli("undo")) == "Undid: done on Ravi Menon's payment reminder"
    assert ok(run_cli("undo")) == "Undid: opening Ravi Menon's invoice"
    assert ok(run_cli("undo")) == "Undid: adding Ravi Menon"
    assert ok(run_cli("undo")) == "Nothing to undo."
    assert json.loads(ok(run_cli("list", "--json"))) == []


def test_a_failed_command_leaves_nothing_to_undo(run_cli):
    ok(run_cli("add", "Ann"))
    refused(run_cli("log", "Ann", "--thread", "t99"), "no thread")
    assert ok(run_cli("undo")) == "Undid: adding Ann"


# ----------------------------------------------------------------------- touches
def test_touches_json_is_the_export_records_newest_first(run_cli, tmp_path):
    ok(run_cli("add", "Ann Lee"))
    ok(run_cli("add", "Bob"))
    first = ok(run_cli("log", "Ann", "--at", "2026-01-10T09:00:00+00:00", "--note", "lunch"))
    second = ok(run_cli("log", "Ann", "--in", "--at", "2026-02-20T09:00:00+00:00"))
    ok(run_cli("log", "Bob", "--at", "2026-02-21T09:00:00+00:00"))
    listed = json.loads(ok(run_cli("touches", "Ann", "--json")))
    exported = {t["id"]: t for t in _export(run_cli, tmp_path, "e")["tables"]["touches"]}
    assert [t["id"] for t in listed] == [second, first]
    assert listed == [exported[second], exported[first]]
    text = ok(run_cli("touches", "Ann"))
    assert text.splitlines()[0].startswith(second) and "lunch" in text


def test_touch_edit_moves_a_wrongly_dated_touch_and_undo_puts_it_back(run_cli, paths, now):
    ok(run_cli("add", "Ann Lee"))
    wrong = ok(run_cli("log", "Ann", "--at", "2026-02-20T09:00:00+00:00", "--note", "coffee"))
    moved = ok(run_cli("touch", "edit", wrong, "--at", "2026-01-20T09:00:00+00:00",
                       "--note", "coffee at the station", "--channel", "meeting", "--in"))
    assert moved.startswith("2026-01.")
    [touch] = json.loads(ok(run_cli("touches", "Ann", "--json")))
    assert (touch["id"], touch["at"][:10], touch["note"], touch["channel"], touch["direction"]) == \
        (moved, "2026-01-20", "coffee at the station", "meeting", "in")
    contact = json.loads(ok(run_cli("list", "--json")))[0]
    assert contact["last_in"].startswith("2026-01-20") and contact["last_out"] is None
    assert ok(run_cli("undo")).startswith("Undid: edit of the email to Ann Lee of 2026-02-20")
    [back] = json.loads(ok(run_cli("touches", "Ann", "--json")))
    assert (back["id"], back["note"], back["direction"]) == (wrong, "coffee", "out")


def test_touch_delete_and_its_errors(run_cli):
    ok(run_cli("add", "Ann Lee"))
    touch = ok(run_cli("log", "Ann", "--note", "oops"))
    assert ok(run_cli("touch", "delete", touch)) == f"deleted {touch}: the email to Ann Lee of 2026-03-02"
    assert json.loads(ok(run_cli("touches", "Ann", "--json"))) == []
    refused(run_cli("touch", "delete", touch), "no touch")
    refused(run_cli("touch", "edit", "2026-03.99", "--note", "x"), "no touch")
    assert ok(run_cli("undo")).startswith("Undid: deleting the email to Ann Lee")
    assert len(json.loads(ok(run_cli("touches", "Ann", "--json")))) == 1


# ----------------------------------------------------------------------- validators
def test_impossible_input_is_refused_with_exit_2(run_cli):
    refused(run_cli("add", "Bob", "--email", "bob@"), "'bob@' is not an email address")
    refused(run_cli("add", "Bob", "--email", "bob@example"), "not an email address")
    ok(run_cli("add", "Ann Lee", "--email", "ann@example.com"))
    refused(run_cli("log", "Ann", "--at", "2030-01-01"), "more than a day in the future")
    refused(run_cli("reply", "Ann", "--at", "2026-03-05"), "more than a day in the future")
    ok(run_cli("log", "Ann", "--at", "2026-03-03T09:00"))  # tomorrow morning: fine
    refused(run_cli("thread", "open", "Ann", "--kind", "interview", "--at", "2026-03-02",
                    "--decision-by", "2026-02-20"), "before the thread starts")
    refused(run_cli("snooze", "Ann", "--until", "2026-02-30"), "February 2026 has 28 days")
    refused(run_cli("draft", "Ann", "--variant", "99"), "variants for this message; pick 1 to")
    ok(run_cli("draft", "Ann", "--variant", "2"))
    touch = json.loads(ok(run_cli("touches", "Ann", "--json")))[0]["id"]
    refused(run_cli("touch", "edit", touch, "--at", "2031-05-01"), "more than a day in the future")


def test_a_touch_before_1990_is_logged_with_a_warning(run_cli):
    ok(run_cli("add", "Ann Lee"))
    result = run_cli("log", "Ann", "--at", "1985-06-01")
    assert result.exit_code == 0
    assert "before 1990" in result.output


def test_importing_a_missing_file_says_so(run_cli, tmp_path):
    refused(run_cli("import", "linkedin", str(tmp_path / "nope.csv")), "no such file")


# ----------------------------------------------------------------------- budget and imports
def _linkedin(tmp_path: Path, rows: int) -> Path:
    lines = ["First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    lines += [f"Per{i},Son{i},https://www.linkedin.com/in/p{i},,Acme,Eng,01 Jan 2024" for i in range(rows)]
    path = tmp_path / "Connections.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_big_import_does_not_flood_today(run_cli, tmp_path):
    ok(run_cli("import", "linkedin", str(_linkedin(tmp_path, 40))))
    ok(run_cli("add", "Ravi", "--company", "Acme"))
    ok(run_cli("thread", "open", "Ravi", "--kind", "invoice", "--at", "2026-01-10"))
    result = run_cli("today", "--json")
    rows = json.loads(result.stdout)  # the array as before; the count of the rest on stderr
    assert "and 30 more" in result.stderr
    keep = [r for r in rows if r["step"] in ("keep-in-touch", "rekindle", "congratulate")]
    assert len(keep) == 10  # the default budget
    assert any(r["step"] == "payment-reminder" for r in rows)  # thread steps are never cut
    text = ok(run_cli("today"))
    assert "and 30 more to keep in touch with, spread over the coming weeks" in text
    assert len(json.loads(ok(run_cli("today", "--json", "--all")))) > 40


def test_the_budget_is_a_setting(run_cli, tmp_path, paths):
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text("[cadence]\ndaily_keep_in_touch = 3\n")
    ok(run_cli("import", "linkedin", str(_linkedin(tmp_path, 8))))
    assert len(json.loads(run_cli("today", "--json").stdout)) == 3
    assert "and 5 more" in ok(run_cli("today"))


def test_imports_take_tier_and_tags_and_linkedin_defaults_to_dormant(run_cli, tmp_path):
    ok(run_cli("import", "linkedin", str(_linkedin(tmp_path, 2))))
    people = json.loads(ok(run_cli("list", "--json")))
    assert {p["tier"] for p in people} == {"dormant"}
    ok(run_cli("undo"))
    ok(run_cli("import", "linkedin", str(_linkedin(tmp_path, 2)), "--tier", "casual",
               "--tag", "conf-2024", "--tag", "Acme"))
    people = json.loads(ok(run_cli("list", "--json")))
    assert {p["tier"] for p in people} == {"casual"}
    assert all(p["tags"][-2:] == ["conf-2024", "Acme"] for p in people)


# ----------------------------------------------------------------------- shares and drafts
def _article(paths, now) -> str:
    from crm_tui.domain.models import Article, Feed

    with Store.open(paths.data, today=now) as store:
        feed = store.add_feed(Feed(url="https://example.com/feed.xml", title="Example"))
        return store.add_article(Article(feed_id=feed.id, link="https://example.com/a",
                                         title="Data contracts in practice",
                                         published=now.isoformat())).id


def test_sharing_uses_no_thread_and_no_reminder(run_cli, paths, now):
    ok(run_cli("add", "Ravi Menon", "--email", "ravi@example.com"))
    ok(run_cli("thread", "open", "Ravi", "--kind", "invoice", "--at", "2026-01-10"))
    article = _article(paths, now)
    ok(run_cli("share", article, "Ravi"))
    [touch] = json.loads(ok(run_cli("touches", "Ravi", "--json")))
    assert (touch["step"], touch["thread_id"], touch["article_id"]) == ("share-article", None, article)
    draft = json.loads(ok(run_cli("draft", "Ravi", "--step", "payment-reminder", "--json")))
    assert "reminder 2" not in draft["body"].lower()


def test_no_draft_quotes_a_note(run_cli):
    ok(run_cli("add", "Dana Hiring", "--company", "Tidemark", "--note", "SECRET-CONTACT-NOTE"))
    ok(run_cli("log", "Dana", "--at", "2026-02-20T10:00:00+00:00", "--note",
               "What stayed with me: - SECRET-TOUCH-NOTE went well"))
    ok(run_cli("log", "Dana", "--in", "--at", "2026-02-25T10:00:00+00:00",
               "--note", "SECRET-REPLY-NOTE"))
    ok(run_cli("thread", "open", "Dana", "--kind", "interview", "--at", "2026-03-02T09:00",
               "--note", "SECRET-THREAD-NOTE", "--points", "your data contracts work\nthe on-call rota"))
    bodies = []
    for step in ("thank-you", "follow-up-1", "keep-in-touch", "rekindle", "reply-requested"):
        for variant in (1, 2):
            result = run_cli("draft", "Dana", "--step", step, "--variant", str(variant), "--json")
            if result.exit_code == 0:
                bodies.append(json.loads(result.output)["body"])
    assert bodies
    assert not [b for b in bodies if "SECRET" in b]
    thank_you = json.loads(ok(run_cli("draft", "Dana", "--step", "thank-you", "--json")))["body"]
    assert "- your data contracts work" in thank_you and "- the on-call rota" in thank_you


@pytest.mark.parametrize("option", ["--points"])
def test_talking_points_are_for_interviews(run_cli, option):
    ok(run_cli("add", "Ann"))
    refused(run_cli("thread", "open", "Ann", "--kind", "invoice", option, "x"), "--kind interview")


def test_store_folder_holds_the_log_as_dot_files(run_cli, isolated_home):
    ok(run_cli("add", "Ann"))
    names = sorted(p.name for p in resolve(isolated_home).data.iterdir())
    assert ".undo.json" in names and ".undo-1.json" in names
