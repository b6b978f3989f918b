"""Opening the store for the TUI: at start (``crm-tui``), or just after the first frame
when that frame was painted from the rows kept by the last run (:mod:`crm_tui.ui.first_screen`)."""

from __future__ import annotations

from crm_tui import clock
from crm_tui.env import Env
from crm_tui.store.repository import Locked, Store

# How long the TUI waits at start for another crm-tui's save to finish (as long as a command
# waits to save: only a save that never ends makes it open read-only).
OPEN_WAIT_SECONDS = 10.0


def open_store(env: Env) -> tuple[Store, str | None]:
    """The store and why it is read-only (None: it can write); StoreError when it cannot
    be opened at all (a damaged or newer file: the message says which)."""
    readonly_reason = None
    try:
        # The lock is held only while opening and saving: a second TUI, a cron job or
        # a one-shot command share the data (see crm_tui/store/sync.py).
        store = Store.open(env.paths.data, today=env.now, long_lived=True, wait=OPEN_WAIT_SECONDS)
        readonly_reason = store.readonly_reason  # a read-only folder
    except Locked as exc:
        readonly_reason = str(exc)
        store = Store.open(env.paths.data, readonly=True, today=env.now, long_lived=True)
    store.clock = clock.now  # open all day: a new day's first write takes its backup
    return store, readonly_reason
