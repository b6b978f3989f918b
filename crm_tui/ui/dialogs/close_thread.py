"""Close a thread from the TUI ("I got the offer", "paid"...). Dismisses with
(thread id, reason) or None."""

from __future__ import annotations

from collections.abc import Iterator

from textual.widget import Widget
from textual.widgets import Input, Select

from crm_tui.domain.models import Contact, Thread
from crm_tui.domain.text import clean
from crm_tui.ui import format as fmt
from crm_tui.ui.dialogs.form import FormDialog

# Why a thread ends, by kind; the last choice lets the user type their own.
REASONS = {
    "interview": ("got the offer", "they chose someone else", "I withdrew", "moved on"),
    "application": ("got the job", "they chose someone else", "I withdrew", "moved on"),
    "invoice": ("paid", "written off", "moved on"),
}
_OTHER = "other"


class CloseThreadForm(FormDialog[tuple[str, str]]):
    save_label = "Close thread"

    def __init__(self, contact: Contact, threads: list[Thread]) -> None:
        super().__init__()
        self.threads = threads
        self.title_text = f"Close a thread with {fmt.one_line(contact.name)}"

    def compose_fields(self) -> Iterator[Widget]:
        options = [(f"{t.kind}: {fmt.one_line(t.role or t.label or t.id)} (since {t.at[:10]})", t.id)
                   for t in self.threads]
        yield from self.field("thread", "Thread",
                              Select(options, value=options[0][1], allow_blank=False, compact=True))
        yield from self.field("reason", "Why", Select(self._reasons(self.threads[0]),
                                                      allow_blank=False, compact=True))
        yield from self.field("other", "Other reason", Input(compact=True),
                              hint="when none of the above fits")

    def _reasons(self, thread: Thread) -> list[tuple[str, str]]:
        return [(r, r) for r in REASONS.get(thread.kind, ("moved on",))] + [("other…", _OTHER)]

    def on_mount(self) -> None:
        self.query_one("#thread").focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "thread":
            thread = next((t for t in self.threads if t.id == event.value), None)
            if thread is not None:
                self.query_one("#reason", Select).set_options(self._reasons(thread))

    def problems(self) -> dict[str, str]:
        if self.value("reason") == _OTHER and not self.value("other"):
            return {"other": "Say why, or pick a reason above."}
        return {}

    def result(self) -> tuple[str, str]:
        reason = self.value("reason")
        if reason == _OTHER or reason is None:
            reason = clean(self.value("other"), 200)
        return self.value("thread"), reason
