"""vCard 2.1/3.0/4.0 import and vCard 4.0 export, with vobject.

Import: the text is split into cards ourselves (so a broken card is reported with the line
it starts on and the others still import), quoted-printable soft line breaks are joined
(vobject does not), then each card is parsed by vobject. Properties we do not model are
kept in ``Contact.extra["vcard"]``; embedded photos are dropped (binary, often large).

Export: one card per contact, VERSION 4.0, serialised by vobject (escaping, CRLF, folding
at 75 octets). A folder export writes ``<id>.vcf`` per contact, the layout khard and
vdirsyncer read.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import vobject

from crm_tui.domain.models import Contact
from crm_tui.interop import records as r
from crm_tui.interop.decode import InteropError
from crm_tui.interop.private_file import FOLDER_MODE, write_private

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_AT_LINE = re.compile(r"^At line (\d+): ")
# Properties read into Contact fields (or deliberately ignored).
HANDLED = {
    "VERSION", "FN", "N", "EMAIL", "TEL", "ORG", "TITLE", "NOTE", "CATEGORIES", "URL",
    "X-SOCIALPROFILE", "BDAY", "PRODID", "REV", "PHOTO",
}
# A stable namespace for exported UIDs (so re-exports do not churn khard/vdirsyncer).
UID_NAMESPACE = uuid.UUID("6b1c2f3e-6c1a-4f7e-9a55-2d1c0e4b8a10")


# ----------------------------------------------------------------- import
_GROUP = re.compile(r"^[A-Z0-9-]+\.(?=(?:BEGIN|END):VCARD$)")


def split_cards(text: str) -> tuple[list[tuple[int, str]], list[r.Problem]]:
    """(line the card starts on, card text) for each BEGIN:VCARD..END:VCARD block."""
    cards: list[tuple[int, str]] = []
    problems: list[r.Problem] = []
    current: list[str] | None = None
    start = 0
    depth = 0
    lines = _LINE_BREAK.split(text)
    for number, line in enumerate(lines, start=1):
        marker = _GROUP.sub("", line.strip().upper())  # "home.BEGIN:VCARD": a group, as vobject reads
        if marker == "BEGIN:VCARD":
            if current is not None and depth == 1:
                problems.append(r.Problem(start, "the card has no END:VCARD before the next card"))
                current = None
            if current is None:
                current, start, depth = [], number, 0
            depth += 1
            current.append(line.strip())
            continue
        if current is None:
            continue
        if marker == "END:VCARD":
            current.append(line.strip())
            depth -= 1
            if depth == 0:
                cards.append((start, "\r\n".join(_join_soft_breaks(current)) + "\r\n"))
                current = None
            continue
        current.append(line)
    if current is not None:
        problems.append(r.Problem(start, "the card has no END:VCARD (the file is cut short?)"))
    return cards, problems


def _join_soft_breaks(lines: list[str]) -> list[str]:
    """Quoted-printable values continue on the next line after a trailing '='."""
    out: list[str] = []
    joining = False
    for line in lines:
        if joining and out:
            out[-1] = out[-1][:-1] + line.lstrip(" \t") if out[-1].endswith("=") else out[-1] + line
        else:
            out.append(line)
        head = out[-1].split(":", 1)[0].upper()
        joining = "QUOTED-PRINTABLE" in head and out[-1].endswith("=")
    return out


def parse(text: str) -> r.Parsed:
    cards, problems = split_cards(text)
    if not cards and not problems:
        raise InteropError("no BEGIN:VCARD found: this is not a vCard file")
    parsed = r.Parsed(problems=problems)
    for line, card_text in cards:
        try:
            card = vobject.readOne(card_text, ignoreUnreadable=False)
            record = _record(line, card)
        except Exception as exc:  # vobject raises ParseError, ValueError, binascii errors...
            message = r.one_line(exc, 160)
            at = _AT_LINE.match(message)  # vobject's own line count is not the file's
            parsed.problems.append(r.Problem(line, f"unreadable card ({message[at.end():] if at else message})"))
            continue
        if isinstance(record, r.Problem):
            parsed.problems.append(record)
        else:
            parsed.records.append(record)
    parsed.problems.sort(key=lambda p: p.line)
    return parsed


def _values(card: Any, name: str) -> list[Any]:
    return [c.value for c in card.getChildren() if c.name.upper() == name and not isinstance(c.value, bytes)]


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value if str(v).strip())
    return str(value)


def _record(line: int, card: Any) -> r.Incoming | r.Problem:
    name = r.one_line(next((v for v in _values(card, "FN") if str(v).strip()), ""))
    if not name:
        for n in _values(card, "N"):
            name = r.one_line(" ".join(str(p) for p in (n.prefix, n.given, n.additional, n.family, n.suffix) if p))
            if name:
                break
    orgs = _values(card, "ORG")
    org_units = orgs[0] if orgs and isinstance(orgs[0], list) else [str(orgs[0])] if orgs else []
    company = r.one_line(org_units[0]) if org_units else ""
    addresses = r.emails(_values(card, "EMAIL"))
    name = name or (addresses[0] if addresses else company)
    if not name:
        return r.Problem(line, "the card has no FN, N, EMAIL or ORG")
    urls = [*_values(card, "URL"), *_values(card, "X-SOCIALPROFILE")]
    profile = next((r.linkedin_url(u) for u in urls if r.linkedin_url(u)), "")
    extra: dict[str, Any] = {}
    other_urls = [r.one_line(u, 500) for u in urls if not r.linkedin_url(u) and str(u).strip()]
    if other_urls:
        extra["URL"] = other_urls
    if len(org_units) > 1:
        extra["ORG units"] = [r.one_line(u) for u in org_units[1:] if str(u).strip()]
    bdays = [str(v) for v in _values(card, "BDAY")]
    bday = r.birthday(bdays[0]) if bdays else ""
    if bdays and not bday:
        extra["BDAY"] = r.one_line(bdays[0], 40)
    for child in card.getChildren():
        key = r.one_line(child.name, 100).upper()  # property names are cleaned like values
        if key in HANDLED or isinstance(child.value, bytes):
            continue
        value = r.notes(_text(child.value))
        if value:
            extra.setdefault(key, []).append(value)
    return r.Incoming(
        line=line,
        name=name,
        emails=addresses,
        phones=r.phones([re.sub(r"^tel:", "", str(v), flags=re.I) for v in _values(card, "TEL")]),
        company=company,
        role=r.one_line(next((v for v in _values(card, "TITLE") if str(v).strip()), "")),
        tags=r.tags([t for v in _values(card, "CATEGORIES") for t in (v if isinstance(v, list) else [v])]),
        notes=r.notes("\n\n".join(str(v) for v in _values(card, "NOTE") if str(v).strip())),
        linkedin=profile,
        birthday=bday,
        extra={"vcard": extra} if extra else {},
    )


# ----------------------------------------------------------------- export
def card_for(contact: Contact) -> Any:
    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("uid").value = f"urn:uuid:{uuid.uuid5(UID_NAMESPACE, f'{contact.id}|{contact.created_at}')}"
    card.add("fn").value = contact.name
    parts = contact.name.rsplit(" ", 1)
    given, family = (parts[0], parts[1]) if len(parts) == 2 else (contact.name, "")
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    for address in contact.emails:
        if address:
            card.add("email").value = address
    for number in [contact.phone, *contact.extra.get("phones", [])]:
        if number:
            card.add("tel").value = number
    if contact.company:
        card.add("org").value = [contact.company]
    if contact.role:
        card.add("title").value = contact.role
    if contact.tags:
        card.add("categories").value = list(contact.tags)
    if contact.linkedin:
        card.add("url").value = contact.linkedin
        social = card.add("x-socialprofile")
        social.value = contact.linkedin
        social.params["TYPE"] = ["linkedin"]
    if contact.birthday:
        card.add("bday").value = contact.birthday.replace("-", "") if not contact.birthday.startswith("--") else "--" + contact.birthday[2:].replace("-", "")
    if contact.notes:
        card.add("note").value = contact.notes
    return card


def serialise(contact: Contact) -> str:
    return card_for(contact).serialize()


def export_file(contacts: Iterable[Contact], target: Path) -> int:
    contacts = list(contacts)
    payload = "".join(serialise(c) for c in contacts)
    _write(target, payload)
    return len(contacts)


def export_folder(contacts: Iterable[Contact], target: Path) -> int:
    """One ``<id>.vcf`` per contact; files of contacts that no longer exist are left alone."""
    target.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    count = 0
    for contact in contacts:
        _write(target / f"{contact.id}.vcf", serialise(contact))
        count += 1
    return count


def _write(path: Path, text: str) -> None:
    write_private(path, text.encode("utf-8"))
