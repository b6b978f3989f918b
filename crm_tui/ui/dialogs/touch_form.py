"""Edit a logged touch: its date, direction, channel, thread and note. Dismisses with a
:class:`~crm_tui.services.touch_edits.TouchEdit` (what changed) or None."""

from __future__ import annotations

from collections.abc import Iterator

import arrow
from textual.widget import Widget
from textual.widgets import Input, Select, TextArea

from crm_tui.domain import validate
from crm_tui.domain.models import CHANNELS, Contact, Thread, Touch
from crm_tui.services.touch_edits import TouchEdit
from crm_tui.ui import format as fmt
from crm_tui.ui.dialogs.form import FormDialog
from crm_tui.ui.widgets import checks

_NO_THREAD = "-"


class TouchForm(FormDialog[TouchEdit]):
    save_label = "Save"

    def __init__(self, touch: Touch, contact: Contact, threads: list[Thread], now: arrow.Arrow) -> None:
        super().__init__()
        self.touch = touch
        self.threads = threads
        self.now = now
        self.title_text = f"Edit a touch with {fmt.one_line(contact.name)}"

    def compose_fields(self) -> Iterator[Widget]:
        t = self.touch
        when = arrow.get(t.at).to(self.now.tzinfo).format("YYYY-MM-DD HH:mm")
        yield from self.field("when", "When", Input(when, compact=True),
                              hint="YYYY-MM-DD or YYYY-MM-DD HH:MM, at most a day ahead")
        yield from self.field(
            "direction", "Direction",
            Select([("out: I reached out", "out"), ("in: they replied / reached me", "in")],
                   value=t.direction, allow_blank=False, compact=True),
        )
        channels = list(CHANNELS) if t.channel in CHANNELS else [*CHANNELS, t.channel]
        yield from self.field(
            "channel", "Channel",
            Select([(c, c) for c in channels], value=t.channel, allow_blank=False, compact=True),
        )
        options = [("no thread", _NO_THREAD)] + [
            (f"{th.kind}: {fmt.one_line(th.role or th.label or th.id)}"
             + (" (closed)" if th.status == "closed" else ""), th.id)
            for th in self.threads
        ]
        current = t.thread_id if any(th.id == t.thread_id for th in self.threads) else _NO_THREAD
        yield from self.field("thread", "Thread",
                              Select(options, value=current, allow_blank=False, compact=True))
        note = TextArea(t.note, soft_wrap=True)
        yield from self.field("note", "Note", note)

    def on_mount(self) -> None:
        self.query_one("#when").focus()

    def _moment(self) -> arrow.Arrow | str:
        return checks.when(self.value("when"), self.now)

    def problems(self) -> dict[str, str]:
        moment = self._moment()
        return {"when": moment} if isinstance(moment, str) else {}

    def question(self) -> str | None:
        moment = self._moment()
        return validate.touch_time_unusual(moment) if isinstance(moment, arrow.Arrow) else None

    def result(self) -> TouchEdit:
        t = self.touch
        moment = self._moment()
        assert isinstance(moment, arrow.Arrow)
        old = arrow.get(t.at).to(self.now.tzinfo)
        thread = self.value("thread")
        thread_id = "" if thread == _NO_THREAD else thread
        return TouchEdit(
            at=None if moment.format("YYYY-MM-DD HH:mm") == old.format("YYYY-MM-DD HH:mm") else moment,
            note=None if self.value("note") == t.note else self.value("note"),
            channel=None if self.value("channel") == t.channel else self.value("channel"),
            direction=None if self.value("direction") == t.direction else self.value("direction"),
            thread_id=None if (thread_id or None) == t.thread_id else thread_id,
        )
