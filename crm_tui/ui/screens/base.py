"""What the list screens share: the app's store, settings and clock, and reloading."""

from __future__ import annotations

from typing import Any

import arrow
from textual import on
from textual.screen import Screen
from textual.widgets import DataTable

from crm_tui.ui.messages import DataChanged


class DataScreen(Screen[None]):
    """A screen over the app's data: reloads when shown again and when the data changes."""

    @property
    def store(self) -> Any:
        return self.app.store  # type: ignore[attr-defined]

    @property
    def settings(self) -> Any:
        return self.app.env.settings  # type: ignore[attr-defined]

    @property
    def now(self) -> arrow.Arrow:
        return self.app.now  # type: ignore[attr-defined,no-any-return]

    def reload(self) -> None:
        raise NotImplementedError

    def reload_on_change(self) -> bool:
        """Whether a DataChanged message should reload the screen now."""
        return True

    def on_screen_resume(self) -> None:
        self.reload()

    @on(DataChanged)
    def _data_changed(self) -> None:
        if self.reload_on_change():
            self.reload()


def cursor_key(table: DataTable[Any]) -> str | None:
    """The key of the row under the cursor, or None for an empty table."""
    if not table.row_count:
        return None
    try:
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
    except Exception:
        return None


def restore_cursor(table: DataTable[Any], keys: list[str], current: str | None) -> None:
    """After a reload, put the cursor back on ``current``, or as near its old row as fits."""
    index = keys.index(current) if current in keys else min(table.cursor_row, len(keys) - 1)
    table.move_cursor(row=max(index, 0))
