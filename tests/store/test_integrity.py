"""Corrupt files, newer schemas, migrations, failed writes, backups, round trips."""

from __future__ import annotations

import os
import shutil
from dataclasses import fields
from pathlib import Path

import arrow
import orjson
import pytest

from crm_tui.domain.models import (
    Article,
    Contact,
    Dismissal,
    Feed,
    JobChange,
    Share,
    Thread,
    Touch,
)
from crm_tui.store import backups, schema
from crm_tui.store.repository import Store
from crm_tui.store.storage import CorruptFile, NewerSchema, StoreError, WriteFailed


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.json"))}


def seed(folder: Path, now: arrow.Arrow) -> Store:
    store = Store.open(folder, today=now)
    ada = store.add_contact(Contact(name="Ada", emails=["ada@example.com"]))
    store.log_touch(Touch(contact_id=ada.id, at="2026-03-01T10:00:00+00:00", note="hello"))
    return store


# ------------------------------------------------------------------ corrupt files
@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[: len(b) // 2], id="truncated"),
        pytest.param(lambda b: b"this is not json", id="not-json"),
        pytest.param(lambda b: b"", id="empty"),
        pytest.param(lambda b: b"[1, 2, 3]", id="wrong-top-level"),
        pytest.param(lambda b: b'{"contacts": {"1": "a string"}}', id="wrong-shape"),
        pytest.param(lambda b: b'{"contacts": {"1": {"no_name": true}}}', id="record-missing-field"),
    ],
)
def test_corrupt_file_is_named_with_backup_and_never_overwritten(paths, now, damage):
    seed(paths.data, now).close()
    Store.open(paths.data, today=now).close()  # a later start of the day: takes the backup
    contacts = paths.data / "contacts.json"
    contacts.write_bytes(damage(contacts.read_bytes()))
    damaged = contacts.read_bytes()
    with pytest.raises(CorruptFile) as info:
        Store.open(paths.data, today=now.shift(days=1))
    message = str(info.value)
    assert "contacts.json" in message and "has not been changed" in message
    assert info.value.backup is not None and info.value.backup.name == "contacts.json"
    assert str(info.value.backup) in message
    assert contacts.read_bytes() == damaged  # untouched
    # The next day's backup must not have been taken from the damaged file.
    assert not (paths.data / "backups" / now.shift(days=1).format("YYYY-MM-DD")).exists()


def test_corrupt_file_through_the_cli_exits_2(run_cli, paths):
    assert run_cli("add", "Ada").exit_code == 0
    (paths.data / "contacts.json").write_text("{", encoding="utf-8")
    result = run_cli("add", "Grace")
    assert result.exit_code == 2
    assert "contacts.json" in result.output and "damaged" in result.output
    assert (paths.data / "contacts.json").read_text(encoding="utf-8") == "{"


def test_corrupt_touch_shard_is_reported_at_open(paths, now):
    seed(paths.data, now).close()
    Store.open(paths.data, today=now).close()  # takes the day's backup
    shard = next(paths.data.glob("touches-*.json"))
    shard.write_bytes(b"garbage")
    with pytest.raises(CorruptFile) as info:
        Store.open(paths.data, readonly=True)
    assert shard.name in str(info.value) and info.value.backup is not None
    assert shard.read_bytes() == b"garbage"


# ------------------------------------------------------------------ schema versions
def test_newer_schema_is_refused_and_left_untouched(paths, now):
    seed(paths.data, now).close()
    contacts = paths.data / "contacts.json"
    doc = orjson.loads(contacts.read_bytes())
    doc["_schema"] = schema.VERSION + 1
    contacts.write_bytes(orjson.dumps(doc))
    before = files(paths.data)
    with pytest.raises(NewerSchema) as info:
        Store.open(paths.data, today=now)
    assert "newer crm-tui" in str(info.value) and "contacts.json" in str(info.value)
    assert files(paths.data) == before


def test_newer_schema_through_the_cli_exits_2(run_cli, paths):
    run_cli("add", "Ada")
    contacts = paths.data / "contacts.json"
    current = f'"_schema": {schema.VERSION}'.encode()
    contacts.write_bytes(contacts.read_bytes().replace(current, b'"_schema": 99'))
    result = run_cli("list")
    assert result.exit_code == 2 and "newer crm-tui" in result.output


def test_migration_runs_backs_up_and_stamps_the_new_version(paths, now, monkeypatch):
    seed(paths.data, now).close()
    old = files(paths.data)

    def v1_to_v2(stem: str, tables: dict) -> dict:
        if stem == "contacts":
            for doc in tables.get("contacts", {}).values():
                doc["name"] = doc["name"].upper()
        return tables

    current = schema.VERSION
    monkeypatch.setattr(schema, "VERSION", current + 1)
    monkeypatch.setitem(schema.MIGRATIONS, current, v1_to_v2)
    with Store.open(paths.data, today=now) as store:
        assert store.contacts()[0].name == "ADA"
        assert store.touches()[0].note == "hello"  # shards migrate when first read
    assert f'"_schema": {current + 1}'.encode() in (paths.data / "contacts.json").read_bytes()
    (backup,) = (paths.data / "backups").glob("pre-migration-*")
    assert files(backup) == old
    with Store.open(paths.data, today=now) as again:  # idempotent: runs once
        assert again.contacts()[0].name == "ADA"


def test_readonly_open_migrates_in_memory_only(paths, now, monkeypatch):
    seed(paths.data, now).close()
    before = files(paths.data)
    current = schema.VERSION
    monkeypatch.setattr(schema, "VERSION", current + 1)
    monkeypatch.setitem(schema.MIGRATIONS, current, lambda stem, tables: tables)
    with Store.open(paths.data, readonly=True) as store:
        assert store.contacts()[0].name == "Ada"
    assert files(paths.data) == before


# ------------------------------------------------------------------ failed writes
@pytest.mark.parametrize("target", ["fsync", "replace"])
def test_failed_write_keeps_old_file_and_reloads_memory(paths, now, monkeypatch, target):
    store = seed(paths.data, now)
    before = files(paths.data)
    ada = store.contacts()[0]

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, target, boom)
    ada.email = "changed@example.com"
    with pytest.raises(WriteFailed) as info:
        store.update_contact(ada)
    assert "previous version is intact" in str(info.value)
    with pytest.raises(StoreError):
        store.add_contact(Contact(name="Grace"))
    monkeypatch.undo()
    assert files(paths.data) == before
    assert not list(paths.data.glob(".*.tmp"))
    # In-memory state is the disk's again: the failed edits are gone.
    assert [c.email for c in store.contacts()] == ["ada@example.com"]
    assert [c.name for c in store.contacts()] == ["Ada"]
    store.add_contact(Contact(name="Grace"))  # and the store still works
    store.close()
    with Store.open(paths.data, readonly=True) as reopened:
        assert sorted(c.name for c in reopened.contacts()) == ["Ada", "Grace"]


def test_failed_batch_discards_everything(paths, now):
    store = seed(paths.data, now)
    before = files(paths.data)
    with pytest.raises(RuntimeError), store.batch():
        grace = store.add_contact(Contact(name="Grace"))
        store.log_touch(Touch(contact_id=grace.id, at="2026-03-02T09:00:00+00:00"))
        raise RuntimeError("halfway")
    assert files(paths.data) == before
    assert [c.name for c in store.contacts()] == ["Ada"]
    assert len(store.touches()) == 1
    store.close()


@pytest.mark.parametrize("failing_write", [1, 2, 3, 4])  # each file, then the journal
def test_a_batch_that_fails_to_save_saves_nothing(paths, now, monkeypatch, failing_write):
    from crm_tui.store import storage

    store = seed(paths.data, now)
    before = files(paths.data)
    real = storage._write_synced
    calls = []

    def flaky(path, payload):
        calls.append(path.name)
        if len(calls) == failing_write:
            raise OSError(28, "No space left on device")
        real(path, payload)

    monkeypatch.setattr(storage, "_write_synced", flaky)
    with pytest.raises(WriteFailed), store.batch():  # contacts, summaries, a month of touches
        grace = store.add_contact(Contact(name="Grace"))
        store.log_touch(Touch(contact_id=grace.id, at="2026-03-02T09:00:00+00:00"))
    monkeypatch.undo()
    assert len(calls) == failing_write  # it stopped at the failure
    assert files(paths.data) == before
    assert not [p.name for p in paths.data.iterdir() if p.name.startswith(".batch") or p.name.endswith(".tmp")]
    assert [c.name for c in store.contacts()] == ["Ada"] and len(store.touches()) == 1
    store.close()
    with Store.open(paths.data, today=now) as reopened:
        assert reopened.recovered == [] and [c.name for c in reopened.contacts()] == ["Ada"]


def test_an_interrupted_batch_that_committed_is_finished_at_the_next_open(paths, now, tmp_path):
    import json

    from crm_tui.store import storage

    # What commit_files leaves when killed after writing its journal, before renaming:
    # the old files in place, the new ones under temp names, the journal naming them.
    seed(paths.data, now).close()
    newer = tmp_path / "newer"
    shutil.copytree(paths.data, newer)
    with Store.open(newer, today=now) as store:
        ada = store.contacts()[0]
        ada.notes = "met at PyCon"
        store.update_contact(ada)
        store.log_touch(Touch(contact_id=ada.id, at="2026-03-03T09:00:00+00:00"))
    entries = []
    for name in ("contacts.json", "summaries.json", "touches-2026-03.json"):
        temp = f".{name}.4242.tmp"
        (paths.data / temp).write_bytes((newer / name).read_bytes())
        (paths.data / temp).chmod(0o600)  # as commit_files creates them
        entries.append([temp, name])
    (paths.data / storage.JOURNAL).write_text(json.dumps(entries))
    with Store.open(paths.data, today=now) as reopened:
        assert reopened.recovered == ["finished saving changes a crash had interrupted"]
        (ada,) = reopened.contacts()
        assert ada.notes == "met at PyCon" and ada.touch_count == 2
        assert len(reopened.touches()) == 2
    left = [p.name for p in paths.data.iterdir() if p.name.startswith(".batch") or p.name.endswith(".tmp")]
    assert left == []


def test_stray_temp_files_are_cleaned_on_open(paths, now):
    seed(paths.data, now).close()
    stray = paths.data / ".contacts.json.12345.tmp"
    stray.write_bytes(b"half a write")
    Store.open(paths.data, today=now).close()
    assert not stray.exists()


def test_summaries_repaired_after_crash_between_shard_and_summary(paths, now):
    store = seed(paths.data, now)
    summaries = (paths.data / "summaries.json").read_bytes()
    ada = store.contacts()[0]
    store.log_touch(Touch(contact_id=ada.id, at="2026-03-02T09:00:00+00:00", direction="in"))
    store.close()
    # Simulate the crash: the shard has the touch, the summaries file does not.
    (paths.data / "summaries.json").write_bytes(summaries)
    with Store.open(paths.data, today=now) as reopened:
        assert reopened.recovered
        ada = reopened.contacts()[0]
        assert ada.touch_count == 2 and ada.last_in == "2026-03-02T09:00:00+00:00"


def test_first_touch_after_open_keeps_the_summaries_in_step(paths, now):
    # Summary records are built on first write, after log_touch has bumped the shard's
    # sequence in the summaries' metadata: building them must not re-read the file and
    # drop that bump, or every next open would "repair" summaries that were fine.
    seed(paths.data, now).close()
    with Store.open(paths.data, today=now) as store:
        ada = store.contacts()[0]
        assert (ada.touch_count, ada.last_out) == (1, "2026-03-01T10:00:00+00:00")
        # In a batch (as imports and the UI's actions log them) the write waits in memory.
        store.log_touches([Touch(contact_id=ada.id, at="2026-03-02T09:00:00+00:00", direction="in")])
    with Store.open(paths.data, today=now) as reopened:
        assert reopened.recovered == []
        ada = reopened.contacts()[0]
        assert (ada.touch_count, ada.last_in) == (2, "2026-03-02T09:00:00+00:00")


def test_summary_written_before_the_records_are_built_is_in_them(paths, now):
    # Logging a touch saves a summary without building the summary records; a deletion
    # then builds them and must find that summary to remove it.
    seed(paths.data, now).close()
    with Store.open(paths.data, today=now) as store:
        bea = store.add_contact(Contact(name="Bea"))
    with Store.open(paths.data, today=now) as store, store.batch():  # nothing on disk yet
        store.log_touch(Touch(contact_id=bea.id, at="2026-03-02T09:00:00+00:00"))
        store.delete_contact(bea.id)
    summaries = orjson.loads((paths.data / "summaries.json").read_bytes())["summaries"]
    assert bea.id[1:] not in summaries and len(summaries) == 1  # only Ada's is left
    with Store.open(paths.data, today=now) as reopened:
        assert reopened.recovered == [] and [c.name for c in reopened.contacts()] == ["Ada"]


# ------------------------------------------------------------------ backups
def test_daily_backups_rotate_and_keep_five(paths, now):
    seed(paths.data, now).close()
    for day in range(1, 9):
        with Store.open(paths.data, today=now.shift(days=day)) as store:
            store.add_contact(Contact(name=f"Day {day}"))
    days = sorted(p.name for p in (paths.data / "backups").iterdir())
    assert len(days) == backups.KEEP_BACKUPS
    assert days[-1] == now.shift(days=8).format("YYYY-MM-DD")
    # A backup holds the state as it was when that day's first open happened.
    newest = paths.data / "backups" / days[-1] / "contacts.json"
    names = [d["name"] for d in orjson.loads(newest.read_bytes())["contacts"].values()]
    assert "Day 7" in names and "Day 8" not in names


# ------------------------------------------------------------------ round trips
def full(cls, **overrides):
    """An instance with every field set to a non-default value."""
    values = {}
    for f in fields(cls):
        kind = str(f.type)
        if "list" in kind:
            values[f.name] = ["x", "y"]
        elif "dict" in kind:
            values[f.name] = {"k": "v", "n": 1}
        elif "bool" in kind:
            values[f.name] = False
        elif "int" in kind:
            values[f.name] = 7
        else:
            values[f.name] = f"{f.name}-value"
    values.pop("id", None)
    values.update(overrides)
    return cls(**values)


def test_every_model_round_trips_through_the_store(paths, now):
    with Store.open(paths.data, today=now) as store:
        contact = store.add_contact(full(Contact, last_in=None, last_out=None, touch_count=0,
                                         job_changes=[JobChange(at="2026-01-01T00:00:00+00:00",
                                                                company="New").to_dict()]))
        touch = store.log_touch(full(Touch, contact_id=contact.id, at="2026-02-03T04:05:06+01:00"))
        thread = store.add_thread(full(Thread, contact_id=contact.id))
        feed = store.add_feed(full(Feed))
        article = store.add_article(full(Article, feed_id=feed.id))
        share = store.add_share(full(Share, article_id=article.id, contact_id=contact.id))
        dismissal = store.add_dismissal(full(Dismissal, article_id=article.id, contact_id=contact.id))
        # an empty-but-present value must come back too
        bare = store.add_contact(Contact(name="Bare"))
        originals = [contact, touch, thread, feed, article, share, dismissal, bare]
        expected = [o.to_dict() for o in originals]
    with Store.open(paths.data, readonly=True) as store:
        loaded = [
            store.contact(contact.id), store.touches()[0], store.thread(thread.id),
            store.feed(feed.id), store.article(article.id), store.shares()[0],
            store.dismissals()[0], store.contact(bare.id),
        ]
        assert [r.to_dict() for r in loaded] == expected
        assert loaded[0].touch_count == 1 and loaded[0].last_out == touch.at


def test_files_are_diff_friendly(paths, now):
    with Store.open(paths.data, today=now) as store:
        for name in ("Ada", "Grace", "Edsger"):
            store.add_contact(Contact(name=name, tags=["b", "a"]))
    text = (paths.data / "contacts.json").read_text(encoding="utf-8")
    assert text.endswith("\n") and "\n  " in text  # one key per line, indented
    first = (paths.data / "contacts.json").read_bytes()
    with Store.open(paths.data, today=now) as store:
        grace = store.find_contacts("Grace")[0]
        grace.notes = "met at the meetup"
        store.update_contact(grace)
    second = (paths.data / "contacts.json").read_text(encoding="utf-8").splitlines()
    changed = [line for line in second if line not in first.decode().splitlines()]
    assert changed == ['      "notes": "met at the meetup",']  # a one-line diff


def test_ids_are_never_reused_after_delete(paths, now):
    with Store.open(paths.data, today=now) as store:
        a = store.add_contact(Contact(name="A"))
        b = store.add_contact(Contact(name="B"))
        store.delete_contact(b.id)
        c = store.add_contact(Contact(name="C"))
        assert c.id not in (a.id, b.id)


def test_ids_are_never_reused_after_delete_and_reopen(paths, now):
    # Articles are read on first use: the first thing after open may be adding one.
    with Store.open(paths.data, today=now) as store:
        feed = store.add_feed(Feed(url="https://example.com/feed"))
        kept = store.add_article(Article(feed_id=feed.id, title="kept"))
        gone = store.add_article(Article(feed_id=feed.id, title="gone"))
        store.delete_articles([gone.id])
    with Store.open(paths.data, today=now) as store:
        new = store.add_article(Article(feed_id=feed.id, title="new"))
        assert new.id not in (kept.id, gone.id)
        assert [a.title for a in store.articles()] == ["kept", "new"]


def test_selective_touch_reads_match_full_reads(paths, now):
    with Store.open(paths.data, today=now) as store:
        people = [store.add_contact(Contact(name=f"P{i}")) for i in range(3)]
        for day in range(1, 60, 3):
            for i, person in enumerate(people):
                store.log_touch(Touch(contact_id=person.id, at=now.shift(days=-day, hours=i).isoformat(),
                                      thread_id="t1" if day % 2 else None))
    with Store.open(paths.data, readonly=True) as fresh:  # shards not loaded: raw filtering
        partial = fresh.touches(contact_ids=[people[1].id])
        threaded = fresh.touches(contact_ids=[people[1].id], thread_id="t1")
        everything = fresh.touches()  # loads every shard
        assert partial == [t for t in everything if t.contact_id == people[1].id]
        assert threaded == [t for t in partial if t.thread_id == "t1"]
        assert fresh.touches(contact_ids=[people[1].id]) == partial  # now from loaded shards
