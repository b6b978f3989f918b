"""The Today list: a row table whose enter key reads "Compose" in the footer."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class TodayTable(DataTable[object]):
    """Enter selects the row (the screen composes); the binding shares the screen's id so
    rebinding ``today.compose`` in the config moves both."""

    BINDINGS = [Binding("enter", "select_cursor", "Compose", id="today.compose")]
