"""Live data: the TUI shows what other crm-tui processes save, within a second or two.

The store keeps no lock while the app is open (see ``crm_tui/store/sync.py``), so a cron
job, a one-shot ``crm-tui log`` or a second TUI can save at any time. A timer asks the
store whether its files changed (a few ``stat`` calls); if they did, the store re-reads
the changed files and the context's data-changed signal tells the screens, as after one of
the app's own writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_tui.ui.context import TABLES, Change

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp

# Every second: a change is on screen within 2 s of being saved, whatever the phase.
POLL_SECONDS = 1.0


def watch_store(app: CrmApp) -> None:
    """Start the app's timer (call from on_mount)."""
    app.set_interval(POLL_SECONDS, lambda: pick_up_changes(app), name="crm-live-data")


def pick_up_changes(app: CrmApp) -> bool:
    """Re-read what others saved and tell the screens; True when something changed."""
    ctx = app.ctx
    if not ctx.store.changed_elsewhere():
        return False
    try:
        stems = ctx.store.refresh()
    except Exception as exc:  # a damaged file saved by someone else: say it, keep going
        app.notify(f"Could not read the latest data: {exc}", title="Data", severity="error",
                   markup=False)
        return False
    if not stems:
        return False
    ctx.publish(Change(None, tables_of(stems)))
    return True


def tables_of(stems: set[str]) -> frozenset[str] | None:
    """The UI's table names for the store's files re-read (None: maybe everything)."""
    tables: set[str] = set()
    for stem in stems:
        if stem.startswith("touches-"):
            tables.add("touches")
        elif stem == "summaries":  # a touch logged elsewhere: the contacts' last touch too
            tables |= {"touches", "contacts"}
        elif stem in TABLES:
            tables.add(stem)
        else:
            return None
    return frozenset(tables) or None
