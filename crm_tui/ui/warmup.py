"""Work done ahead, while the user reads the first screen.

What the other screens would otherwise do on their first visit: the Articles screen's best
matches, started just after the first frame in a thread (see :mod:`crm_tui.ui.article_matches`:
a second or more of work at 10,000 contacts that leaves the event loop free), and, once
the Contacts screen is complete (its rows and every next step), the month files a
contact's timeline reads (one month per step between frames: each is a few milliseconds,
so keys are still handled at once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp

STEP_SECONDS = 0.01  # between two months read ahead
FIRST_FRAME_DELAY = 0.05  # after the first frame, before the Articles matches start


def at_first_frame(app: CrmApp) -> None:
    """Start the Articles matches (in a thread; at once for small data)."""
    if app.is_running:  # (not when the app is closing already)
        app.article_matches.warm()


def after_first_screen(app: CrmApp) -> None:
    """Read the touches' month files ahead (once: later calls do nothing)."""
    if app.__dict__.get("_warmed"):
        return
    app.__dict__["_warmed"] = True
    months = app.ctx.store.read_ahead()

    def step() -> None:
        if next(months, None) is not None:
            app.set_timer(STEP_SECONDS, step)

    app.set_timer(STEP_SECONDS, step)
