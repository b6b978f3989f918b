"""What every importer produces: cleaned incoming people and the rows it had to skip."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import arrow

from crm_tui.domain.text import clean, clean_list, clean_multiline

KINDS: tuple[str, ...] = ("linkedin", "google", "vcard")


@dataclass
class Problem:
    """A row or card that could not be read; it is skipped and reported."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class Incoming:
    """One person read from a file, every string already cleaned."""

    line: int
    name: str
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    company: str = ""
    role: str = ""
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    linkedin: str = ""
    birthday: str = ""
    connected_on: str | None = None  # ISO date (LinkedIn "Connected On")
    extra: dict[str, Any] = field(default_factory=dict)  # source -> fields we do not model


@dataclass
class Parsed:
    records: list[Incoming] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# ----------------------------------------------------------------- cleaning helpers
def one_line(value: object, max_length: int = 200) -> str:
    return clean(value, max_length)


def email(value: object) -> str:
    """A cleaned address, or "" when it is not one (no @, spaces inside)."""
    text = clean(value, 254).strip("<>").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if "@" not in text or " " in text or text.startswith("@") or text.endswith("@"):
        return ""
    return text


def emails(values: list[object]) -> list[str]:
    """Addresses from cells that may hold several (Google joins them with ' ::: ')."""
    out: list[str] = []
    for value in values:
        for part in str(value or "").split(":::"):
            address = email(part)
            if address and address.casefold() not in (e.casefold() for e in out):
                out.append(address)
    return out


def phones(values: list[object]) -> list[str]:
    out: list[str] = []
    for value in values:
        for part in str(value or "").split(":::"):
            number = clean(part, 60)
            if number and number not in out:
                out.append(number)
    return out


def notes(value: object) -> str:
    return clean_multiline(value, 20_000)


def tags(values: Iterable[object] | str | None) -> list[str]:
    return clean_list(values)


_LINKEDIN = re.compile(r"^(?:https?://)?(?:[a-z]{2,3}\.|www\.)?linkedin\.com/(in|pub)/([^/?#\s]+)", re.I)


def linkedin_url(value: object) -> str:
    """A canonical https://www.linkedin.com/in/<slug> URL, or "" when it is not a profile."""
    text = clean(value, 500)
    match = _LINKEDIN.match(text)
    if not match:
        return ""
    return f"https://www.linkedin.com/{match.group(1).lower()}/{match.group(2)}"


def linkedin_key(url: str) -> str:
    match = _LINKEDIN.match(url or "")
    return f"{match.group(1).lower()}/{match.group(2).casefold()}" if match else ""


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Matching form of a name or company: no accents, emoji or punctuation, case-folded."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    letters = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(letters.casefold().split())


def birthday(value: object) -> str:
    """ISO date, or --MM-DD when the year is unknown; "" when unreadable."""
    text = clean(value, 40)
    if not text:
        return ""
    compact = text.replace("-", "")
    if text.startswith("--"):
        digits = text[2:].replace("-", "")
        if len(digits) == 4 and digits.isdigit():
            month, day = int(digits[:2]), int(digits[2:])
            if 1 <= month <= 12 and 1 <= day <= 31:
                return f"--{digits[:2]}-{digits[2:]}"
        return ""
    candidate = text[:10] if "T" in text else text
    for fmt in ("YYYY-MM-DD", "YYYYMMDD", "MM/DD/YYYY", "D MMM YYYY", "MMMM D, YYYY"):
        try:
            return arrow.get(candidate if fmt != "YYYYMMDD" else compact[:8], fmt).format("YYYY-MM-DD")
        except (arrow.parser.ParserError, ValueError):
            continue
    return ""
