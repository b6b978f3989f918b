"""What a kind of source (mail, calendar...) provides to `crm-tui sync`.

A sync runs in three phases so the store's lock is never held while files are read:

1. ``snapshot(store)``: what the scan needs from the store (what was read before), taken
   from a read-only store, fast;
2. ``scan(paths, snapshot, settings, now, progress)``: reads the files, slow, no store;
3. ``idle(scanned, snapshot)``: when every kind says there is nothing to write, that is
   the report and the store is not opened for writing; otherwise
   ``apply(store, scanned, settings, now)``: inside one store batch shared by every kind
   (all or nothing), returns the kind's summary: an object with ``to_json()`` (its section
   of ``--json``) and ``lines()`` (its lines of the text summary).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import arrow

from crm_tui.config import Settings
from crm_tui.store.repository import Store

# progress(done, total): called now and then from the scan (maybe from a worker thread).
Progress = Callable[[int, int], None]


class SourceConfigError(ValueError):
    """The settings do not allow this kind to run (the message says how to fix them)."""


class Summary(Protocol):
    def to_json(self) -> dict[str, Any]: ...

    def lines(self) -> list[str]: ...


class SourceKind(Protocol):
    name: str  # the section name in `--json` and the key in [sources]

    def detect(self, path: Path) -> bool:
        """Whether a PATH given on the command line is of this kind."""
        ...

    def configured(self, settings: Settings) -> list[str]:
        """The paths of this kind in [sources] (``~`` not yet expanded)."""
        ...

    def check(self, settings: Settings) -> None:
        """Raise SourceConfigError when the settings cannot work."""
        ...

    def snapshot(self, store: Store) -> Any: ...

    def scan(self, paths: list[Path], snapshot: Any, settings: Settings, now: arrow.Arrow,
             progress: Progress | None) -> Any: ...

    def idle(self, scanned: Any, snapshot: Any) -> Summary | None:
        """The summary when the scan leaves nothing to write (so no writable store is
        opened: a sync with nothing new costs next to nothing), else None."""
        ...

    def apply(self, store: Store, scanned: Any, settings: Settings, now: arrow.Arrow) -> Summary: ...
