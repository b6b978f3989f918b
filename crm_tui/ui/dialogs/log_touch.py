"""Log a touch (a message, call or meeting, either way). Dismisses with the
:class:`~crm_tui.services.actions.TouchEntry` to log (the caller writes it), or None."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import arrow
from textual import on
from textual.widget import Widget
from textual.widgets import Input, Select, Static, TextArea

from crm_tui.domain import dates, validate
from crm_tui.domain.models import CHANNELS, OUTCOMES, Contact, Suggestion, Thread
from crm_tui.domain.text import clean_multiline
from crm_tui.services.actions import TouchEntry
from crm_tui.ui import format as fmt
from crm_tui.ui.dialogs.form import FormDialog
from crm_tui.ui.widgets import checks

_NO_THREAD = "-"


class LogTouchDialog(FormDialog[TouchEntry]):
    save_label = "Log"

    def __init__(
        self,
        contact: Contact,
        threads: list[Thread],
        suggestions: list[Suggestion],
        now: arrow.Arrow,
    ) -> None:
        super().__init__()
        self.contact = contact
        self.threads = threads
        self.suggestions = suggestions
        self.now = now
        self.title_text = f"Log a touch with {fmt.one_line(contact.name)}"

    def compose_fields(self) -> Iterator[Widget]:
        yield from self.field(
            "direction", "Direction",
            Select([("out: I reached out", "out"), ("in: they replied / reached me", "in")],
                   value="out", allow_blank=False, compact=True),
        )
        yield from self.field(
            "channel", "Channel",
            Select([(c, c) for c in CHANNELS], value="email", allow_blank=False, compact=True),
        )
        yield from self.field(
            "when", "When", Input(self.now.format("YYYY-MM-DD HH:mm"), compact=True),
            hint="yesterday, fri, 3d ago, mar 2 or YYYY-MM-DD [HH:MM]; at most a day ahead",
            feedback=True,
        )
        options = [("keep in touch (no thread)", _NO_THREAD)] + [
            (f"{t.kind}: {fmt.one_line(t.role or t.label or t.id)}", t.id) for t in self.threads
        ]
        yield from self.field(
            "thread", "Thread",
            Select(options, value=_NO_THREAD, allow_blank=False, compact=True),
        )
        yield from self.field(
            "outcome", "Their reply",
            Select([(o, o) for o in OUTCOMES], prompt="(nothing asked)", compact=True),
            hint="for a reply: asked for something / rejected / paid an invoice",
        )
        yield from self.field("note", "Note", TextArea(soft_wrap=True))

    def on_mount(self) -> None:
        self.query_one("#direction").focus()
        self._read_back()

    @on(Input.Changed, "#when")
    def _read_back(self) -> None:
        """The day (and time) the typed text means, as the snooze form says it."""
        moment = checks.when(self.value("when"), self.now)
        said = f"{dates.spoken(moment.date())}, {moment.format('HH:mm')}" if isinstance(
            moment, arrow.Arrow) else ""
        self.query_one("#when-feedback", Static).update(said)

    def problems(self) -> dict[str, str]:
        found: dict[str, str | None] = {}
        moment = checks.when(self.value("when"), self.now)
        found["when"] = moment if isinstance(moment, str) else None
        outcome = self.value("outcome")
        if outcome and self.value("direction") != "in":
            found["outcome"] = "Only a reply (direction in) has an outcome."
        elif outcome == "paid":
            thread = next((t for t in self.threads if t.id == self.value("thread")), None)
            if thread is None or thread.kind != "invoice":
                found["outcome"] = "'paid' needs an invoice thread."
        return {name: problem for name, problem in found.items() if problem}

    def question(self) -> str | None:
        moment = checks.when(self.value("when"), self.now)
        return validate.touch_time_unusual(moment) if isinstance(moment, arrow.Arrow) else None

    def result(self) -> TouchEntry:
        moment = checks.when(self.value("when"), self.now)
        assert isinstance(moment, arrow.Arrow)
        thread_id = None if self.value("thread") == _NO_THREAD else self.value("thread")
        entry = TouchEntry(contact_id=self.contact.id, at=moment, direction=self.value("direction"),
                           channel=self.value("channel"),
                           note=clean_multiline(self.value("note"), 5000), thread_id=thread_id)
        if entry.direction == "in":
            return replace(entry, outcome=self.value("outcome") or None)
        step = next(
            (s.step for s in self.suggestions
             if s.thread_id == thread_id and s.status in ("due", "overdue", "upcoming")),
            None,
        )
        return replace(entry, step=step)
