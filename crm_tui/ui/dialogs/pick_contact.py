"""Pick a contact by typing part of a name. Dismisses with the contact id, or None."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.domain.models import Contact
from crm_tui.ui.widgets.contact_rows import build_rows, filter_order, sort_order

_SHOWN = 30


class PickContactDialog(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="pick.cancel"),
        Binding("down", "to_list", "List", show=False, id="pick.list"),
    ]

    DEFAULT_CSS = """
    PickContactDialog { align: center middle; }
    PickContactDialog > Vertical {
        width: 70; height: auto; max-height: 80%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    PickContactDialog OptionList { height: auto; max-height: 20; }
    """

    def __init__(self, contacts: list[Contact], now: object, title: str = "Pick a contact") -> None:
        super().__init__()
        self.title_text = title
        self.rows = build_rows(contacts, {}, now)  # type: ignore[arg-type]
        self.order = sort_order(self.rows, "name")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text), classes="form-title")
            yield Input(placeholder="type a name, company or tag", id="pick-query")
            yield OptionList(id="pick-list")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        option_list = self.query_one(OptionList)
        option_list.clear_options()
        for index in filter_order(self.rows, self.order, query)[:_SHOWN]:
            row = self.rows[index]
            label = row.name + (f"  ({row.company_role})" if row.company_role else "")
            option_list.add_option(Option(Content(label), id=row.id))
        if option_list.option_count:
            option_list.highlighted = 0

    @on(Input.Changed, "#pick-query")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#pick-query")
    def _submitted(self) -> None:
        option_list = self.query_one(OptionList)
        if option_list.highlighted is not None:
            self.dismiss(option_list.get_option_at_index(option_list.highlighted).id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_to_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
