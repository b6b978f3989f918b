"""`[sources] reminders` in the TUI: after any change to the data, re-export the follow-ups.

Listens to the context's ``changed`` signal (published by the one write path, and for
writes made elsewhere: a worker, another process), then exports once the changes pause
for ``DELAY`` seconds: a burst of writes becomes one export. An export only drafts the steps
that changed (see interop/ics_export.py), and nothing at all when the store was not written
since the last one (``store.generation``). The store is read on the event loop (cheap: the
engine's suggestions are cached); drafting and writing the files (a second for thousands
of steps, many more the first time) run in a thread, one at a time: changes made meanwhile
are exported when it ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm_tui.ui.context import Change

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp

DELAY = 1.0


def install(app: CrmApp) -> None:
    """Start listening, when reminders are set and this instance may write."""
    ctx = app.ctx
    if not ctx.settings.sources.reminders.strip() or ctx.readonly:
        return
    state: dict[str, Any] = {"generation": ctx.store.generation, "timer": None, "running": False,
                             "again": False}

    def export() -> None:
        state["timer"] = None
        if state["running"]:
            state["again"] = True
            return
        generation = ctx.store.generation
        if generation == state["generation"]:
            return
        from crm_tui.services import reminders

        try:
            snap = reminders.snapshot(ctx.store, ctx.settings, ctx.now)
        except Exception as exc:  # never let a calendar folder take the app down
            app.notify(f"Reminders not exported: {exc}", title="Calendar", severity="warning", markup=False)
            return
        state["generation"] = generation
        state["running"] = True

        def work() -> None:
            try:
                result = reminders.write_to_reminders(snap)
                problems = list(result.problems) if result else []
            except Exception as exc:  # reported, never raised into the app
                problems = [f"Reminders not exported: {exc}"]
            app.call_from_thread(finished, problems)

        app.run_worker(work, thread=True, group="reminders", name="reminders", exit_on_error=False)

    def finished(problems: list[str]) -> None:
        state["running"] = False
        for problem in problems:
            app.notify(problem, title="Calendar", severity="warning", markup=False)
        if state["again"]:
            state["again"] = False
            export()

    def changed(_change: Change) -> None:
        if state["timer"] is not None:
            state["timer"].stop()
        state["timer"] = app.set_timer(DELAY, export, name="reminders")

    ctx.changed.subscribe(app, changed)
