"""`crm-tui draft` end to end, CRM_TUI_NOW pinned to Mon 2 Mar 2026 18:00 UTC."""

from __future__ import annotations

import json
import re

import pytest

from crm_tui.domain.models import STEPS, Article, Contact, Thread, Touch
from crm_tui.paths import resolve
from crm_tui.store.repository import Store

LEFTOVER = re.compile(r"[{}\[\]]|\s[,.;:!?]|\(\s*\)|\bat\s*[.,]")


@pytest.fixture
def ids(isolated_home, now):
    """Dana (interview today), Ravi (invoice unpaid past terms), Omar (inside Quillon, where I
    applied via him 10 days ago), Lee (only a name), an article."""
    paths = resolve(isolated_home)
    paths.config.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text('[me]\nname = "Sam Rivera"\nsignature = "Sam Rivera\\nsam@example.com"\n')
    with Store.open(paths.data, today=now) as store:
        dana = store.add_contact(Contact(name="Dana Hiring", emails=["dana@tidemark.example"],
                                         company="Tidemark Bank", tier="active"))
        ravi = store.add_contact(Contact(name="Ravi Client", emails=["ravi@example.com"],
                                         company="Solvane Energy"))
        quillon = store.add_contact(Contact(name="Quinn Recruiter", company="Quillon Studio"))
        omar = store.add_contact(Contact(name="Omar Inside", company="Quillon Studio",
                                         linkedin="https://linkedin.example/omar"))
        lee = store.add_contact(Contact(name="Lee"))
        interview = store.add_thread(Thread(contact_id=dana.id, kind="interview",
                                            at="2026-03-02T10:00:00+00:00", role="Data Engineer",
                                            talking_points="Their move to streaming\n"
                                                           "On-call across two time zones"))
        store.log_touch(Touch(contact_id=dana.id, at="2026-03-02T11:00:00+00:00", direction="in",
                              channel="meeting", thread_id=interview.id,
                              note="Private: the pay band looked low"))
        invoice = store.add_thread(Thread(contact_id=ravi.id, kind="invoice", at="2026-01-31T10:00:00+00:00",
                                          label="#7", amount="€900"))
        application = store.add_thread(Thread(contact_id=quillon.id, kind="application",
                                              at="2026-02-20T10:00:00+00:00", role="Designer", via=omar.id))
        feed_article = store.add_article(Article(feed_id="f1", title="Streaming at scale",
                                                 link="https://blog.example/streaming?a=1&b=2"))
    return {"dana": dana.id, "ravi": ravi.id, "omar": omar.id, "lee": lee.id,
            "interview": interview.id, "invoice": invoice.id, "application": application.id,
            "article": feed_article.id}


def as_json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_most_urgent_step_is_drafted_with_subject_and_body(run_cli, ids):
    result = run_cli("draft", "Dana")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Subject: Thank you") and lines[1] == ""
    assert "Hi Dana," in result.stdout or "Hello Dana," in result.stdout
    assert "- Their move to streaming" in result.stdout  # the thread's talking points
    assert "pay band" not in result.stdout  # never a note (issue 13, point 2)
    assert "Sam Rivera" in result.stdout


def test_json_has_the_documented_keys(run_cli, ids):
    data = as_json(run_cli("draft", ids["dana"], "--json"))
    assert {"subject", "body", "channel", "step", "variant", "variants", "words"} <= set(data)
    assert data["step"] == "thank-you" and data["channel"] == "email"
    assert data["variant"] == 1 and data["variants"] >= 2
    assert data["words"] <= 120 and data["subject"]


def test_variant_and_channel_options(run_cli, ids):
    first = as_json(run_cli("draft", "Dana", "--json"))
    second = as_json(run_cli("draft", "Dana", "--json", "--variant", "2"))
    assert second["variant"] == 2 and second["body"] != first["body"]
    # A variant that does not exist is refused (issue 13), no longer wrapped around.
    beyond = run_cli("draft", "Dana", "--json", "--variant", str(first["variants"] + 1))
    assert beyond.exit_code == 2 and f"pick 1 to {first['variants']}" in beyond.output
    linkedin = as_json(run_cli("draft", "Dana", "--json", "--channel", "linkedin"))
    assert linkedin["subject"] == "" and linkedin["channel"] == "linkedin"


def test_payment_reminder_mentions_the_invoice(run_cli, ids):
    data = as_json(run_cli("draft", "Ravi", "--json"))
    assert data["step"] == "payment-reminder"
    assert "#7" in data["subject"] and "€900" in data["body"]


def test_ask_connection_goes_to_the_inside_contact(run_cli, ids):
    data = as_json(run_cli("draft", "Omar", "--json"))
    assert data["step"] == "ask-connection"
    assert data["body"].startswith(("Hi Omar", "Hello Omar"))
    assert "Designer" in data["body"] and "Quillon Studio" in data["body"]
    assert data["channel"] == "linkedin" and data["subject"] == ""


def test_explicit_step_thread_and_article(run_cli, ids):
    data = as_json(run_cli("draft", "Dana", "--step", "follow-up-1", "--thread", ids["interview"], "--json"))
    assert data["step"] == "follow-up-1" and "Data Engineer" in data["subject"] + data["body"]
    shared = as_json(run_cli("draft", "Dana", "--article", ids["article"], "--json"))
    assert shared["step"] == "share-article"
    assert "Streaming at scale" in shared["subject"] + shared["body"]
    assert "https://blog.example/streaming?a=1&b=2" in shared["body"]


@pytest.mark.parametrize("step", STEPS)
def test_every_step_for_a_contact_with_only_a_name(run_cli, ids, step):
    data = as_json(run_cli("draft", "Lee", "--step", step, "--json"))
    assert data["step"] == step and data["body"].startswith(("Hi Lee", "Hello Lee"))
    assert not LEFTOVER.search(data["body"].replace("Best regards,", "")), data["body"]


def test_unknown_step_exits_2_listing_the_valid_ones(run_cli, ids):
    result = run_cli("draft", "Dana", "--step", "serenade")
    assert result.exit_code == 2
    assert "serenade" in result.output and "thank-you" in result.output and "share-article" in result.output


def test_unknown_contact_thread_or_article_exit_2(run_cli, ids):
    assert run_cli("draft", "Nobody").exit_code == 2
    assert run_cli("draft", "Dana", "--thread", "t999").exit_code == 2
    assert run_cli("draft", "Dana", "--thread", ids["invoice"]).exit_code == 2
    assert run_cli("draft", "Dana", "--article", "a999").exit_code == 2


def test_user_templates_are_used_and_a_broken_file_falls_back(run_cli, ids, isolated_home):
    templates = resolve(isolated_home).templates_file
    templates.write_text('[[thank-you]]\nid = "mine"\nsubject = "Cheers {first_name}"\n'
                         'body = "Hi {first_name}, thanks a lot!"\n', encoding="utf-8")
    data = as_json(run_cli("draft", "Dana", "--json"))
    assert data["subject"] == "Cheers Dana" and data["body"] == "Hi Dana, thanks a lot!"
    templates.write_text('[[thank-you]\nbody = "x"\n', encoding="utf-8")
    result = run_cli("draft", "Dana", "--json")
    assert result.exit_code == 0
    assert str(templates) in result.stderr and "line 1" in result.stderr
    assert json.loads(result.stdout)["subject"].startswith("Thank you")


def test_draft_changes_nothing_in_the_store(run_cli, ids, isolated_home):
    data = resolve(isolated_home).data
    before = {p.name: p.read_bytes() for p in data.glob("*.json")}
    assert run_cli("draft", "Dana").exit_code == 0
    assert {p.name: p.read_bytes() for p in data.glob("*.json")} == before
