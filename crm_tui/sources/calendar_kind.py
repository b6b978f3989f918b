"""Calendars as a kind of source for `crm-tui sync` (see ``sources/sync.py``): the three
phases of a sync over :mod:`crm_tui.sources.calendar`.

- ``snapshot``: the calendar cache's index (each file's mtime and size, the last sync's
  state), the contacts' addresses and a digest of them, from the read-only store;
- ``scan``: parses the files that changed and name a contact, with no store and no lock;
- ``idle``: nothing to write (no file changed, the same addresses, no meeting started since
  the last sync): the sync then opens no writable store at all;
- ``apply``: adds, moves and removes meeting touches and refreshes the meetings to come,
  inside the batch that every source shares, then saves the cache (what it could not yet
  know was saved is checked by the next sync, see ``calendar._tracked``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import arrow

from crm_tui.config import Settings
from crm_tui.sources import calendar


@dataclass
class _Scanned:
    reading: calendar.Reading
    contacts: str | None  # calendar.contacts_hash of the store the snapshot was taken from
    now: arrow.Arrow


class CalendarKind:
    name = "calendar"

    def detect(self, path: Path) -> bool:
        return calendar.is_calendar_path(path)

    def configured(self, settings: Settings) -> list[str]:
        return list(settings.sources.calendars)

    def check(self, settings: Settings) -> None:
        """Nothing is required: without ``[me] emails`` only "I declined" cannot be told."""

    def snapshot(self, store: Any) -> dict[str, Any]:
        digest, addresses = calendar.contacts_digest(store)
        return {"cache": calendar.load_cache(calendar.cache_path(Path(store.folder))),
                "contacts": digest, "addresses": addresses}

    def scan(self, paths: list[Path], snapshot: Any, settings: Settings, now: arrow.Arrow,
             progress: Any = None) -> _Scanned:
        snapshot = snapshot or {}
        reading = calendar.read(paths, settings, now, snapshot.get("cache") or {},
                                snapshot.get("addresses"))
        return _Scanned(reading, snapshot.get("contacts"), now)

    def idle(self, scanned: _Scanned, snapshot: Any) -> calendar.Summary | None:
        """Nothing to write when no file changed, nobody's addresses changed and no meeting
        started since the last sync: then no writable store is opened at all."""
        if scanned.contacts is None:
            return None
        return calendar.nothing_to_do(scanned.reading, scanned.contacts, scanned.now)

    def apply(self, store: Any, scanned: _Scanned, settings: Settings,
              now: arrow.Arrow) -> calendar.Summary:
        summary = calendar.apply(store, scanned.reading, settings, now)
        path = calendar.cache_path(Path(store.folder))
        try:
            calendar.save_cache(path, scanned.reading)
        except OSError as exc:
            summary.unreadable.append(calendar.Unreadable(str(path), f"cache not saved: {exc}"))
        return summary
