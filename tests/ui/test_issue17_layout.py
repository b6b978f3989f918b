"""Issue 17's layout points: columns that give way by priority, a footer whose `? Keys`
is always there, dialogs that fit 80x24 with their buttons reachable."""

from __future__ import annotations

from typing import Any

import pytest
from support import SIZE, SMALL

from crm_tui.ui import format as fmt
from crm_tui.ui.widgets.columns import PADDING, Col, fit
from crm_tui.ui.widgets.footer import KeyFooter
from crm_tui.ui.widgets.row_table import RowTable


def test_fit_gives_the_spare_room_to_the_flexible_column() -> None:
    cols = [Col("a", 8, 8), Col("b", 10, 5, flex=True, shrink=0, drop=0)]
    assert fit(cols, 30) == {"a": 8, "b": 30 - 8 - 2 * PADDING}


def test_fit_narrows_in_order_then_drops() -> None:
    cols = [Col("when", 8, 8), Col("who", 16, 12, shrink=1), Col("step", 14, 14),
            Col("why", 21, 12, flex=True, drop=0)]
    assert fit(cols, 8 + 16 + 14 + 21 + 4 * PADDING) == {"when": 8, "who": 16, "step": 14, "why": 21}
    # The reason narrows first, then the names...
    assert fit(cols, 8 + 14 + 14 + 12 + 4 * PADDING) == {"when": 8, "who": 14, "step": 14, "why": 12}
    # ...and when they cannot, the reason goes and the name has its room back.
    assert fit(cols, 46) == {"when": 8, "who": 46 - 8 - 14 - 4 * PADDING, "step": 14, "why": 0}


def test_short_step_names_fit_their_column() -> None:
    from crm_tui.domain.cadence import _TIER

    for step in _TIER:
        assert len(fmt.step_short(step)) <= fmt.STEP_WIDTH, step


def _cells(table: RowTable, column: str) -> list[str]:
    """What the table draws of one column, row by row (cut values end with an ellipsis)."""
    widths = table.column_widths()
    keys = [str(k.value) for k in table.columns]
    start = sum(widths[k] + PADDING for k in keys[: keys.index(column)]) + 1
    end = start + widths[column]
    height = min(table.row_count, table.scrollable_content_region.height - 1)
    return [table.render_line(y).text[start:end].strip() for y in range(1, height + 1)]


@pytest.mark.parametrize("size", [SIZE, SMALL])
async def test_today_columns_give_way_by_priority(demo_app: Any, size: tuple[int, int]) -> None:
    async with demo_app.run_test(size=size) as pilot:
        await pilot.press("2")
        await pilot.pause()
        table = demo_app.screen.query_one("#today-list", RowTable)
        widths = table.column_widths()
        used = sum(w + PADDING for w in widths.values())
        assert used <= table.scrollable_content_region.width  # no sideways scrolling
        assert widths["step"] == fmt.STEP_WIDTH and widths["when"] == 8
        assert widths["contact"] >= 15
        steps = _cells(table, "step")
        assert steps and all("…" not in step for step in steps)
        if size == SMALL:
            assert widths["reason"] == 0  # the detail pane says it in full
        else:
            assert widths["reason"] >= 21


@pytest.mark.parametrize("size", [SIZE, SMALL])
async def test_articles_columns_give_way_by_priority(app: Any, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await pilot.press("3")
        await pilot.pause()
        table = app.screen.query_one("#articles-list", RowTable)
        widths = table.column_widths()
        assert sum(w + PADDING for w in widths.values()) <= table.scrollable_content_region.width
        assert widths["published"] == 10 and widths["title"] >= 24
        assert widths["matches"] == (0 if size == SMALL else 18)


@pytest.mark.parametrize("size", [SIZE, SMALL, (60, 20)])
@pytest.mark.parametrize("mode", ["1", "2", "3", "4"])
async def test_the_keys_hint_is_always_in_the_footer(demo_app: Any, size: tuple[int, int],
                                                      mode: str) -> None:
    async with demo_app.run_test(size=size) as pilot:
        await pilot.press(mode)
        await pilot.pause()
        text = str(demo_app.screen.query_one(KeyFooter).render())
        assert len(text) == size[0]
        assert text.rstrip().endswith("? Keys ▏^p Find")


# (mode key, keys that open the dialog) for every dialog with buttons; "contact" opens
# the first contact first.
DIALOGS = {
    "add contact": ("1", "a"),
    "import contacts": ("1", "i"),
    "edit contact": ("contact", "e"),
    "log touch": ("contact", "l"),
    "thread": ("contact", "o"),
    "note": ("contact", "n"),
    "delete": ("contact", "D"),
    "compose": ("2", "enter"),
    "snooze": ("2", "s"),
    "reply": ("2", "r"),
    "article": ("3", "enter"),
    "add feed": ("4", "a"),
    "opml": ("4", "i"),
}


def _buttons_in_view(app: Any) -> list[str]:
    """The dialog's buttons that are not wholly on the screen."""
    from textual.widgets import Button

    screen = app.screen
    visible = screen._compositor.visible_widgets
    return [str(b.label) for b in screen.query(Button)
            if b not in visible or not screen.region.contains_region(b.region)
            or b.region.height < 1]


@pytest.mark.parametrize("dialog", list(DIALOGS))
async def test_every_dialog_fits_80x24_with_its_buttons_in_view(demo_app: Any, dialog: str) -> None:
    from crm_tui.ui.dialogs.base import CrmDialog

    mode, keys = DIALOGS[dialog]
    async with demo_app.run_test(size=SMALL) as pilot:
        if mode == "contact":
            demo_app.open_contact(demo_app.store.contacts()[0].id)
        else:
            await pilot.press(mode)
        await pilot.pause()
        await pilot.press(*keys.split())
        await pilot.pause()
        assert isinstance(demo_app.screen, CrmDialog), dialog
        assert _buttons_in_view(demo_app) == []


async def test_the_thread_form_saves_at_80x24_by_tabbing_to_its_button(demo_app: Any) -> None:
    """The tallest dialog: Tab through every field to the save button, Enter saves."""
    from textual.widgets import Button

    from crm_tui.ui.dialogs.thread_form import ThreadForm

    async with demo_app.run_test(size=SMALL) as pilot:
        contact = demo_app.store.contacts()[0]
        before = len(demo_app.store.threads(contact_id=contact.id))
        demo_app.open_contact(contact.id)
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        form = demo_app.screen
        assert isinstance(form, ThreadForm)
        for _ in range(40):
            focused = demo_app.focused
            if isinstance(focused, Button) and focused.id == "form-save":
                break
            await pilot.press("tab")
        else:
            raise AssertionError("Tab never reached the save button")
        await pilot.pause()
        assert _buttons_in_view(demo_app) == []
        await pilot.press("enter")
        await pilot.pause()
        assert demo_app.screen is not form
        assert len(demo_app.store.threads(contact_id=contact.id)) == before + 1


@pytest.mark.parametrize("size", [SIZE, SMALL])
async def test_the_contacts_lists_fit_without_sideways_scrolling(demo_app: Any,
                                                                 size: tuple[int, int]) -> None:
    """The timeline and the suggested articles: their notes and titles narrow, they never
    scroll sideways."""
    async with demo_app.run_test(size=size) as pilot:
        richest = max(demo_app.store.contacts(), key=lambda c: (c.touch_count, c.name))
        demo_app.open_contact(richest.id)
        await pilot.pause()
        for name in ("#timeline", "#suggested"):
            table = demo_app.screen.query_one(name, RowTable)
            assert table.row_count
            assert table.virtual_size.width <= table.scrollable_content_region.width, name
            assert table.column_widths()[{"#timeline": "what", "#suggested": "title"}[name]] >= 20
