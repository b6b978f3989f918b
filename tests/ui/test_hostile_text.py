"""Untrusted text renders inert: markup shows as typed, escape sequences never reach the
terminal (they show as visible symbols)."""

from __future__ import annotations

import arrow
from support import SIZE

from crm_tui.domain.models import Article, Contact, Feed, Touch
from crm_tui.store.repository import Store
from crm_tui.ui import format as fmt
from crm_tui.ui.screens.contact import ContactScreen
from crm_tui.ui.widgets.contact_table import ContactTable

MARKUP = "[bold]x[/]"
OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"  # would set the clipboard
CSI = "\x1b[2J\x1b[31m"  # would clear the screen


def _seed(paths, now: arrow.Arrow) -> tuple[str, str]:
    # Written straight to the store, as a careless importer might: the UI must still cope.
    with Store.open(paths.data, today=now) as store:
        marked = store.add_contact(Contact(name=MARKUP, company="[u]Acme[/u]",
                                           tags=["[red]tag"], notes=f"see {CSI}notes"))
        escaped = store.add_contact(Contact(name=f"{OSC52}Eve", company=f"Evil{CSI} Corp"))
        feed = store.add_feed(Feed(url="http://127.0.0.1/feed.xml", title="[b]feed"))
        article = store.add_article(Article(feed_id=feed.id, title=f"[blink]Read me[/] {OSC52}"))
        store.log_touch(Touch(contact_id=marked.id, at=now.shift(days=-1).isoformat(),
                              note=f"[i]note[/i] {CSI}", article_id=article.id))
        return marked.id, escaped.id


def test_inert_makes_controls_visible() -> None:
    assert fmt.inert(OSC52) == "␛]52;c;ZWNobyBwd25lZA==␇"
    assert fmt.inert(MARKUP) == MARKUP
    assert "\x1b" not in fmt.one_line(CSI)


def _line_texts(table: ContactTable) -> list[str]:
    lines = []
    for y in range(table.size.height):
        lines.append("".join(segment.text for segment in table.render_line(y)))
    return lines


async def test_contacts_table_shows_hostile_names_inert(make_app, empty_paths, now) -> None:
    _seed(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lines = "\n".join(_line_texts(app.screen.query_one(ContactTable)))
        assert MARKUP in lines
        assert "[u]Acme[/u]" in lines
        assert "␛]52;c;" in lines  # (the name is long: "Eve" is past the column edge)
        assert "\x1b" not in lines and "\x07" not in lines


async def test_contact_screen_shows_hostile_text_inert(make_app, empty_paths, now) -> None:
    marked, escaped = _seed(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        app.open_contact(marked)
        await pilot.pause()
        assert isinstance(app.screen, ContactScreen)
        fields = app.screen.query_one("#fields").render()
        timeline = app.screen.query_one("#timeline").plain()
        notes = app.screen.query_one("#notes").render()
        rendered = " ".join(str(x) for x in (fields, timeline, notes))
        assert MARKUP in rendered and "[red]tag" in rendered
        assert "[i]note[/i]" in rendered and "[blink]Read me[/]" in rendered
        assert "\x1b" not in rendered and "\x07" not in rendered
        assert app.sub_title is not None
        await pilot.press("escape")
        app.open_contact(escaped)
        await pilot.pause()
        assert "␛]52;c;" in app.screen.sub_title
        assert "\x1b" not in str(app.screen.query_one("#fields").render())


async def test_hostile_screens_export_without_escapes(make_app, empty_paths, now) -> None:
    """What reaches the terminal: the exported screen holds no raw ESC from the data."""
    marked, _ = _seed(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        svg = app.export_screenshot()
        assert "ZWNobyBwd25lZA" in svg  # shown...
        assert "\x1b" not in svg  # ...inert
        app.open_contact(marked)
        await pilot.pause()
        svg = app.export_screenshot()
        assert "[blink]Read&#160;me[/]" in svg or "[blink]Read me[/]" in svg
