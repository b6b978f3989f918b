"""The one base of every dialog: a modal screen with the ``dialog`` class.

Dialogs return data only (``dismiss(value)``); the screen that opened one writes through
the context. Their styles live in ``app.tcss`` (section "Dialogs"), none in the classes.
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

T = TypeVar("T")


class CrmDialog(ModalScreen[T]):
    DEFAULT_CLASSES = "dialog"
    # A short terminal (80x24) sets "-short": tall parts (the composer's body) shrink.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    def dismiss_asking(self, typed: bool, title: str, detail: str) -> None:
        """Close with nothing; if the user typed something, ask first (Escape must not
        throw away a message or a half-filled form without a word)."""
        if not typed:
            self.dismiss(None)
            return
        from crm_tui.ui.dialogs.confirm import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog(title, detail, confirm="Discard"), answered)
