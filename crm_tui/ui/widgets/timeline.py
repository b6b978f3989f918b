"""A contact's touches, newest first, as rows the keyboard moves through: Enter edits the
touch under the cursor, Delete (or x) removes it after asking. The screen does the
writing; this widget only says which touch (messages up)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import arrow
from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from crm_tui.domain.models import Touch
from crm_tui.ui import format as fmt
from crm_tui.ui.widgets.columns import Col
from crm_tui.ui.widgets.row_table import RowTable

LIMIT = 200  # the newest touches shown; older ones stay in the store


# At 80x24 the note narrows first, then the date loses its "(3 weeks ago)": no sideways
# scrolling.
COLUMNS = (
    ("When", Col("when", 24, 10, shrink=1)),
    ("", Col("dir", 6, 6)),
    ("Channel", Col("channel", 9, 7, shrink=2)),
    ("What", Col("what", 40, 20, flex=True)),
)


class Timeline(RowTable):
    """(A RowTable: the movement keys of every list, and columns that fit the width.)"""

    BINDINGS = [
        Binding("enter", "edit_touch", "Edit touch", id="timeline.edit"),
        Binding("delete,x", "delete_touch", "Delete touch", id="timeline.delete"),
    ]

    DEFAULT_CSS = """
    Timeline { height: auto; max-height: 16; }
    """

    @dataclass
    class EditTouch(Message):
        touch_id: str

    @dataclass
    class DeleteTouch(Message):
        touch_id: str

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.older = 0

    def on_mount(self) -> None:
        for label, spec in COLUMNS:
            self.add_column(label, key=spec.key, width=spec.ideal)
        self.fit_columns([spec for _, spec in COLUMNS])

    def show(self, store: Any, touches: list[Touch], now: arrow.Arrow) -> None:
        """The touches (oldest first, as the store gives them), newest at the top; the
        cursor stays on the same touch, or on the row that took its place."""
        current = self.current_id()
        row = self.cursor_row
        self.clear()
        newest = list(reversed(touches))
        self.older = max(0, len(newest) - LIMIT)
        for t in newest[:LIMIT]:
            what = Text()
            if t.step:
                what.append(f"[{fmt.step_label(t.step)}] ", style="italic")
            if t.outcome:
                what.append(f"({t.outcome}) ", style="italic")
            what.append(fmt.one_line(t.note)[:120])
            if t.article_id:
                article = store.article(t.article_id)
                title = article.title if article else t.article_id
                what.append(f"  shared: {fmt.one_line(title)}", style="dim")
            what.no_wrap, what.overflow = True, "ellipsis"
            self.add_row(
                Text(fmt.when_label(t.at, now), style="dim", no_wrap=True, overflow="ellipsis"),
                "<- in" if t.direction == "in" else "-> out",
                Text(t.channel),
                what,
                key=t.id,
            )
        keys = [t.id for t in newest[:LIMIT]]
        if keys:
            index = keys.index(current) if current in keys else min(row, len(keys) - 1)
            self.move_cursor(row=max(index, 0))

    def plain(self) -> str:
        """The rows as plain text, one a line (for tests and copying)."""
        return "\n".join(
            "  ".join(cell.plain if isinstance(cell, Text) else str(cell) for cell in self.get_row_at(i))
            for i in range(self.row_count)
        )

    def current_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except Exception:  # an empty or changing table: nothing selected
            return None

    def action_edit_touch(self) -> None:
        touch_id = self.current_id()
        if touch_id:
            self.post_message(self.EditTouch(touch_id))

    def action_delete_touch(self) -> None:
        touch_id = self.current_id()
        if touch_id:
            self.post_message(self.DeleteTouch(touch_id))
