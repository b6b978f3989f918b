"""`[sources] reminders` in the TUI: after any change to the data, re-export the follow-ups.

Listens to the context's ``changed`` signal (published by the one write path, and for
writes made elsewhere: a worker, another process), then exports once the changes pause
for ``DELAY`` seconds: a burst of writes becomes one export. An export only drafts the steps
that changed (see interop/ics_export.py), and nothing at all when the store was not written
since the last one (``store.generation``).
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
    state: dict[str, Any] = {"generation": ctx.store.generation, "timer": None}

    def export() -> None:
        state["timer"] = None
        generation = ctx.store.generation
        if generation == state["generation"]:
            return
        state["generation"] = generation
        from crm_tui.services import reminders

        try:
            result = reminders.refresh(ctx.store, ctx.settings, ctx.now)
        except Exception as exc:  # never let a calendar folder take the app down
            app.notify(f"Reminders not exported: {exc}", title="Calendar", severity="warning",
                       markup=False)
            return
        for problem in result.problems if result else ():
            app.notify(problem, title="Calendar", severity="warning", markup=False)

    def changed(_change: Change) -> None:
        if state["timer"] is not None:
            state["timer"].stop()
        state["timer"] = app.set_timer(DELAY, export, name="reminders")

    ctx.changed.subscribe(app, changed)
