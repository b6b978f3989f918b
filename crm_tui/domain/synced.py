"""Records kept for the sources that log touches by themselves (mail, calendars).

``SourceState`` remembers what a sync already read from one source (a Maildir folder, an
mbox file...), so the next sync reads only what is new; ``Correspondent`` is someone who
wrote to me directly but is not a contact (yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm_tui.domain.models import Record


@dataclass
class SourceState(Record):
    """What a sync read from one source; ``data`` belongs to the kind that reads it."""

    kind: str  # "mail", ...
    path: str  # the folder or file, absolute
    id: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Correspondent(Record):
    """An address that sent me mail addressed to me, and is nobody's contact address."""

    email: str  # lower case
    id: str = ""
    name: str = ""  # the display name of their latest message (cleaned)
    received: int = 0  # their messages with one of my addresses in To/Cc
    sent: int = 0  # my messages with them in To/Cc
    last: str = ""  # ISO date-time of the latest of those
    ignored: bool = False  # `x`: never listed again
    seen: list[str] = field(default_factory=list)  # short hashes of the messages counted
