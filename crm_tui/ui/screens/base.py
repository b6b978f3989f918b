"""The one base of every full screen: the context, and recomputing on a data change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import arrow
from textual import events, on
from textual.screen import Screen
from textual.widgets import DataTable

from crm_tui.config import Settings
from crm_tui.domain.models import Article, Contact, Suggestion
from crm_tui.services import actions
from crm_tui.store.repository import Store
from crm_tui.ui.context import Change, UiContext, ctx_of

if TYPE_CHECKING:
    from crm_tui.ui.dialogs.compose import SentMessage


class CrmScreen(Screen[None]):
    """A screen over the app's data.

    It subscribes to the context's ``changed`` signal. A change the screen cares about
    (:meth:`wants`) is applied at once when the screen is on top, or remembered and applied
    once when it is shown again; a screen shown again with nothing changed does no work.
    Subclasses implement :meth:`data_changed` (by default: :meth:`reload`).
    """

    def __init__(self) -> None:
        super().__init__()
        self._missed: Change | None = None

    @property
    def ctx(self) -> UiContext:
        return ctx_of(self)

    @property
    def store(self) -> Store:
        return self.ctx.store

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @property
    def now(self) -> arrow.Arrow:
        return self.ctx.now

    @on(events.Mount)
    def _subscribe(self) -> None:
        self.ctx.changed.subscribe(self, self._on_change)

    def _on_change(self, change: Change) -> None:
        if not self.wants(change):
            return
        if self.is_current:
            self.data_changed(change)
        else:
            self._missed = change if self._missed is None else self._missed.merge(change)

    @on(events.ScreenResume)
    def _catch_up(self) -> None:
        missed, self._missed = self._missed, None
        if missed is not None:
            self.data_changed(missed)

    def wants(self, change: Change) -> bool:
        """Whether this screen shows anything ``change`` may have changed."""
        return True

    def data_changed(self, change: Change) -> None:
        self.reload()

    def reload(self) -> None:
        """Recompute everything shown from the store."""

    def compose_message(self, contact: Contact, suggestion: Suggestion | None = None,
                        article: Article | None = None, sent_text: str | None = None,
                        restore: SentMessage | None = None) -> None:
        """Open the composer; log what it hands back on **mark sent** (one write), and open
        it again with the same text if that write fails."""
        from crm_tui.ui.dialogs.compose import ComposeDialog

        ctx = self.ctx

        def closed(sent: SentMessage | None) -> None:
            if sent is None:
                return
            people = {sent.recipient_id, sent.suggestion.contact_id}
            result = ctx.write(
                lambda: actions.mark_sent(ctx.store, sent.suggestion, sent.recipient_id, ctx.now,
                                          sent.channel, sent.note, sent.article_id),
                sent_text,
                Change.of("contacts", "touches", "threads", "shares", contacts=people),
            )
            if not result.ok and not ctx.readonly:
                self.compose_message(contact, suggestion, article, sent_text, restore=sent)

        self.app.push_screen(
            ComposeDialog(ctx.store, ctx.settings, ctx.now, contact, suggestion, article,
                          templates_file=ctx.env.paths.templates_file, restore=restore),
            closed,
        )


def cursor_key(table: DataTable[Any]) -> str | None:
    """The key of the row under the cursor, or None for an empty table."""
    if not table.row_count:
        return None
    try:
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
    except Exception:
        return None


def restore_cursor(table: DataTable[Any], keys: list[str], current: str | None,
                   old_row: int | None = None) -> None:
    """After a reload, put the cursor back on ``current``; when it is gone (done, skipped,
    deleted), on the row that took its place (``old_row``, read before the table was
    cleared), so the next one is under the cursor rather than the top of the list."""
    row = table.cursor_row if old_row is None else old_row
    index = keys.index(current) if current in keys else min(row, len(keys) - 1)
    table.move_cursor(row=max(index, 0))
