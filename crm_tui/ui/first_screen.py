"""The first screenful of Contacts, kept from the last run, so a start paints at once.

Opening the store is most of a start-up at 10,000 contacts and more (0.1 s at 10,000,
0.5 s at 50,000: every contact is read and built). What the first frame shows is small:
the first rows of the home screen in its default order, with their next steps. So each
time the Contacts screen has computed everything, it keeps those rows here
(``<data>/cache/first-screen.json``, a cache: losing it costs one slower start, never
data), under a key made of everything they were computed from:

- every data file's size, time and inode and the folder's save counter (any save by any
  crm-tui process changes the key),
- the settings the rows are worked out from (all but the theme and the keys: the app
  saves the config file when the theme changes, and that must not make the next start slow),
- the day (next steps and "3 weeks ago" change with it),
- this file's format and the program's version.

Today's screen is kept and the next mornings' (the same contacts: the default order is
by last touch, which the day does not change): tomorrow's by the Contacts screen after
every change, and a week of them by commands that save, by a cold start's child and by
the app as it ends, so the first start of a day, even after a weekend away, finds its
rows too. A one-shot command that saves (``crm-tui log``, a cron ``crm-tui sync``)
keeps them afresh when a TUI has kept them before (``cli/common.py``), so the next start
matches again.

``crm-tui`` reads the key (a few ``stat`` calls) and, when it matches, paints these rows
first and opens the store right after, in a thread; keys typed meanwhile wait for it (the
key gate) and then go where they would have. The rows it paints are replaced by the ones
computed from the store as soon as it is open, so even a key that missed a change (a
clock set back, a file restored with its old time) shows stale rows for a moment only.
A key that does not match (no day kept is today, a changed setting, a new version, or a
save by a program that does not keep them, such as an older crm-tui) is a cold start: a
child process works the rows out while the start imports the UI
(:mod:`crm_tui.ui.cold_start`), or, where that is not done, the store first, then the
frame.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import arrow
import orjson

from crm_tui import __version__
from crm_tui.domain.text import sort_key, strip_controls
from crm_tui.paths import Paths
from crm_tui.ui.widgets.contact_rows import (
    ContactRow,
    build_rows,
    last_keys,
    last_keys_of,
    next_steps_for,
    sort_order,
)

if TYPE_CHECKING:
    from crm_tui.config import Settings
    from crm_tui.domain.models import Contact
    from crm_tui.store.repository import Store

FORMAT = 2
ROWS = 100  # taller terminals show the rest once the store is open
# The mornings kept by a command that saved, a cold start's child and the app as it ends
# (a start after a weekend away is a quick one); the Contacts screen's own keeping, after
# every change, keeps today and tomorrow (each day is a few milliseconds on the event loop).
DAYS_AHEAD = 7
FILE = "first-screen.json"
# The table's cells, in the order kept (ContactRow.cells()'s names).
CELLS = ("name", "company_role", "last", "next_step", "status", "tags")
_STATUSES = frozenset({"", "overdue", "due", "upcoming", "waiting", "closed"})


def path_of(paths: Paths) -> Path:
    return paths.data / "cache" / FILE


def settings_stamp(settings: Settings) -> str:
    """The settings kept rows and matches are worked out from, as one string: every one
    but the theme and the keys (which change no row)."""
    data = settings.to_toml_dict()
    data.pop("ui", None)
    data.pop("keys", None)
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()


def key_of(paths: Paths, now: arrow.Arrow, settings: Settings,
           names: Sequence[str] | None = None) -> str | None:
    """What the kept rows depend on, as one string; None when the folder cannot be read.
    ``names``: only these data files count (else every one, and the save counter)."""
    parts = [f"format {FORMAT}", f"version {__version__}", f"day {now.format('YYYY-MM-DD')}",
             f"zone {now.utcoffset()}", f"files {names}", f"settings {settings_stamp(settings)}"]
    try:
        entries = list(os.scandir(paths.data))
    except OSError:
        return None
    for entry in entries:
        counts = entry.name.endswith(".json") or entry.name == ".generation"
        if (entry.name in names) if names is not None else counts:
            try:
                stat = entry.stat(follow_symlinks=False)
            except OSError:
                return None
            parts.append(f"{entry.name} {stat.st_size} {stat.st_mtime_ns} {stat.st_ino}")
    with contextlib.suppress(OSError):
        if names is None:
            generation = (paths.data / ".generation").read_bytes()[:64]
            parts.append(f"generation {generation.strip().decode('ascii', 'replace')}")
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()


class KeptRow:
    """A row as the table draws it (``ContactRow``'s cells), from the kept file."""

    __slots__ = ("_cells", "id")

    def __init__(self, contact_id: str, cells: dict[str, str]) -> None:
        self.id = contact_id
        self._cells = cells

    def __getattr__(self, name: str) -> str:
        try:
            return self._cells[name]
        except KeyError:
            raise AttributeError(name) from None

    def cells(self) -> dict[str, str]:
        return self._cells


@dataclass(frozen=True)
class FirstScreen:
    rows: list[KeptRow]
    total: int


def read(paths: Paths, now: arrow.Arrow, settings: Settings) -> FirstScreen | None:
    """The kept rows when they were computed from the data, settings and day as they are
    now; None otherwise (or when the file is missing, damaged or odd in any way)."""
    key = key_of(paths, now, settings)
    if key is None:
        return None
    try:
        with open(path_of(paths), "rb") as handle:
            raw = handle.read(1 << 20)
        document = orjson.loads(raw)
        if document.get("format") != FORMAT:
            return None
        screen = next((s for s in document["screens"] if s.get("key") == key), None)
        if screen is None:
            return None
        total = screen["total"]
        rows = [_row(item) for item in screen["rows"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    if not isinstance(total, int) or total < len(rows) or not rows:
        return None
    return FirstScreen(rows, total)


def _row(item: Any) -> KeptRow:
    contact_id, *values = item
    if not isinstance(contact_id, str) or len(values) != len(CELLS):
        raise ValueError("bad row")
    # Our own file in the private data folder, but read as untrusted all the same: drawn
    # as plain text, with no control codes.
    cells = {name: strip_controls(value) for name, value in zip(CELLS, values, strict=True)
             if isinstance(value, str)}
    if len(cells) != len(CELLS) or cells["status"] not in _STATUSES:
        raise ValueError("bad row")
    return KeptRow(contact_id, cells)


def morning(now: arrow.Arrow, days: int = 1) -> arrow.Arrow:
    """When a later day's kept screen is computed for: 09:00 that day (its rows are
    replaced on that start anyway: a rule that turns on a later hour shows a moment late,
    never wrongly kept)."""
    return now.shift(days=days).floor("day").replace(hour=9)


def keep(paths: Paths, store: Store, settings: Settings, now: arrow.Arrow,
         top: Sequence[ContactRow] | None = None, total: int = 0, expect: str | None = None,
         days: int = 2) -> bool:
    """Keep the first screen of today and of the ``days - 1`` mornings after it; True when
    they were written. ``top``: today's first rows in the default order when the caller
    has them (the Contacts screen), else they are worked out from the store (a one-shot
    command after saving). ``expect``: today's key as it was before the store was read;
    nothing is kept when a save changed it meanwhile (the rows would be older than their
    key)."""
    if top is None:
        top, total = first_rows_in(store, now)
        steps = next_steps_for(store, settings, now, {row.id for row in top})
        for row in top:
            row.set_suggestion(steps.get(row.id))
    if not top:
        forget(paths)
        return False
    contacts = [row.contact for row in top]
    ids = {c.id for c in contacts}
    later = [morning(now, ahead) for ahead in range(1, days)]
    ahead = [build_rows(contacts, next_steps_for(store, settings, day, ids), day) for day in later]
    today_key = key_of(paths, now, settings)
    if expect is not None and today_key != expect:
        return False
    screens = [_screen(today_key, top, total)]
    screens += [_screen(key_of(paths, day, settings), rows, total) for day, rows in zip(later, ahead, strict=True)]
    return write(paths, [screen for screen in screens if screen is not None])


def first_rows(contacts: Sequence[Contact], now: arrow.Arrow, count: int = ROWS) -> list[ContactRow]:
    """The first ``count`` rows of the Contacts screen's default order (by last touch, then
    name), building rows only for the contacts that can be among them: a command that
    saved pays for a screenful, not for 50,000 rows."""
    lasts = last_keys(contacts, now)
    if len(lasts) > count:
        cut = heapq.nsmallest(count, lasts)[-1]  # ties with the last one are candidates too
        contacts = [c for c, last in zip(contacts, lasts, strict=True) if last <= cut]
    rows = build_rows(contacts, {}, now)
    return [rows[i] for i in sort_order(rows, "last")[:count]]


def first_rows_in(store: Store, now: arrow.Arrow, count: int = ROWS) -> tuple[list[ContactRow], int]:
    """:func:`first_rows` of every contact in the store, and how many contacts there are,
    building only the contacts that can be among them (a store opened with
    ``build_on_use``, by the cold start's child, builds a screenful, not 50,000)."""
    lasts = store.last_touches()
    ids = lasts.ids
    keys = last_keys_of(lasts.last_in, lasts.last_out, now)
    total = len(keys)
    chosen: list[str] = ids
    if total > count:
        cut = heapq.nsmallest(count, keys)[-1]
        below = [contact_id for contact_id, key in zip(ids, keys, strict=True) if key < cut]
        ties = [contact_id for contact_id, key in zip(ids, keys, strict=True) if key == cut]
        room = count - len(below)
        if len(ties) > room:  # (many never touched, or touched the same day): by name next
            names = [sort_key(lasts.name_of(contact_id)) for contact_id in ties]
            name_cut = heapq.nsmallest(room, names)[-1]  # the same name again: candidates too
            ties = [contact_id for contact_id, name in zip(ties, names, strict=True) if name <= name_cut]
        chosen = below + ties
    # In id order, as the table lists them: equal rows keep that order.
    contacts = [c for c in map(store.contact, sorted(chosen, key=lasts.order_of)) if c is not None]
    return first_rows(contacts, now, count), total


def refresh_if_kept(paths: Paths, store: Store, settings: Settings, now: arrow.Arrow) -> None:
    """After a one-shot command saved: keep the screens afresh if a TUI keeps them here
    (nobody else pays for it)."""
    if path_of(paths).exists():
        keep(paths, store, settings, now, days=DAYS_AHEAD)


def _screen(key: str | None, rows: Iterable[ContactRow], total: int) -> dict[str, Any] | None:
    if key is None:
        return None
    kept = [[row.id, *(row.cells()[name] for name in CELLS)] for row in rows]
    return {"key": key, "total": total, "rows": kept}


def write(paths: Paths, screens: list[dict[str, Any]]) -> bool:
    """A cache: any failure (a read-only folder, a full disk) is ignored (False), and the
    next start is the usual one."""
    if not screens:
        return False
    target = path_of(paths)
    temp = target.with_name(f".{FILE}.{os.getpid()}.tmp")
    document = {"format": FORMAT, "screens": screens}
    try:
        target.parent.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(orjson.dumps(document))
        os.replace(temp, target)  # whole or not at all (no fsync: a cache)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()
        return False
    return True


def forget(paths: Paths) -> None:
    with contextlib.suppress(OSError):
        path_of(paths).unlink()
