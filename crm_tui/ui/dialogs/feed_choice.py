"""Choose one of the feeds a page lists (autodiscovery found several)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.feeds.discover import Candidate, Discovery
from crm_tui.ui.format import inert


def _label(candidate: Candidate) -> Content:
    parts: list[str | tuple[str, str]] = [(inert(candidate.title) or "(untitled)", "bold")]
    if candidate.kind:
        parts += ["  ", (candidate.kind, "dim")]
    parts += ["\n  ", (inert(candidate.url), "dim")]
    return Content.assemble(*parts)


class FeedChoiceDialog(ModalScreen[str | None]):
    """Returns the chosen feed's URL, or None when cancelled."""

    DEFAULT_CLASSES = "dialog"

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="feed_choice.cancel")]

    def __init__(self, found: Discovery) -> None:
        super().__init__(id="feed-choice")
        self.found = found

    def compose(self) -> ComposeResult:
        count = len(self.found.candidates) + self.found.more
        with Vertical(classes="dialog-box"):
            yield Static(
                Content.from_markup("[b]This page lists $count feeds[/b]\n$page", count=str(count),
                                    page=inert(self.found.page)),
                classes="dialog-title",
            )
            yield OptionList(*(Option(_label(c), id=str(i)) for i, c in enumerate(self.found.candidates)),
                             id="feed-choice-list")
            more = f"… and {self.found.more} more, not listed" if self.found.more else ""
            yield Static(f"{more}\n⏎ subscribe · esc cancel".strip(), id="feed-choice-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#feed-choice-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        index = int(event.option.id or 0)
        self.dismiss(self.found.candidates[index].url)

    def action_cancel(self) -> None:
        self.dismiss(None)
