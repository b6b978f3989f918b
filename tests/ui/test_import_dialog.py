"""The import dialog: validation, a dry-run preview that writes nothing, confirm, cancel."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.widgets import Button, Select, Static

from crm_tui.interop import ImportReport
from crm_tui.services.importer import PreparedImport, commit_prepared
from crm_tui.ui.dialogs.import_contacts import ImportDialog

FIXTURES = Path(__file__).parent.parent / "fixtures" / "interop"


class DialogApp(App[None]):
    def __init__(self, store, now) -> None:
        super().__init__()
        self.store = store
        self.now = now
        self.results: list[ImportReport | None] = []

    def on_mount(self) -> None:
        self.push_screen(ImportDialog(self.store, self.now), self.write)

    def write(self, prepared: PreparedImport | None) -> None:
        """What the app does with the dialog's result (CrmApp.action_import_contacts)."""
        self.results.append(None if prepared is None else commit_prepared(self.store, prepared))


def text_of(app: App, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def type_path(pilot, path: str) -> None:
    """Paste the path (typing 80 characters one key at a time makes the test slow)."""
    field = pilot.app.screen.query_one("#import-path")
    field.focus()
    field.value = path
    await pilot.pause()


async def show_preview(pilot) -> None:
    """Enter on the path: the preview is made in a worker thread; wait for it to show."""
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_preview_then_confirm_imports(store, now, paths):
    app = DialogApp(store, now)
    async with app.run_test(size=(100, 40)) as pilot:
        await type_path(pilot, str(FIXTURES / "linkedin-malformed.csv"))
        await show_preview(pilot)
        preview = text_of(app, "#import-preview")
        assert preview.startswith("would add 2, would update 0, skipped 0, errors 3")
        assert "line 7: Connected On '32 Foo 2024'" in preview
        assert store.contacts() == [] and not list(paths.data.glob("contacts.json"))
        assert not app.screen.query_one("#import-do-confirm", Button).disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
    (report,) = app.results
    assert report is not None and len(report.added) == 2
    assert sorted(c.name for c in store.contacts()) == ["Dana Okafor", "Nadia Qureshi (she/her)"]


async def test_missing_file_and_wrong_kind_are_explained(store, now):
    app = DialogApp(store, now)
    async with app.run_test(size=(100, 40)) as pilot:
        await type_path(pilot, "/nonexistent/file.csv")
        assert "No such file" in text_of(app, "#import-feedback")
        await show_preview(pilot)
        assert app.screen.query_one("#import-do-confirm", Button).disabled
        await pilot.press("ctrl+s")  # no preview: nothing happens but a hint
        assert "Preview first" in text_of(app, "#import-feedback")
        app.screen.query_one("#import-path").value = ""
        app.screen.query_one("#import-kind", Select).value = "google"
        await pilot.pause()
        await type_path(pilot, str(FIXTURES / "vcard-4.vcf"))
        await show_preview(pilot)
        assert "not a Google Contacts CSV" in text_of(app, "#import-feedback")
    assert store.contacts() == []


async def test_vcard_folder_and_inert_markup(store, now):
    app = DialogApp(store, now)
    async with app.run_test(size=(100, 40)) as pilot:
        app.screen.query_one("#import-kind", Select).value = "vcard"
        await pilot.pause()
        await type_path(pilot, str(FIXTURES / "hostile.csv"))
        await show_preview(pilot)  # a CSV given as vCard: a clear error
        assert "not a vCard" in text_of(app, "#import-feedback")
        app.screen.query_one("#import-kind", Select).value = "linkedin"
        await pilot.pause()
        await show_preview(pilot)
        assert "Eve[bold] Mallory" in text_of(app, "#import-preview")  # shown as typed, not styled


async def test_cancel_writes_nothing(store, now, paths):
    app = DialogApp(store, now)
    async with app.run_test(size=(100, 40)) as pilot:
        await type_path(pilot, str(FIXTURES / "vcard-3.vcf"))
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None] and store.contacts() == []


async def test_tab_from_the_path_reaches_preview_which_asks_for_a_path(store, now):
    app = DialogApp(store, now)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("tab")
        assert app.focused is app.screen.query_one("#import-do-preview", Button)
        await pilot.press("enter")
        assert "Type the path" in text_of(app, "#import-feedback")
    assert store.contacts() == []


async def test_dialog_stays_responsive_while_the_preview_is_made(store, now, monkeypatch):
    import threading

    from crm_tui.ui.dialogs import import_contacts

    release = threading.Event()
    real_prepare = import_contacts.prepare

    def slow_prepare(*args, **kwargs):  # a big file: the worker is still reading
        release.wait(10)
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(import_contacts, "prepare", slow_prepare)
    app = DialogApp(store, now)
    async with app.run_test(size=(100, 40)) as pilot:
        await type_path(pilot, str(FIXTURES / "linkedin-malformed.csv"))
        await pilot.press("enter")
        await pilot.pause()
        assert "Reading linkedin-malformed.csv" in text_of(app, "#import-feedback")
        assert app.screen.query_one("#import-preview-box").loading
        await pilot.press("ctrl+s")  # keys still work; nothing is imported half-read
        assert "Still reading" in text_of(app, "#import-feedback")
        # Another file typed meanwhile: the first file's preview must not show up.
        await type_path(pilot, str(FIXTURES / "vcard-3.vcf"))
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert text_of(app, "#import-preview") == ""
        assert app.screen.query_one("#import-do-confirm", Button).disabled
        assert not app.screen.query_one("#import-preview-box").loading
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None] and store.contacts() == []


async def test_confirm_previews_again_when_the_data_changed(store, now):
    from crm_tui.domain.models import Contact

    app = DialogApp(store, now)
    async with app.run_test(size=(100, 40)) as pilot:
        await type_path(pilot, str(FIXTURES / "linkedin-malformed.csv"))
        await show_preview(pilot)
        store.add_contact(Contact(name="Dana Okafor", emails=["dana.okafor@example.org"]))  # saved meanwhile
        await pilot.press("ctrl+s")  # not imported from the old plan: previewed again
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.results == [] and len(store.contacts()) == 1
        assert text_of(app, "#import-preview").startswith("would add 1, would update 1")
        await pilot.press("ctrl+s")
        await pilot.pause()
    (report,) = app.results
    assert report is not None and not report.dry_run
    assert sorted(c.name for c in store.contacts()) == ["Dana Okafor", "Nadia Qureshi (she/her)"]


async def test_new_contacts_get_the_tier_and_tags_chosen(store, now):
    """Issue 13: the dialog offers the CLI's --tier and --tag; LinkedIn defaults to dormant."""
    from textual.widgets import Input

    app = DialogApp(store, now)
    async with app.run_test(size=(100, 40)) as pilot:
        await type_path(pilot, str(FIXTURES / "linkedin-malformed.csv"))
        await show_preview(pilot)
        app.screen.query_one("#import-tier", Select).value = "casual"
        app.screen.query_one("#import-tags", Input).value = "conf-2024, Acme"
        await pilot.pause()
        assert app.screen.query_one("#import-do-confirm", Button).disabled  # preview again
        app.screen.query_one("#import-path").focus()
        await show_preview(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert {c.tier for c in store.contacts()} == {"casual"}
    assert all(c.tags[-2:] == ["conf-2024", "Acme"] for c in store.contacts())


async def test_linkedin_imports_are_dormant_unless_told(store, now):
    app = DialogApp(store, now)
    async with app.run_test(size=(100, 40)) as pilot:
        await type_path(pilot, str(FIXTURES / "linkedin-malformed.csv"))
        await show_preview(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert {c.tier for c in store.contacts()} == {"dormant"}
