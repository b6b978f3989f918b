"""The one-widget footer: the current screen's keys, rebinding, clicks, narrow terminals."""

from __future__ import annotations

from support import SIZE

from crm_tui import config
from crm_tui.ui.widgets.footer import KeyFooter


def footer_text(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(KeyFooter).render())


async def test_footer_follows_the_screen_and_its_keys(make_app, demo_paths) -> None:
    settings = config.load(demo_paths.config_file)
    settings.keys = {"contacts.filter": "f"}
    app = make_app(demo_paths, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = footer_text(app)
        assert " f Filter " in text and " / Filter " not in text  # the rebound key
        assert " 2 Today " in text and text.rstrip().endswith("^p Find")
        await pilot.press("2")
        await pilot.pause()
        text = footer_text(app)
        assert " d Done " in text and " f Filter " not in text


async def test_clicking_a_footer_key_presses_it(demo_app) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        footer = demo_app.screen.query_one(KeyFooter)
        start = next(start for start, _end, key in footer._spans if key == "2")
        await pilot.click(KeyFooter, offset=(start + 1, 0))
        await pilot.pause()
        assert demo_app.current_mode == "today"


async def test_a_narrow_footer_drops_whole_keys_and_keeps_the_palette(demo_app) -> None:
    async with demo_app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        text = footer_text(demo_app)
        assert len(text) == 60 and text.rstrip().endswith("^p Find")
        assert " / Filter " in text and " 4 Feeds " not in text and "Fee" not in text


async def test_a_dialog_shows_its_own_keys_in_the_footer_until_it_closes(demo_app) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        contacts = demo_app.screen
        footer = contacts.query_one(KeyFooter)
        await pilot.press("i")  # import contacts: a dialog over the Contacts screen
        await pilot.pause()
        text = str(footer.render())
        assert " esc Cancel " in text and " ^s Import " in text
        assert " / Filter " not in text  # these would only type into the dialog
        await pilot.press("escape")
        await pilot.pause()
        assert demo_app.screen is contacts
        text = str(footer.render())
        assert " / Filter " in text and " ^s Import " not in text
