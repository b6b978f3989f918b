"""Google Contacts CSV (contacts.google.com > Export > Google CSV), current and legacy.

Columns are mapped by header name. Current layout: First Name, Middle Name, Last Name, ...,
Organization Name, Organization Title, Labels, E-mail 1 - Value, Phone 1 - Value, Notes.
Legacy layout: Name, Given Name, Additional Name, Family Name, ..., Group Membership,
E-mail 1 - Value, Organization 1 - Name, Organization 1 - Title. A cell may hold several
values joined by `` ::: ``. Columns we do not model are kept in ``Contact.extra["google"]``.
"""

from __future__ import annotations

import re

from crm_tui.interop import records as r
from crm_tui.interop.csvrows import Source, data_rows, head, looks_like_vcard, rows
from crm_tui.interop.decode import InteropError

MARKERS = (
    "E-mail 1 - Value", "Phone 1 - Value", "Labels", "Group Membership",
    "Organization Name", "Organization 1 - Name", "Given Name", "Family Name",
)
# Google's system groups; "* myContacts" is everyone, so it is not a tag.
DROPPED_LABELS = {"* mycontacts"}

_EMAIL = re.compile(r"^E-mail \d+ - Value$")
_PHONE = re.compile(r"^Phone \d+ - Value$")
_WEBSITE = re.compile(r"^Website \d+ - Value$")

NAME_PARTS_CURRENT = ("First Name", "Middle Name", "Last Name")
NAME_PARTS_LEGACY = ("Given Name", "Additional Name", "Family Name")
MAPPED = {
    "Name", *NAME_PARTS_CURRENT, *NAME_PARTS_LEGACY,
    "Organization Name", "Organization 1 - Name", "Organization Title", "Organization 1 - Title",
    "Labels", "Group Membership", "Notes", "Birthday",
}


def parse(text: Source) -> r.Parsed:
    parsed = r.Parsed()
    all_rows = rows(text)
    first = next(all_rows, None)
    if first is None or first.fields is None:
        raise InteropError("the file has no header row: this is not a Google Contacts CSV")
    header = [r.one_line(h, 200).strip() for h in first.fields]  # header keys are cleaned like values
    start = head(text, 8192)
    if "Connected On" in header or ("First Name" in start and "Connected On" in start):
        raise InteropError("this is a LinkedIn export, not a Google Contacts CSV: use `import linkedin`")
    if not any(m in header for m in MARKERS) or not ({"Name", *NAME_PARTS_CURRENT, *NAME_PARTS_LEGACY} & set(header)):
        if looks_like_vcard(text):
            raise InteropError("this is a vCard file, not a Google Contacts CSV: use `import vcard`")
        raise InteropError(
            "the header row has none of Google's columns (Name / First Name, E-mail 1 - Value, "
            "Labels...): this is not a Google Contacts CSV"
        )
    col: dict[str, int] = {}
    for index, name in enumerate(header):
        if name and name not in col:
            col[name] = index
    for row in data_rows(all_rows, len(header), parsed.problems):
        record = _record(row.line, row.fields, col)
        if isinstance(record, r.Problem):
            parsed.problems.append(record)
        else:
            parsed.records.append(record)
    return parsed


def _record(line: int, fields: list[str], col: dict[str, int]) -> r.Incoming | r.Problem:
    def get(name: str) -> str:
        return fields[col[name]] if name in col else ""

    def first_of(*names: str) -> str:
        return next((get(n) for n in names if get(n).strip()), "")

    name = r.one_line(" ".join(get(p) for p in NAME_PARTS_CURRENT))
    name = name or r.one_line(get("Name"))
    name = name or r.one_line(" ".join(get(p) for p in NAME_PARTS_LEGACY))
    name = name or r.one_line(first_of("Nickname", "File As"))
    addresses = r.emails([get(h) for h in col if _EMAIL.match(h)])
    company = r.one_line(first_of("Organization Name", "Organization 1 - Name"))
    if not name:
        name = addresses[0] if addresses else company
    if not name:
        return r.Problem(line, "no name, email address or organisation")
    labels = " ::: ".join(v for v in (get("Labels"), get("Group Membership")) if v.strip())
    tags = r.tags([
        t.strip().removeprefix("* ")
        for t in labels.split(":::")
        if t.strip() and t.strip().casefold() not in DROPPED_LABELS
    ])
    websites = [get(h) for h in col if _WEBSITE.match(h)]
    profile = next((r.linkedin_url(p) for w in websites for p in w.split(":::") if r.linkedin_url(p)), "")
    extra = {
        h: (r.notes(fields[i]) if "Address" in h else r.one_line(fields[i], 500))
        for h, i in col.items()
        if h not in MAPPED and not _EMAIL.match(h) and not _PHONE.match(h) and fields[i].strip()
    }
    raw_birthday = get("Birthday").strip()
    bday = r.birthday(raw_birthday)
    if raw_birthday and not bday:
        extra["Birthday"] = r.one_line(raw_birthday, 40)
    return r.Incoming(
        line=line,
        name=name,
        emails=addresses,
        phones=r.phones([get(h) for h in col if _PHONE.match(h)]),
        company=company,
        role=r.one_line(first_of("Organization Title", "Organization 1 - Title")),
        tags=tags,
        notes=r.notes(get("Notes")),
        linkedin=profile,
        birthday=bday,
        extra={"google": extra} if extra else {},
    )
