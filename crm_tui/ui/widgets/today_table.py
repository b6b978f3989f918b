"""The Today list: a row table whose enter key reads "Compose" in the footer."""

from __future__ import annotations

from textual.binding import Binding

from crm_tui.ui.widgets.row_table import RowTable


class TodayTable(RowTable):
    """Enter selects the row (the screen composes); the binding shares the screen's id so
    rebinding ``today.compose`` in the config moves both."""

    BINDINGS = [Binding("enter", "select_cursor", "Compose", id="today.compose")]
