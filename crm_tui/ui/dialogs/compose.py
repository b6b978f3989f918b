"""The message composer: a ready, editable message for a step, then copy / mail / mark sent.

Opened from a due step (Today), from a contact, or from "share article". The dialog writes
nothing: **mark sent** dismisses with a :class:`SentMessage` that the opener logs (see
``CrmScreen.compose_message``); cancel dismisses with None. What gets copied, mailed or
logged is the text as edited in the dialog, never the template.

Keys (ids for ``[keys]`` in config.toml): ctrl+n next variant (``compose.next_variant``),
ctrl+l change channel (``compose.channel``), ctrl+c copy (``compose.copy``), ctrl+o open in
the mail client (``compose.mail``, only when the contact has an email), ctrl+s mark sent
(``compose.sent``), escape cancel (``compose.cancel``). Cycling variants or channels
shows the next template; what you typed into one is kept and comes back when you cycle
back to it (until the dialog closes).
"""

from __future__ import annotations

import webbrowser
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import arrow
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Select, Static, TextArea

from crm_tui.config import Settings
from crm_tui.domain import drafts, template_library
from crm_tui.domain.models import CHANNELS, Article, Contact, Suggestion
from crm_tui.domain.text import clean, clean_multiline
from crm_tui.services import drafting
from crm_tui.store.repository import Store
from crm_tui.ui.dialogs.base import CrmDialog
from crm_tui.ui.format import inert
from crm_tui.ui.widgets.footer import KeyFooter

STEP_LABELS = {
    "thank-you": "thank-you note", "follow-up-1": "first follow-up",
    "follow-up-2": "second follow-up", "final-call": "final call",
    "move-on": "closing note (move on)", "application-follow-up": "application follow-up",
    "ask-connection": "ask your connection", "payment-reminder": "payment reminder",
    "keep-in-touch": "keep in touch", "rekindle": "rekindle", "reply-requested": "what they asked for",
    "reply-received": "an answer to their mail",
    "graceful-close": "graceful close", "congratulate": "congratulations",
    "share-article": "share an article", "birthday": "birthday wishes",
    "their-post": "reply to their post",
}


@dataclass(frozen=True)
class SentMessage:
    """What **mark sent** hands back: the step it fulfils and the message as edited."""

    suggestion: Suggestion
    recipient_id: str
    channel: str
    note: str  # the whole message as logged (subject line included for email)
    article_id: str | None
    subject: str
    body: str
    variant: int


class ComposeDialog(CrmDialog[SentMessage | None]):
    """Dismisses with a :class:`SentMessage` after **mark sent**, or None (nothing to log).

    ``restore`` (a SentMessage whose logging failed) opens it again with that text."""


    # Priority: the body's TextArea would otherwise take these keys. ctrl+c copies the
    # text selected in the body or subject if there is some (as it would there), else the
    # whole message; ctrl+y is left to the TextArea (redo).
    BINDINGS = [
        Binding("ctrl+n", "next_variant", "Next variant", id="compose.next_variant", priority=True),
        Binding("ctrl+l", "next_channel", "Channel", id="compose.channel", priority=True),
        Binding("ctrl+c", "copy", "Copy", id="compose.copy", priority=True),
        Binding("ctrl+t", "copy_subject", "Copy the subject", show=False,
                id="compose.copy_subject", priority=True),
        Binding("ctrl+o", "mail", "Open in mail", id="compose.mail", priority=True),
        Binding("ctrl+s", "sent", "Mark sent", id="compose.sent", priority=True),
        Binding("escape", "cancel", "Cancel", id="compose.cancel"),
    ]

    def __init__(self, store: Store, settings: Settings, now: arrow.Arrow, contact: Contact,
                 suggestion: Suggestion | None = None, article: Article | None = None,
                 library: template_library.Library | None = None,
                 templates_file: Path | None = None, restore: SentMessage | None = None) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.now = now
        self.article = article
        self.library = library
        self.templates_file = templates_file
        self.problems: list[str] = []
        self.plan = drafting.plan(store, settings, now, contact, suggestion, article=article)
        self.channel = self.plan.channel
        self.variant = 0
        self.draft: drafts.Draft | None = None
        # (channel, variant) -> (subject, body) as edited, so cycling never loses typing.
        self.edits: dict[tuple[str, int], tuple[str, str]] = {}
        if restore is not None:
            self.channel, self.variant = restore.channel, restore.variant
            self.edits[(restore.channel, restore.variant)] = (restore.subject, restore.body)

    # ------------------------------------------------------------------ building
    @property
    def recipient(self) -> Contact:
        return self.plan.recipient

    def _library(self) -> template_library.Library:
        if self.library is None:
            self.library, self.problems = template_library.load_library(self.templates_file)
        return self.library

    def _make_draft(self) -> drafts.Draft:
        ctx = drafting.context_for(self.store, self.settings, self.now, self.plan, self.article,
                                   self.channel)
        return drafts.draft(ctx, self.variant, self._library())

    def compose(self) -> ComposeResult:
        self.draft = self._make_draft()
        step = STEP_LABELS.get(self.plan.step, self.plan.step)
        with Vertical(id="compose-box", classes="dialog-box"):
            yield Static(
                Content.from_markup("[b]To $name[/b] — $step", name=inert(self.recipient.name),
                                    step=step),
                classes="dialog-title", id="compose-title",
            )
            yield Static(id="compose-warnings")
            yield Static(id="compose-problems")
            yield Static(id="compose-hint")
            # Asked once, when no [me] name is set: without it messages end on a bare
            # "Best regards,".
            yield Input(placeholder="Your name, to sign your messages (Enter saves it)",
                        id="compose-me")
            with Horizontal(id="compose-meta"):
                yield Select([(c, c) for c in CHANNELS], value=self.channel, allow_blank=False,
                             id="compose-channel")
                yield Static(id="compose-variant")
                yield Static(id="compose-words")
            yield Input(placeholder="Subject", id="compose-subject")
            yield TextArea(id="compose-body", soft_wrap=True, tab_behavior="focus")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Copy", id="compose-copy")
                yield Button("Open in mail", id="compose-mail")
                yield Button("Mark sent", variant="primary", id="compose-sent")
                yield Button("Cancel", id="compose-cancel")
        yield KeyFooter()  # the dialog's keys, with their descriptions

    def on_mount(self) -> None:
        self.query_one("#compose-mail", Button).display = bool(self.recipient.email)
        self.query_one("#compose-me", Input).display = not self.settings.me.name.strip()
        self._show_static()
        self._load(self.draft or self._make_draft())
        self.query_one("#compose-body", TextArea).focus()

    def _show_static(self) -> None:
        problems = self.query_one("#compose-problems", Static)
        problems.update(Content("\n".join(inert(p) for p in self.problems)))
        problems.display = bool(self.problems)

    def _load(self, d: drafts.Draft) -> None:
        """Put a fresh draft in the widgets (replacing any edits)."""
        self.draft = d
        warnings = self.query_one("#compose-warnings", Static)
        warnings.update(Content("\n".join(f"⚠ {inert(w)}" for w in d.warnings)))
        warnings.display = bool(d.warnings)
        hint = self.query_one("#compose-hint", Static)
        hint.update(Content(d.hint))
        hint.display = bool(d.hint)
        subject = self.query_one("#compose-subject", Input)
        subject.display = self.channel in ("email", "other")
        subject.value, body = self.edits.get((self.channel, d.variant), (d.subject, d.body))
        self.query_one("#compose-body", TextArea).load_text(body)
        label = f"variant {d.variant + 1} of {d.variants}" if d.variants else "no template"
        self.query_one("#compose-variant", Static).update(Content(label))
        self._count()

    def _count(self) -> None:
        words = drafts.word_count(self.body_text)
        widget = self.query_one("#compose-words", Static)
        over = words > drafts.WORD_LIMIT
        text = f"{words} words" + (f" — over {drafts.WORD_LIMIT}, shorter gets more replies" if over else "")
        widget.update(Content(text))
        widget.set_class(over, "over-limit")

    # ------------------------------------------------------------------ the edited text
    @property
    def body_text(self) -> str:
        return self.query_one("#compose-body", TextArea).text

    @property
    def subject_text(self) -> str:
        subject = self.query_one("#compose-subject", Input)
        return subject.value if subject.display else ""

    def edited(self) -> drafts.Draft:
        """The draft as the user edited it: this is what is copied, mailed and logged."""
        assert self.draft is not None
        return drafts.with_text(self.draft, self.subject_text.strip(), self.body_text.strip())

    @on(TextArea.Changed, "#compose-body")
    def _body_changed(self) -> None:
        self._count()

    @on(Input.Submitted, "#compose-me")
    def _name_given(self, event: Input.Submitted) -> None:
        name = clean(event.value, 200)
        if not name:
            return
        self.settings.me.name = name
        if self.templates_file is not None:  # config.toml lives beside templates.toml
            from crm_tui import config

            try:
                config.save(self.settings, self.templates_file.with_name("config.toml"))
            except OSError as exc:
                self.notify(f"Could not save your name: {exc}", severity="warning")
        event.input.display = False
        self._keep_edits()
        self.edits.pop((self.channel, self.draft.variant if self.draft else 0), None)
        self._load(self._make_draft())
        self.query_one("#compose-body", TextArea).focus()
        self.notify(f"Messages are now signed {name} (config.toml, [me] name).", markup=False)

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "mail":
            return bool(self.recipient.email)
        return True

    def _keep_edits(self) -> None:
        """Remember the text of the variant being left, if the user changed it."""
        if self.draft is None:
            return
        subject = self.query_one("#compose-subject", Input).value
        typed = (subject, self.body_text)
        key = (self.channel, self.draft.variant)
        if typed != (self.draft.subject, self.draft.body):
            self.edits[key] = typed
        else:
            self.edits.pop(key, None)

    def action_next_variant(self) -> None:
        assert self.draft is not None
        if self.draft.variants <= 1:
            self.notify("This is the only variant for this step and channel.")
            return
        self._keep_edits()
        self.variant = (self.draft.variant + 1) % self.draft.variants
        self._load(self._make_draft())

    @on(Select.Changed, "#compose-channel")
    def _channel_changed(self, event: Select.Changed) -> None:
        value = str(event.value)
        if value != self.channel and value in CHANNELS:
            self._keep_edits()
            self.channel = value
            self.variant = 0
            self._load(self._make_draft())

    def action_next_channel(self) -> None:
        index = CHANNELS.index(self.channel) if self.channel in CHANNELS else -1
        self.query_one("#compose-channel", Select).value = CHANNELS[(index + 1) % len(CHANNELS)]

    @on(Button.Pressed, "#compose-copy")
    def action_copy(self) -> None:
        focused = self.focused
        selected = getattr(focused, "selected_text", "") if isinstance(focused, (Input, TextArea)) else ""
        if selected:
            self.app.copy_to_clipboard(selected)
            self.notify("Copied the selected text.")
            return
        # The body only: pasted into a chat or a mail client's body, a "Subject:" line
        # would be part of the message. The subject has its own key.
        draft = self.edited()
        self.app.copy_to_clipboard(draft.body)
        also = " (the subject: ctrl+t)" if draft.subject else ""
        self.notify(f"Copied the message{also}. Mark it sent once it is on its way.")

    def action_copy_subject(self) -> None:
        subject = self.edited().subject
        if not subject:
            self.notify("This message has no subject", severity="warning")
            return
        self.app.copy_to_clipboard(subject)
        self.notify("Copied the subject.")

    @on(Button.Pressed, "#compose-mail")
    def action_mail(self) -> None:
        if not self.recipient.email:
            self.notify(f"{inert(self.recipient.name)} has no email address.", severity="warning")
            return
        d = self.edited()
        if open_mail(self.app, drafts.mailto_url(self.recipient.email, d.subject, d.body)):
            self.notify("Opened in your mail client. Mark it sent once it is on its way.")
        else:
            self.notify("Nothing here could open a mail client: copy the message (ctrl+c) "
                        "and paste it into your mail instead.", severity="warning", timeout=8)

    @on(Button.Pressed, "#compose-sent")
    def action_sent(self) -> None:
        d = self.edited()
        self.dismiss(SentMessage(
            suggestion=self.plan.suggestion or self._suggestion(),
            recipient_id=self.recipient.id,
            channel=d.channel,
            note=clean_multiline(drafts.as_text(d), 5000),
            article_id=self.article.id if self.article is not None else None,
            subject=self.subject_text,
            body=self.body_text,
            variant=d.variant,
        ))

    def _suggestion(self) -> Suggestion:
        """The step being fulfilled when the engine had none (e.g. an ad-hoc share)."""
        p = self.plan
        return Suggestion(
            contact_id=self.recipient.id, contact=clean(self.recipient.name), step=p.step,
            status="due", due=self.now.date().isoformat(), reason="composed by hand",
            kind=p.thread.kind if p.thread else "keep-in-touch",
            thread_id=p.thread.id if p.thread else None, channel=self.channel,
            recipient_id=self.recipient.id,
        )

    @on(Button.Pressed, "#compose-cancel")
    def action_cancel(self) -> None:
        self._keep_edits()
        self.dismiss_asking(bool(self.edits), "Discard your message?", "What you typed will be lost.")


def open_mail(app: Any, url: str) -> bool:
    """Hand a mailto: link to the desktop; False when nothing could take it (no browser or
    mail client registered, a bare server over ssh)."""
    if app.is_web:  # served in a browser: the browser opens it
        app.open_url(url)
        return True
    try:
        return bool(webbrowser.open(url))
    except webbrowser.Error:
        return False

