"""Open a thread with a contact: an interview, an application or an invoice.
Dismisses with a new Thread (not yet stored) or None."""

from __future__ import annotations

from collections.abc import Iterator

import arrow
from textual.widget import Widget
from textual.widgets import Input, Select, TextArea

from crm_tui.domain import validate
from crm_tui.domain.models import THREAD_KINDS, Contact, Thread
from crm_tui.domain.text import clean, clean_multiline
from crm_tui.ui import format as fmt
from crm_tui.ui.dialogs.form import FormDialog
from crm_tui.ui.widgets import checks

_KIND_HELP = {
    "interview": "when you were interviewed; thank-you and follow-ups come from the decision date",
    "application": "when you applied; one follow-up a week later",
    "invoice": "when you sent it; reminders after the payment term",
}


class ThreadForm(FormDialog[Thread]):
    save_label = "Open thread"

    def __init__(self, contact: Contact, now: arrow.Arrow) -> None:
        super().__init__()
        self.contact = contact
        self.now = now
        self.title_text = f"Open a thread with {fmt.one_line(contact.name)}"

    def compose_fields(self) -> Iterator[Widget]:
        yield from self.field(
            "kind", "Kind",
            Select([(k, k) for k in THREAD_KINDS], value="interview", allow_blank=False, compact=True),
        )
        yield from self.field(
            "at", "Started", Input(self.now.format("YYYY-MM-DD"), compact=True),
            hint="interviewed / applied / invoice sent on (YYYY-MM-DD)",
        )
        yield from self.field("role", "Role / label", Input(compact=True),
                              hint="the role (interview, application) or invoice label")
        yield from self.field("decision_by", "Decision by", Input(compact=True),
                              hint="interview: the date they promised a decision (optional)")
        yield from self.field("amount", "Amount", Input(compact=True), hint="invoice only")
        yield from self.field("terms", "Terms (days)", Input("30", compact=True), hint="invoice only")
        yield from self.field(
            "talking_points", "Talking points", TextArea(soft_wrap=True),
            hint="interview: what to bring up in the thank-you, one a line (the draft quotes these)",
        )
        yield from self.field("note", "Private note", TextArea(soft_wrap=True),
                              hint="for you only: never put in a message")

    def on_mount(self) -> None:
        self.query_one("#kind").focus()

    def problems(self) -> dict[str, str]:
        found: dict[str, str | None] = {
            "kind": None if self.value("kind") in THREAD_KINDS else "Pick a kind.",
            "at": checks.required(self.value("at"), "The start date") or checks.date(self.value("at")),
            "decision_by": checks.date(self.value("decision_by")),
            "terms": checks.days(self.value("terms"), 1, 365),
        }
        if not found["at"] and self.value("at") > self.now.format("YYYY-MM-DD"):
            found["at"] = "The start cannot be in the future."
        if not found["decision_by"] and not found["at"]:
            problem = validate.decision_date(self.value("decision_by"), self.value("at"))
            found["decision_by"] = problem and "The decision date comes on or after the start."
        return {name: problem for name, problem in found.items() if problem}

    def result(self) -> Thread:
        kind = self.value("kind")
        started = arrow.get(self.value("at"), tzinfo=self.now.tzinfo).replace(hour=10)
        label = clean(self.value("role"))
        return Thread(
            contact_id=self.contact.id,
            kind=kind,
            at=started.isoformat(),
            decision_by=self.value("decision_by") or None if kind == "interview" else None,
            role=label if kind != "invoice" else "",
            label=label if kind == "invoice" else "",
            amount=clean(self.value("amount")) if kind == "invoice" else "",
            terms=int(self.value("terms") or 30),
            note=clean_multiline(self.value("note"), 5000),
            talking_points=clean_multiline(self.value("talking_points"), 2000) if kind == "interview" else "",
        )
