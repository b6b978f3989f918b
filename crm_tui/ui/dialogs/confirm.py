"""A yes/no question (delete a contact, ...). Dismisses with True or False."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from crm_tui.ui.dialogs.base import CrmDialog


class ConfirmDialog(CrmDialog[bool]):
    BINDINGS = [
        Binding("escape,n", "answer(False)", "No", id="confirm.no"),
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
    ]


    def __init__(self, title: str, message: str, confirm: str = "OK") -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text), classes="confirm-title")
            yield Static(Content(self.message))
            with Horizontal():
                yield Button("Cancel (n)", id="no")
                yield Button(f"{self.confirm} (y)", variant="error", id="yes")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
