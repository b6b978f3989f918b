"""Pilot flows on the Articles screen: read, share end to end, open the link, dismiss."""

from __future__ import annotations

from typing import Any

import arrow
import pytest
from known_data import seed
from support import SIZE
from textual.widgets import OptionList, Static

from crm_tui.domain.models import Article
from crm_tui.ui.dialogs.article_detail import ArticleDetailDialog
from crm_tui.ui.dialogs.share_pick import SharePickDialog
from crm_tui.ui.screens.articles import ArticlesScreen


async def open_articles(pilot: Any) -> ArticlesScreen:
    await pilot.press("3")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ArticlesScreen)
    return pilot.app.screen


async def test_newest_first_with_best_matches(app: Any, data: dict[str, str]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_articles(pilot)
        assert list(screen.articles) == [data["pipeline"], data["a11y"]]
        assert [c.id for c, _ in screen.matches[data["pipeline"]]][:1] == [data["dana"]]
        assert data["mia"] in [c.id for c, _ in screen.matches[data["a11y"]]]


async def test_matches_say_why_not_a_score(app: Any, data: dict[str, str]) -> None:
    import re

    async with app.run_test(size=SIZE) as pilot:
        screen = await open_articles(pilot)
        panel = str(screen.query_one("#articles-matches", Static).render())
        dana = app.store.contact(data["dana"]).name
        assert f"{dana}  data engineering, python" in panel
        assert not re.search(r"\d\.\d\d", panel)  # no raw BM25 score
        await pilot.press("s")
        await pilot.pause()
        first = app.screen.query_one(OptionList).get_option_at_index(0)
        assert "match: data engineering, python" in str(first.prompt)


async def test_share_end_to_end(app: Any, data: dict[str, str]) -> None:
    """article -> s -> pick the best match -> composer -> copy -> mark sent."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_articles(pilot)
        assert screen.current().id == data["pipeline"]
        await pilot.press("s")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, SharePickDialog)
        first = picker.query_one(OptionList).get_option_at_index(0)
        assert first.id == data["dana"]  # ranked by match
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "ComposeDialog"
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert "Dana" in app.clipboard
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert any("Shared with Dana" in n.message for n in app._notifications)  # said so
        touches = [t for t in app.store.touches(contact_ids={data["dana"]}) if t.article_id]
        assert len(touches) == 1 and touches[0].article_id == data["pipeline"]
        assert touches[0].direction == "out"
        shares = app.store.shares(data["dana"])
        assert [(s.article_id, s.touch_id) for s in shares] == [(data["pipeline"], touches[0].id)]
        # Once shared, she is no longer offered this article.
        assert data["dana"] not in [c.id for c, _ in screen.matches[data["pipeline"]]]


async def test_share_picker_filters_by_typing(app: Any, data: dict[str, str]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_articles(pilot)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press(*"ravi")  # the filter box has the focus: type a name
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == [
            data["ravi"]
        ]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ArticlesScreen)


async def test_enter_shows_summary_and_link(app: Any, data: dict[str, str]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_articles(pilot)
        await pilot.press("enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ArticleDetailDialog)
        summary = str(dialog.query_one("#article-detail-summary", Static).render())
        assert "keep python pipelines simple" in summary
        link = str(dialog.query_one("#article-detail-link", Static).render())
        assert "https://example.com/pipelines" in link
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ArticlesScreen)


async def test_open_link_only_for_web_links(
    app: Any, data: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **_: opened.append(url))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_articles(pilot)
        await pilot.press("o")
        await pilot.pause()
        assert opened == ["https://example.com/pipelines"]
        article: Article = app.store.article(data["a11y"])
        article.link = "javascript:alert(1)"
        app.store.update_article(article)
        screen.reload()
        await pilot.press("down", "o")
        await pilot.pause()
        assert opened == ["https://example.com/pipelines"]
        assert any("only http and https" in n.message for n in app._notifications)


async def test_dismiss_for_a_contact(app: Any, data: dict[str, str]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_articles(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, SharePickDialog)
        await pilot.press("enter")  # the best match: Dana
        await pilot.pause()
        dismissals = app.store.dismissals(data["dana"])
        assert [d.article_id for d in dismissals] == [data["pipeline"]]
        assert data["dana"] not in [c.id for c, _ in screen.matches[data["pipeline"]]]


async def test_empty_state(make_app: Any, empty_paths: Any, now: arrow.Arrow) -> None:
    seed(empty_paths, now, articles=False)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_articles(pilot)
        assert screen.query_one("#articles-empty").display
        await pilot.press("s", "o", "x", "enter")  # nothing to act on: no crash
        await pilot.pause()
        assert isinstance(app.screen, ArticlesScreen)


async def test_matches_worked_out_in_a_thread_the_list_shown_at_once(
    app: Any, data: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As at 10,000 contacts: the list is there at once, the matches column and panel say
    they are coming, then fill in; a share while they come is not lost."""
    import threading

    from textual.widgets import DataTable

    from crm_tui.ui import article_matches

    monkeypatch.setattr(article_matches, "INLINE_BELOW", 0)
    gate = threading.Event()
    from crm_tui.feeds.rank import Ranker

    original = Ranker.for_articles

    def slow(self: Any, *args: Any, **kwargs: Any) -> Any:
        gate.wait(10)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Ranker, "for_articles", slow)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_articles(pilot)
        assert list(screen.articles) == [data["pipeline"], data["a11y"]]
        assert screen.filling
        table = screen.query_one("#articles-list", DataTable)
        assert str(table.get_cell(data["pipeline"], "matches")) == "…"
        assert "finding them…" in str(screen.query_one("#articles-matches", Static).render())
        gate.set()
        for _ in range(200):
            if not screen.filling:
                break
            await pilot.pause(0.01)
        assert not screen.filling
        assert [c.id for c, _ in screen.matches[data["pipeline"]]][:1] == [data["dana"]]
        assert str(table.get_cell(data["pipeline"], "matches")).startswith("Dana")
        assert app.store.contact(data["dana"]).name in str(
            screen.query_one("#articles-matches", Static).render())
        # Kept for the app: opening the screen again finds them at once.
        assert app.article_matches.fresh() is not None


async def test_matches_recomputed_after_a_change_they_depend_on(app: Any, data: dict[str, str]) -> None:
    from crm_tui.ui.context import Change

    async with app.run_test(size=SIZE) as pilot:
        await open_articles(pilot)
        kept = app.article_matches.fresh()
        assert kept is not None
        app.ctx.publish(Change.of("touches", contacts={data["dana"]}))  # a touch: no effect
        assert app.article_matches.fresh() is kept
        app.ctx.publish(Change.of("dismissals", contacts={data["dana"]}))
        assert app.article_matches.fresh() is None


async def test_today_waits_for_the_ranker_the_work_ahead_builds(
    app: Any, data: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Today opened while the work ahead is building the ranker uses that one (one build),
    and shows the article once it is there."""
    import threading

    from crm_tui.feeds.rank import Ranker
    from crm_tui.ui import article_matches

    monkeypatch.setattr(article_matches, "INLINE_BELOW", 0)
    gate = threading.Event()
    built: list[int] = []
    original = Ranker.__init__

    def counted(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append(1)
        gate.wait(10)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Ranker, "__init__", counted)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(200):  # the work ahead starts a moment after the first frame
            if built:
                break
            await pilot.pause(0.01)
        assert app.article_matches.running and built == [1]
        await pilot.press("2")
        await pilot.pause()
        today = app.screen
        assert "finding one…" in str(today.query_one("#today-article", Static).render())
        gate.set()
        for _ in range(200):
            if not today.ranking:
                break
            await pilot.pause(0.01)
        assert not today.ranking
        assert "Article to share" in str(today.query_one("#today-article", Static).render())
        assert "finding one" not in str(today.query_one("#today-article", Static).render())
        assert len(built) == 1


async def test_matches_failing_in_their_thread_leave_the_app_running(
    app: Any, data: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_tui.feeds.rank import Ranker
    from crm_tui.ui import article_matches

    monkeypatch.setattr(article_matches, "INLINE_BELOW", 0)

    def broken(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("boom")

    monkeypatch.setattr(Ranker, "for_articles", broken)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_articles(pilot)
        for _ in range(200):
            if not app.article_matches.running:
                break
            await pilot.pause(0.01)
        await pilot.pause()
        assert app.is_running and app.screen is screen
        assert any("boom" in n.message for n in app._notifications)
        await pilot.press("j")  # still answers keys
        assert screen.query_one("#articles-list").cursor_row == 1


def test_two_matches_of_the_same_first_name_are_told_apart() -> None:
    from crm_tui.domain.models import Contact
    from crm_tui.ui.screens.articles import _names

    def best(*names: str) -> list:
        return [(Contact(name=name), 1.0) for name in names]

    assert _names(best("Maya Okafor", "Lena Vogel")) == "Maya, Lena"
    assert _names(best("Jon Zeller", "Zane Abara", "Jon Park")) == "Jon Z., Zane, Jon P."
    assert _names(best("Jon Zeller 888", "Zane Abara", "Jon Zeller 3")) == "Jon Zeller 888, Zane, Jon Zeller 3"
    assert _names(best("Jon", "Jon")) == "Jon, Jon"  # (nothing more to show)
    assert _names([]) == "-"
