"""Open the full-screen app (read-only only when the data folder cannot be written)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_tui import clock, perf
from crm_tui.cli.common import fail
from crm_tui.env import Env
from crm_tui.store.repository import Locked, Store
from crm_tui.store.storage import StoreError

# How long the TUI waits at start for another crm-tui's save to finish (as long as a command
# waits to save: only a save that never ends makes it open read-only).
OPEN_WAIT_SECONDS = 10.0

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp


def run_tui(env: Env) -> None:
    app = make_app(env)
    try:
        app.run()
    finally:
        app.store.close()
        perf.resume_gc()  # if the app ended before its first frame
    if app.return_code:  # e.g. 129 when the terminal hung up (ui/terminal.py)
        raise SystemExit(app.return_code)


def make_app(env: Env) -> CrmApp:
    """The app on an open store (read-only when another crm-tui holds it), as `crm-tui`
    starts it; bench/startup.py times this same path."""
    perf.pause_gc_for_startup()  # until the first frame (CrmApp.on_ready)
    try:
        from crm_tui.ui.app import CrmApp

        readonly_reason = None
        try:
            # The lock is held only while opening and saving: a second TUI, a cron job or
            # a one-shot command share the data (see crm_tui/store/sync.py).
            store = Store.open(env.paths.data, today=env.now, long_lived=True, wait=OPEN_WAIT_SECONDS)
            readonly_reason = store.readonly_reason  # a read-only folder
        except Locked as exc:
            readonly_reason = str(exc)
            try:
                store = Store.open(env.paths.data, readonly=True, today=env.now, long_lived=True)
            except StoreError as inner:
                fail(str(inner))
        except StoreError as exc:
            fail(str(exc))
        store.clock = clock.now  # open all day: a new day's first write takes its backup
        return CrmApp(env=env, store=store, readonly_reason=readonly_reason)
    except BaseException:
        perf.resume_gc(freeze=False)
        raise
