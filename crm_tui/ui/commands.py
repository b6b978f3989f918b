"""The command palette: every contact by name, and every action of the app and of the
screen underneath by its description."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.content import Content
from textual.screen import Screen

from crm_tui.ui import format as fmt
from crm_tui.ui.context import ctx_of

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp

MODES = ("contacts", "today", "articles", "feeds")

# The palette shows this many contacts at most; rapidfuzz picks them out of 50,000 quickly.
_LIMIT = 20


class ContactsProvider(Provider):
    """'Open contact: Dana Kim (Larkspur Analytics)' for every contact whose name matches."""

    async def startup(self) -> None:
        contacts = ctx_of(self.app).store.contacts()
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
                partial(cast("CrmApp", self.app).open_contact, self._ids[index]),
                text=self._labels[index],
                help="Show the contact's details, threads and timeline",
            )


# What each screen binding does, for the command palette (by binding id).
ACTION_TITLES = {
    "articles.read": "Read the selected article",
    "articles.share": "Share the selected article with a contact",
    "articles.open": "Open the selected article's link",
    "articles.dismiss": "Dismiss the selected article for a contact",
    "contact.back": "Go back",
    "contact.edit": "Edit this contact",
    "contact.log": "Log a touch with this contact",
    "contact.thread": "Open a thread (interview, application, invoice)",
    "contact.note": "Add a note to this contact",
    "contact.compose": "Write to this contact",
    "contact.share": "Share the top suggested article with this contact",
    "contact.delete": "Delete this contact",
    "contacts.filter": "Filter the contacts",
    "contacts.tag": "Show the contacts with a tag",
    "contacts.add": "Add a contact",
    "contacts.import": "Import contacts",
    "contacts.sort": "Sort the contacts by the next order",
    "feeds.refresh": "Refresh every feed",
    "feeds.add": "Add a feed",
    "feeds.import_opml": "Import feeds from an OPML file",
    "feeds.remove": "Remove the selected feed",
    "feeds.refresh_one": "Refresh the selected feed",
    "feeds.rename": "Rename the selected feed",
    "today.compose": "Write the message for the selected step",
    "today.done": "Mark the selected step done",
    "today.snooze": "Snooze the selected step",
    "today.skip": "Skip the selected step for today",
    "today.move_on": "Move on: close the selected step's thread",
    "today.share_article": "Share the suggested article with the selected contact",
    "today.reply": "Log a reply to the selected step",
    "today.contact": "Open the selected step's contact",
    "contact.close_thread": "Close one of this contact's threads",
    "contact.timeline": "Move through this contact's timeline",
    "contact.blog": "Follow this contact's blog",
    "contact.articles": "Move through this contact's suggested articles",
    "contacts.sort_last": "Sort the contacts by last touch",
    "contacts.sort_name": "Sort the contacts by name",
    "contacts.sort_due": "Sort the contacts by when they are due",
    "contacts.sort_company": "Sort the contacts by company",
    "contacts.sort_birthday": "Sort the contacts by birthday",
    "contacts.clear": "Clear the filter",
    "correspondents.back": "Go back",
    "correspondents.add": "Add the selected correspondent as a contact",
    "correspondents.ignore": "Ignore the selected correspondent for good",
    "app.undo": "Undo the last change",
    "app.redo": "Redo the change undone last",
}


def system_commands(screen: Screen[Any], run: Callable[[str, Any], Any],
                    switch_mode: Callable[[str], Any]) -> Iterable[tuple[str, str, Callable[[], Any]]]:
    """(title, help, callback) for the app's own actions and the screen's bindings."""
    yield "Add contact", "Create a contact by hand", partial(run, "app.add_contact", None)
    yield ("Import contacts", "From LinkedIn, Google or vCard files",
           partial(run, "app.import_contacts", None))
    yield "Undo", "Take back the last change (u)", partial(run, "app.undo", None)
    yield "Redo", "Apply again what undo took back (U)", partial(run, "app.redo", None)
    yield ("Sync mail", "Log touches from your Maildirs and mbox files (S)", partial(run, "app.sync", None))
    yield ("People who wrote to you", "Correspondents who are not contacts: add or ignore them (W)",
           partial(run, "app.correspondents", None))
    for mode in MODES:
        yield (f"Go to {mode.title()}", f"Switch to the {mode.title()} screen",
               partial(switch_mode, mode))
    # Every action of the current screen, said as what it does (the footer's word is a
    # label, not an action: "Snooze" reads as a command only next to a list).
    for binding in screen_bindings(screen):
        title = ACTION_TITLES.get(binding.id or "", binding.description)
        yield (title, binding.tooltip or f"key: {binding.key}",
               partial(run, binding.action, screen))


def screen_bindings(screen: Screen[Any]) -> list[Binding]:
    """The screen's own described bindings (not the app's, not hidden navigation keys)."""
    seen: set[str] = set()
    found: list[Binding] = []
    for binding in getattr(screen, "BINDINGS", []):
        if not isinstance(binding, Binding) or not binding.description or not binding.id:
            continue
        if binding.id not in seen:
            seen.add(binding.id)
            found.append(binding)
    return found
