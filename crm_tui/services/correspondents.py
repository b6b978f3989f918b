"""People who wrote to me directly and are not contacts: list them, add one, ignore one.

Listed: an address that sent at least one message with one of my addresses in To/Cc,
that is none of my addresses, no contact's address, no machine (no-reply, mailer-daemon,
bounces...) and not ignored. Mailing lists and role aliases never write to me directly,
so they never qualify. Ranked: people I have written to as well first, then by the number
of direct messages both ways, then the most recent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import arrow

from crm_tui.config import Settings
from crm_tui.domain.models import Contact
from crm_tui.domain.synced import Correspondent
from crm_tui.domain.text import clean
from crm_tui.sources.mail import is_machine, my_addresses
from crm_tui.store.repository import Store


@dataclass
class Listed:
    name: str
    email: str
    received: int
    sent: int
    last: str

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "email": self.email, "received": self.received,
                "sent": self.sent, "last": self.last}


def ranked(store: Store, settings: Settings, limit: int | None = None) -> list[Listed]:
    me = set(my_addresses(settings))
    known = {a.casefold() for c in store.contacts() for a in c.emails}
    found = [p for p in store.correspondents()
             if p.received > 0 and not p.ignored and p.email not in me
             and p.email.casefold() not in known and not is_machine(p.email)]
    found.sort(key=lambda p: (p.sent == 0, -(p.received + p.sent),
                              -datetime.fromisoformat(p.last).timestamp() if p.last else 0, p.email))
    listed = [Listed(p.name, p.email, p.received, p.sent, p.last) for p in found]
    return listed[:limit] if limit else listed


def _find(store: Store, address: str) -> Correspondent | None:
    folded = address.strip().casefold()
    return next((p for p in store.correspondents() if p.email == folded), None)


def as_contact(store: Store, address: str, now: arrow.Arrow, name: str = "") -> Contact:
    """A new contact (not saved) from a correspondent: their name from their mail unless
    given, their address."""
    person = _find(store, address)
    if person is None:
        raise KeyError(address)
    return Contact(name=clean(name) or person.name or person.email.split("@", 1)[0],
                   emails=[person.email], created_at=now.isoformat())


def add_contact(store: Store, address: str, now: arrow.Arrow, name: str = "") -> Contact:
    """A correspondent saved as a contact (see :func:`as_contact`)."""
    contact = as_contact(store, address, now, name)
    store.add_contact(contact)
    return contact


def ignore(store: Store, address: str) -> Correspondent:
    """Never list this address again (kept, so a later sync does not bring it back)."""
    person = _find(store, address)
    if person is None:
        raise KeyError(address)
    updated = Correspondent.from_dict({**person.to_dict(), "ignored": True})
    return store.save_correspondent(updated)
