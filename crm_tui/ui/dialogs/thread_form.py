"""Open a thread with a contact: an interview, an application or an invoice.
Dismisses with a new Thread (not yet stored) or None.

The form has what `crm-tui thread open` has: the start's day and time, the role or the
invoice's label, the decision date, the other interviewers and the internal connection
(contacts by name), the amount and payment terms. Only the fields of the chosen kind are
shown; which field belongs to which kind, and the checks, are the domain's
(:mod:`crm_tui.domain.validate`), shared with the command line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import arrow
from textual import on
from textual.widget import Widget
from textual.widgets import Input, Select, TextArea

from crm_tui.domain import validate
from crm_tui.domain.models import THREAD_KINDS, Contact, Thread
from crm_tui.domain.text import clean, clean_multiline
from crm_tui.ui import format as fmt
from crm_tui.ui.dialogs.form import FormDialog
from crm_tui.ui.widgets import checks

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# Fields every kind has; the others are shown for their kind only.
_ROLE_KINDS = ("interview", "application")


def _kind_class(name: str) -> str:
    """The classes of a field's row: one per kind it is shown for."""
    kinds = (validate.THREAD_FIELD_KINDS.get(name),) if name in validate.THREAD_FIELD_KINDS else (
        _ROLE_KINDS if name == "role" else ())
    return " ".join(f"kind-{kind}" for kind in kinds if kind) or "kind-any"


class ThreadForm(FormDialog[Thread]):
    save_label = "Open thread"

    def __init__(self, contact: Contact, now: arrow.Arrow,
                 find: Callable[[str], list[Contact]], terms: int = 30) -> None:
        """``find`` looks contacts up by name (the store's ``find_contacts``): the other
        interviewers and the internal connection are contacts; ``terms`` is the default
        payment term (the config's)."""
        super().__init__()
        self.contact = contact
        self.now = now
        self.find = find
        self.terms = terms
        self.title_text = f"Open a thread with {fmt.one_line(contact.name)}"

    def compose_fields(self) -> Iterator[Widget]:
        def field(name: str, label: str, widget: Widget, hint: str = "") -> Iterator[Widget]:
            return self.field(name, label, widget, hint, classes=_kind_class(name))

        yield from field(
            "kind", "Kind",
            Select([(k, k) for k in THREAD_KINDS], value="interview", allow_blank=False, compact=True),
        )
        yield from field("at", "Started", Input(self.now.format("YYYY-MM-DD"), compact=True),
                         hint="interviewed / applied / invoice sent on (YYYY-MM-DD)")
        yield from field("time", "Time", Input("10:00", compact=True),
                         hint="when it started (HH:MM)")
        yield from field("role", "Role", Input(compact=True), hint="the role")
        yield from field("label", "Label", Input(compact=True), hint="the invoice's number or label")
        yield from field("decision_by", "Decision by", Input(compact=True),
                         hint="the date they promised a decision (optional, YYYY-MM-DD)")
        yield from field("interviewers", "Interviewers", Input(compact=True),
                         hint="others on the panel: contacts' names, comma separated")
        yield from field("via", "Via", Input(compact=True),
                         hint="an internal connection at the company: a contact's name")
        yield from field("amount", "Amount", Input(compact=True), hint="as text, e.g. 1,200 EUR")
        yield from field("terms", "Terms (days)", Input(str(self.terms), compact=True),
                         hint="the payment term")
        yield from field(
            "talking_points", "Talking points", TextArea(soft_wrap=True),
            hint="what to bring up in the thank-you, one a line (the draft quotes these)",
        )
        yield from field("note", "Private note", TextArea(soft_wrap=True),
                         hint="for you only: never put in a message")

    def on_mount(self) -> None:
        self._show_kind(self.value("kind"))
        self.query_one("#kind").focus()

    @on(Select.Changed, "#kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        self._show_kind(str(event.value))

    def _show_kind(self, kind: str) -> None:
        for widget in self.query(".form-row, .form-hint"):
            if not widget.has_class("kind-any"):
                widget.display = widget.has_class(f"kind-{kind}")
        self.show_problems(everything=self._tried)

    # ------------------------------------------------------------------ values
    def people(self, name: str) -> tuple[list[Contact], str | None]:
        """The contacts a field names (comma separated), or what is wrong with a name."""
        found: list[Contact] = []
        for query in (q.strip() for q in self.value(name).split(",")):
            if not query:
                continue
            matches = self.find(query)
            if not matches:
                return [], f"No contact is called {query!r}."
            if len(matches) > 1:
                names = ", ".join(fmt.one_line(c.name) for c in matches[:3])
                return [], f"{query!r} could be {len(matches)} contacts ({names}…): type more of the name."
            if matches[0] not in found:
                found.append(matches[0])
        return found, None

    def _start(self) -> arrow.Arrow:
        hour, minute = (int(part) for part in self.value("time").split(":"))
        return arrow.get(self.value("at"), tzinfo=self.now.tzinfo).replace(hour=hour, minute=minute)

    def problems(self) -> dict[str, str]:
        kind = self.value("kind")
        low, high = validate.INVOICE_TERMS
        found: dict[str, str | None] = {
            "kind": None if kind in THREAD_KINDS else "Pick a kind.",
            "at": checks.required(self.value("at"), "The start date") or checks.date(self.value("at")),
            "time": None if _TIME.match(self.value("time")) else "A time like 10:00 or 14:30.",
            "decision_by": checks.date(self.value("decision_by")),
            "terms": checks.days(self.value("terms"), low, high),
            "interviewers": self.people("interviewers")[1],
            "via": self.people("via")[1],
        }
        if not found["at"] and self.value("at") > self.now.format("YYYY-MM-DD"):
            found["at"] = "The start cannot be in the future."
        if not found["decision_by"] and not found["at"]:
            problem = validate.decision_date(self.value("decision_by"), self.value("at"))
            found["decision_by"] = problem and "The decision date comes on or after the start."
        via = self.people("via")[0]
        if len(via) > 1:
            found["via"] = "One connection: a single contact's name."
        elif via and (problem := validate.thread_via(via[0].id, self.contact.id)):
            found["via"] = problem[0].upper() + problem[1:]
        # A field of another kind is hidden and left out of the thread: never a problem.
        return {name: problem for name, problem in found.items()
                if problem and not validate.thread_field_kind(name, kind)}

    def result(self) -> Thread:
        kind = self.value("kind")

        def given(name: str) -> bool:  # a field of this kind (the others are hidden)
            return not validate.thread_field_kind(name, kind)

        via = self.people("via")[0]
        return Thread(
            contact_id=self.contact.id,
            kind=kind,
            at=self._start().isoformat(),
            decision_by=(self.value("decision_by") or None) if given("decision_by") else None,
            interviewers=[c.id for c in self.people("interviewers")[0] if c.id != self.contact.id]
            if given("interviewers") else [],
            via=via[0].id if via and given("via") else None,
            role=clean(self.value("role"), 200) if kind in _ROLE_KINDS else "",
            label=clean(self.value("label"), 200) if given("label") else "",
            amount=clean(self.value("amount"), 100) if given("amount") else "",
            terms=int(self.value("terms") or self.terms) if given("terms") else self.terms,
            note=clean_multiline(self.value("note"), 5000),
            talking_points=clean_multiline(self.value("talking_points"), 2000)
            if given("talking_points") else "",
        )
