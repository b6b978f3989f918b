"""Add a note to a contact. Dismisses with the cleaned note text, or None."""

from __future__ import annotations

from collections.abc import Iterator

from textual.widget import Widget
from textual.widgets import TextArea

from crm_tui.domain.models import Contact
from crm_tui.domain.text import clean_multiline
from crm_tui.ui import format as fmt
from crm_tui.ui.dialogs.form import FormDialog


class NoteDialog(FormDialog[str]):
    save_label = "Add note"

    def __init__(self, contact: Contact) -> None:
        super().__init__()
        self.title_text = f"Note about {fmt.one_line(contact.name)} (dated today)"

    def compose_fields(self) -> Iterator[Widget]:
        yield from self.field("note", "Note", TextArea(soft_wrap=True))

    def on_mount(self) -> None:
        self.query_one("#note").focus()

    def problems(self) -> dict[str, str]:
        return {} if clean_multiline(self.value("note")) else {"note": "The note is empty."}

    def result(self) -> str:
        return clean_multiline(self.value("note"), 5000)
