"""The Articles list: a row table whose enter key reads "Read" in the footer."""

from __future__ import annotations

from textual.binding import Binding

from crm_tui.ui.widgets.row_table import RowTable


class ArticleTable(RowTable):
    """Enter selects the row (the screen opens the article); shares the screen's binding id
    so rebinding ``articles.read`` in the config moves both."""

    BINDINGS = [Binding("enter", "select_cursor", "Read", id="articles.read")]
