"""The data files' schema version and the migrations that bring older files up to it.

Read as ``schema.VERSION`` (module attribute, not a copied name) so a test can pretend a
newer version exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crm_tui.domain.models import upgrade_contact_doc

VERSION = 2

# version -> function(file stem, tables) -> tables at version + 1
Migration = Callable[[str, dict[str, Any]], dict[str, Any]]


def _v1_to_v2(stem: str, tables: dict[str, Any]) -> dict[str, Any]:
    """Schema 2: a contact's addresses are one list (``emails``), not ``email`` plus
    ``extra["emails"]``. Nothing else changed."""
    if stem == "contacts":
        docs = tables.get("contacts", {})
        for key, doc in list(docs.items()):
            docs[key] = upgrade_contact_doc(doc)
    return tables


MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2}
