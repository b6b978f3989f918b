"""The read-only banner: shown on top of a screen when the data cannot be written (a
read-only data folder, or another crm-tui kept the lock through the whole wait at start)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from crm_tui.ui.context import ctx_of
from crm_tui.ui.format import sentence


class ReadOnlyBanner(Static):
    """Yield it first in a screen's compose; it hides itself when the app can write."""

    DEFAULT_CSS = """
    ReadOnlyBanner {
        width: 1fr; height: auto; padding: 0 1;
        background: $error; color: $text; text-style: bold;
    }
    """

    def on_mount(self) -> None:
        self.show_reason()

    def show_reason(self) -> None:
        """Shown or hidden as the app can write now (again once a store opened late)."""
        reason = ctx_of(self).readonly_reason
        self.display = bool(reason)
        if reason:
            self.update(
                Content.from_markup(
                    "READ-ONLY: $reason. You can look around; changes are disabled.",
                    reason=sentence(reason),
                )
            )
