"""CSV export: one row per contact, stable columns, for spreadsheets.

UTF-8 with a BOM (Excel needs it to show non-ASCII names; LibreOffice and Numbers ignore
it). Imported text is untrusted, so a cell that a spreadsheet would run as a formula
(starting with = @ + - tab or CR, other than a plain phone number) is prefixed with an
apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

from crm_tui.domain.models import Contact
from crm_tui.interop.private_file import write_private

COLUMNS = (
    "id", "name", "email", "other_emails", "phone", "other_phones", "company", "role",
    "tags", "interests", "tier", "every", "linkedin", "birthday", "notes", "created_at",
    "last_in", "last_out", "touch_count", "snoozed_until",
)
_PLAIN_NUMBER = re.compile(r"^[+-]?[\d\s().-]+$")


def neutralise(value: str) -> str:
    if (value and value[0] in "=@\t\r") or (value[:1] in ("+", "-") and not _PLAIN_NUMBER.match(value)):
        return "'" + value
    return value


def row(contact: Contact) -> list[str]:
    values = {
        **{k: v for k, v in contact.to_dict().items() if k in COLUMNS},
        "other_emails": "; ".join(contact.emails[1:]),
        "other_phones": "; ".join(contact.extra.get("phones", [])),
        "tags": "; ".join(contact.tags),
        "interests": "; ".join(contact.interests),
    }
    return [neutralise("" if values.get(c) is None else str(values.get(c))) for c in COLUMNS]


def to_csv(contacts: Iterable[Contact]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for contact in contacts:
        writer.writerow(row(contact))
    return out.getvalue()


def export_csv(contacts: Iterable[Contact], target: Path) -> int:
    contacts = list(contacts)
    write_private(target, to_csv(contacts).encode("utf-8-sig"))
    return len(contacts)
