"""Open the full-screen app, read-only when another crm-tui holds the data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_tui import perf
from crm_tui.cli.common import fail
from crm_tui.env import Env
from crm_tui.store.repository import Locked, Store
from crm_tui.store.storage import StoreError

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
            store = Store.open(env.paths.data, today=env.now, long_lived=True)
        except Locked as exc:
            readonly_reason = str(exc)
            try:
                store = Store.open(env.paths.data, readonly=True, today=env.now, long_lived=True)
            except StoreError as inner:
                fail(str(inner))
        except StoreError as exc:
            fail(str(exc))
        return CrmApp(env=env, store=store, readonly_reason=readonly_reason)
    except BaseException:
        perf.resume_gc(freeze=False)
        raise
