"""A row table with the movement keys of every list in the app (and of lazygit, k9s...):
j/k, g/G and Home/End (first/last), ctrl+d/ctrl+u (half a page), PageUp/PageDown.

Given column specs (:meth:`fit_columns`), its columns follow its width: at 80 columns the
less important ones narrow or leave (see :mod:`crm_tui.ui.widgets.columns`).
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding
from textual.widgets import DataTable

from crm_tui.ui.widgets.columns import Col, fit


class RowTable(DataTable[object]):
    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("home,g", "first_row", "First", show=False, id="list.first"),
        Binding("end,G", "last_row", "Last", show=False, id="list.last"),
        Binding("ctrl+d", "half_page(1)", "Half page down", show=False, id="list.half_down"),
        Binding("ctrl+u", "half_page(-1)", "Half page up", show=False, id="list.half_up"),
    ]

    _specs: Sequence[Col] = ()

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1))

    def action_half_page(self, direction: int) -> None:
        step = max(1, (self.scrollable_content_region.height - 1) // 2)
        row = max(0, min(self.row_count - 1, self.cursor_row + direction * step))
        self.move_cursor(row=row)

    # ------------------------------------------------------------------ widths
    def fit_columns(self, specs: Sequence[Col]) -> None:
        """Size the columns already added (by key) to the table's width, now and on resize."""
        self._specs = specs
        self._refit()

    def column_widths(self) -> dict[str, int]:
        return {str(key.value): column.width for key, column in self.columns.items()}

    def on_resize(self) -> None:
        self._refit()

    def _refit(self) -> None:
        if not self._specs or not self.size.width:
            return
        # The vertical scrollbar's room is kept whether it shows or not: rows added later
        # would otherwise push the last column under it.
        room = self.size.width - self.styles.scrollbar_size_vertical
        widths = fit(self._specs, room)
        changed = False
        for key, column in self.columns.items():
            width = widths.get(str(key.value))
            if width is not None and column.width != width:
                column.width = width
                column.auto_width = False
                changed = True
        if changed:
            # DataTable has no public way to resize a column: drop its cached lines and
            # have it measure its virtual size again (what add_column does).
            self._clear_caches()
            self._require_update_dimensions = True
            self.refresh()
