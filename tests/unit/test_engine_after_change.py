"""engine.after_change: the last full run brought up to date for the people a save touched
equals a full run, after any sequence of the keys Today answers (done, snooze, skip, move
on, reply) and of touches and edits anywhere on the demo, which has every kind of thread,
interviewers and introducers included."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import arrow
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crm_tui.config import Settings
from crm_tui.domain import cadence
from crm_tui.domain.models import Suggestion, Touch
from crm_tui.paths import resolve
from crm_tui.services import actions, demo, engine
from crm_tui.store.repository import Store

NOW = arrow.get("2026-03-04T18:00:00+00:00")
SETTINGS = Settings()
KINDS = ("done", "snooze", "skip", "move_on", "reply", "touch", "tier", "close")
REACHED: Counter[str] = Counter()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo")
    demo.materialize(resolve(home), NOW)
    return home


def _full(store: Store) -> list[Suggestion]:
    engine._LAST.clear()
    return engine.suggestions(store, SETTINGS, NOW)


def _apply(store: Store, kind: str, pick: int) -> set[str] | None:
    """One change, as a key or a form makes it; the people the UI's Change names."""
    due = cadence.who_to_ping(engine.suggestions(store, SETTINGS, NOW))
    threads = store.threads(open_only=True)
    contacts = sorted(c.id for c in store.contacts())
    if kind in ("done", "snooze", "skip", "reply") and due:
        s = due[pick % len(due)]
        people = {s.contact_id, s.recipient_id or s.contact_id}
        if kind == "done":
            actions.done(store, s, NOW)
        elif kind == "snooze":
            actions.snooze(store, s.contact_id, NOW.shift(days=3).date().isoformat(), NOW)
        elif kind == "skip":
            actions.skip_today(store, s.contact_id, NOW)
        else:
            actions.reply(store, s.recipient_id or s.contact_id, NOW, thread_id=s.thread_id)
        return people
    if kind in ("move_on", "close") and threads:
        thread = threads[pick % len(threads)]
        actions.move_on(store, thread.id, NOW) if kind == "move_on" else \
            actions.close_thread(store, thread.id, NOW, "closed")
        return {thread.contact_id}
    if kind == "touch":  # with anyone: an interviewer, an introducer, a quiet contact
        people_in_threads = sorted({p for t in threads for p in (*t.interviewers, t.via) if p})
        pool = people_in_threads if pick % 2 and people_in_threads else contacts
        who = pool[pick % len(pool)]
        store.log_touch(Touch(contact_id=who, at=NOW.shift(hours=-pick % 48).isoformat(),
                              direction=("in", "out")[pick % 2], channel="email"))
        return {who}
    if kind == "tier":
        contact = store.contact(contacts[pick % len(contacts)])
        assert contact is not None
        contact.tier = ("close", "active", "casual", "dormant")[pick % 4]
        store.update_contact(contact)
        return {contact.id}
    return None


def _each_kind(test):  # (each kind of change is checked whatever hypothesis draws)
    for kind in KINDS:
        test = example(steps=[(kind, 1), (kind, 2)])(test)
    return test


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@_each_kind
@given(st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 500)), min_size=1, max_size=6))
def test_after_change_equals_a_full_run(template: Path, tmp_path_factory: pytest.TempPathFactory,
                                        steps: list[tuple[str, int]]) -> None:
    home = tmp_path_factory.mktemp("run")
    shutil.copytree(template, home, dirs_exist_ok=True)
    with Store.open(resolve(home).data, today=NOW) as store:
        _full(store)
        for kind, pick in steps:
            before, refreshes = store.generation, store.refreshes
            with store.change(kind):
                people = _apply(store, kind, pick)
            if people is None:
                continue
            assert store.refreshes == refreshes
            assert engine.after_change(store, SETTINGS, NOW, before, people)
            REACHED[kind] += 1
            patched = engine.suggestions(store, SETTINGS, NOW)
            assert patched == _full(store), (kind, pick)


def test_every_kind_of_change_was_reached() -> None:
    """(After the property test: each kind of change was checked, and many in all.)"""
    if not REACHED:
        pytest.skip("run with test_after_change_equals_a_full_run")
    assert all(REACHED[kind] >= 2 for kind in KINDS) and sum(REACHED.values()) >= 100, REACHED


def test_not_after_another_save_or_minute(template: Path, tmp_path: Path) -> None:
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    with Store.open(resolve(tmp_path).data, today=NOW) as store:
        _full(store)
        someone = sorted(c.id for c in store.contacts())[0]
        before = store.generation
        store.log_touch(Touch(contact_id=someone, at=NOW.isoformat(), direction="out"))
        store.log_touch(Touch(contact_id=someone, at=NOW.isoformat(), direction="out"))
        # The last run was for ``before``; a second save came in between: not brought up to date.
        assert not engine.after_change(store, SETTINGS, NOW, before + 1, {someone})
        _full(store)
        before = store.generation
        store.log_touch(Touch(contact_id=someone, at=NOW.isoformat(), direction="in"))
        assert not engine.after_change(store, SETTINGS, NOW.shift(minutes=1), before, {someone})
        assert engine.after_change(store, SETTINGS, NOW, before, {someone})
