"""Rename a feed: its title as the lists show it. Dismisses with the cleaned title, or None."""

from __future__ import annotations

from collections.abc import Iterator

from textual.widget import Widget
from textual.widgets import Input

from crm_tui.domain.models import Feed
from crm_tui.domain.text import clean
from crm_tui.ui import format as fmt
from crm_tui.ui.dialogs.form import FormDialog

TITLE_LIMIT = 300  # as `crm-tui feeds rename`


class FeedRenameDialog(FormDialog[str]):
    save_label = "Rename"

    def __init__(self, feed: Feed) -> None:
        super().__init__()
        self.feed = feed
        self.title_text = f"Rename {fmt.one_line(feed.title or feed.url)}"

    def compose_fields(self) -> Iterator[Widget]:
        yield from self.field("title", "Title", Input(self.feed.title, compact=True),
                              hint="what the Feeds and Articles screens call it")

    def on_mount(self) -> None:
        self.query_one("#title").focus()

    def problems(self) -> dict[str, str]:
        return {} if clean(self.value("title"), TITLE_LIMIT) else {"title": "A title cannot be empty."}

    def result(self) -> str:
        return clean(self.value("title"), TITLE_LIMIT)
