"""`[sources] reminders` in the TUI: after any write to the store, re-export the follow-ups.

Watches ``store.generation`` (it grows with every write to disk, whichever screen or dialog
made it) rather than hooking each write path; a burst of writes (logging a touch is two)
becomes one export, at most every ``EVERY`` seconds.
"""

from __future__ import annotations

from typing import Any

EVERY = 2.0


def install(app: Any) -> None:
    """Start watching, when reminders are set and this instance may write."""
    settings = app.env.settings
    if not settings.sources.reminders.strip() or app.readonly_reason:
        return
    seen = {"generation": app.store.generation}

    def check() -> None:
        generation = app.store.generation
        if generation == seen["generation"]:
            return
        seen["generation"] = generation
        from crm_tui.services import reminders

        try:
            result = reminders.refresh(app.store, settings, app.now)
        except Exception as exc:  # never let a calendar folder take the app down
            app.notify(f"Reminders not exported: {exc}", title="Calendar", severity="warning",
                       markup=False)
            return
        for problem in result.problems if result else ():
            app.notify(problem, title="Calendar", severity="warning", markup=False)

    app.set_interval(EVERY, check, name="reminders")
