"""The base of every form dialog: labelled one-line fields, inline validation, save/cancel.

A subclass lists its fields in ``compose_fields`` (with :meth:`field`), checks values in
``problems`` (field name -> message) and builds its result in ``result``; ``question``
may ask to confirm an unusual value (a touch dated 1985) before saving. Escape on a form
with edits asks before throwing them away. Errors show under
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
        self._initial: dict[str, Any] | None = None  # the values as the form opened

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

    def field(self, name: str, label: str, widget: Widget, hint: str = "",
              classes: str = "", feedback: bool = False) -> Iterator[Widget]:
        """One labelled row; ``widget.id`` becomes ``name``; its error shows below it.
        ``classes`` go on the row, its hint and its error (to show or hide them together);
        with ``feedback``, a line under the row (``#NAME-feedback``) says what was understood."""
        widget.id = name
        with Horizontal(classes=f"form-row {classes}".strip()):
            yield Label(label, classes="form-label")
            yield widget
        if feedback:
            yield Static("", classes="form-feedback", id=f"{name}-feedback", markup=False)
        if hint:
            yield Static(Content(hint), classes=f"form-hint {classes}".strip())
        error = Static("", classes=f"form-error {classes}".strip(), id=f"{name}-error", markup=False)
        error.display = False
        yield error

    def on_mount(self) -> None:
        # (Subclasses' on_mount run too: Textual calls the handler of every class.)
        self.call_after_refresh(self._remember_initial)

    def _remember_initial(self) -> None:
        self._initial = self._values()

    def _values(self) -> dict[str, Any]:
        return {w.id: self.value(w.id) for w in self.query(".form-row > Input, .form-row > Select, "
                                                              ".form-row > TextArea") if w.id}

    def edited(self) -> bool:
        """Whether anything differs from what the form opened with."""
        return self._initial is not None and self._values() != self._initial

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

    def question(self) -> str | None:
        """A valid but unusual value to confirm before saving, or None."""
        return None

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
        question = self.question()
        if question is None:
            self.dismiss(self.result())
            return
        from crm_tui.ui.dialogs.confirm import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(self.result())

        self.app.push_screen(ConfirmDialog("Save this?", question, confirm="Save"), answered)

    @on(Button.Pressed, "#form-cancel")
    def action_cancel(self) -> None:
        self.dismiss_asking(self.edited(), "Discard your changes?",
                            "What you typed in this form will be lost.")
