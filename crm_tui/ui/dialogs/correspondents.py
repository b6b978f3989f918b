"""People who wrote to you and are not contacts: `a` adds one, `x` ignores one for good."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from crm_tui.domain.models import Contact
from crm_tui.services import correspondents as service
from crm_tui.ui.format import one_line


class CorrespondentsDialog(ModalScreen[None]):
    DEFAULT_CLASSES = "dialog"

    BINDINGS = [
        Binding("a", "add", "Add as contact", id="correspondents.add"),
        Binding("x", "ignore", "Ignore for good", id="correspondents.ignore"),
        Binding("escape", "close", "Close", id="correspondents.close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="correspondents-box", classes="dialog-box"):
            yield Static(Content.from_markup("[b]People who wrote to you[/b]"), classes="dialog-title")
            yield Static("", id="correspondents-empty", markup=False)
            yield DataTable(id="correspondents-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Name", "Email", "In", "Out", "Last")
        self.reload()
        table.focus()

    def reload(self) -> None:
        app = self.app
        people = service.ranked(app.store, app.env.settings)  # type: ignore[attr-defined]
        table = self.query_one(DataTable)
        table.clear()
        for p in people:
            # Names and addresses come from mail headers: plain text cells, never markup.
            table.add_row(Content(one_line(p.name) or "-"), Content(p.email), str(p.received),
                          str(p.sent), p.last[:10], key=p.email)
        self.query_one("#correspondents-empty", Static).update(
            "" if people else "Nobody yet: S syncs your mail and finds who writes to you.")

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(key.value) if key.value is not None else None

    def action_add(self) -> None:
        """The contact form, name and address filled in from their mail."""
        from crm_tui.ui.dialogs.contact_form import ContactForm

        address = self._selected()
        app = self.app
        if address is None or not app.can_write():  # type: ignore[attr-defined]
            return
        draft = service.as_contact(app.store, address, app.now)  # type: ignore[attr-defined]

        def saved(contact: Contact | None) -> None:
            if contact is None:
                return
            added = app.write(lambda: app.store.add_contact(contact))  # type: ignore[attr-defined]
            if added is not None:
                app.notify(f"Added {one_line(added.name)}. `crm-tui sync --rescan` brings in "
                           "your past mail with them.", markup=False)
                self.reload()

        app.push_screen(ContactForm(None, app.now, prefill=draft), saved)  # type: ignore[attr-defined]

    def action_ignore(self) -> None:
        address = self._selected()
        app = self.app
        if address is None or not app.can_write():  # type: ignore[attr-defined]
            return
        if app.write(lambda: service.ignore(app.store, address)) is not None:  # type: ignore[attr-defined]
            app.notify(f"{address} will not be listed again", markup=False)
            self.reload()

    def action_close(self) -> None:
        self.dismiss(None)
