"""CrmApp: screens, bindings, commands. No domain logic lives here."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header


class CrmApp(App[None]):
    """Placeholder until the TUI issue lands: a table of contacts."""

    TITLE = "crm-tui"

    def __init__(self, env: Any, store: Any, readonly_reason: str | None = None) -> None:
        super().__init__()
        self.env = env
        self.store = store
        self.readonly_reason = readonly_reason

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Name", "Company")
        for c in self.store.contacts():
            table.add_row(c.name, c.company, key=c.id)
