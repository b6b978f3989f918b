"""A row table with the movement keys of every list in the app (and of lazygit, k9s...):
j/k, g/G and Home/End (first/last), ctrl+d/ctrl+u (half a page), PageUp/PageDown."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class RowTable(DataTable[object]):
    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("home,g", "first_row", "First", show=False, id="list.first"),
        Binding("end,G", "last_row", "Last", show=False, id="list.last"),
        Binding("ctrl+d", "half_page(1)", "Half page down", show=False, id="list.half_down"),
        Binding("ctrl+u", "half_page(-1)", "Half page up", show=False, id="list.half_up"),
    ]

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1))

    def action_half_page(self, direction: int) -> None:
        step = max(1, (self.scrollable_content_region.height - 1) // 2)
        row = max(0, min(self.row_count - 1, self.cursor_row + direction * step))
        self.move_cursor(row=row)
