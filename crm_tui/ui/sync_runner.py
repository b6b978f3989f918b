"""The TUI's sync: plan and snapshot on the event loop, read the files in a thread worker
(the store is not touched there), then write everything in one batch on the event loop
through the context's one write path.

Progress (messages read / total) shows in a one-line status docked at the bottom of
whichever screen is in front; a notification says what changed at the end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Static

from crm_tui.sources import sync as syncing
from crm_tui.sources.base import SourceConfigError
from crm_tui.ui.context import Change

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp

STATUS_ID = "sync-status"


class SyncStatus(Static):
    DEFAULT_CSS = """
    SyncStatus {
        dock: bottom;
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """


class SyncRunner:
    """One per app; ``start()`` is the `S` key, the palette entry and sync_on_start."""

    def __init__(self, app: CrmApp) -> None:
        self.app = app
        self.running = False

    def start(self, quiet: bool = False) -> None:
        app, ctx = self.app, self.app.ctx
        if self.running:
            app.notify("Already syncing", severity="warning")
            return
        if ctx.readonly:
            if not quiet:
                ctx.refuse_if_readonly()
            return
        try:
            work = syncing.plan(ctx.settings)
        except SourceConfigError as exc:
            if not quiet:
                app.notify(str(exc), title="Sync", severity="warning", markup=False, timeout=10)
            return
        snapshots = syncing.snapshot(ctx.store, work)
        settings, now = ctx.settings, ctx.now
        self.running = True
        self._show("Syncing mail: looking for new messages…")
        app.run_worker(lambda: self._scan(work, snapshots, settings, now), thread=True,
                       exclusive=True, group="sync", name="sync")

    def _scan(self, work: syncing.Plan, snapshots: dict[str, Any], settings: Any, now: Any) -> None:
        app = self.app
        try:
            scanned = syncing.scan(work, snapshots, settings, now,
                                   progress=lambda done, total: app.call_from_thread(self._progress, done, total))
        except Exception as exc:  # a bug must not leave "Syncing" up for ever
            app.call_from_thread(self._failed, exc)
            return
        app.call_from_thread(self._apply, work, scanned, snapshots)

    def _progress(self, done: int, total: int) -> None:
        self._show(f"Syncing mail: {done:,} / {total:,} messages read")

    def _failed(self, exc: Exception) -> None:
        self.running = False
        self._hide()
        self.app.notify(f"Sync failed: {exc}", title="Sync", severity="error", markup=False)

    def _apply(self, work: syncing.Plan, scanned: dict[str, Any], snapshots: dict[str, Any]) -> None:
        ctx = self.app.ctx
        self.running = False
        self._hide()
        report = syncing.idle(work, scanned, snapshots)
        if report is None:
            result = ctx.write(lambda: syncing.apply(ctx.store, work, scanned, ctx.settings, ctx.now),
                               None, Change.everything())
            if not result.ok or result.value is None:
                return
            report = result.value
        self.app.notify("\n".join(report.lines()[:6]), title="Mail synced", markup=False, timeout=8)

    # ----------------------------------------------------------------- status line
    def _show(self, text: str) -> None:
        screen = self.app.screen
        found = screen.query(f"#{STATUS_ID}")
        if found:
            found.first(SyncStatus).update(text)
        else:
            screen.mount(SyncStatus(text, id=STATUS_ID, markup=False))

    def _hide(self) -> None:
        for screen in self.app.screen_stack:
            for widget in screen.query(f"#{STATUS_ID}"):
                widget.remove()
