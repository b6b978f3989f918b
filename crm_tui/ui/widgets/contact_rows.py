"""The Contacts table's model: one precomputed row per contact, sorting and fuzzy filtering.

Rows are built once per data change (strings ready to draw, sort keys ready to compare) so
that a keystroke in the filter only compares strings and reorders a list of indices.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import arrow
from rapidfuzz import fuzz, process

from crm_tui.domain.models import Contact, Suggestion
from crm_tui.ui import format as fmt

SORTS: dict[str, str] = {
    "last": "last touch",
    "name": "name",
    "due": "due date",
    "company": "company",
}
# Fuzzy (typo-tolerant) matches are only looked for when exact substrings find few rows.
_FUZZY_BELOW = 50
_FUZZY_MIN_QUERY = 4
_FUZZY_CUTOFF = 80


@dataclass(slots=True)
class ContactRow:
    id: str
    name: str
    company_role: str
    last: str
    next_step: str
    status: str
    tags: str
    haystack: str  # casefolded name, company, role, tags, email: what the filter searches
    tag_set: frozenset[str]
    # sort keys
    last_key: str  # ISO time of the last touch; "" (never) sorts first
    due_key: str
    name_key: str
    company_key: str


def next_steps(store: object, settings: object, now: arrow.Arrow) -> dict[str, Suggestion]:
    """The most urgent open suggestion per contact, from the cadence engine."""
    best: dict[str, Suggestion] = {}
    for s in _suggestions(store, settings, now):
        if s.status == "closed":
            continue
        if s.contact_id not in best:  # suggestions come ranked, most urgent first
            best[s.contact_id] = s
    return best


def _suggestions(store: object, settings: object, now: arrow.Arrow) -> list[Suggestion]:
    try:
        from crm_tui import engine
    except ImportError:  # the engine is not there yet: keep-in-touch from the tier alone
        return _keep_in_touch(store, settings, now)
    return engine.suggestions(store, settings, now)  # type: ignore[arg-type]


def _keep_in_touch(store: object, settings: object, now: arrow.Arrow) -> list[Suggestion]:
    out: list[Suggestion] = []
    for c in store.contacts():  # type: ignore[attr-defined]
        every = c.every or settings.cadence.interval(c.tier)  # type: ignore[attr-defined]
        last = c.last_touch or c.created_at
        due = arrow.get(last).shift(days=every) if last else now
        days = (due.date() - now.date()).days
        status = "overdue" if days < 0 else "due" if days == 0 else "upcoming"
        out.append(
            Suggestion(
                contact_id=c.id,
                contact=c.name,
                step="keep-in-touch",
                status=status,
                due=due.format("YYYY-MM-DD"),
                reason=f"every {every} days",
                overdue_days=max(0, -days),
            )
        )
    out.sort(key=lambda s: s.due)
    return out


def build_rows(
    contacts: Iterable[Contact], steps: dict[str, Suggestion], now: arrow.Arrow
) -> list[ContactRow]:
    rows: list[ContactRow] = []
    for c in contacts:
        s = steps.get(c.id)
        company = fmt.one_line(c.company)
        role = fmt.one_line(c.role)
        company_role = f"{company} / {role}" if company and role else company or role
        if s is not None:
            next_step = f"{fmt.step_label(s.step)}, {fmt.due_phrase(s.due, now)}"
            status, due_key = s.status, s.due
        else:
            next_step, status, due_key = "", "", "9999"
        tags = [fmt.one_line(t) for t in c.tags]
        last = c.last_touch
        rows.append(
            ContactRow(
                id=c.id,
                name=fmt.one_line(c.name),
                company_role=company_role,
                last=fmt.ago(last, now),
                next_step=next_step,
                status=status,
                tags=", ".join(tags),
                haystack=" ".join([c.name, c.company, c.role, *c.tags, c.email]).casefold(),
                tag_set=frozenset(t.casefold() for t in c.tags),
                last_key=arrow.get(last).to("UTC").isoformat() if last else "",
                due_key=due_key,
                name_key=c.name.casefold(),
                company_key=(c.company or "\uffff").casefold(),
            )
        )
    return rows


def sort_order(rows: Sequence[ContactRow], by: str, reverse: bool = False) -> list[int]:
    """Indices of ``rows`` in the chosen order (default: longest since the last touch first)."""
    keys = {
        "last": lambda i: (rows[i].last_key, rows[i].name_key),
        "name": lambda i: rows[i].name_key,
        "due": lambda i: (rows[i].due_key, rows[i].name_key),
        "company": lambda i: (rows[i].company_key, rows[i].name_key),
    }
    return sorted(range(len(rows)), key=keys[by], reverse=reverse)


def filter_order(
    rows: Sequence[ContactRow], order: Sequence[int], query: str, tag: str | None = None
) -> list[int]:
    """The rows of ``order`` that match: every word of ``query`` as a substring of the name,
    company, role, tags or email (kept in table order), then, when that finds few, fuzzy
    matches that tolerate typos (best first). ``tag`` keeps only contacts with that tag."""
    candidates = list(order)
    if tag:
        wanted = tag.casefold()
        candidates = [i for i in candidates if wanted in rows[i].tag_set]
    words = query.casefold().split()
    if not words:
        return candidates
    exact = [i for i in candidates if all(w in rows[i].haystack for w in words)]
    needle = " ".join(words)
    if len(exact) >= _FUZZY_BELOW or len(needle) < _FUZZY_MIN_QUERY:
        return exact
    seen = set(exact)
    rest = [i for i in candidates if i not in seen]
    hits = process.extract(
        needle,
        [rows[i].haystack for i in rest],
        scorer=fuzz.partial_ratio,
        score_cutoff=_FUZZY_CUTOFF,
        limit=None,
    )
    return exact + [rest[index] for _, _, index in hits]


def all_tags(contacts: Iterable[Contact]) -> list[tuple[str, int]]:
    """Every tag with the number of contacts carrying it, most used first."""
    counts: dict[str, tuple[str, int]] = {}
    for c in contacts:
        for t in c.tags:
            key = t.casefold()
            spelling, n = counts.get(key, (t, 0))
            counts[key] = (spelling, n + 1)
    return sorted(counts.values(), key=lambda item: (-item[1], item[0].casefold()))
