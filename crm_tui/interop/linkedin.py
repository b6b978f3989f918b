"""LinkedIn's Connections.csv (Settings > Data privacy > Get a copy of your data).

The file opens with a "Notes:" preamble of varying length; the header row starts with
``First Name``. Columns: First Name, Last Name, URL, Email Address, Company, Position,
Connected On (older exports lack URL). Dates look like ``09 Oct 2024``.
"""

from __future__ import annotations

import re
from datetime import date

from crm_tui.interop import records as r
from crm_tui.interop.csvrows import Source, data_rows, head, looks_like_vcard, rows
from crm_tui.interop.decode import InteropError

REQUIRED = ("First Name", "Last Name", "Connected On")
KNOWN = ("First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On")


_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_DATE = re.compile(r"^(\d{1,2}) ([A-Za-z]{3})[A-Za-z]* (\d{4})$")


def parse_date(value: str) -> str | None:
    """``09 Oct 2024`` (or ISO ``2024-10-09``) to an ISO date; None when it is not a date."""
    value = value.strip()
    match = _DATE.match(value)
    try:
        if match:
            month = _MONTHS.get(match.group(2).lower())
            if month is None:
                return None
            return date(int(match.group(3)), month, int(match.group(1))).isoformat()
        return date.fromisoformat(value).isoformat() if len(value) == 10 else None
    except ValueError:
        return None


def parse(text: Source) -> r.Parsed:
    parsed = r.Parsed()
    all_rows = rows(text)
    header: list[str] | None = None
    for line in all_rows:
        if line.fields and line.fields[0].strip() == "First Name":
            header = [r.one_line(h, 200).strip() for h in line.fields]  # header keys are cleaned like values
            break
    if header is None:
        raise InteropError(_wrong_kind(text))
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InteropError(
            f"the header row lacks {', '.join(missing)}: this is not a LinkedIn Connections.csv"
            + (" (it looks like a Google Contacts export: use `import google`)" if "Labels" in header or "E-mail 1 - Value" in header else "")
        )
    col = {name: header.index(name) for name in header if name}
    for row in data_rows(all_rows, len(header), parsed.problems):
        get = lambda name, row=row: row.fields[col[name]] if name in col else ""  # noqa: E731
        name = r.one_line(f"{get('First Name')} {get('Last Name')}")
        address = r.email(get("Email Address"))
        if not name and not address:
            parsed.problems.append(r.Problem(row.line, "no name and no email address"))
            continue
        connected = get("Connected On").strip()
        connected_on = parse_date(connected) if connected else None
        if connected and connected_on is None:
            parsed.problems.append(
                r.Problem(row.line, f"Connected On {r.one_line(connected, 40)!r} is not a date like 09 Oct 2024")
            )
            continue
        url = get("URL")
        profile = r.linkedin_url(url)
        extra = {h: r.one_line(row.fields[i], 500) for h, i in col.items() if h not in KNOWN and row.fields[i].strip()}
        if url.strip() and not profile:
            extra["URL"] = r.one_line(url, 500)
        if connected_on:
            extra["Connected On"] = connected_on
        raw_address = get("Email Address").strip()
        if raw_address and not address:
            extra["Email Address"] = r.one_line(raw_address, 254)
        parsed.records.append(
            r.Incoming(
                line=row.line,
                name=name or address,
                emails=[address] if address else [],
                company=r.one_line(get("Company")),
                role=r.one_line(get("Position")),
                linkedin=profile,
                connected_on=connected_on,
                extra={"linkedin": extra} if extra else {},
            )
        )
    return parsed


def _wrong_kind(text: Source) -> str:
    if looks_like_vcard(text):
        return "this is a vCard file, not a LinkedIn export: use `import vcard`"
    start = head(text, 2048)
    if "E-mail 1 - Value" in start or "Given Name" in start:
        return "this looks like a Google Contacts export: use `import google`"
    return "no header row starting with 'First Name' was found: this is not a LinkedIn Connections.csv"
