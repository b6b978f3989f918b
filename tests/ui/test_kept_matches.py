"""The Articles matches kept from the last run (crm_tui/ui/kept_matches.py): shown at once on
the next start when nothing they depend on changed, worked out again when something did."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import os
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from support import SIZE, make_env
from textual.widgets import DataTable, Static

from crm_tui.cli import tui
from crm_tui.store.repository import Store
from crm_tui.ui import article_matches, cold_start, kept_matches
from crm_tui.ui.screens.articles import ArticlesScreen


@pytest.fixture(autouse=True)
def in_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """As at 10,000 contacts: worked out in a thread (and kept then)."""
    monkeypatch.setattr(article_matches, "INLINE_BELOW", 0)


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    """(A start as `crm-tui` makes it pauses the collector until its first frame.)"""
    yield
    gc.unfreeze()
    gc.enable()


async def _articles(make_app: Any, paths: Any) -> dict[str, Any]:
    """Open Articles in a new app; what it shows once the matches are there."""
    return await _articles_of(make_app(paths))


async def _articles_of(app: Any) -> dict[str, Any]:
    """Open Articles (once keys are answered); what it shows once the matches are there."""
    async with app.run_test(size=SIZE) as pilot:
        while not app.ctx.opened:  # (a start as `crm-tui` makes it opens the store late)
            await pilot.pause(0.01)
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, ArticlesScreen)
        for _ in range(1000):
            if not screen.filling:
                break
            await pilot.pause(0.01)
        assert not screen.filling
        table = screen.query_one("#articles-list", DataTable)
        seen = {
            "kept": screen._rank is None,
            "cells": {a: str(table.get_cell(a, "matches")) for a in screen.articles},
            "best": {a: [c.id for c, _ in m] for a, m in screen.matches.items()},
            "panel": str(screen.query_one("#articles-matches", Static).render()),
        }
        for _ in range(300):  # let the thread that keeps them finish
            if not app.article_matches.running:
                break
            await pilot.pause(0.01)
    return seen


async def test_the_next_start_shows_the_kept_matches_with_their_reasons(make_app, empty_paths, data) -> None:
    first = await _articles(make_app, empty_paths)
    assert not first["kept"]
    assert first["best"][data["pipeline"]][:1] == [data["dana"]]
    again = await _articles(make_app, empty_paths)
    assert again["kept"]  # nothing worked out: no ranker
    assert {k: again[k] for k in ("cells", "best", "panel")} == {k: first[k] for k in ("cells", "best", "panel")}


async def test_a_change_to_what_the_ranker_reads_works_them_out_again(make_app, empty_paths, data) -> None:
    await _articles(make_app, empty_paths)
    with Store.open(empty_paths.data, today=None) as store:  # a snooze-like edit: no ranker field
        dana = store.contact(data["dana"])
        store.update_contact(dataclasses.replace(dana, phone="+1 555 0100"))
    assert (await _articles(make_app, empty_paths))["kept"]
    with Store.open(empty_paths.data) as store:  # new interests: the matches may differ
        dana = store.contact(data["dana"])
        store.update_contact(dataclasses.replace(dana, interests=["knitting"]))
    changed = await _articles(make_app, empty_paths)
    assert not changed["kept"]
    assert data["dana"] not in changed["best"][data["pipeline"]][:1]


async def test_a_damaged_or_foreign_kept_file_is_ignored(make_app, empty_paths, data) -> None:
    first = await _articles(make_app, empty_paths)
    path = kept_matches.path_of(empty_paths)
    with open(path, "rb") as handle:
        good = handle.read()
    for bad in (b"", b"{", b'{"format": 1, "key": "x", "articles": []}',
                good.replace(data["dana"].encode(), b"c-nobody")):
        with open(path, "wb") as handle:
            handle.write(bad)
        seen = await _articles(make_app, empty_paths)
        assert not seen["kept"], bad[:40]
        assert seen["best"] == first["best"]
        with open(path, "wb") as handle:
            handle.write(b"")


def test_a_feed_refresh_from_cron_keeps_them_afresh(make_app, empty_paths, data, run_cli,
                                                    tmp_path) -> None:
    """(Not async: the command runs its own event loop.)"""
    from tests.feeds.helpers import rss

    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss([{"title": "Data pipelines in production", "link": "https://e.example/9",
                           "guid": "9"}]))
    assert run_cli("feeds", "add", str(feed)).exit_code == 0
    assert run_cli("feeds", "refresh").exit_code == 0  # no TUI kept any: nothing worked out
    assert not os.path.exists(kept_matches.path_of(empty_paths))
    asyncio.run(_articles(make_app, empty_paths))  # the TUI keeps them
    feed.write_bytes(rss([{"title": "Data pipelines in production", "link": "https://e.example/9",
                           "guid": "9"},
                          {"title": "Shipping data engineering at scale", "link": "https://e.example/10",
                           "guid": "10"}]))
    assert run_cli("feeds", "refresh").exit_code == 0  # a new article: worked out again here
    seen = asyncio.run(_articles(make_app, empty_paths))
    assert seen["kept"]
    assert "Shipping data engineering at scale" in {
        a.title for a in Store.open(empty_paths.data, readonly=True).articles()
        if a.id in seen["best"]}


# ------------------------------------------- worked out by a child since the start
@pytest.fixture
def matches_children(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The matches' children the start forked, on any data size (the demo-sized data
    here is below the child's floor). No first-screen child: the tests here are about the
    other one. (The test process has threads a real start has not: they take no lock the
    child needs.)"""
    if not sys.platform.startswith("linux"):
        pytest.skip("the child is used on Linux only")
    monkeypatch.setattr(cold_start, "usable", lambda: True)
    monkeypatch.setattr(cold_start, "keep_in_child", lambda *args: None)
    monkeypatch.setattr(kept_matches, "CHILD_MIN_BYTES", 0)
    made: list[Any] = []
    real = kept_matches.work_out_in_child

    def recorded(*args: Any) -> Any:
        keeper = real(*args)
        if keeper is not None:
            made.append(keeper)
        return keeper

    monkeypatch.setattr(kept_matches, "work_out_in_child", recorded)
    return made


def _no_ranker_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records any build of the matches in this process (the child's is another process)."""
    built: list[str] = []
    real = article_matches.ArticleMatches._start

    def start(self: Any) -> Any:
        built.append("here")
        return real(self)

    monkeypatch.setattr(article_matches.ArticleMatches, "_start", start)
    return built


async def test_a_start_with_none_kept_has_a_child_work_them_out(
        make_app, empty_paths, data, now, matches_children, monkeypatch) -> None:
    expected = await _articles(make_app, empty_paths)  # worked out in this process
    assert not expected["kept"]
    os.unlink(kept_matches.path_of(empty_paths))
    built = _no_ranker_here(monkeypatch)
    before = {e.name: e.stat().st_mtime_ns for e in os.scandir(empty_paths.data) if e.is_file()}

    app = tui.make_app(make_env(empty_paths, now), first_screen=True)
    assert len(matches_children) == 1 and app.matches_child is matches_children[0]
    seen = await _articles_of(app)
    app.finish_opening()
    assert seen["kept"] and built == []  # read from what the child kept: nothing worked out here
    assert seen["best"] == expected["best"]
    assert matches_children[0].finished() is True  # exited 0, reaped
    assert {e.name: e.stat().st_mtime_ns for e in os.scandir(empty_paths.data) if e.is_file()} == before

    # Kept now: the next start forks no child.
    again = tui.make_app(make_env(empty_paths, now), first_screen=True)
    assert len(matches_children) == 1 and again.matches_child is None
    assert (await _articles_of(again))["kept"]
    again.finish_opening()


async def test_a_failed_or_slow_child_leaves_the_work_to_the_app(
        make_app, empty_paths, data, now, matches_children, monkeypatch) -> None:
    expected = await _articles(make_app, empty_paths)
    os.unlink(kept_matches.path_of(empty_paths))
    built = _no_ranker_here(monkeypatch)

    def failing(*args: Any) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(kept_matches, "_child", failing)
    app = tui.make_app(make_env(empty_paths, now), first_screen=True)
    seen = await _articles_of(app)
    app.finish_opening()
    assert matches_children[0].finished() is False  # it failed: worked out here instead
    assert built == ["here"] and not seen["kept"] and seen["best"] == expected["best"]

    os.unlink(kept_matches.path_of(empty_paths))
    monkeypatch.setattr(kept_matches, "_child", lambda *args: time.sleep(60) or 0)
    monkeypatch.setattr(article_matches, "CHILD_WAIT_SECONDS", 0.3)
    built.clear()
    app = tui.make_app(make_env(empty_paths, now), first_screen=True)
    seen = await _articles_of(app)
    app.finish_opening()
    assert built == ["here"] and seen["best"] == expected["best"]
    assert matches_children[1].finished() is False  # killed after the wait, and reaped


async def test_the_app_ending_first_ends_the_child(empty_paths, data, now, matches_children,
                                                   monkeypatch) -> None:
    monkeypatch.setattr(kept_matches, "_child", lambda *args: time.sleep(60) or 0)
    app = tui.make_app(make_env(empty_paths, now), first_screen=True)
    async with app.run_test(size=SIZE):
        pass
    app.finish_opening()
    assert matches_children[0].finished() is False  # killed and reaped: no process left
    with pytest.raises(ChildProcessError):
        os.waitpid(matches_children[0].pid, os.WNOHANG)


# ------------------------------------------------------ a contact's edit, in the session
async def test_new_interests_change_the_matches_shown_and_a_snooze_does_not(
        make_app, empty_paths, data) -> None:
    """The contact form's change names the contact and the contacts table: the matches
    follow an edit of what the ranker reads, and are kept through any other edit."""
    from crm_tui.ui.context import Change

    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        screen = app.screen
        for _ in range(1000):
            if not screen.filling:
                break
            await pilot.pause(0.01)
        assert [c.id for c, _ in screen.matches[data["pipeline"]]][:1] == [data["dana"]]
        version = app.article_matches.version

        def edit(**fields: Any) -> None:
            dana = app.store.contact(data["dana"])
            assert app.ctx.write(lambda: app.store.update_contact(dataclasses.replace(dana, **fields)),
                                 "Saved", Change.of("contacts", contacts={data["dana"]}))

        edit(phone="+1 555 0100", snoozed_until="2026-04-01")  # nothing the ranker reads
        await pilot.pause()
        assert app.article_matches.version == version and app.article_matches.fresh() is not None
        assert [c.id for c, _ in screen.matches[data["pipeline"]]][:1] == [data["dana"]]

        edit(interests=["knitting"])  # on the Articles screen itself: worked out again
        for _ in range(1000):
            await pilot.pause(0.01)
            if not screen.filling and screen.matches:
                break
        assert app.article_matches.version == version + 1
        assert data["dana"] not in [c.id for c, _ in screen.matches[data["pipeline"]]][:1]

        await pilot.press("1")  # hidden meanwhile: shown again with the new matches
        edit(interests=["data engineering", "python"])
        await pilot.pause()
        await pilot.press("3")
        for _ in range(1000):
            await pilot.pause(0.01)
            if not screen.filling and screen.matches:
                break
        assert app.article_matches.version == version + 2
        assert [c.id for c, _ in screen.matches[data["pipeline"]]][:1] == [data["dana"]]
