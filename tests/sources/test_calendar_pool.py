"""crm_tui.sources.calendar_pool: many files read over the cores, as one process reads them,
and a worker that stops still leaves a report of the file it stopped on."""

from __future__ import annotations

import multiprocessing
import os

import arrow
import pytest

from crm_tui.domain.models import Contact
from crm_tui.sources import calendar as cal
from crm_tui.sources import calendar_parse, calendar_pool
from tests.sources.ics import event, write

NOW = arrow.get("2026-03-02T18:00:00+00:00")


@pytest.fixture
def vdir(tmp_path):
    folder = tmp_path / "vdir"
    for n in range(12):
        extra = ("RRULE:FREQ=WEEKLY;COUNT=4",) if n % 3 == 0 else ()
        write(folder / f"e{n:02}.ics",
              event(f"u{n}", f":202602{10 + n:02}T100000Z", summary=f"Meeting {n}",
                    attendees=(f"p{n % 4}@example.com",), extra=extra))
    write(folder / "nobody.ics", event("x", ":20260220T100000Z", attendees=("stranger@example.com",)))
    (folder / "broken.ics").write_text("BEGIN:VCALENDAR\r\nnot a calendar", encoding="utf-8")
    (folder / "empty.ics").write_text("", encoding="utf-8")
    return folder


@pytest.fixture
def pooled(monkeypatch):
    """The pool for any number of files, in small chunks, forked (it sees this test's patches)."""
    monkeypatch.setattr(calendar_pool, "POOL_MIN_FILES", 2)
    monkeypatch.setattr(calendar_pool, "CHUNK_FILES", 3)
    monkeypatch.setattr(calendar_pool, "workers", lambda: 2)
    monkeypatch.setattr(calendar_pool, "_method", lambda: "fork")
    started = []
    real = calendar_pool._start

    def start(*args):
        pool = real(*args)
        started.append(pool is not None)
        return pool

    monkeypatch.setattr(calendar_pool, "_start", start)
    return started


def _plain(reading):
    return ({path: [o.as_list() for o in found] for path, found in reading.parsed.items()},
            [(u.path, u.reason) for u in reading.unreadable], reading.cache["files"])


def test_the_pool_reads_what_one_process_reads(vdir, settings, monkeypatch, pooled):
    addresses = frozenset({"p0@example.com", "p1@example.com", "p2@example.com", "p3@example.com"})
    monkeypatch.setattr(calendar_pool, "POOL_MIN_FILES", 100)
    alone = cal.read([vdir], settings, NOW, {}, addresses)
    assert pooled == []  # 15 files: one process
    monkeypatch.setattr(calendar_pool, "POOL_MIN_FILES", 2)
    together = cal.read([vdir], settings, NOW, {}, addresses)
    assert pooled == [True]
    assert _plain(together) == _plain(alone)
    assert together.cache["files"][str(vdir / "nobody.ics")]["skipped"] == ["me@example.com", "stranger@example.com"]
    assert {u.path for u in together.unreadable} == {str(vdir / "broken.ics"), str(vdir / "empty.ics")}
    assert sum(len(v) for v in together.parsed.values()) == 8 + 4 * 4


def test_a_worker_that_stops_reports_that_file_and_the_others_are_read(
        vdir, settings, monkeypatch, pooled, store):
    ada = store.add_contact(Contact(name="Ada", emails=["p1@example.com"]))
    first = cal.sync(store, [vdir], settings, NOW)
    assert first.touches_added == 4  # u1, u5, and u9 twice (weekly: two are past)
    before = {t.key for t in store.touches(contact_ids=[ada.id])}
    # e01.ics changes and now kills the process that parses it.
    bad = write(vdir / "e01.ics", event("u1", ":20260211T110000Z", summary="Moved",
                                       attendees=("p1@example.com",)))
    real = calendar_parse._parse

    def dying(data, *args, **kwargs):
        if b"Moved" in data:
            os._exit(7)
        return real(data, *args, **kwargs)

    monkeypatch.setattr(calendar_parse, "_parse", dying)
    e05 = write(vdir / "e05.ics", event("u5", ":20260215T100000Z", summary="Renamed",
                                        attendees=("p1@example.com",)))
    summary = cal.sync(store, [vdir], settings, NOW)
    stopped = [u for u in summary.unreadable if u.path == str(bad)]
    assert len(stopped) == 1 and "stopped" in stopped[0].reason
    # The other changed file was read (its meeting now names Ada), and the touches of
    # the file that could not be read are kept, not removed.
    after = {t.key: t for t in store.touches(contact_ids=[ada.id])}
    assert before <= set(after)
    assert after["u5|single"].note == "Renamed"
    assert summary.touches_removed == 0
    # Not cached: the next sync reads it again (and, the reader fixed, moves its touch).
    monkeypatch.setattr(calendar_parse, "_parse", real)
    again = cal.sync(store, [vdir], settings, NOW)
    assert str(bad) not in {u.path for u in again.unreadable}
    assert again.files_read == 1 and again.touches_moved == 1
    assert e05.exists()


def test_forkserver_reads_the_same_and_a_pool_that_cannot_start_reads_here(
        vdir, settings, monkeypatch, pooled):
    """A process running threads (the TUI's sync worker) forks a server instead; inside the
    TUI stderr has no descriptor and no worker can start: the files are read here."""
    addresses = frozenset({"p1@example.com"})
    monkeypatch.setattr(calendar_pool, "POOL_MIN_FILES", 100)
    alone = _plain(cal.read([vdir], settings, NOW, {}, None))
    monkeypatch.setattr(calendar_pool, "POOL_MIN_FILES", 2)
    monkeypatch.setattr(calendar_pool, "_method", lambda: "forkserver")
    assert _plain(cal.read([vdir], settings, NOW, {}, None)) == alone
    assert pooled == [True]

    context = multiprocessing.get_context("fork")

    class Refused(context.Process):  # type: ignore[name-defined,misc]
        def start(self) -> None:
            raise ValueError("bad value(s) in fds_to_keep")  # as the TUI's forkserver said

    monkeypatch.setattr(context, "Process", Refused)
    monkeypatch.setattr(calendar_pool, "_method", lambda: "fork")
    assert _plain(cal.read([vdir], settings, NOW, {}, None)) == alone
    assert pooled == [True, False]
    assert cal.read([vdir], settings, NOW, {}, addresses).files_read == 15
