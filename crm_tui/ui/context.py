"""The one object the UI talks to: the data, the settings, the clock, whether this instance
may write, the one write path, and the signal that says what changed.

Screens and widgets reach it as ``self.ctx`` (:class:`crm_tui.ui.screens.base.CrmScreen`)
or :func:`ctx_of`; nothing in ``ui/`` reaches into the App for data.

A keypress that changes data goes: binding -> ``CrmApp.run_action`` (refuses actions marked
:func:`writes` when read-only, with one notice) -> the screen's action -> (a dialog, which
returns data only) -> :meth:`UiContext.write` with a service call -> the store's batch ->
:attr:`UiContext.changed` publishes a :class:`Change` -> each screen that shows what changed
recomputes it (now if it is on top, when it is shown again otherwise).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import arrow
from textual.dom import DOMNode
from textual.signal import Signal

from crm_tui import clock
from crm_tui.config import Settings
from crm_tui.env import Env
from crm_tui.services import engine
from crm_tui.services.actions import ActionError
from crm_tui.store.repository import Store
from crm_tui.store.storage import StoreError
from crm_tui.ui.format import sentence

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

# A change to named contacts in these tables changes the suggestions of those contacts
# and the people of their threads only (services/engine.after_change).
PEOPLES_TABLES = frozenset({"contacts", "touches", "threads", "shares"})

# The tables a change can name (the store's files, touches for all the month shards).
TABLES = frozenset({"contacts", "touches", "threads", "feeds", "articles", "shares", "dismissals"})


@dataclass(frozen=True)
class Change:
    """What a write changed, so a screen recomputes only what it shows.

    ``None`` means "unknown: maybe everything" (an import, a refresh from another process).
    """

    contact_ids: frozenset[str] | None = None
    tables: frozenset[str] | None = None

    @classmethod
    def everything(cls) -> Change:
        return cls()

    @classmethod
    def of(cls, *tables: str, contacts: Iterable[str] | None = None) -> Change:
        unknown = set(tables) - TABLES
        if unknown:
            raise ValueError(f"unknown tables {sorted(unknown)}")
        return cls(frozenset(contacts) if contacts is not None else None, frozenset(tables) or None)

    def touches_table(self, *tables: str) -> bool:
        """Whether any of ``tables`` may have changed."""
        return self.tables is None or not self.tables.isdisjoint(tables)

    def touches_contact(self, contact_id: str) -> bool:
        """Whether this contact's own data may have changed."""
        return self.contact_ids is None or contact_id in self.contact_ids

    def merge(self, other: Change) -> Change:
        """Both changes at once (for a screen that was hidden while they happened)."""
        contacts = (None if self.contact_ids is None or other.contact_ids is None
                    else self.contact_ids | other.contact_ids)
        tables = None if self.tables is None or other.tables is None else self.tables | other.tables
        return Change(contacts, tables)


@dataclass(frozen=True)
class WriteResult(Generic[T]):
    """What :meth:`UiContext.write` did: ``ok`` with the change's return value, or refused
    or failed with the message the user was shown."""

    ok: bool
    value: T | None = None
    error: str = ""

    def __bool__(self) -> bool:
        return self.ok


def writes(action: F) -> F:
    """Mark an ``action_*`` method as one that changes data: a read-only instance refuses
    it in one place (``CrmApp.run_action``) with one notice, before any dialog opens."""
    action.writes = True  # type: ignore[attr-defined]
    return action


def is_write_action(target: object, action_name: str) -> bool:
    return bool(getattr(getattr(target, f"action_{action_name}", None), "writes", False))


class UiContext:
    """Everything a screen needs from the outside world, typed."""

    def __init__(self, owner: DOMNode, env: Env, store: Store | None, readonly_reason: str | None,
                 notify: Callable[..., None]) -> None:
        self.env = env
        # None only for the moment after a start painted from the kept first screen
        # (see ui/first_screen.py): keys wait for it, and nothing else reads it before.
        self.store: Store = cast(Store, store)
        self.opened = store is not None
        self.readonly_reason = readonly_reason
        self._notify = notify
        # A pinned clock (CRM_TUI_NOW: tests, demo, screenshots) never moves.
        self._clock_pinned = bool(os.environ.get(clock.ENV_NOW))
        self.changed: Signal[Change] = Signal(owner, "data-changed")

    def store_opened(self, store: Store, readonly_reason: str | None) -> None:
        self.store = store
        self.readonly_reason = readonly_reason
        self.opened = True

    @property
    def settings(self) -> Settings:
        return self.env.settings

    @property
    def now(self) -> arrow.Arrow:
        """The one clock: pinned, or read afresh each time someone asks."""
        if not self._clock_pinned:
            self.env.now = clock.now()
        return self.env.now

    @property
    def readonly(self) -> bool:
        return self.readonly_reason is not None

    def refuse_if_readonly(self) -> bool:
        """True (after telling the user why) when this instance may not write."""
        if self.readonly_reason:
            self._notify(
                f"Read-only: {sentence(self.readonly_reason)}. Nothing can be changed here.",
                title="Not saved", severity="error", markup=False,
            )
            return True
        return False

    def write(
        self,
        change: Callable[[], T],
        done: str | None = None,
        changed: Change | None = None,
        expected: tuple[type[Exception], ...] = (),
        label: str = "",
    ) -> WriteResult[T]:
        """Run one change to the data (a service call or a store method), as one undoable
        change named by ``label`` (what undo will say it took back), else by the action it
        runs, else by ``done``.

        Refused when read-only; a store error, an action error or one of ``expected`` becomes
        a notification, never a crash. On success ``done`` is shown and :attr:`changed`
        publishes ``changed`` (everything when not given)."""
        if self.refuse_if_readonly():
            return WriteResult(False, error=f"read-only: {self.readonly_reason}")
        errors: tuple[type[Exception], ...] = (StoreError, *expected)
        store = self.store
        before, refreshes = store.generation, store.refreshes
        try:
            with store.change(label, fallback=done or "a change"):
                value = change()
        except ActionError as exc:
            self._notify(str(exc), title="Not done", severity="error", markup=False)
            return WriteResult(False, error=str(exc))
        except errors as exc:
            self._notify(str(exc), title="Not saved", severity="error", markup=False)
            if isinstance(exc, StoreError):  # e.g. StaleData: another process's newer data,
                self.publish(Change.everything())  # loaded by the store meanwhile, is shown
            return WriteResult(False, error=str(exc))
        for warning in self.store.warnings:  # saved, with something to say
            self._notify(warning, title="Saved, with a warning", severity="warning", timeout=10, markup=False)
        self.store.warnings.clear()
        if done:
            self._notify(done, markup=False)
        changed = changed or Change.everything()
        if (changed.contact_ids is not None and changed.tables is not None
                and changed.tables <= PEOPLES_TABLES and store.refreshes == refreshes):
            # Only these people's steps may differ: the engine's last run is brought up to
            # date for them, so a screen that reloads (Today) does not run it all again.
            engine.after_change(store, self.settings, self.now, before, set(changed.contact_ids))
        self.publish(changed)
        return WriteResult(True, value)

    def publish(self, changed: Change) -> None:
        """Tell the screens the data changed (a write elsewhere: a worker, another process)."""
        self.changed.publish(changed)


def ctx_of(node: DOMNode) -> UiContext:
    """The context of the app a widget or screen belongs to."""
    return cast("CrmApp", node.app).ctx
