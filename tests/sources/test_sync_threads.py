"""Synced mail moves thread sequences exactly as pressing keys would (issue 15 scenarios).

Each scenario goes through the command line with a pinned clock and a Maildir written here.
"""

from __future__ import annotations

import json

from tests.sources.maildirs import ME, configure, deliver, message


def _at(run_cli, now: str, *args: str):
    result = run_cli(*args, env={"CRM_TUI_NOW": now})
    assert result.exit_code == 0, result.output
    return result.output


def _today(run_cli, now: str, *extra: str) -> list[dict]:
    return json.loads(_at(run_cli, now, "today", "--json", *extra))


def _touches(run_cli, now: str) -> list[dict]:
    from crm_tui.paths import resolve
    from crm_tui.store.repository import Store

    with Store.open(resolve(None).data, readonly=True) as store:
        return [t.to_dict() for t in store.touches()]


def _interview(run_cli, tmp_path, isolated_home):
    configure(isolated_home)
    run_cli("add", "Dana Hiring", "--email", "dana@tidemark.example", "--tier", "active")
    run_cli("add", "Lee Panel", "--email", "lee@tidemark.example")
    thread = run_cli("thread", "open", "Dana Hiring", "--kind", "interview", "--at",
                     "2026-03-02T10:00:00+00:00", "--decision-by", "2026-03-13",
                     "--interviewer", "Lee Panel").output.strip()
    return thread, tmp_path / "Mail"


def test_thank_you_mails_satisfy_both_thank_yous(run_cli, tmp_path, isolated_home):
    thread, mail = _interview(run_cli, tmp_path, isolated_home)
    now = "2026-03-02T18:00:00+00:00"
    due = [s for s in _today(run_cli, now) if s["step"] == "thank-you"]
    assert {s["recipient_id"] for s in due} == {"c1", "c2"}
    deliver(mail / "Sent", message(ME, "dana@tidemark.example", "Thank you", "Mon, 2 Mar 2026 15:00:00 +0000", "t1@x"))
    deliver(mail / "Sent", message(ME, "Lee <LEE@tidemark.example>", "Thanks, Lee", "Mon, 2 Mar 2026 15:05:00 +0000", "t2@x"))
    out = json.loads(_at(run_cli, now, "sync", str(mail), "--json"))
    assert out["mail"]["thread_steps"] == 2
    assert not [s for s in _today(run_cli, now, "--all") if s["step"] == "thank-you" and s["status"] != "closed"]
    steps = {(t["contact_id"], t["step"], t["thread_id"]) for t in _touches(run_cli, now)}
    assert steps == {("c1", "thank-you", thread), ("c2", "thank-you", thread)}


def test_follow_up_mail_after_decision_is_follow_up_1_and_schedules_follow_up_2(run_cli, tmp_path, isolated_home):
    thread, mail = _interview(run_cli, tmp_path, isolated_home)
    deliver(mail / "Sent", message(ME, "dana@tidemark.example", "Thank you", "Mon, 2 Mar 2026 15:00:00 +0000", "t1@x",
                                   cc="lee@tidemark.example"))
    # Decision due Fri 13 Mar; the follow-up goes out Wed 18 Mar (3rd business day).
    deliver(mail / "Sent", message(ME, "dana@tidemark.example", "Following up", "Wed, 18 Mar 2026 09:30:00 +0000", "f1@x"))
    now = "2026-03-19T09:00:00+00:00"
    _at(run_cli, now, "sync", str(mail))
    steps = [t["step"] for t in _touches(run_cli, now) if t["contact_id"] == "c1"]
    assert steps == ["thank-you", "follow-up-1"]
    ahead = [s for s in _today(run_cli, now, "--all") if s["thread_id"] == thread and s["step"].startswith("follow-up")]
    # Rule 8: the decision date had passed, so the second follow-up is one week later.
    assert [(s["step"], s["due"]) for s in ahead] == [("follow-up-2", "2026-03-25")]


def test_a_reply_raises_reply_received_and_asked_classifies_the_same_touch(run_cli, tmp_path, isolated_home):
    thread, mail = _interview(run_cli, tmp_path, isolated_home)
    deliver(mail / "Sent", message(ME, "dana@tidemark.example", "Thank you", "Mon, 2 Mar 2026 15:00:00 +0000", "t1@x",
                                   cc="lee@tidemark.example"))
    deliver(mail / "Sent", message(ME, "dana@tidemark.example", "Following up", "Wed, 18 Mar 2026 09:30:00 +0000", "f1@x"))
    deliver(mail / "INBOX", message("Dana <dana@tidemark.example>", ME, "Re: Following up",
                                    "Fri, 20 Mar 2026 11:00:00 +0000", "r1@x", extra="In-Reply-To: <f1@x>"))
    now = "2026-03-20T18:00:00+00:00"
    out = json.loads(_at(run_cli, now, "sync", str(mail), "--json"))
    assert out["mail"]["replies"] == 1
    today = _today(run_cli, now)
    assert today[0]["step"] == "reply-received" and today[0]["thread_id"] == thread
    assert today[0]["reason"] == "Dana replied on Fri 20 Mar ('Re: Following up'): what did they say?"
    _at(run_cli, now, "reply", "Dana Hiring", "--asked")
    inbound = [t for t in _touches(run_cli, now) if t["direction"] == "in"]
    assert len(inbound) == 1 and inbound[0]["outcome"] == "asked" and inbound[0]["key"] == "r1@x"
    today = _today(run_cli, now)
    assert today[0]["step"] == "reply-requested" and not [s for s in today if s["step"] == "reply-received"]
    # Answering by mail is that step, done.
    deliver(mail / "Sent", message(ME, "dana@tidemark.example", "References", "Fri, 20 Mar 2026 19:00:00 +0000", "a1@x"))
    later = "2026-03-21T09:00:00+00:00"
    _at(run_cli, later, "sync", str(mail))
    assert not [s for s in _today(run_cli, later) if s["step"] == "reply-requested"]
    assert [t["step"] for t in _touches(run_cli, later) if t["key"] == "a1@x"] == ["reply-requested"]


def test_noted_resumes_the_sequence_after_the_reply(run_cli, tmp_path, isolated_home):
    thread, mail = _interview(run_cli, tmp_path, isolated_home)
    deliver(mail / "INBOX", message("dana@tidemark.example", ME, "Quick question", "Fri, 20 Mar 2026 11:00:00 +0000", "q@x"))
    now = "2026-03-20T18:00:00+00:00"
    _at(run_cli, now, "sync", str(mail))
    _at(run_cli, now, "reply", "Dana Hiring", "--noted")
    steps = {s["step"]: s for s in _today(run_cli, now, "--all") if s["thread_id"] == thread}
    assert "reply-received" not in steps
    assert steps["follow-up-1"]["status"] == "waiting" and steps["follow-up-1"]["due"] == "2026-03-27"
    assert len([t for t in _touches(run_cli, now) if t["direction"] == "in"]) == 1


def test_mail_from_a_keep_in_touch_contact_resets_their_due_date(run_cli, tmp_path, isolated_home):
    configure(isolated_home)
    run_cli("add", "Kim Friend", "--email", "kim@example.org", "--tier", "close")
    now = "2026-03-20T09:00:00+00:00"
    _at(run_cli, now, "log", "Kim Friend", "--at", "2026-02-01T10:00:00+00:00")
    before = [s for s in _today(run_cli, now) if s["contact_id"] == "c1"]
    assert before and before[0]["step"] in ("keep-in-touch", "rekindle")
    deliver(tmp_path / "Mail" / "INBOX", message("kim@example.org", ME, "Coffee?", "Wed, 18 Mar 2026 08:00:00 +0000", "k@x"))
    _at(run_cli, now, "sync", str(tmp_path / "Mail"))
    after = [s for s in _today(run_cli, now, "--all") if s["contact_id"] == "c1"]
    assert after[0]["step"] == "keep-in-touch" and after[0]["due"] == "2026-04-01"
    assert "reply-received" not in {s["step"] for s in after}


def test_two_open_threads_references_pick_the_thread(run_cli, tmp_path, isolated_home):
    configure(isolated_home)
    run_cli("add", "Ola Client", "--email", "ola@client.example")
    first = run_cli("thread", "open", "Ola Client", "--kind", "invoice", "--at", "2026-01-05",
                    "--label", "#1").output.strip()
    second = run_cli("thread", "open", "Ola Client", "--kind", "invoice", "--at", "2026-02-01",
                     "--label", "#2").output.strip()
    mail = tmp_path / "Mail"
    # The invoice #1 mail was sent on its day (logged on thread #1 through References later).
    now = "2026-03-20T09:00:00+00:00"
    _at(run_cli, now, "log", "Ola Client", "--thread", first, "--at", "2026-01-05T10:00:00+00:00")
    deliver(mail / "Sent", message(ME, "ola@client.example", "Invoice #1 reminder", "Mon, 16 Mar 2026 09:00:00 +0000", "rem1@x"))
    deliver(mail / "INBOX", message("ola@client.example", ME, "Re: Invoice #1 reminder", "Tue, 17 Mar 2026 09:00:00 +0000",
                                    "rep1@x", extra="References: <rem1@x>"))
    _at(run_cli, now, "sync", str(mail))
    by_key = {t["key"]: t for t in _touches(run_cli, now) if t["key"]}
    # The reminder went to the most urgent pending step (#1, overdue longer); the reply
    # quotes it, so it lands on the same thread even though #2 is open too.
    assert by_key["rem1@x"]["thread_id"] == first and by_key["rem1@x"]["step"] == "payment-reminder"
    assert by_key["rep1@x"]["thread_id"] == first
    assert second != first


def test_done_on_reply_received_notes_it_and_a_written_answer_is_an_answer(run_cli, tmp_path, isolated_home):
    import arrow

    from crm_tui import config
    from crm_tui.paths import resolve
    from crm_tui.services import actions, engine
    from crm_tui.store.repository import Store

    thread, mail = _interview(run_cli, tmp_path, isolated_home)
    paths = resolve(isolated_home)
    settings = config.load(paths.config_file)

    def pending(store, now):
        return [s for s in engine.today(store, settings, now) if s.step == "reply-received"]

    deliver(mail / "INBOX", message("dana@tidemark.example", ME, "Question", "Fri, 20 Mar 2026 11:00:00 +0000", "q@x"))
    first = arrow.get("2026-03-20T18:00:00+00:00")
    _at(run_cli, first.isoformat(), "sync", str(mail))
    with Store.open(paths.data, today=first) as store:
        (step,) = pending(store, first)
        actions.done(store, step, first)  # `d` on Today: it was just a reply
        assert [t.outcome for t in store.touches() if t.key == "q@x"] == ["noted"]
        assert not [t for t in store.touches() if t.direction == "out"] and not pending(store, first)
    deliver(mail / "INBOX", message("dana@tidemark.example", ME, "Another", "Mon, 23 Mar 2026 11:00:00 +0000", "q2@x"))
    later = arrow.get("2026-03-23T18:00:00+00:00")
    _at(run_cli, later.isoformat(), "sync", str(mail))
    with Store.open(paths.data, today=later) as store:
        (step,) = pending(store, later)
        actions.done(store, step, later, note="Thanks Dana, here you go.")  # the composer's mark sent
        (answer,) = [t for t in store.touches() if t.direction == "out"]
        assert answer.contact_id == "c1" and answer.step is None and answer.thread_id == thread
        assert not pending(store, later)
