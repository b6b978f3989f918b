"""The calendar reader's records and constants (see :mod:`crm_tui.sources.calendar`)."""


from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SOURCE = "calendar"  # Touch.source of a meeting touch; Touch.key is "UID|slot"
CACHE_VERSION = 2
MAX_FILE_BYTES = 20 * 1024 * 1024
# Future meetings are expanded this far ahead; the cache is reused while it still sees
# this much of the future (a no-change sync a month later re-reads nothing).
AHEAD_DAYS = 180
REUSE_AHEAD_DAYS = 120
MEETINGS_KEPT = 3  # per contact, soonest first
_UTC = UTC
SINGLE = "single"  # the slot of an event that does not recur: moving it moves its touch




# --------------------------------------------------------------------------- results
@dataclass(slots=True)
class Occurrence:
    """One expanded occurrence, as cached (plain values only)."""

    uid: str
    slot: str  # RECURRENCE-ID in a stable ISO form, or SINGLE: the occurrence's identity
    start: str  # ISO datetime with offset (floating and all-day: in the user's zone)
    title: str
    emails: list[str]  # organizer and attendees who did not decline, lower case
    all_day: bool = False
    epoch: float = 0.0  # the start as a POSIX time, for cheap comparisons

    @property
    def key(self) -> str:
        return f"{self.uid}|{self.slot}"

    def as_list(self) -> list[Any]:
        return [self.uid, self.slot, self.start, self.title, self.emails, self.all_day, self.epoch]


@dataclass
class Unreadable:
    path: str
    reason: str


@dataclass
class Summary:
    """What a calendar sync saw and did (``--json`` prints :meth:`to_json`)."""

    files: int = 0  # calendar files found
    files_read: int = 0  # parsed this time
    files_unchanged: int = 0  # skipped: same mtime and size as last time
    events: int = 0  # occurrences inside the window, before matching contacts
    touches_added: int = 0
    touches_moved: int = 0
    touches_removed: int = 0
    touches_updated: int = 0  # title changed
    contacts_met: int = 0  # contacts with at least one touch from the calendars this sync
    upcoming: int = 0  # contacts with a meeting to come
    unreadable: list[Unreadable] = field(default_factory=list)
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """The text summary of `crm-tui sync`."""
        read = f"{self.files_read} calendar file{'s' if self.files_read != 1 else ''} read"
        if self.files_unchanged:
            read += f", {self.files_unchanged} unchanged"
        changes = (f"meetings: {self.touches_added} added, {self.touches_moved} moved, "
                   f"{self.touches_removed} removed")
        if self.touches_updated:
            changes += f", {self.touches_updated} renamed"
        out = [f"{read}; {changes}; {self.upcoming} contact{'s' if self.upcoming != 1 else ''} "
               "with a meeting ahead"]
        out += [f"unreadable calendar {u.path}: {u.reason}" for u in self.unreadable]
        return out


@dataclass
class Reading:
    """The result of :func:`read`: what was parsed, what the cache still holds, problems,
    and the new cache (``cache``: the small index; ``bulk()``: occurrences and touches)."""

    parsed: dict[str, list[Occurrence]]  # path -> occurrences, of the files read this time
    unchanged: list[str]  # files whose occurrences are in the cache
    unreadable: list[Unreadable]
    roots_ok: bool  # every given path existed
    files_read: int
    files_unchanged: int
    window_start: datetime
    cache: dict[str, Any]
    previous: dict[str, Any] = field(default_factory=dict)  # the last sync's state
    same_files: bool = False  # the same files as last time, none of them changed
    bulk_path: Path | None = None
    roots: list[str] = field(default_factory=list)  # the paths read, absolute
    _bulk: dict[str, Any] | None = None
    bulk_dirty: bool = False

    @property
    def files(self) -> int:
        return len(self.parsed) + len(self.unchanged)

    def bulk(self) -> dict[str, Any]:
        """The cache's big part (read on first use: a sync with nothing to do never does)."""
        if self._bulk is None:
            from crm_tui.sources import calendar  # the cache's reader lives there

            self._bulk = calendar._load_bulk(self.bulk_path, self.previous.get("stamp"))
        return self._bulk

    def occurrences(self) -> dict[str, list[Occurrence]]:
        cached = self.bulk().get("occ", {})
        found = {path: [Occurrence(*o) for o in cached.get(path, [])] for path in self.unchanged}
        found.update(self.parsed)
        return found


