"""`import_file`: read a LinkedIn, Google or vCard export and merge it into the store.

Rows or cards that cannot be read are skipped and reported with their line; everything
else is written in one store batch, so a failure while writing leaves the store exactly as
it was (all-or-nothing per file). File-level problems raise :class:`InteropError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import arrow

from crm_tui.domain.text import clean
from crm_tui.interop import google, linkedin, merge, vcard
from crm_tui.interop.decode import InteropError, open_text, read_text
from crm_tui.interop.merge import ImportReport
from crm_tui.interop.records import KINDS, Parsed, Problem
from crm_tui.store.repository import Store

PARSERS: dict[str, Callable[[Any], Parsed]] = {
    "linkedin": linkedin.parse,
    "google": google.parse,
    "vcard": vcard.parse,
}


def read_records(kind: str, path: Path) -> Parsed:
    """Parse one file, or (vCard only) every ``.vcf`` file of a folder."""
    if kind not in PARSERS:
        raise InteropError(f"unknown import kind {kind!r}; use one of {', '.join(KINDS)}")
    path = Path(path).expanduser()
    if kind == "vcard" and path.is_dir():
        return _read_folder(path)
    # CSVs are streamed (a large export never sits in memory whole); vCards are read whole.
    parsed = PARSERS[kind](read_text(path) if kind == "vcard" else open_text(path))
    if not parsed.records and not parsed.problems:
        raise InteropError(f"{path} holds no contacts")
    return parsed


def _read_folder(folder: Path) -> Parsed:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".vcf" and p.is_file())
    if not files:
        raise InteropError(f"{folder} holds no .vcf files")
    parsed = Parsed()
    for file in files:
        try:
            one = vcard.parse(read_text(file))
        except InteropError as exc:
            parsed.problems.append(Problem(0, f"{file.name}: {exc}"))
            continue
        for record in one.records:
            record.extra.setdefault("vcard", {})["file"] = file.name
        parsed.records += one.records
        parsed.problems += [Problem(p.line, f"{file.name}: {p.message}") for p in one.problems]
    return parsed


# The keep-in-touch tier of new contacts when the import does not say: LinkedIn
# connections are mostly people met once, and 800 "casual" ones would all be overdue.
DEFAULT_TIERS = {"linkedin": "dormant"}


def import_file(store: Store, kind: str, path: str | Path, now: arrow.Arrow, dry_run: bool = False,
                tier: str | None = None, tags: tuple[str, ...] | list[str] = ()) -> ImportReport:
    plan, report = prepare(store, kind, path, now, dry_run=dry_run, tier=tier, tags=tags)
    if not dry_run:
        commit(store, plan, report)
    return report


def prepare(
    store: Store, kind: str, path: str | Path, now: arrow.Arrow, dry_run: bool = True,
    tier: str | None = None, tags: tuple[str, ...] | list[str] = (),
) -> tuple[merge.Plan, ImportReport]:
    """Read the file and decide what importing it changes, writing nothing. New contacts
    get ``tier`` (default: dormant for LinkedIn, else casual) and ``tags``; contacts
    already there keep theirs.

    This is the slow part (seconds for 10,000 rows), and it only reads the store, so the
    TUI runs it in a worker thread; :func:`commit` then writes the plan."""
    parsed = read_records(kind, Path(path))
    report = ImportReport(kind=kind, path=str(path), dry_run=dry_run, errors=list(parsed.problems))
    plan = merge.plan(store.contacts(), parsed.records, kind, now, report)
    chosen = tier or DEFAULT_TIERS.get(kind)
    extra = [t for t in (clean(t, 100) for t in tags) if t]
    for contact in plan.new:
        if chosen:
            contact.tier = chosen
        folded = {t.casefold() for t in contact.tags}
        contact.tags = [*contact.tags, *(t for t in extra if t.casefold() not in folded)]
    report.touches = len(plan.touches)
    return plan, report


def commit(store: Store, plan: merge.Plan, report: ImportReport) -> None:
    """Write a prepared plan (all or nothing) and complete its report with the new ids."""
    apply(store, plan)
    report.dry_run = False
    for entry, contact in zip(report.added, plan.new, strict=True):
        entry.contact_id = contact.id


@dataclass(frozen=True)
class PreparedImport:
    """A previewed import, ready to write: what :func:`prepare` made, and the store's
    generation it was made from (a plan made from older data could undo what was saved)."""

    plan: merge.Plan
    report: ImportReport
    generation: int

    @property
    def count(self) -> int:
        return len(self.report.added) + len(self.report.updated)


def commit_prepared(store: Store, prepared: PreparedImport) -> ImportReport:
    """Write a previewed import, unless the data changed since it was previewed."""
    if store.generation != prepared.generation:
        raise InteropError("your data changed since the preview; nothing was imported: preview again")
    commit(store, prepared.plan, prepared.report)
    return prepared.report


def apply(store: Store, plan: merge.Plan) -> None:
    """Write the plan in one batch: on any exception nothing is saved."""
    if not plan.new and not plan.changed:
        return
    count = len(plan.new) + len(plan.changed)
    with store.change(f"import of {count} contact{'s' if count != 1 else ''}"):
        # The working copies replace the live records only if the whole batch succeeds.
        store.save_contacts(added=plan.new, updated=[working for _, working in plan.changed.values()])
        touches = []
        for contact, touch in plan.touches:
            touch.contact_id = contact.id
            touches.append(touch)
        if touches:
            store.log_touches(touches)
