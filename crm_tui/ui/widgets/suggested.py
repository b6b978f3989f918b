"""A contact's suggested articles as rows the keyboard moves through, like the timeline:
Enter (or s) shares the article under the cursor. The screen opens the share flow (the
composer with the article); this widget only says which article (a message up)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from crm_tui.domain.models import Article
from crm_tui.ui import format as fmt
from crm_tui.ui.widgets.columns import Col
from crm_tui.ui.widgets.row_table import RowTable

# The title takes the width; the date goes first when there is none to spare.
COLUMNS = (
    ("", Col("rank", 2, 2)),
    ("Title", Col("title", 40, 24, flex=True)),
    ("Published", Col("published", 10, 10, drop=0)),
)


class SuggestedArticles(RowTable):
    BINDINGS = [
        Binding("enter,s", "share", "Share article", id="suggested.share"),
    ]

    DEFAULT_CSS = """
    SuggestedArticles { height: auto; max-height: 8; }
    """

    @dataclass
    class Share(Message):
        article_id: str

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, show_header=False, **kwargs)

    def on_mount(self) -> None:
        for label, spec in COLUMNS:
            self.add_column(label, key=spec.key, width=spec.ideal)
        self.fit_columns([spec for _, spec in COLUMNS])

    def show(self, articles: list[Article]) -> None:
        """The articles, best first; the cursor stays on the same article when it is still
        suggested."""
        current = self.current_id()
        self.clear()
        for rank, article in enumerate(articles, start=1):
            title = Text(fmt.one_line(article.title), no_wrap=True, overflow="ellipsis")
            self.add_row(Text(f"{rank}.", style="dim"), title,
                         Text((article.published or "")[:10], style="dim"), key=article.id)
        keys = [a.id for a in articles]
        if current in keys:
            self.move_cursor(row=keys.index(current))

    def current_id(self) -> str | None:
        if not self.row_count:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def action_share(self) -> None:
        article_id = self.current_id()
        if article_id:
            self.post_message(self.Share(article_id))
