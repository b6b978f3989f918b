"""What keeps the TUI right while it stays open all day (issue 13): undo and redo,
recomputing everything when the day changes, and refreshing feeds quietly.

The app mixes :class:`LiveApp` in; the screens only see the usual data-changed signal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.binding import Binding
from textual.worker import WorkerState

from crm_tui.store.storage import StoreError
from crm_tui.ui.context import Change, writes

if TYPE_CHECKING:
    from crm_tui.ui.context import UiContext

# How often the app looks whether the date changed (a minute late at midnight is fine).
DAY_CHECK_SECONDS = 30.0

BINDINGS = [
    Binding("u,ctrl+z", "undo", "Undo", show=False, id="app.undo",
            tooltip="Take back the last change (repeat to go further back)"),
    Binding("U,ctrl+y", "redo", "Redo", show=False, id="app.redo",
            tooltip="Apply again what undo took back"),
]


class LiveApp:
    """Mixin for CrmApp, whose ``ctx`` (the UI context) it uses."""

    ctx: UiContext

    def start_live(self) -> None:
        """Called once mounted: the day watch and the feeds' timer."""
        self._day = self.ctx.now.date()
        app: Any = self
        app.set_interval(DAY_CHECK_SECONDS, self.check_day, name="day-change")
        minutes = int(getattr(self.ctx.settings.feeds, "refresh_minutes", 0) or 0)
        if minutes > 0:
            app.set_interval(minutes * 60.0, self.refresh_feeds_quietly, name="feeds-refresh")

    # ------------------------------------------------------------------ undo / redo
    @writes
    def action_undo(self) -> None:
        self._replay(back=True)

    @writes
    def action_redo(self) -> None:
        self._replay(back=False)

    def _replay(self, back: bool) -> None:
        app: Any = self
        if self.ctx.refuse_if_readonly():
            return
        try:
            label = self.ctx.store.undo() if back else self.ctx.store.redo()
        except StoreError as exc:
            app.notify(str(exc), title="Not saved", severity="error", markup=False)
            return
        if label is None:
            app.notify("Nothing to undo." if back else "Nothing to redo.", markup=False)
            return
        app.notify(f"{'Undid' if back else 'Redid'}: {label}", markup=False)
        self.ctx.publish(Change.everything())

    # ------------------------------------------------------------------ the day
    def check_day(self) -> None:
        """Past midnight, Today and every label are yesterday's: recompute them."""
        today = self.ctx.now.date()
        if today != self._day:
            self._day = today
            self.ctx.publish(Change.everything())

    # ------------------------------------------------------------------ feeds
    def refresh_feeds_quietly(self) -> None:
        app: Any = self
        if self.ctx.readonly or not self.ctx.store.feeds():
            return
        busy = [w for w in app.workers if w.group == "feeds" and w.state in
                (WorkerState.PENDING, WorkerState.RUNNING)]
        if busy or any(getattr(screen, "refreshing", False) for screen in app.screen_stack):
            return
        self._refresh_feeds()

    @work(exclusive=True, group="feeds")
    async def _refresh_feeds(self) -> None:
        """A refresh in the background: nothing said unless it fails."""
        from crm_tui.services import feeds as service

        app: Any = self
        try:
            summary = await service.refresh(self.ctx.store, self.ctx.settings, self.ctx.now)
        except StoreError as exc:
            app.notify(str(exc), title="Feeds not saved", severity="error", markup=False)
            return
        except Exception as exc:  # a background nicety must never take the app down
            app.notify(f"Feeds were not refreshed: {exc}", title="Feeds", severity="warning",
                       markup=False)
            return
        if summary.new_articles:
            self.ctx.publish(Change.of("feeds", "articles"))
