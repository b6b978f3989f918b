"""Add or edit a contact. Dismisses with a Contact (a copy, for edits) or None."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import arrow
from textual.widget import Widget
from textual.widgets import Input, Select, TextArea

from crm_tui.domain.models import TIERS, Contact
from crm_tui.domain.text import clean, clean_list, clean_multiline
from crm_tui.ui import format as fmt
from crm_tui.ui.dialogs.form import FormDialog
from crm_tui.ui.widgets import checks


def _split(value: str) -> list[str]:
    return clean_list(part for part in value.split(","))


def _addresses(value: str) -> list[str]:
    """Addresses typed comma (or space) separated; case-insensitive duplicates dropped."""
    found: list[str] = []
    for part in value.replace(";", ",").replace(" ", ",").split(","):
        part = clean(part, 254)
        if part and part.casefold() not in {a.casefold() for a in found}:
            found.append(part)
    return found


class ContactForm(FormDialog[Contact]):
    def __init__(self, contact: Contact | None, now: arrow.Arrow, prefill: Contact | None = None) -> None:
        super().__init__()
        self.original = contact
        self.prefill = prefill  # a new contact's fields filled in (e.g. from a correspondent)
        self.now = now
        if contact is None:
            self.title_text, self.save_label = "Add a contact", "Add"
        else:
            self.title_text = f"Edit {fmt.one_line(contact.name)}"

    def compose_fields(self) -> Iterator[Widget]:
        c = self.original or self.prefill or Contact(name="")
        text = lambda value: Input(value or "", compact=True)  # noqa: E731
        yield from self.field("name", "Name *", text(c.name))
        yield from self.field("email", "Emails", text(", ".join(c.emails)),
                              hint="comma separated; the first is the main one")
        yield from self.field("phone", "Phone", text(c.phone))
        yield from self.field("company", "Company", text(c.company))
        yield from self.field("role", "Role", text(c.role))
        yield from self.field("tags", "Tags", text(", ".join(c.tags)), hint="comma separated")
        yield from self.field("interests", "Interests", text(", ".join(c.interests)))
        yield from self.field(
            "tier",
            "Tier",
            Select([(t, t) for t in TIERS], value=c.tier, allow_blank=False, compact=True),
            hint="close 14 d, active 30 d, casual 90 d, dormant 180 d between touches",
        )
        yield from self.field("every", "Every (days)", text(str(c.every or "")), hint="overrides the tier")
        yield from self.field("linkedin", "LinkedIn", text(c.linkedin))
        yield from self.field("birthday", "Birthday", text(c.birthday), hint="YYYY-MM-DD or --MM-DD")
        yield from self.field("notes", "Notes", TextArea(c.notes, soft_wrap=True))

    def on_mount(self) -> None:
        self.query_one("#name").focus()

    def problems(self) -> dict[str, str]:
        checks_by_field = {
            "name": checks.required(clean(self.value("name")), "A name"),
            "email": next(filter(None, map(checks.email, _addresses(self.value("email")))), None),
            "every": checks.days(self.value("every")),
            "birthday": checks.date(self.value("birthday"), allow_month_day=True),
            "tier": None if self.value("tier") in TIERS else "Pick a tier.",
        }
        return {name: problem for name, problem in checks_by_field.items() if problem}

    def result(self) -> Contact:
        values = dict(
            name=clean(self.value("name")),
            emails=_addresses(self.value("email")),
            phone=clean(self.value("phone")),
            company=clean(self.value("company")),
            role=clean(self.value("role")),
            tags=_split(self.value("tags")),
            interests=_split(self.value("interests")),
            tier=self.value("tier"),
            every=int(self.value("every")) if self.value("every") else None,
            linkedin=clean(self.value("linkedin")),
            birthday=clean(self.value("birthday")),
            notes=clean_multiline(self.value("notes")),
        )
        if self.original is None:
            return Contact(created_at=self.now.isoformat(), **values)
        return dataclasses.replace(self.original, **values)
