"""Messages widgets post upward (attributes down, messages up). Data changes do not travel as
messages: they are published on the context's ``changed`` signal (``crm_tui.ui.context``)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class ContactSelected(Message):
    """The user chose a contact (Enter on a row, a palette hit): open it."""

    contact_id: str
