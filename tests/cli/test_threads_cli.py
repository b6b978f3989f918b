"""`crm-tui thread ...`, `done`, `reply`, `snooze`, `skip`, `move-on` end to end."""

from __future__ import annotations

import json

from crm_tui.paths import resolve
from crm_tui.store.repository import Store


def _today(run_cli, *extra, env=None):
    result = run_cli("today", "--json", *extra, env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _threaded(run_cli):
    return [s for s in _today(run_cli) if s["thread_id"]]


def _people(run_cli):
    dana = run_cli("add", "Dana Hiring", "--company", "Tidemark Bank", "--tier", "active").output.strip()
    lee = run_cli("add", "Lee Panel", "--company", "Tidemark Bank").output.strip()
    return dana, lee


def test_open_interview_prints_id_and_lists(run_cli, isolated_home):
    dana, lee = _people(run_cli)
    opened = run_cli("thread", "open", "Dana Hiring", "--kind", "interview", "--at",
                     "2026-03-02T10:00:00+00:00", "--decision-by", "2026-03-13",
                     "--interviewer", "Lee Panel", "--role", "Data Engineer")
    assert opened.exit_code == 0, opened.output
    thread_id = opened.output.strip()
    assert thread_id.startswith("t")
    listed = json.loads(run_cli("thread", "list", "Lee Panel", "--json").output)
    assert [t["id"] for t in listed] == [thread_id]
    assert listed[0]["decision_by"] == "2026-03-13" and listed[0]["interviewers"] == [lee]
    text = run_cli("thread", "list").output
    assert "interview" in text and "with Lee Panel" in text


def test_open_rejects_options_of_another_kind_and_unknown_people(run_cli):
    _people(run_cli)
    wrong = run_cli("thread", "open", "Dana Hiring", "--kind", "invoice", "--decision-by", "2026-03-13")
    assert wrong.exit_code == 2 and "--decision-by is for --kind interview" in wrong.output
    unknown = run_cli("thread", "open", "Dana Hiring", "--kind", "application", "--via", "Nobody")
    assert unknown.exit_code == 2 and "no contact matches" in unknown.output
    bad_date = run_cli("thread", "open", "Dana Hiring", "--kind", "interview", "--at", "soon")
    assert bad_date.exit_code == 2


def test_invoice_terms_default_from_config_and_close(run_cli):
    _people(run_cli)
    thread_id = run_cli("thread", "open", "Dana Hiring", "--kind", "invoice", "--at",
                        "2026-01-20", "--label", "#12", "--amount", "900 EUR").output.strip()
    listed = json.loads(run_cli("thread", "list", "--json").output)
    assert listed[0]["terms"] == 30 and listed[0]["label"] == "#12"
    assert run_cli("thread", "close", thread_id, "--reason", "written off").exit_code == 0
    listed = json.loads(run_cli("thread", "list", "--json").output)
    assert listed[0]["status"] == "closed" and listed[0]["close_reason"] == "written off"
    assert not [s for s in _today(run_cli, "--all") if s["thread_id"] == thread_id]


def test_done_marks_the_most_urgent_step_and_logs_it_on_the_thread(run_cli, isolated_home):
    dana, lee = _people(run_cli)
    thread_id = run_cli("thread", "open", "Dana Hiring", "--kind", "interview", "--at",
                        "2026-03-02T10:00:00+00:00", "--interviewer", "Lee Panel").output.strip()
    assert {s["step"] for s in _today(run_cli)} == {"thank-you"}
    result = run_cli("done", "Lee Panel", "--note", "Thanks for the chat on dbt")
    assert result.exit_code == 0, result.output
    assert "thank-you to Lee Panel" in result.output
    remaining = _today(run_cli)
    assert [(s["contact_id"], s["step"]) for s in remaining] == [(dana, "thank-you")]
    with Store.open(resolve(isolated_home).data, readonly=True) as store:
        (touch,) = store.touches(contact_ids=[lee])
        assert (touch.thread_id, touch.step, touch.note) == (thread_id, "thank-you",
                                                             "Thanks for the chat on dbt")


def test_reply_asked_then_done_then_rejected_closes_gracefully(run_cli, isolated_home):
    dana, _ = _people(run_cli)
    thread_id = run_cli("thread", "open", "Dana Hiring", "--kind", "interview", "--at",
                        "2026-02-20T10:00:00+00:00").output.strip()
    asked = run_cli("reply", "Dana Hiring", "--asked", "--note", "Could you send two references?")
    assert asked.exit_code == 0, asked.output
    (first,) = _threaded(run_cli)
    assert (first["step"], first["status"], first["thread_id"]) == ("reply-requested", "due", thread_id)
    assert run_cli("done", "Dana Hiring", "--note", "References sent").exit_code == 0
    assert not [s for s in _today(run_cli) if s["thread_id"] == thread_id]
    run_cli("reply", "Dana Hiring", "--rejected", "--note", "We went with another candidate")
    (close,) = _threaded(run_cli)
    assert close["step"] == "graceful-close"
    assert run_cli("done", "Dana Hiring").exit_code == 0
    with Store.open(resolve(isolated_home).data, readonly=True) as store:
        assert store.thread(thread_id).status == "closed"


def test_log_in_with_outcome_works_like_reply(run_cli):
    _people(run_cli)
    thread_id = run_cli("thread", "open", "Dana Hiring", "--kind", "interview", "--at",
                        "2026-02-20T10:00:00+00:00").output.strip()
    run_cli("log", "Dana Hiring", "--in", "--outcome", "asked", "--thread", thread_id)
    assert [s["step"] for s in _threaded(run_cli)] == ["reply-requested"]


def test_reply_paid_closes_the_invoice(run_cli, isolated_home):
    _people(run_cli)
    thread_id = run_cli("thread", "open", "Dana Hiring", "--kind", "invoice", "--at",
                        "2026-01-10").output.strip()
    assert [s["step"] for s in _threaded(run_cli)] == ["payment-reminder"]
    assert run_cli("reply", "Dana Hiring", "--paid").exit_code == 0
    with Store.open(resolve(isolated_home).data, readonly=True) as store:
        assert store.thread(thread_id).close_reason == "paid"
    wrong = run_cli("reply", "Lee Panel", "--paid")
    assert wrong.exit_code == 2 and "invoice" in wrong.output


def test_snooze_skip_and_move_on(run_cli):
    dana, lee = _people(run_cli)
    assert {s["contact_id"] for s in _today(run_cli)} == {dana, lee}
    snoozed = run_cli("snooze", "Dana Hiring", "--until", "2026-03-05")
    assert snoozed.exit_code == 0 and "1 snooze" in snoozed.output
    assert run_cli("snooze", "Dana Hiring", "--until", "+5").exit_code == 0
    past = run_cli("snooze", "Dana Hiring", "--until", "2026-03-01")
    assert past.exit_code == 2
    assert run_cli("skip", "Lee Panel").exit_code == 0
    assert _today(run_cli) == []
    waiting = {s["contact_id"]: s for s in _today(run_cli, "--all")}
    assert waiting[dana]["due"] == "2026-03-07" and "snoozed 2 times" in waiting[dana]["warnings"]
    tomorrow = _today(run_cli, env={"CRM_TUI_NOW": "2026-03-03T09:00:00+00:00"})
    assert [s["contact_id"] for s in tomorrow] == [lee]
    thread_id = run_cli("thread", "open", "Lee Panel", "--kind", "application", "--at",
                        "2026-02-01").output.strip()
    assert run_cli("move-on", thread_id).output.strip() == f"moved on: {thread_id} closed"
    assert run_cli("move-on", "t99").exit_code == 2
