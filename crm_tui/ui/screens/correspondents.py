"""Who wrote to you: people who mailed you directly and are not contacts (found by sync).

`a` opens the contact form with their name and address filled in; `x` ignores one for good.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Header, Static

from crm_tui.domain.models import Contact
from crm_tui.services import correspondents as service
from crm_tui.ui.context import Change, writes
from crm_tui.ui.format import one_line
from crm_tui.ui.screens.base import CrmScreen, cursor_key, restore_cursor
from crm_tui.ui.widgets.footer import KeyFooter


class CorrespondentsScreen(CrmScreen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="correspondents.back"),
        Binding("a", "add", "Add as contact", id="correspondents.add"),
        Binding("x", "ignore", "Ignore for good", id="correspondents.ignore"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="correspondents-status", markup=False)
        yield DataTable(id="correspondents-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = "Who wrote to you"
        table = self.query_one(DataTable)
        for label, width in (("Name", 32), ("Email", 40), ("In", 4), ("Out", 4), ("Last", 10)):
            table.add_column(label, width=width)
        self.reload()
        self.query_one(DataTable).focus()

    def wants(self, change: Change) -> bool:
        return change.touches_table("contacts", "touches")

    def reload(self) -> None:
        people = service.ranked(self.store, self.settings)
        table = self.query_one(DataTable)
        current = cursor_key(table)
        table.clear()
        for p in people:
            # Names and addresses come from mail headers: plain text cells, never markup.
            table.add_row(Content(one_line(p.name) or "-"), Content(p.email), str(p.received),
                          str(p.sent), p.last[:10], key=p.email)
        restore_cursor(table, [p.email for p in people], current)
        self.query_one("#correspondents-status", Static).update(
            f"{len(people)} people wrote to you directly and are not contacts; a adds, x ignores"
            if people else "Nobody yet: S syncs your mail and finds who writes to you.")

    def action_back(self) -> None:
        self.dismiss()

    @writes
    def action_add(self) -> None:
        from crm_tui.ui.dialogs.contact_form import ContactForm

        address = cursor_key(self.query_one(DataTable))
        if address is None:
            return
        draft = service.as_contact(self.store, address, self.now)

        def saved(contact: Contact | None) -> None:
            if contact is None:
                return
            self.ctx.write(lambda: self.store.add_contact(contact),
                           f"Added {one_line(contact.name)}. `crm-tui sync --rescan` brings in "
                           "your past mail with them.", Change.of("contacts"))

        self.app.push_screen(ContactForm(None, self.now, prefill=draft), saved)

    @writes
    def action_ignore(self) -> None:
        address = cursor_key(self.query_one(DataTable))
        if address is None:
            return
        self.ctx.write(lambda: service.ignore(self.store, address),
                       f"{address} will not be listed again", Change.of("contacts"))
