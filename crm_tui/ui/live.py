"""Live data: the TUI shows what other crm-tui processes save, within a second or two.

The store keeps no lock while the app is open (see ``crm_tui/store/sync.py``), so a cron
job, a one-shot ``crm-tui log`` or a second TUI can save at any time. A timer asks the
store whether its files changed (a few ``stat`` calls); if they did, the store re-reads
the changed files and the screens are told, as after one of the app's own writes.
"""

from __future__ import annotations

from typing import Any

# Every second: a change is on screen within 2 s of being saved, whatever the phase.
POLL_SECONDS = 1.0


def watch_store(app: Any) -> None:
    """Start the app's timer (call from on_mount)."""
    app.set_interval(POLL_SECONDS, lambda: pick_up_changes(app), name="crm-live-data")


def pick_up_changes(app: Any) -> bool:
    """Re-read what others saved and refresh the screens; True when something changed."""
    store = app.store
    changed_elsewhere = getattr(store, "changed_elsewhere", None)
    if changed_elsewhere is None or not changed_elsewhere():
        return False
    try:
        changed = store.refresh()
    except Exception as exc:  # a damaged file saved by someone else: say it, keep going
        app.notify(f"Could not read the latest data: {exc}", title="Data", severity="error",
                   markup=False)
        return False
    if not changed:
        return False
    app.refresh_data()
    return True


def say_warnings(app: Any) -> None:
    """Warnings a save left (saved, but something needs saying): shown once each."""
    warnings = getattr(app.store, "warnings", None)
    while warnings:
        app.notify(warnings.pop(0), title="Saved, with a warning", severity="warning",
                   timeout=10, markup=False)
