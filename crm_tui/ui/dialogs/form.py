"""The base of every form dialog: labelled one-line fields, inline validation, save/cancel.

A subclass lists its fields in ``compose_fields`` (with :meth:`field`), checks values in
``problems`` (field name -> message) and builds its result in ``result``. Errors show under
a field as soon as it is edited, and for every field when saving; nothing invalid is
returned (the dialog stays open), so nothing invalid reaches the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from crm_tui.ui.dialogs.base import CrmDialog

T = TypeVar("T")


class FormDialog(CrmDialog[T], Generic[T]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save"),
    ]


    title_text = "Form"
    save_label = "Save"

    def __init__(self) -> None:
        super().__init__()
        self._touched: set[str] = set()
        self._tried = False

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text), classes="form-title")
            with VerticalScroll():
                yield from self.compose_fields()
            with Horizontal(classes="form-buttons"):
                yield Button("Cancel", id="form-cancel")
                yield Button(f"{self.save_label} (ctrl+s)", variant="primary", id="form-save")

    def compose_fields(self) -> Iterator[Widget]:
        raise NotImplementedError

    def field(self, name: str, label: str, widget: Widget, hint: str = "") -> Iterator[Widget]:
        """One labelled row; ``widget.id`` becomes ``name``; its error shows below it."""
        widget.id = name
        with Horizontal(classes="form-row"):
            yield Label(label, classes="form-label")
            yield widget
        if hint:
            yield Static(Content(hint), classes="form-hint")
        error = Static("", classes="form-error", id=f"{name}-error", markup=False)
        error.display = False
        yield error

    # ------------------------------------------------------------------ values
    def value(self, name: str) -> Any:
        widget = self.query_one(f"#{name}")
        if isinstance(widget, Input):
            return widget.value.strip()
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else widget.value
        raise TypeError(f"no value for {widget!r}")

    def problems(self) -> dict[str, str]:
        """Field name -> what is wrong with it (empty when the form is valid)."""
        return {}

    def result(self) -> T:
        raise NotImplementedError

    def show_problems(self, everything: bool = False) -> dict[str, str]:
        found = self.problems()
        for error in self.query(".form-error").results(Static):
            name = (error.id or "").removesuffix("-error")
            message = found.get(name) if (everything or name in self._touched) else None
            error.update(message or "")
            error.display = bool(message)
        return found

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    def _edited(self, event: Any) -> None:
        widget = getattr(event, "input", None) or getattr(event, "select", None) or getattr(
            event, "text_area", None
        )
        if widget is not None and widget.id:
            self._touched.add(widget.id)
        self.show_problems(everything=self._tried)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#form-save")
    def action_save(self) -> None:
        self._tried = True
        found = self.show_problems(everything=True)
        if found:
            first = next(iter(found))
            self.query_one(f"#{first}").focus()
            self.notify(f"{len(found)} field(s) need attention", severity="warning")
            return
        self.dismiss(self.result())

    @on(Button.Pressed, "#form-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
