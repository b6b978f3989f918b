"""The Contacts table's model: one precomputed row per contact, sorting and fuzzy filtering.

Rows are built once per data change (strings ready to draw, sort keys ready to compare) so
that a keystroke in the filter only compares strings and reorders a list of indices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import arrow

from crm_tui.domain import birthdays
from crm_tui.domain.models import Contact, Suggestion
from crm_tui.domain.text import sort_key
from crm_tui.perf import gc_paused
from crm_tui.ui import format as fmt

if TYPE_CHECKING:
    from crm_tui.config import Settings
    from crm_tui.store.repository import Store

SORTS: dict[str, str] = {
    "last": "last touch",
    "name": "name",
    "due": "due date",
    "company": "company",
    "birthday": "next birthday",
}
# Fuzzy (typo-tolerant) matches are only looked for when exact substrings find few rows.
_FUZZY_BELOW = 50
_FUZZY_MIN_QUERY = 4
_FUZZY_CUTOFF = 80
_FUZZY_LIMIT = 200


class ContactRow:
    """One contact in the table. The default sort's keys are computed up front; the
    filter's haystack and the other sort keys on first use (the Contacts screen warms them
    after the first paint); the displayed strings when the row is first drawn (most rows
    never are)."""

    __slots__ = (
        "_cells",
        "_company_key",
        "_haystack",
        "_tags",
        "contact",
        "id",
        "last_key",
        "name_key",
        "now",
        "suggestion",
    )

    def __init__(self, contact: Contact, suggestion: Suggestion | None, now: arrow.Arrow,
                 last_key: str) -> None:
        self.id = contact.id
        self.contact = contact
        self.suggestion = suggestion
        self.now = now
        self.last_key = last_key  # ISO time of the last touch; "" (never) sorts first
        self.name_key = sort_key(contact.name)
        self._cells: dict[str, str] | None = None
        self._tags: frozenset[str] | None = None
        self._haystack: str | None = None  # the filter's text and the company's sort key:
        self._company_key: str | None = None  # on first use (not before the first paint)

    @property
    def haystack(self) -> str:
        """What the filter searches: name, company, role, tags and emails, casefolded."""
        if self._haystack is None:
            c = self.contact
            self._haystack = " ".join([c.name, c.company, c.role, *c.tags, *c.emails]).casefold()
        return self._haystack

    @property
    def company_key(self) -> str:
        if self._company_key is None:
            company = self.contact.company
            self._company_key = sort_key(company) if company else "\uffff"
        return self._company_key

    @property
    def due_key(self) -> str:
        return self.suggestion.due if self.suggestion is not None else "9999"

    @property
    def status(self) -> str:
        return self.suggestion.status if self.suggestion is not None else ""

    @property
    def birthday_key(self) -> int:
        """Days until the next birthday (today 0); no birthday sorts last."""
        day = birthdays.next_on(self.contact.birthday, self.now.date())
        return (day - self.now.date()).days if day else 99999

    @property
    def next_birthday(self) -> str:
        """'4 Mar, in 2 d' ('' without a birthday): the column shown when sorted by it,
        short enough for its 15 cells at 120 columns."""
        day = birthdays.next_on(self.contact.birthday, self.now.date())
        if day is None:
            return ""
        return f"{day.day} {day:%b}, {fmt.due_phrase(day.isoformat(), self.now)}"

    @property
    def tag_set(self) -> frozenset[str]:
        if self._tags is None:
            self._tags = frozenset(t.casefold() for t in self.contact.tags)
        return self._tags

    def cells(self) -> dict[str, str]:
        if self._cells is None:
            c, s, now = self.contact, self.suggestion, self.now
            company, role = fmt.one_line(c.company), fmt.one_line(c.role)
            self._cells = {
                "name": fmt.one_line(c.name),
                "company_role": f"{company} / {role}" if company and role else company or role,
                "last": fmt.ago(c.last_touch, now),
                "next_step": (
                    f"{fmt.step_label(s.step)}, {fmt.step_when(s.status, s.overdue_days, s.due, now)}"
                    if s else ""
                ),
                "status": s.status if s else "",
                "tags": ", ".join(fmt.one_line(t) for t in c.tags),
            }
        return self._cells

    def set_suggestion(self, suggestion: Suggestion | None) -> None:
        self.suggestion = suggestion
        self._cells = None

    # Attribute access for the cells keeps callers simple (row.name, row.next_step...).
    @property
    def name(self) -> str:
        return self.cells()["name"]

    @property
    def company_role(self) -> str:
        return self.cells()["company_role"]

    @property
    def last(self) -> str:
        return self.cells()["last"]

    @property
    def next_step(self) -> str:
        return self.cells()["next_step"]

    @property
    def tags(self) -> str:
        return self.cells()["tags"]


def next_steps(store: Store, settings: Settings, now: arrow.Arrow) -> dict[str, Suggestion]:
    """The most urgent open suggestion per contact, from the cadence engine."""
    from crm_tui.services import engine

    return _most_urgent(engine.suggestions(store, settings, now))


def next_steps_for(store: Store, settings: Settings, now: arrow.Arrow,
                   contact_ids: set[str]) -> dict[str, Suggestion]:
    """:func:`next_steps` for a few contacts only (the first screenful): the same values,
    in a millisecond or two instead of the whole engine's run."""
    from crm_tui.services import engine

    return _most_urgent(engine.for_contacts(store, settings, now, contact_ids))


def _most_urgent(suggestions: Iterable[Suggestion]) -> dict[str, Suggestion]:
    best: dict[str, Suggestion] = {}
    for s in suggestions:
        if s.status == "closed":
            continue
        if s.contact_id not in best:  # suggestions come ranked, most urgent first
            best[s.contact_id] = s
    return best


def build_rows(
    contacts: Iterable[Contact], steps: dict[str, Suggestion], now: arrow.Arrow
) -> list[ContactRow]:
    contacts = list(contacts)
    with gc_paused():  # one row object per contact, built at once
        return [ContactRow(c, steps.get(c.id), now, last_key)
                for c, last_key in zip(contacts, last_keys(contacts, now), strict=True)]


class Touched(Protocol):
    """What :func:`last_keys` reads: a contact, or its id and last touches alone
    (``Store.last_touches``)."""

    @property
    def last_in(self) -> str | None: ...

    @property
    def last_out(self) -> str | None: ...


def last_keys(contacts: Iterable[Touched], now: arrow.Arrow) -> list[str]:
    """Each contact's default sort key: the ISO time of its last touch in the user's zone
    ("" for never, which sorts first)."""
    contacts = list(contacts)
    return last_keys_of([c.last_in for c in contacts], [c.last_out for c in contacts], now)


def last_keys_of(last_ins: Iterable[str | None], last_outs: Iterable[str | None], now: arrow.Arrow) -> list[str]:
    """:func:`last_keys` of the contacts' last touches in and out, given column by column."""
    offset = now.isoformat()[-6:]
    keys: list[str] = []
    for last_in, last_out in zip(last_ins, last_outs, strict=True):
        # Contact.last_touch, inlined (50,000 rows)
        last = (last_in if last_in > last_out else last_out) if last_in and last_out else (
            last_in or last_out)
        # ISO times with the same offset compare as strings; others are converted.
        keys.append((last if last.endswith(offset) else _local(last, now)) if last else "")
    return keys


def _local(moment: str, now: arrow.Arrow) -> str:
    """An ISO time from another offset, rewritten in the user's zone so strings compare."""
    parsed = datetime.fromisoformat(moment)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(now.tzinfo)
    return parsed.isoformat()


def sort_order(rows: Sequence[ContactRow], by: str, reverse: bool = False) -> list[int]:
    """Indices of ``rows`` in the chosen order (default: longest since the last touch first)."""
    keys: dict[str, Callable[[ContactRow], Any]] = {
        "last": lambda r: (r.last_key, r.name_key),
        "name": lambda r: r.name_key,
        "due": lambda r: (r.due_key, r.name_key),
        "company": lambda r: (r.company_key, r.name_key),
        "birthday": lambda r: (r.birthday_key, r.name_key),
    }
    # The keys in a list first, then indices sorted by a bound method (no Python-level
    # call per comparison step): 50,000 rows sort in a third of the time.
    values = list(map(keys[by], rows))
    return sorted(range(len(rows)), key=values.__getitem__, reverse=reverse)


def filter_order(
    rows: Sequence[ContactRow], order: Sequence[int], query: str, tag: str | None = None
) -> list[int]:
    """The rows of ``order`` that match ``query`` (and ``tag``): see :func:`match`."""
    exact, fuzzy = match(rows, order, query, tag)
    return exact + fuzzy


def match(
    rows: Sequence[ContactRow],
    order: Sequence[int],
    query: str,
    tag: str | None = None,
    within: Sequence[int] | None = None,
) -> tuple[list[int], list[int]]:
    """(exact, fuzzy) matches among ``order``.

    Exact: every word of ``query`` is a substring of the name, company, role, tags or email;
    kept in table order. Fuzzy, only when exact finds few: names close to the query despite
    typos, best first. ``tag`` keeps only contacts with that tag. ``within`` (the exact
    matches of a shorter query this one extends) narrows the search while typing.
    """
    def tagged(indices: Sequence[int]) -> list[int]:
        if not tag:
            return list(indices)
        wanted = tag.casefold()
        return [i for i in indices if wanted in rows[i].tag_set]

    words = query.casefold().split()
    if not words:
        return tagged(order), []
    exact = tagged(order if within is None else within)
    for word in words:  # one cheap pass per word (a comprehension, no generator per row)
        exact = [i for i in exact if word in rows[i].haystack]
    needle = " ".join(words)
    if len(exact) >= _FUZZY_BELOW or len(needle) < _FUZZY_MIN_QUERY:
        return exact, []
    seen = set(exact)
    rest = [i for i in tagged(order) if i not in seen]
    from rapidfuzz import fuzz, process  # on first use: start-up does without it

    hits = process.extract(
        needle,
        [rows[i].name_key for i in rest],
        scorer=fuzz.partial_ratio,
        score_cutoff=_FUZZY_CUTOFF,
        limit=_FUZZY_LIMIT,
    )
    return exact, [rest[index] for _, _, index in hits]


def all_tags(contacts: Iterable[Contact]) -> list[tuple[str, int]]:
    """Every tag with the number of contacts carrying it, most used first."""
    counts: dict[str, tuple[str, int]] = {}
    for c in contacts:
        for t in c.tags:
            key = t.casefold()
            spelling, n = counts.get(key, (t, 0))
            counts[key] = (spelling, n + 1)
    return sorted(counts.values(), key=lambda item: (-item[1], item[0].casefold()))
