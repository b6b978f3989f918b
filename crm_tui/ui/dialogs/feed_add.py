"""Subscribe to a feed: a blog's address, a feed URL or a local file path, checked as typed."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from crm_tui.feeds.discover import web_address
from crm_tui.feeds.links import feed_location
from crm_tui.ui.dialogs.base import CrmDialog


class PathDialog(CrmDialog[str | None]):
    """A one-field dialog whose value is checked by ``validate`` (raises ValueError with why).

    Returns the validated value, or None when cancelled.
    """


    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(
        self, title: str, placeholder: str, validate: Callable[[str], str], dialog_id: str
    ) -> None:
        super().__init__(id=dialog_id)
        self.heading = title
        self.placeholder = placeholder
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box path-dialog"):
            yield Label(self.heading, classes="dialog-title", markup=False)
            yield Input(placeholder=self.placeholder, id="path-input")
            yield Static("", id="path-feedback", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="path-ok")
                yield Button("Cancel", id="path-cancel")

    def _check(self, value: str, show_empty: bool) -> str | None:
        feedback = self.query_one("#path-feedback", Static)
        if not value.strip():
            feedback.update("Required" if show_empty else "")
            feedback.set_class(show_empty, "-invalid")
            return None
        try:
            result = self.validate(value)
        except ValueError as exc:
            feedback.update(str(exc))
            feedback.set_class(True, "-invalid")
            return None
        feedback.update(f"✓ {result}")
        feedback.set_class(False, "-invalid")
        return result

    @on(Input.Changed, "#path-input")
    def _changed(self, event: Input.Changed) -> None:
        self._check(event.value, show_empty=False)

    @on(Input.Submitted, "#path-input")
    @on(Button.Pressed, "#path-ok")
    def _submit(self) -> None:
        result = self._check(self.query_one("#path-input", Input).value, show_empty=True)
        if result is not None:
            self.dismiss(result)

    @on(Button.Pressed, "#path-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def feed_add_dialog(known_urls: set[str], title: str = "Add a feed: a blog's address, a feed URL or a local file") -> PathDialog:
    """Ask for a feed location; refuse what is not one or is already subscribed. A web
    address is returned as given (with https:// when it had no scheme): its feed is found
    after (``crm_tui.ui.follow``)."""

    def validate(value: str) -> str:
        web = web_address(value)
        location = web if web is not None else feed_location(value)
        if location in known_urls:
            raise ValueError("already subscribed")
        return location

    return PathDialog(
        title,
        "someone.example/blog  or  https://example.com/feed.xml  or  ~/feeds/news.xml",
        validate,
        "feed-add",
    )
