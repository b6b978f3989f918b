"""Log that someone replied: a plain reply, they asked for something, chose someone else, paid."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, RadioButton, RadioSet, Select, Static

from crm_tui.domain.models import CHANNELS, REPLY_ASKED, REPLY_PAID, REPLY_REJECTED
from crm_tui.domain.text import clean_multiline
from crm_tui.ui.dialogs.base import CrmDialog
from crm_tui.ui.format import inert

# (outcome, label, thread kinds it applies to; None = always)
OUTCOME_CHOICES: tuple[tuple[str | None, str, tuple[str, ...] | None], ...] = (
    (None, "They replied", None),
    (REPLY_ASKED, "They asked for something (references, samples, a call…)", None),
    (REPLY_REJECTED, "They chose someone else", ("interview", "application")),
    (REPLY_PAID, "They paid", ("invoice",)),
)


@dataclass
class ReplyAnswer:
    outcome: str | None
    note: str
    channel: str


class ReplyDialog(CrmDialog[ReplyAnswer | None]):
    """Returns what the reply was, or None when cancelled. Logs nothing itself."""


    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="reply.cancel"),
        Binding("ctrl+s", "save", "Log reply", id="reply.save"),
    ]

    def __init__(self, name: str, kind: str | None = None, channel: str = "email") -> None:
        super().__init__()
        self.contact_name = inert(name)
        self.kind = kind
        self.channel = channel if channel in CHANNELS else "email"
        self.choices = [c for c in OUTCOME_CHOICES if c[2] is None or (kind and kind in c[2])]

    def compose(self) -> ComposeResult:
        with Vertical(id="reply-box", classes="dialog-box"):
            yield Static(
                Content.from_markup("[b]$name replied[/b]", name=self.contact_name),
                classes="dialog-title",
            )
            with RadioSet(id="reply-outcome"):
                for index, (_, label, _) in enumerate(self.choices):
                    yield RadioButton(label, value=index == 0)
            yield Select(
                [(c, c) for c in CHANNELS], value=self.channel, allow_blank=False,
                id="reply-channel",
            )
            yield Input(placeholder="What did they say? (optional)", id="reply-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Log reply", variant="primary", id="reply-ok")
                yield Button("Cancel", id="reply-cancel")

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()

    @on(Input.Submitted, "#reply-note")
    @on(Button.Pressed, "#reply-ok")
    def action_save(self) -> None:
        index = self.query_one(RadioSet).pressed_index
        outcome = self.choices[max(index, 0)][0]
        channel = self.query_one("#reply-channel", Select).value
        note = clean_multiline(self.query_one("#reply-note", Input).value)
        self.dismiss(ReplyAnswer(outcome=outcome, note=note, channel=str(channel)))

    @on(Button.Pressed, "#reply-cancel")
    def action_cancel(self) -> None:
        self.dismiss_asking(bool(self.query_one("#reply-note", Input).value.strip()),
                            "Discard what you typed?", "The reply is not logged and the note is lost.")
