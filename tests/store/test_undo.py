"""Undo and redo (issue 13, point 6): exact, repeatable, named, across restarts."""

from __future__ import annotations

import collections
import shutil
import tempfile
from pathlib import Path

import arrow
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from crm_tui.config import Settings
from crm_tui.domain.models import Article, Contact, Feed, Thread, Touch
from crm_tui.services import actions, engine, touch_edits
from crm_tui.store import undo as undo_log
from crm_tui.store.repository import Store
from crm_tui.store.storage import WriteFailed

NOW = arrow.get("2026-03-02T18:00:00+00:00")


def _contact(store: Store, name: str) -> Contact:
    with store.change(f"adding {name}"):
        return store.add_contact(Contact(name=name, created_at=NOW.isoformat(), tier="close"))


def _log(store: Store, contact: Contact, at: str, note: str = "") -> Touch:
    with store.change(f"touch with {contact.name}"):
        return store.log_touch(Touch(contact_id=contact.id, at=at, direction="out",
                                     channel="email", note=note))


def test_each_undo_restores_the_previous_export_and_names_the_change(store: Store):
    states = [store.export_tables()]
    ann = _contact(store, "Ann Lee")
    states.append(store.export_tables())
    touch = _log(store, ann, "2026-02-20T10:00:00+00:00", "coffee")
    states.append(store.export_tables())
    touch_edits.edit_touch(store, touch.id, touch_edits.TouchEdit(at=arrow.get("2026-01-05T09:00:00+00:00")), NOW)
    states.append(store.export_tables())
    actions.snooze(store, ann.id, "2026-04-01", NOW)
    states.append(store.export_tables())
    with store.change("deleting Ann Lee"):
        store.delete_contact(ann.id)
    states.append(store.export_tables())

    labels = []
    for expected in reversed(states[:-1]):
        labels.append(store.undo())
        assert store.export_tables() == expected
    assert labels == ["deleting Ann Lee", "snooze of Ann Lee until 2026-04-01",
                      "edit of the email to Ann Lee of 2026-02-20", "touch with Ann Lee",
                      "adding Ann Lee"]
    assert store.undo() is None  # nothing more
    for expected in states[1:]:
        assert store.redo() is not None
        assert store.export_tables() == expected
    assert store.redo() is None


def test_the_log_survives_a_restart_and_keeps_more_than_twenty(paths, now):
    with Store.open(paths.data, today=now) as first:
        people = [_contact(first, f"Person {i}") for i in range(25)]
        assert len(people) == 25
    with Store.open(paths.data, today=now) as second:
        for i in reversed(range(25)):
            assert second.undo() == f"adding Person {i}"
        assert second.contacts() == []
        assert second.undo() is None
    with Store.open(paths.data, today=now) as third:
        assert third.redo() == "adding Person 0"
        assert [c.name for c in third.contacts()] == ["Person 0"]


def test_a_new_change_after_undo_drops_what_could_be_redone(store: Store):
    _contact(store, "Ann")
    _contact(store, "Bob")
    store.undo()
    _contact(store, "Cy")
    assert store.redo() is None
    assert sorted(c.name for c in store.contacts()) == ["Ann", "Cy"]
    entries, position = undo_log.history(store.folder)
    assert [e["label"] for e in entries] == ["adding Ann", "adding Cy"] and position == 2
    # The dropped entry's file is gone; ids are never reused ("Bob" was c2).
    assert sorted(p.name for p in store.folder.glob(".undo-*.json")) == [".undo-1.json", ".undo-3.json"]
    assert store.contact("c3").name == "Cy"


def test_the_log_is_written_with_the_change_or_not_at_all(store: Store, monkeypatch):
    _contact(store, "Ann")
    before = (store.folder / undo_log.INDEX).read_bytes()

    def broken(*_args, **_kwargs):
        raise WriteFailed(store.folder / "contacts.json", OSError(28, "No space left on device"))

    monkeypatch.setattr("crm_tui.store.core.commit_files", broken)
    with pytest.raises(WriteFailed):
        _contact(store, "Bob")
    assert (store.folder / undo_log.INDEX).read_bytes() == before
    monkeypatch.undo()
    assert store.undo() == "adding Ann"
    assert store.contacts() == []


def test_summaries_follow_an_undone_touch(store: Store):
    ann = _contact(store, "Ann")
    _log(store, ann, "2026-02-20T10:00:00+00:00")
    _log(store, ann, "2026-03-01T10:00:00+00:00")
    assert store.contact(ann.id).last_out.startswith("2026-03-01")
    store.undo()
    assert store.contact(ann.id).last_out.startswith("2026-02-20")
    assert store.contact(ann.id).touch_count == 1
    store.close()
    with Store.open(store.folder, today=NOW) as again:  # no "summaries recomputed" repair
        assert again.recovered == []
        assert again.contact(ann.id).touch_count == 1


def test_first_write_of_a_new_day_takes_the_days_backup(paths):
    day_one = arrow.get("2026-03-02T23:50:00+00:00")
    with Store.open(paths.data, today=day_one) as store:
        store.clock = lambda: day_one
        _contact(store, "Ann")
        assert store.backups() == []  # the day's backup was taken at open (of nothing yet)
        store.clock = lambda: day_one.shift(minutes=20)  # past midnight, still open
        _contact(store, "Bob")
        assert [p.name for p in store.backups()] == ["2026-03-03"]
        # The backup is the data as the day began: Ann, not yet Bob.
        assert b"Ann" in (paths.data / "backups" / "2026-03-03" / "contacts.json").read_bytes()
        assert b"Bob" not in (paths.data / "backups" / "2026-03-03" / "contacts.json").read_bytes()


# ------------------------------------------------------------------ the property
ACTIONS = ("add", "log", "log_old", "edit_touch", "delete_touch", "delete_contact", "thread",
           "done", "snooze", "skip", "close_thread", "share", "article", "two_in_one")
REACHED: collections.Counter[str] = collections.Counter()


def _run(store: Store, action: str, pick: int) -> bool:
    """Do one user action on the store; False when it had nothing to act on."""
    contacts = sorted(store.contacts(), key=lambda c: c.id)
    touches = store.touches()
    threads = store.threads(open_only=True)
    who = contacts[pick % len(contacts)] if contacts else None
    if action == "add":
        _contact(store, f"Person {pick}")
    elif action in ("log", "log_old") and who:
        at = "2026-02-27T10:00:00+00:00" if action == "log" else "2025-11-03T08:00:00+00:00"
        _log(store, who, at, note=f"note {pick}")
    elif action == "edit_touch" and touches:
        t = touches[pick % len(touches)]
        when = arrow.get("2026-01-10T10:00:00+00:00") if pick % 2 else None
        touch_edits.edit_touch(store, t.id, touch_edits.TouchEdit(
            at=when, note=f"edited {pick}", direction="in" if pick % 3 == 0 else None), NOW)
    elif action == "delete_touch" and touches:
        touch_edits.delete_touch(store, touches[pick % len(touches)].id)
    elif action == "delete_contact" and who:
        with store.change(f"deleting {who.name}"):
            store.delete_contact(who.id)
    elif action == "thread" and who:
        kind = ("interview", "invoice", "application")[pick % 3]
        with store.change("opening a thread"):
            store.add_thread(Thread(contact_id=who.id, kind=kind, at="2026-02-02T10:00:00+00:00"))
    elif action == "done" and contacts:
        due = engine.today(store, Settings(), NOW)
        if not due:
            return False
        actions.done(store, due[pick % len(due)], NOW)
    elif action == "snooze" and who:
        actions.snooze(store, who.id, f"2026-04-{pick % 28 + 1:02d}", NOW)
    elif action == "skip" and who:
        actions.skip_today(store, who.id, NOW)
    elif action == "close_thread" and threads:
        actions.close_thread(store, threads[pick % len(threads)].id, NOW, "got the offer")
    elif action == "share" and who and store.articles():
        actions.share_article(store, who.id, store.articles()[0], NOW)
    elif action == "article":
        with store.change("adding a feed"):
            feed = store.add_feed(Feed(url=f"https://example.com/{pick}.xml"))
            store.add_article(Article(feed_id=feed.id, link=f"https://example.com/{pick}",
                                      title=f"Article {pick}", published=NOW.isoformat()))
    elif action == "two_in_one" and who:
        with store.change("two things at once"):
            actions.skip_today(store, who.id, NOW)  # a change inside a change joins it
            store.log_touch(Touch(contact_id=who.id, at="2026-03-01T10:00:00+00:00",
                                  direction="in", channel="call"))
    else:
        return False
    return True


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 50)), min_size=1, max_size=12),
       st.booleans())
def _undo_restores_every_earlier_state(steps: list[tuple[str, int]], restart: bool) -> None:
    folder = Path(tempfile.mkdtemp(prefix="crm-undo-"))
    try:
        store = Store.open(folder, today=NOW)
        store.clock = lambda: NOW
        with store.batch():  # a starting point that is not itself logged
            for name in ("Ann Base", "Bo Base"):
                base = store.add_contact(Contact(name=name, created_at=NOW.isoformat()))
                store.log_touch(Touch(contact_id=base.id, at="2025-12-01T10:00:00+00:00",
                                      direction="in", channel="email", note="hello"))
            store.add_thread(Thread(contact_id=base.id, kind="interview",
                                    at="2026-02-20T10:00:00+00:00"))
        states = [store.export_tables()]
        for action, pick in steps:
            if _run(store, action, pick):
                REACHED[action] += 1
                after = store.export_tables()
                if after != states[-1]:  # (skipping twice changes nothing: nothing to undo)
                    states.append(after)
        done = len(states) - 1
        event(f"{done} changes")
        if restart:  # the log is on disk: a fresh process undoes as well
            store.close()
            store = Store.open(folder, today=NOW)
            store.clock = lambda: NOW
        for expected in reversed(states[:-1]):
            assert store.undo() is not None
            assert store.export_tables() == expected
        assert store.undo() is None
        for expected in states[1:]:
            assert store.redo() is not None
            assert store.export_tables() == expected
        if done >= 5:
            REACHED["five or more changes undone and redone"] += 1
        if restart and done:
            REACHED["undone after a restart"] += 1
        store.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_undo_after_any_sequence_of_actions_restores_the_data_exactly():
    REACHED.clear()
    _undo_restores_every_earlier_state()
    # The property reached the cases that matter, not just empty stores.
    for case in (*ACTIONS, "five or more changes undone and redone", "undone after a restart"):
        assert REACHED[case] > 0, f"never reached: {case} ({dict(REACHED)})"


def test_a_change_opened_inside_a_batch_still_records_all_of_it(store: Store):
    before = store.export_tables()
    with store.batch():
        store.add_contact(Contact(name="Early", created_at=NOW.isoformat()))  # before the change
        with store.change("both"):
            store.add_contact(Contact(name="Late", created_at=NOW.isoformat()))
    assert store.undo() == "both"
    assert store.export_tables() == before


def test_an_entry_holds_only_the_records_it_changed(store: Store):
    for i in range(30):
        _contact(store, f"P{i}")
    actions.skip_today(store, "c7", NOW)
    entries, _ = undo_log.history(store.folder)
    entry = undo_log.read_entry(store.folder, entries[-1]["n"])
    assert list(entry["changes"]) == ["contacts.json"]
    assert list(entry["changes"]["contacts.json"]["contacts"]) == ["7"]


def test_a_damaged_log_never_blocks_a_change(store: Store):
    _contact(store, "Ann")
    (store.folder / undo_log.INDEX).write_text("{not json")
    with pytest.raises(Exception, match="undo log"):
        store.undo()
    _contact(store, "Bob")  # saved, and the log starts again from here
    assert store.undo() == "adding Bob"
    assert [c.name for c in store.contacts()] == ["Ann"]


def test_undo_never_overwrites_a_newer_change_it_did_not_log(store: Store):
    """A write the log does not cover (a feed refresh, a sync, another crm-tui) changed the
    record since: undo refuses, names it, and the newer data stays."""
    from crm_tui.store import undo as undo_log
    from crm_tui.store.undo import UndoConflict

    with store.change("adding Ada"):
        ada = store.add_contact(Contact(name="Ada"))
    with store.batch():  # not a named change: not in the undo log (like a refresh)
        ada.notes = "met at the conference"
        store.update_contact(ada)
    with pytest.raises(UndoConflict, match="cannot undo 'adding Ada'"):
        store.undo()
    assert store.contact(ada.id).notes == "met at the conference"
    entries, position = undo_log.history(store.folder)
    assert position == len(entries)  # nothing was taken back: undo can be tried again later
