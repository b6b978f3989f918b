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

from crm_tui.ui.dialogs.base import CrmDialog
from crm_tui.ui.format import inert

_RELATIVE = re.compile(r"^\+?\s*(\d{1,3})\s*([dwm])$", re.IGNORECASE)
SHORTCUTS = ("+3d", "+1w", "+2w", "+1m")


def parse_until(value: str, now: arrow.Arrow) -> tuple[str | None, str]:
    """``(ISO date, "")`` for a valid answer, else ``(None, why)``.

    Accepts ``+3d`` (days), ``+1w`` (weeks), ``+2m`` (months) or ``YYYY-MM-DD``; the date
    must be after today, since snoozing until today would change nothing.
    """
    text = value.strip()
    if not text:
        return None, "Type +3d, +1w, +1m or a date like 2026-03-09"
    today = now.floor("day")
    match = _RELATIVE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        if unit == "d":
            day = today.shift(days=amount)
        elif unit == "w":
            day = today.shift(weeks=amount)
        else:
            day = today.shift(months=amount)
    else:
        try:
            day = arrow.get(text, "YYYY-MM-DD", tzinfo=now.tzinfo)
        except (arrow.parser.ParserError, ValueError):
            return None, "Not understood: use +3d, +1w, +1m or YYYY-MM-DD"
    if day <= today:
        return None, "Pick a day after today"
    return day.format("YYYY-MM-DD"), ""


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
            yield Input(value="+1w", placeholder="+3d, +1w, +1m or YYYY-MM-DD", id="snooze-input")
            yield Static("", id="snooze-feedback", markup=False)
            with Horizontal(classes="dialog-buttons"):
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
            feedback.update(arrow.get(day).format("dddd D MMMM YYYY"))
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
