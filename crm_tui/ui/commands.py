"""Command palette providers: find any contact by name (actions come from the app's
system commands)."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider
from textual.content import Content

from crm_tui.ui import format as fmt

# The palette shows this many contacts at most; rapidfuzz picks them out of 50,000 quickly.
_LIMIT = 20


class ContactsProvider(Provider):
    """'Open contact: Dana Kim (Larkspur Analytics)' for every contact whose name matches."""

    async def startup(self) -> None:
        contacts = self.app.store.contacts()  # type: ignore[attr-defined]
        self._ids = [c.id for c in contacts]
        self._names = [c.name for c in contacts]
        self._labels = [
            fmt.one_line(c.name) + (f"  ({fmt.one_line(c.company)})" if c.company else "")
            for c in contacts
        ]

    async def search(self, query: str) -> Hits:
        query = query.strip()
        if not query:
            return
        from rapidfuzz import fuzz, process  # on first use: start-up does without it

        hits = process.extract(
            query, self._names, scorer=fuzz.WRatio, processor=str.casefold, limit=_LIMIT,
            score_cutoff=60,
        )
        for _, score, index in hits:
            label = Content("Open contact: ") + Content(self._labels[index])
            yield Hit(
                score / 100,
                label,
                partial(self.app.open_contact, self._ids[index]),  # type: ignore[attr-defined]
                text=self._labels[index],
                help="Show the contact's details, threads and timeline",
            )
