"""Ask for a day to snooze until. Dismisses with an ISO date after today, or None."""

from __future__ import annotations

from collections.abc import Iterator

import arrow
from textual.widget import Widget
from textual.widgets import Input

from crm_tui.ui.widgets import checks
from crm_tui.ui.widgets.form import FormDialog


class SnoozeDateDialog(FormDialog[str]):
    save_label = "Snooze"

    def __init__(self, name: str, now: arrow.Arrow, default_days: int = 7) -> None:
        super().__init__()
        self.title_text = f"Snooze {name} until…"
        self.now = now
        self.default = now.shift(days=default_days).format("YYYY-MM-DD")

    def compose_fields(self) -> Iterator[Widget]:
        yield from self.field(
            "until", "Until", Input(self.default, compact=True), hint="YYYY-MM-DD, after today"
        )

    def on_mount(self) -> None:
        self.query_one("#until").focus()

    def problems(self) -> dict[str, str]:
        problem = checks.future_date(self.value("until"), self.now) or checks.required(
            self.value("until"), "The date"
        )
        return {"until": problem} if problem else {}

    def result(self) -> str:
        return self.value("until")
