"""Open the full-screen app, read-only when another crm-tui holds the data."""

from __future__ import annotations

from crm_tui.cli.common import Env, fail
from crm_tui.store.repository import Locked, Store
from crm_tui.store.storage import StoreError


def run_tui(env: Env) -> None:
    from crm_tui.app import CrmApp

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
    try:
        CrmApp(env=env, store=store, readonly_reason=readonly_reason).run()
    finally:
        store.close()
