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
