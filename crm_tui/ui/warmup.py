"""Work done ahead, while the user reads the first screen.

What the other screens would otherwise do on their first visit: the Articles screen's best
matches, started just after the first frame in a thread (see :mod:`crm_tui.ui.article_matches`:
a second or more of work at 10,000 contacts that leaves the event loop free), and, once
the Contacts screen is complete (its rows and every next step), the month files a
contact's timeline reads (a few months per step between frames: each is a few milliseconds,
so keys are still handled at once: a step reads months for 8 ms at most).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp

STEP_SECONDS = 0.005  # between two steps of reading months ahead
STEP_BUDGET = 0.008  # of reading in one step
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
        # Months until STEP_BUDGET is spent (a frame's worth: a key waits no longer), then
        # a pause for whatever is waiting (100,000 touches: ~0.2 s of reading in all).
        ends = time.perf_counter() + STEP_BUDGET
        while next(months, None) is not None:
            if time.perf_counter() >= ends:
                if app.is_running:
                    app.set_timer(STEP_SECONDS, step)
                return

    app.set_timer(STEP_SECONDS, step)
