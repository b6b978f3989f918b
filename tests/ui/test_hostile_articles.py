"""Hostile text renders inert: markup shows as typed, escape sequences as visible symbols.

The store is written directly here (skipping the cleaning on the way in) so the UI's own
defence is what is tested.
"""

from __future__ import annotations

from typing import Any

import arrow
from known_data import HOSTILE_NAME, seed
from support import SIZE
from textual.widgets import DataTable, Static

from crm_tui.domain.models import Article
from crm_tui.store.repository import Store
from crm_tui.ui.dialogs.article_detail import ArticleDetailDialog

TITLE = "[bold]x[/] [link=https://evil.example]click[/link] \x1b]52;c;aGk=\x07 \x1b[2J"
SUMMARY = "[red]boom[/red] $name {x} \x1b]0;pwned\x07 line\n\x9b31m second"


def plain(widget: Static) -> str:
    rendered = widget.render()
    return rendered.plain if hasattr(rendered, "plain") else str(rendered)


def assert_inert(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert "[bold]x[/]" in text
    assert "␛]52;c;aGk=" in text  # ESC shown as a visible symbol, the rest as typed


async def test_hostile_article_renders_inert(
    make_app: Any, empty_paths: Any, now: arrow.Arrow
) -> None:
    ids = seed(empty_paths, now)
    with Store.open(empty_paths.data, today=now) as store:
        article = store.add_article(Article(
            feed_id=ids["feed"], title=TITLE, summary=SUMMARY, link="javascript:alert(1)",
            author="[i]eve[/i]", tags=["python", "data engineering"],
            published=now.isoformat(), key="hostile",
        ))
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await pilot.pause()
        screen = app.screen
        assert screen.current().id == article.id  # newest first
        cell = screen.query_one("#articles-list", DataTable).get_cell(article.id, "title")
        assert_inert(cell.plain)
        assert "[link=https://evil.example]click[/link]" in cell.plain
        assert_inert(plain(screen.query_one("#articles-summary", Static)))
        assert "[red]boom[/red] $name {x}" in plain(screen.query_one("#articles-summary", Static))
        await pilot.press("enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ArticleDetailDialog)
        assert_inert(plain(dialog.query_one("#article-detail-title", Static)))
        summary = plain(dialog.query_one("#article-detail-summary", Static))
        assert "[red]boom[/red] $name {x}" in summary and "\x1b" not in summary
        assert "[i]eve[/i]" in plain(dialog.query_one("#article-detail-meta", Static))
        opened: list[str] = []
        app.open_url = lambda url, **_: opened.append(url)  # type: ignore[method-assign]
        await pilot.press("o")
        await pilot.pause()
        assert opened == []  # javascript: is never opened


async def test_hostile_contact_name_on_today(
    make_app: Any, empty_paths: Any, now: arrow.Arrow
) -> None:
    ids = seed(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        key = next(k for k, s in screen.suggestions.items() if s.contact_id == ids["hostile"])
        cell = screen.query_one("#today-list", DataTable).get_cell(key, "contact")
        assert_inert(cell.plain)
        assert cell.plain.startswith(HOSTILE_NAME[:10])
        while screen.current().contact_id != ids["hostile"]:
            await pilot.press("down")
        assert_inert(plain(screen.query_one("#today-reason", Static)))
        await pilot.press("s")  # the snooze dialog shows the name inert too
        await pilot.pause()
        title = app.screen.query_one(".dialog-title", Static)
        assert_inert(plain(title))
