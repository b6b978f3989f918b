"""Issue 17's broken items: the table's last row, the share picker's filter, key bursts.

A burst is keys posted to the app all at once, as a slow SSH link delivers them: unlike
``pilot.press``, nothing waits for one key to be handled before the next arrives.
"""

from __future__ import annotations

from typing import Any

import pytest
from support import SIZE, SMALL
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input, OptionList

from crm_tui.ui.dialogs.share_pick import SharePickDialog
from crm_tui.ui.screens.articles import ArticlesScreen
from crm_tui.ui.screens.contact import ContactScreen
from crm_tui.ui.screens.contacts import ContactsScreen
from crm_tui.ui.screens.today import TodayScreen
from crm_tui.ui.widgets.contact_table import ContactTable


async def burst(pilot: Any, *keys: str) -> None:
    """Post every key to the app at once, then let the app settle."""
    for key in keys:
        if len(key) == 1:
            event = events.Key(_character_to_key(key), key)
        else:
            event = events.Key(key, "\r" if key == "enter" else None)
        pilot.app.post_message(event)
    for _ in range(3):
        await pilot.pause()


def _lines(table: ContactTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


def _cursor_drawn(table: ContactTable) -> bool:
    """The highlighted contact's name is on one of the lines the table shows."""
    name = table.rows[table.order[table.cursor]].name
    return any(line.startswith(name[:10]) for line in _lines(table)[1:])


@pytest.mark.parametrize("size", [SIZE, SMALL, (100, 50), (100, 30)])
async def test_last_row_drawn_and_cursor_on_screen(demo_app: Any, size: tuple[int, int]) -> None:
    async with demo_app.run_test(size=size) as pilot:
        await pilot.pause()
        table = demo_app.screen.query_one(ContactTable)
        await pilot.press("end")
        assert table.cursor == table.row_count - 1
        assert _cursor_drawn(table)
        # The last contact is drawn on the table's last line (or right under the others when
        # they all fit), not hidden under a scrollbar.
        last = min(table.row_count, table.scrollable_content_region.height - 1)
        assert _lines(table)[last].startswith(table.rows[table.order[-1]].name[:10])
        await pilot.press("home")
        for _ in range(table.scrollable_content_region.height + 2):
            await pilot.press("j")
            assert _cursor_drawn(table)
        await pilot.press("home", "pagedown")
        assert _cursor_drawn(table)
        await pilot.press("pagedown")
        assert _cursor_drawn(table)
        # Enter opens the contact that is highlighted (and visible).
        wanted = table.highlighted_id
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(demo_app.screen, ContactScreen)
        assert demo_app.screen.contact_id == wanted


async def test_share_picker_typing_filters_and_enter_picks_the_typed(
    app: Any, data: dict[str, str]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, ArticlesScreen)
        await pilot.press("s")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, SharePickDialog)
        assert isinstance(app.focused, Input)  # "Type to filter" means typing filters
        await pilot.press(*"ravi")
        await pilot.pause()
        options = picker.query_one(OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == [
            data["ravi"]
        ]
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "ComposeDialog"
        assert app.screen.plan.contact.id == data["ravi"]


async def test_share_picker_arrows_then_enter_picks_the_highlighted(
    app: Any, data: dict[str, str]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        second = options.get_option_at_index(1).id
        await pilot.press("down", "enter")  # the second person, straight from the filter box
        await pilot.pause()
        assert type(app.screen).__name__ == "ComposeDialog"
        assert app.screen.plan.contact.id == second


async def test_burst_slash_then_text_goes_to_the_filter(demo_app: Any) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = demo_app.screen
        assert isinstance(screen, ContactsScreen)
        await burst(pilot, "/", "m", "a", "y", "a")
        assert demo_app.screen is screen  # not "Add a contact"
        assert screen.query_one("#filter", Input).value == "maya"
        table = screen.query_one(ContactTable)
        assert table.rows[table.order[0]].name == "Maya Okafor"


async def test_burst_snooze_plus_3d_enter(app: Any, data: dict[str, str], now: Any) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        s = screen.current()
        assert s is not None
        await burst(pilot, "s", "+", "3", "d", "enter")
        assert app.screen is screen
        until = app.store.contact(s.contact_id).snoozed_until
        assert until and until[:10] == now.shift(days=3).format("YYYY-MM-DD")


async def test_burst_mode_switch_then_keys(demo_app: Any) -> None:
    """`2` then down at once: down moves Today's cursor, not the Contacts table's."""
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        contacts = demo_app.screen.query_one(ContactTable)
        await burst(pilot, "2", "down")
        assert isinstance(demo_app.screen, TodayScreen)
        assert contacts.cursor == 0
        assert demo_app.screen.query_one("#today-list").cursor_row == 1


async def test_the_same_movement_keys_on_every_list(app: Any, data: dict[str, str]) -> None:
    """j/k, G/g, End/Home, ctrl+d/ctrl+u on Today, Articles and Feeds; c opens Today's
    contact and Escape comes back."""
    from textual.widgets import DataTable

    async with app.run_test(size=SIZE) as pilot:
        for mode, table_id in (("2", "#today-list"), ("3", "#articles-list"),
                               ("4", "#feeds-list")):
            await pilot.press(mode)
            await pilot.pause()
            table = app.screen.query_one(table_id, DataTable)
            last = table.row_count - 1
            await pilot.press("G")
            assert table.cursor_row == last
            await pilot.press("g")
            assert table.cursor_row == 0
            if last >= 1:
                await pilot.press("j")
                assert table.cursor_row == 1
                await pilot.press("k")
                assert table.cursor_row == 0
            await pilot.press("end")
            assert table.cursor_row == last
            await pilot.press("home", "ctrl+d")
            assert table.cursor_row == min(last, max(1, (table.scrollable_content_region.height - 1) // 2))
            await pilot.press("ctrl+u")
            assert table.cursor_row == 0
        await pilot.press("2")
        await pilot.pause()
        today = app.screen
        s = today.current()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ContactScreen) and app.screen.contact_id == s.contact_id
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is today


async def test_palette_entries_read_as_actions(app: Any, data: dict[str, str]) -> None:
    from crm_tui.ui.commands import system_commands

    async with app.run_test(size=SIZE) as pilot:
        for mode in "1234":
            await pilot.press(mode)
            await pilot.pause()
            entries = list(system_commands(app.screen, lambda *a: None, lambda m: None))
            for title, help_text, _ in (e for e in entries if e[0] not in ("Undo", "Redo")):
                assert len(title.split()) >= 2, title  # an action, not a lone label
                assert "." not in help_text.split("(")[-1], help_text  # no binding ids
            if mode == "2":
                assert "Snooze the selected step" in [t for t, _, _ in entries]


async def test_snooze_and_log_take_dates_as_people_say_them(app: Any, data: dict[str, str],
                                                             now: Any) -> None:
    from textual.widgets import Static

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        s = app.screen.current()
        await pilot.press("s", *"next week")
        await pilot.pause()
        feedback = str(app.screen.query_one("#snooze-feedback", Static).render())
        assert feedback == "Monday 9 March 2026"  # shown as typed (the clock: Mon 2 March)
        await pilot.press("enter")
        await pilot.pause()
        assert app.store.contact(s.contact_id).snoozed_until[:10] == "2026-03-09"


def test_the_log_form_takes_yesterday_and_weekdays(now: Any) -> None:
    from crm_tui.ui.widgets import checks

    assert checks.when("yesterday", now).format("YYYY-MM-DD") == "2026-03-01"
    assert checks.when("fri", now).format("YYYY-MM-DD") == "2026-02-27"
    assert isinstance(checks.when("+3d", now), str)  # more than a day ahead: refused


async def _log_a_touch_on_a_contact(app: Any, pilot: Any) -> ContactScreen:
    from textual.widgets import TextArea

    table = app.screen.query_one(ContactTable)
    app.open_contact(table.highlighted_id)
    await pilot.pause()
    contact = app.screen
    assert isinstance(contact, ContactScreen)
    await pilot.press("l")
    await pilot.pause()
    app.screen.query_one("#note", TextArea).text = "Lunch"
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert app.screen is contact
    return contact


async def test_burst_escape_then_3_after_logging_a_touch(demo_app: Any) -> None:
    """Escape and `3` at once on the contact screen, right after logging a touch: back,
    then Articles (issue 17: the contact screen stayed and the next keys went elsewhere)."""
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _log_a_touch_on_a_contact(demo_app, pilot)
        await burst(pilot, "escape", "3")
        assert isinstance(demo_app.screen, ArticlesScreen)


async def test_burst_escape_and_a_digit_read_as_one_sequence(demo_app: Any) -> None:
    """A terminal that delivers Escape and `3` in one read (tmux send-keys, a slow link):
    Textual's parser reads "\\x1b3" as Option+3, "£" (and Escape+letter as Alt+letter).
    Outside a text box, where neither means anything here, they are Escape then the key."""
    from textual._xterm_parser import XTermParser

    assert [k.character for k in XTermParser().feed("\x1b3")] == ["£"]  # the cause
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _log_a_touch_on_a_contact(demo_app, pilot)
        demo_app.post_message(events.Key("pound_sign", "£"))
        demo_app.post_message(events.Key("j", "j"))
        for _ in range(3):
            await pilot.pause()
        assert isinstance(demo_app.screen, ArticlesScreen)
        assert demo_app.screen.query_one("#articles-list").cursor_row == 1  # j went there
        await burst(pilot, "1")
        screen = demo_app.screen
        assert isinstance(screen, ContactsScreen)
        demo_app.post_message(events.Key("alt+n", "n"))  # Escape then `n`, in one read
        for _ in range(3):
            await pilot.pause()
        assert screen.sort_by == "name"
        await burst(pilot, "/")
        box = screen.query_one("#filter", Input)
        assert box.has_focus
        # In a text box they are what they are: "£" typed.
        await burst(pilot, "£")
        assert box.value == "£"


async def test_option_characters_are_typed_in_a_text_area(demo_app: Any) -> None:
    from textual.widgets import TextArea

    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = demo_app.screen.query_one(ContactTable)
        demo_app.open_contact(table.highlighted_id)
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        note = demo_app.screen.query_one("#note", TextArea)
        note.focus()
        await pilot.pause()
        await burst(pilot, "£", "5")
        assert note.text.endswith("£5")
