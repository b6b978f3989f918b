"""`crm-tui sync` and the TUI's sync: every kind of source, in three phases.

``KINDS`` is the one list of source kinds; a kind plugs in by being added to it (see
:mod:`crm_tui.sources.base` for what it provides). ``plan`` decides which paths each kind
reads (the PATHs given, each sent to every kind that detects it, or each kind's configured
paths), ``snapshot`` reads what the scans need from a store, ``scan`` reads the files with no
store at all, and ``apply`` writes every kind's result in one store batch: all or nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import arrow

from crm_tui.config import Settings
from crm_tui.sources.base import Progress, SourceConfigError, SourceKind, Summary
from crm_tui.sources.calendar_kind import CalendarKind
from crm_tui.sources.mail import MailKind
from crm_tui.store.repository import Store

KINDS: list[SourceKind] = [MailKind(), CalendarKind()]


class NothingToSync(SourceConfigError):
    """No PATH given and no source configured."""


@dataclass
class Plan:
    work: list[tuple[SourceKind, list[Path]]] = field(default_factory=list)
    unknown: list[dict[str, str]] = field(default_factory=list)  # paths no kind reads


@dataclass
class Report:
    dry_run: bool
    sections: dict[str, Summary]
    unknown: list[dict[str, str]]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"dry_run": self.dry_run}
        for name, section in self.sections.items():
            data[name] = section.to_json()
        data["unknown_paths"] = self.unknown
        return data

    def lines(self) -> list[str]:
        out: list[str] = []
        for section in self.sections.values():
            out.extend(section.lines())
        for item in self.unknown:
            out.append(f"skipped {item['path']}: {item['reason']}")
        if self.dry_run:
            out.append("dry run: nothing was saved")
        return out


def expand(path: str) -> Path:
    return Path(os.path.expanduser(os.path.expandvars(path)))


def plan(settings: Settings, paths: list[str] | None = None) -> Plan:
    """Which kind reads which paths. Raises SourceConfigError (a message for the user)."""
    result = Plan()
    if paths:
        chosen: dict[str, list[Path]] = {}
        for raw in paths:
            path = expand(raw)
            if not os.path.lexists(path):
                result.unknown.append({"path": str(path), "reason": "no such file or folder"})
                continue
            kinds = [k for k in KINDS if _detects(k, path)]
            if not kinds:
                result.unknown.append({"path": str(path), "reason": "not a source crm-tui can read"})
            for kind in kinds:
                chosen.setdefault(kind.name, []).append(path)
        result.work = [(k, chosen[k.name]) for k in KINDS if k.name in chosen]
    else:
        result.work = [(k, [expand(p) for p in k.configured(settings)]) for k in KINDS
                       if k.configured(settings)]
        if not result.work:
            raise NothingToSync(
                "nothing to sync: give a PATH, or list your mail in config.toml, e.g.\n"
                "  [sources]\n  mail = [\"~/Mail\"]")
    for kind, _paths in result.work:
        kind.check(settings)
    return result


def _detects(kind: SourceKind, path: Path) -> bool:
    try:
        return kind.detect(path)
    except OSError:
        return False


def snapshot(store: Store, work: Plan) -> dict[str, Any]:
    return {kind.name: kind.snapshot(store) for kind, _ in work.work}


def scan(work: Plan, snapshots: dict[str, Any], settings: Settings, now: arrow.Arrow,
         progress: Progress | None = None) -> dict[str, Any]:
    return {kind.name: kind.scan(paths, snapshots.get(kind.name), settings, now, progress)
            for kind, paths in work.work}


def idle(work: Plan, scanned: dict[str, Any], snapshots: dict[str, Any],
         dry_run: bool = False) -> Report | None:
    """The report of a sync that has nothing to write, or None (then call :func:`apply`)."""
    sections: dict[str, Summary] = {}
    for kind, _paths in work.work:
        section = kind.idle(scanned[kind.name], snapshots.get(kind.name))
        if section is None:
            return None
        sections[kind.name] = section
    return Report(dry_run=dry_run, sections=sections, unknown=work.unknown)


class _DryRun(Exception):
    pass


def apply(store: Store, work: Plan, scanned: dict[str, Any], settings: Settings,
          now: arrow.Arrow, dry_run: bool = False) -> Report:
    """Write every kind's result in one batch (or, for a dry run, compute and drop it)."""
    sections: dict[str, Summary] = {}
    try:
        with store.batch():
            for kind, _paths in work.work:
                sections[kind.name] = kind.apply(store, scanned[kind.name], settings, now)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return Report(dry_run=dry_run, sections=sections, unknown=work.unknown)


def run(store: Store, settings: Settings, now: arrow.Arrow, paths: list[str] | None = None,
        dry_run: bool = False, progress: Progress | None = None) -> Report:
    """All three phases on one open store (tests, the TUI's worker does them apart)."""
    work = plan(settings, paths)
    snapshots = snapshot(store, work)
    scanned = scan(work, snapshots, settings, now, progress)
    return idle(work, scanned, snapshots, dry_run) or apply(store, work, scanned, settings, now, dry_run)
