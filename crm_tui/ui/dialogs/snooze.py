"""Ask until when to snooze a contact: "+3d", "+1w", "+2m" or an ISO date, checked as typed."""

from __future__ import annotations

import re

import arrow
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label, Static

from crm_tui.domain import dates, validate
from crm_tui.ui.dialogs.base import CrmDialog
from crm_tui.ui.format import inert

SHORTCUTS = ("+3d", "+1w", "+2w", "+1m")


def parse_until(value: str, now: arrow.Arrow) -> tuple[str | None, str]:
    """``(ISO date, "")`` for a valid answer, else ``(None, why)``.

    Dates as people say them (``crm_tui.domain.dates``: tomorrow, fri, next week, +3d, 2w,
    mar 18, ISO); the date must be after today, since snoozing until today would change
    nothing.
    """
    text = value.strip()
    if not text:
        return None, f"Type {dates.EXAMPLES}"
    today = now.floor("day")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) and (problem := validate.iso_date(text)):
        return None, problem[0].upper() + problem[1:]  # "... February 2026 has 28 days."
    day = dates.resolve(text, today.date(), direction=1)
    if day is None:
        return None, f"Not understood: try {dates.EXAMPLES}"
    if day <= today.date():
        return None, "Pick a day after today"
    return day.isoformat(), ""


class SnoozeDialog(CrmDialog[str | None]):
    """Returns the ISO date to snooze until, or None when cancelled."""


    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="snooze.cancel"),
    ]

    def __init__(self, name: str, snooze_count: int, now: arrow.Arrow) -> None:
        super().__init__()
        self.contact_name = inert(name)
        self.snooze_count = snooze_count
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(id="snooze-box", classes="dialog-box"):
            yield Static(
                Content.from_markup("[b]Snooze $name until…[/b]", name=self.contact_name),
                classes="dialog-title",
            )
            times = "never snoozed before" if not self.snooze_count else (
                f"snoozed {self.snooze_count} time{'s' if self.snooze_count != 1 else ''} before"
            )
            yield Label(times, id="snooze-count", markup=False)
            yield Input(value="+1w", placeholder=dates.EXAMPLES, id="snooze-input")
            yield Static("", id="snooze-feedback", markup=False)
            with Horizontal(classes="snooze-shortcuts"):
                for shortcut in SHORTCUTS:
                    yield Button(shortcut, id=f"snooze-{shortcut[1:]}", classes="snooze-quick")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Snooze", variant="primary", id="snooze-ok")
                yield Button("Cancel", id="snooze-cancel")

    def on_mount(self) -> None:
        self._check(self.query_one("#snooze-input", Input).value)

    def _check(self, value: str) -> str | None:
        day, why = parse_until(value, self.now)
        feedback = self.query_one("#snooze-feedback", Static)
        if day:
            feedback.update(dates.spoken(arrow.get(day).date()))
            feedback.set_class(False, "-invalid")
        else:
            feedback.update(why)
            feedback.set_class(True, "-invalid")
        return day

    @on(Input.Changed, "#snooze-input")
    def _changed(self, event: Input.Changed) -> None:
        self._check(event.value)

    @on(Input.Submitted, "#snooze-input")
    @on(Button.Pressed, "#snooze-ok")
    def _submit(self) -> None:
        day = self._check(self.query_one("#snooze-input", Input).value)
        if day:
            self.dismiss(day)

    @on(Button.Pressed, ".snooze-quick")
    def _quick(self, event: Button.Pressed) -> None:
        self.query_one("#snooze-input", Input).value = str(event.button.label)
        self._submit()

    @on(Button.Pressed, "#snooze-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
