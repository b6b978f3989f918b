"""Messages widgets and screens post upward (attributes down, messages up)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class ContactSelected(Message):
    """The user chose a contact (Enter on a row, a palette hit): open it."""

    contact_id: str


@dataclass
class ContactHighlighted(Message):
    """The cursor moved onto a contact (or onto nothing: ``None``)."""

    contact_id: str | None


@dataclass
class TouchLogged(Message):
    """A touch was stored (from a form, the composer, Today's done)."""

    contact_id: str
    touch_id: str


@dataclass
class DataChanged(Message):
    """The store changed: screens reload what they show. Sent by ``app.refresh_data()``."""

    contact_id: str | None = None  # the contact concerned, when it is only one
