"""A line-API table of contacts: draws only the visible lines, so 50,000 rows cost the
same to paint as 50. Rows are precomputed ``ContactRow``s; the table shows them in the
order of a list of indices that sorting and filtering replace."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from crm_tui.ui.messages import ContactSelected
from crm_tui.ui.widgets.contact_rows import ContactRow

# (title, attribute, preferred width); the last column takes what is left.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("Name", "name", 22),
    ("Company / role", "company_role", 27),
    ("Last touch", "last", 13),
    ("Next step", "next_step", 30),
    ("Status", "status", 8),
    ("Tags", "tags", 0),
)
# Sorted by birthday, the last column shows the next birthday instead of the tags.
BIRTHDAY_COLUMNS = (*COLUMNS[:-1], ("Next birthday", "next_birthday", 0))
_GAP = 1


class ContactTable(ScrollView, can_focus=True):
    """Contacts, one per line, with a fixed header line and a row cursor."""

    class Painted(Message):
        """The first frame with rows is being drawn (slow work can wait for this)."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.page_down"),
        Binding("home", "first", "First", show=False, id="table.first"),
        Binding("end", "last", "Last", show=False, id="table.last"),
        Binding("enter", "select", "Open", id="table.open"),
    ]

    COMPONENT_CLASSES = {
        "contact-table--header",
        "contact-table--cursor",
        "contact-table--overdue",
        "contact-table--due",
        "contact-table--upcoming",
        "contact-table--waiting",
        "contact-table--closed",
    }

    DEFAULT_CSS = """
    ContactTable { height: 1fr; }
    ContactTable > .contact-table--header { text-style: bold; color: $text-accent; }
    ContactTable > .contact-table--cursor { background: $block-cursor-blurred-background; }
    ContactTable:focus > .contact-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
    }
    ContactTable > .contact-table--overdue { color: $text-error; }
    ContactTable > .contact-table--due { color: $text-warning; }
    ContactTable > .contact-table--upcoming { color: $foreground; }
    ContactTable > .contact-table--waiting { color: $text-muted; }
    ContactTable > .contact-table--closed { color: $text-disabled; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: Sequence[ContactRow] = ()
        self.order: list[int] = []
        self._widths: list[int] = []
        self._painted = False
        self.columns: tuple[tuple[str, str, int], ...] = COLUMNS

    # ------------------------------------------------------------------ data
    def show(self, rows: Sequence[ContactRow], order: list[int], keep: str | None = None) -> None:
        """Show ``rows`` in ``order``; keep the cursor on contact ``keep`` if still shown."""
        self.rows = rows
        self.order = order
        target = 0
        if keep is not None:
            for position, index in enumerate(order):
                if rows[index].id == keep:
                    target = position
                    break
        self.virtual_size = Size(self.size.width, len(order) + 1)
        self.cursor = target
        self.refresh()

    @property
    def highlighted_id(self) -> str | None:
        if 0 <= self.cursor < len(self.order):
            return self.rows[self.order[self.cursor]].id
        return None

    @property
    def row_count(self) -> int:
        return len(self.order)

    # ------------------------------------------------------------------ cursor
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.order) - 1))

    def watch_cursor(self, value: int) -> None:
        visible = max(1, self.size.height - 1)
        top = round(self.scroll_y)
        if value < top:
            self.scroll_to(y=value, animate=False, immediate=True)
        elif value >= top + visible:
            self.scroll_to(y=value - visible + 1, animate=False, immediate=True)
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        self.cursor += direction * max(1, self.size.height - 2)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.order) - 1

    def action_select(self) -> None:
        if self.highlighted_id is not None:
            self.post_message(ContactSelected(self.highlighted_id))

    async def _on_click(self, event: events.Click) -> None:
        if event.y < 1:
            return
        position = round(self.scroll_y) + event.y - 1
        if 0 <= position < len(self.order):
            if position == self.cursor and event.chain >= 2:
                self.action_select()
            self.cursor = position

    # ------------------------------------------------------------------ drawing
    def on_resize(self, event: events.Resize) -> None:
        self._widths = self._column_widths(event.size.width)
        self.virtual_size = Size(event.size.width, len(self.order) + 1)

    def _column_widths(self, width: int) -> list[int]:
        widths = [w for _, _, w in COLUMNS]
        fixed = sum(widths) + _GAP * (len(COLUMNS) - 1)
        rest = width - fixed
        if rest >= 10:
            widths[-1] = rest
        else:  # narrow terminal: squeeze company, then next step; tags get 10
            short = 10 - rest
            for i in (1, 3, 0):
                give = min(short, widths[i] - 10)
                widths[i] -= give
                short -= give
            widths[-1] = 10
        return widths

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if not self._widths:
            self._widths = self._column_widths(width)
        if y == 0:
            style = base + self.get_component_rich_style("contact-table--header", partial=True)
            return self._strip([title for title, _, _ in self.columns], style, width)
        position = round(self.scroll_y) + y - 1
        if position >= len(self.order):
            return Strip.blank(width, base)
        if not self._painted:
            self._painted = True
            self.post_message(self.Painted())
        row = self.rows[self.order[position]]
        style = base
        if row.status:
            style += self.get_component_rich_style(f"contact-table--{row.status}", partial=True)
        if position == self.cursor:
            style += self.get_component_rich_style("contact-table--cursor", partial=True)
        return self._strip([getattr(row, attr) for _, attr, _ in self.columns], style, width)

    def _strip(self, cells: list[str], style: Style, width: int) -> Strip:
        parts: list[str] = []
        for text, cell_width in zip(cells, self._widths, strict=False):
            if cell_len(text) > cell_width:
                text = set_cell_size(text, cell_width - 1) + "…" if cell_width > 1 else ""
            parts.append(set_cell_size(text, cell_width))
        line = (" " * _GAP).join(parts)
        return Strip([Segment(set_cell_size(line, width), style)], width)
