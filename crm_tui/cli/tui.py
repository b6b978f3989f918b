"""Open the full-screen app (read-only only when the data folder cannot be written)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_tui import perf
from crm_tui.cli.common import fail
from crm_tui.env import Env
from crm_tui.store.storage import StoreError
from crm_tui.ui.opening import OPEN_WAIT_SECONDS, open_store

__all__ = ["OPEN_WAIT_SECONDS", "make_app", "run_tui"]

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp


def run_tui(env: Env) -> None:
    app = make_app(env, first_screen=True)
    try:
        app.run()
        if not app.return_code:
            app.keep_for_next_start()
    finally:
        app.finish_opening()  # and close the store
        perf.resume_gc()  # if the app ended before its first frame
    if app.return_code:  # e.g. 129 when the terminal hung up (ui/terminal.py)
        raise SystemExit(app.return_code)


def make_app(env: Env, first_screen: bool = False) -> CrmApp:
    """The app on an open store (read-only when another crm-tui holds it), as `crm-tui`
    starts it; bench/startup.py times this same path.

    ``first_screen`` (the real command): when the first screenful of Contacts kept by the
    last run still matches the data (:mod:`crm_tui.ui.first_screen`), the app paints it
    first and opens the store right after (:func:`open_store`, in a thread). When nothing
    matches, a child process works it out while this one imports the UI
    (:mod:`crm_tui.ui.cold_start`), and the start goes on the same way; if the child is
    not done by then, the app paints its frame and shows the rows when it is. Likewise
    the Articles screen's matches when none are kept for today's data: a second child
    works them out (:func:`crm_tui.ui.kept_matches.work_out_in_child`)."""
    perf.pause_gc_for_startup()  # until the first frame (CrmApp.on_ready)
    keeper = matches = None
    try:
        rows = None
        if first_screen:
            from crm_tui.ui import cold_start
            from crm_tui.ui import first_screen as kept
            from crm_tui.ui.kept_matches import work_out_in_child

            early = cold_start.take_early(env.paths, env.now, env.settings)
            if early is not None:  # done before the command line's imports (crm_tui/__main__.py)
                rows, keeper, matches = early.rows, early.keeper, early.matches
            else:
                rows = kept.read(env.paths, env.now, env.settings)
                if rows is None:  # a cold start: the first screen is worked out alongside
                    keeper = cold_start.keep_in_child(env.paths, env.settings, env.now)
                matches = work_out_in_child(env.paths, env.settings, env.now)
        from crm_tui.ui.app import CrmApp  # Textual and the home screen: a third of a second

        if keeper is not None:
            done = keeper.finished()
            if done is None:  # still at it: the app paints its frame meanwhile, the rows after
                pending, keeper = keeper, None  # (the app's to end now)
                return CrmApp(env=env, store=None, pending=pending, matches=matches)
            if done:
                rows = kept.read(env.paths, env.now, env.settings)
        if rows is not None:
            return CrmApp(env=env, store=None, first_screen=rows, matches=matches)
        try:
            store, readonly_reason = open_store(env)
        except StoreError as exc:
            fail(str(exc))
        return CrmApp(env=env, store=store, readonly_reason=readonly_reason, matches=matches)
    except BaseException:
        perf.resume_gc(freeze=False)
        if matches is not None:  # a failed open, Ctrl+C: no child left behind (else the app's)
            matches.stop()
        raise
    finally:
        if keeper is not None:
            keeper.stop()  # Ctrl+C while waiting: no child left behind
