"""A small modal list of every tag (with counts) for the Contacts screen's tag filter."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from crm_tui.domain.models import Contact
from crm_tui.ui import format as fmt
from crm_tui.ui.dialogs.base import CrmDialog
from crm_tui.ui.widgets.contact_rows import all_tags

_ALL = "\x00all"


class TagPicker(CrmDialog[str | None]):
    """Dismisses with the chosen tag, "" for "all contacts", or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="tags.cancel")]


    def __init__(self, contacts: Iterable[Contact], current: str | None = None) -> None:
        super().__init__()
        self.tags = all_tags(contacts)
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option("All contacts (no tag filter)", id=_ALL)]
        options += [
            Option(Content(f"{fmt.one_line(tag)}  ({count})"), id=tag) for tag, count in self.tags
        ]
        with Vertical():
            yield Label("Show only contacts tagged…")
            yield OptionList(*options)

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        if self.current:
            for index, (tag, _) in enumerate(self.tags, start=1):
                if tag.casefold() == self.current.casefold():
                    option_list.highlighted = index
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        chosen = event.option.id
        self.dismiss("" if chosen == _ALL else chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
