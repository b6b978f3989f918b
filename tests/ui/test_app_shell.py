"""The app shell: modes, read-only banner, rebinding, theme memory, palette, help."""

from __future__ import annotations

from support import SIZE

from crm_tui import config
from crm_tui.ui.screens.contact import ContactScreen
from crm_tui.ui.screens.contacts import ContactsScreen
from crm_tui.ui.screens.help import HelpScreen
from crm_tui.ui.widgets.banner import ReadOnlyBanner


async def test_number_keys_switch_screens(demo_app) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        assert demo_app.current_mode == "contacts"
        for key, mode in [("2", "today"), ("4", "feeds"), ("1", "contacts")]:
            await pilot.press(key)
            await pilot.pause()
            assert demo_app.current_mode == mode


async def test_read_only_banner_and_writes_refused(make_app, demo_paths) -> None:
    app = make_app(demo_paths, readonly_reason="locked by process 4242")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        banner = app.screen.query_one(ReadOnlyBanner)
        assert banner.display and "READ-ONLY" in str(banner.render())
        assert "4242" in str(banner.render())
        count = len(app.store.contacts())
        await pilot.press("a")  # add contact: refused before any form opens
        await pilot.pause()
        assert isinstance(app.screen, ContactsScreen)
        assert any("Read-only" in n.message for n in app._notifications)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ContactScreen)
        assert app.screen.query_one(ReadOnlyBanner).display
        for key in ("l", "n", "o", "e", "D"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, ContactScreen)
        assert len(app.store.contacts()) == count
        # Every screen says it, the others' too: the header reads READ-ONLY, in red.
        await pilot.press("escape", "2")
        await pilot.pause()
        from textual.widgets import Header

        header = app.screen.query_one(Header)
        assert "READ-ONLY" in app.title
        from textual.color import Color

        assert header.styles.background == Color.parse(app.get_css_variables()["error"])


async def test_writable_app_has_no_banner(demo_app) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not demo_app.screen.query_one(ReadOnlyBanner).display


async def test_keys_are_rebindable_from_the_config(make_app, demo_paths) -> None:
    settings = config.load(demo_paths.config_file)
    settings.keys = {"contacts.filter": "f", "app.today": "5"}
    app = make_app(demo_paths, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await pilot.pause()
        assert app.screen.query_one("#filter").has_focus
        await pilot.press("escape", "5")
        await pilot.pause()
        assert app.current_mode == "today"


async def test_theme_is_remembered(make_app, demo_paths) -> None:
    app = make_app(demo_paths)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "nord"
        await pilot.pause()
    assert config.load(demo_paths.config_file).ui.theme == "nord"
    app.store.close()  # like quitting: the next start takes the lock
    again = make_app(demo_paths)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.theme == "nord"


async def test_palette_finds_a_contact_by_name(demo_app) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        contact = demo_app.store.contacts()[0]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*contact.name.split()[0].lower())
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(demo_app.screen, ContactScreen)
        assert demo_app.screen.contact_id == contact.id


async def test_every_binding_has_an_id_and_a_description() -> None:
    # Every class of the app that declares bindings, found by walking the package, so a
    # new screen or dialog cannot slip through.
    import importlib
    import pkgutil

    from textual.binding import Binding
    from textual.dom import DOMNode

    import crm_tui.ui
    from crm_tui.ui.app import CrmApp

    owners = {CrmApp}
    for info in pkgutil.walk_packages(crm_tui.ui.__path__, "crm_tui.ui."):
        module = importlib.import_module(info.name)
        owners |= {
            value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, DOMNode)
            and value.__module__ == module.__name__ and "BINDINGS" in vars(value)
        }
    names = {owner.__name__ for owner in owners}
    assert {"ContactsScreen", "TodayScreen", "ComposeDialog", "ImportDialog", "FormDialog"} <= names
    for owner in owners:
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding), (owner, binding)  # not a bare tuple
            assert binding.id and binding.description, (owner, binding)


async def test_help_lists_the_screen_keys_with_ids(demo_app) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(demo_app.screen, HelpScreen)
        ids = {binding_id for _, _, binding_id in demo_app.screen.rows}
        assert {"contacts.filter", "contacts.sort_name", "contacts.add", "app.today"} <= ids
        assert ("/", "Filter", "contacts.filter") in demo_app.screen.rows
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(demo_app.screen, ContactsScreen)


async def test_first_run_import_key_opens_the_import_dialog(make_app, empty_paths) -> None:
    from crm_tui.ui.dialogs.import_contacts import ImportDialog

    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, ImportDialog)


async def test_palette_runs_actions(demo_app) -> None:
    from crm_tui.ui.dialogs.contact_form import ContactForm

    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"add contact")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(demo_app.screen, ContactForm)


async def test_data_changes_reach_other_modes(demo_app) -> None:
    """A write on one screen shows on the Contacts screen when you come back to it."""
    from crm_tui.domain.models import Contact

    async with demo_app.run_test(size=SIZE) as pilot:
        contacts_screen = demo_app.screen
        await pilot.press("2")
        await pilot.pause()
        demo_app.ctx.write(lambda: demo_app.store.add_contact(Contact(name="Zed Newcomer")))
        await pilot.press("1")
        await pilot.pause()
        names = [row.name for row in contacts_screen.rows]
        assert "Zed Newcomer" in names
