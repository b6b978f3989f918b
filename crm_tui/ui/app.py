"""CrmApp: screens, bindings, commands, the clock and the write guard. No domain logic here."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import arrow
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme

from crm_tui import clock, config, perf
from crm_tui.store.storage import StoreError
from crm_tui.ui.commands import ContactsProvider
from crm_tui.ui.messages import DataChanged

T = TypeVar("T")


def _screen(name: str) -> Callable[[], Screen[Any]]:
    """A mode's screen, imported on first use so start-up loads only the home screen."""

    def make() -> Screen[Any]:
        if name == "contacts":
            from crm_tui.ui.screens.contacts import ContactsScreen

            return ContactsScreen()
        if name == "today":
            from crm_tui.ui.screens.today import TodayScreen

            return TodayScreen()
        if name == "articles":
            from crm_tui.ui.screens.articles import ArticlesScreen

            return ArticlesScreen()
        from crm_tui.ui.screens.feeds import FeedsScreen

        return FeedsScreen()

    return make


class CrmApp(App[None]):
    """The full-screen CRM. ``env`` gives paths, settings and the clock; ``store`` is open."""

    TITLE = "crm-tui"
    CSS_PATH = "app.tcss"
    MODES = {name: _screen(name) for name in ("contacts", "today", "articles", "feeds")}
    DEFAULT_MODE = "contacts"
    COMMANDS = App.COMMANDS | {ContactsProvider}
    BINDINGS = [
        Binding("1", "switch_mode('contacts')", "Contacts", id="app.contacts"),
        Binding("2", "switch_mode('today')", "Today", id="app.today"),
        Binding("3", "switch_mode('articles')", "Articles", id="app.articles"),
        Binding("4", "switch_mode('feeds')", "Feeds", id="app.feeds"),
        Binding("question_mark", "help", "Keys", id="app.help"),
        Binding("ctrl+p", "command_palette", "Find", show=False, id="app.palette"),
        Binding("q", "quit", "Quit", show=False, id="app.quit"),
    ]

    def __init__(self, env: Any, store: Any, readonly_reason: str | None = None) -> None:
        super().__init__()
        self.env = env
        self.store = store
        self.readonly_reason = readonly_reason
        self.data_version = 0
        # A pinned clock (CRM_TUI_NOW: tests, demo, screenshots) never moves.
        self._clock_pinned = bool(os.environ.get(clock.ENV_NOW))

    # ------------------------------------------------------------------ clock
    @property
    def now(self) -> arrow.Arrow:
        """The app's one clock: pinned, or refreshed each time someone asks."""
        if not self._clock_pinned:
            self.env.now = clock.now()
        return self.env.now

    # ------------------------------------------------------------------ start-up
    def on_mount(self) -> None:
        self._watch_terminal()
        settings = self.env.settings
        if settings.keys:
            self.set_keymap(settings.keys)
        if settings.ui.theme in self.available_themes:
            self.theme = settings.ui.theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        if self.readonly_reason:
            # Every screen's header says it (and turns red, see app.tcss); the Contacts and
            # Contact screens also show the reason in a banner.
            self.title = "crm-tui READ-ONLY (another crm-tui has the data)"
            self.add_class("-readonly")
        for problem in settings.problems:
            self.notify(problem, title="Config", severity="warning", timeout=10)
        for line in getattr(self.store, "recovered", []):
            self.notify(line, title="Data", severity="warning", timeout=10)

    # ------------------------------------------------------------------ the terminal
    def _watch_terminal(self) -> None:
        """Leave when the terminal goes away (window closed, ssh connection lost) or on
        SIGTERM, instead of lingering with the data's lock (the next crm-tui would open
        read-only).

        Without a hangup signal (the shell that started us did not pass it on) Textual's
        input thread spins at 100% CPU on the dead terminal (Textualize/textual#6690); and
        once a write to it fails, Textual's writer thread is gone and the next writes
        block the event loop for ever. So the checks do not go through the event loop: a
        thread looks once a second whether stdin is still a terminal (a hung-up one is
        not), and plain signal handlers (which run even while the loop is blocked) take
        SIGHUP and SIGTERM."""
        self._leaving = False
        if self.is_headless:
            return
        try:
            fd = sys.__stdin__.fileno()  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            return
        if not os.isatty(fd):
            return
        loop = asyncio.get_running_loop()
        signal.signal(signal.SIGHUP, lambda *_: self._end_now(128 + signal.SIGHUP))
        signal.signal(signal.SIGTERM, lambda *_: self._terminate(loop))

        def watch() -> None:
            while os.isatty(fd):
                time.sleep(1.0)
            self._end_now(128 + signal.SIGHUP)

        threading.Thread(target=watch, name="crm-terminal-watch", daemon=True).start()

    def _terminate(self, loop: asyncio.AbstractEventLoop) -> None:
        """SIGTERM (a shutdown, a plain `kill`): exit the normal way, so Textual puts the
        terminal back as it found it; end anyway if that has not happened in 5 s."""
        if self._leaving:
            return
        self._leaving = True
        code = 128 + signal.SIGTERM
        with contextlib.suppress(RuntimeError):  # the loop is already closing
            loop.call_soon_threadsafe(self.exit, None, code)
        timer = threading.Timer(5.0, self._end_now, (code,))
        timer.daemon = True
        timer.start()

    def _end_now(self, return_code: int) -> None:
        """End the process at once, with a shell's exit status for the signal.

        As safe for the data as a kill -9, which the store is built for: every write is
        atomic and already on disk, a batch of several files is all or nothing, and the
        kernel releases the lock. Only a demo's temporary copy needs removing."""
        if getattr(self.env, "demo", False):
            shutil.rmtree(self.env.paths.config, ignore_errors=True)  # the demo's temp home
        os._exit(return_code)

    def on_ready(self) -> None:
        # The first frame is on the screen: start-up's pause of the collector ends here.
        perf.resume_gc()

    def _remember_theme(self, theme: Theme) -> None:
        settings = self.env.settings
        if settings.ui.theme == theme.name:
            return
        settings.ui.theme = theme.name
        try:
            config.save(settings, self.env.paths.config_file)
        except OSError as exc:
            self.notify(f"Could not save the theme: {exc}", severity="warning")

    # ------------------------------------------------------------------ data
    def refresh_data(self, contact_id: str | None = None) -> None:
        """Tell the screens the store changed: the visible ones reload now, others on resume."""
        self.data_version += 1
        for screen in self.screen_stack:
            screen.post_message(DataChanged(contact_id))

    def can_write(self) -> bool:
        """False (with a notification) when this instance is read-only."""
        if self.readonly_reason:
            self.notify(
                f"Read-only: {self.readonly_reason}. Close the other crm-tui to make changes.",
                title="Not saved",
                severity="error",
                markup=False,
            )
            return False
        return True

    def write(self, change: Callable[[], T], done: str | None = None) -> T | None:
        """Run a store write; a StoreError becomes a notification, never a crash."""
        if not self.can_write():
            return None
        try:
            result = change()
        except StoreError as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            return None
        if done:
            self.notify(done, markup=False)
        self.refresh_data()
        return result

    # ------------------------------------------------------------------ navigation
    def open_contact(self, contact_id: str) -> None:
        from crm_tui.ui.screens.contact import ContactScreen

        if self.store.contact(contact_id) is None:
            self.notify("That contact no longer exists.", severity="warning")
            return
        self.push_screen(ContactScreen(contact_id))

    def action_help(self) -> None:
        from crm_tui.ui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.screen))

    # ------------------------------------------------------------------ app-wide actions
    def action_add_contact(self) -> None:
        from crm_tui.ui.dialogs.contact_form import ContactForm

        if not self.can_write():
            return

        def saved(contact: Any) -> None:
            if contact is None:
                return
            added = self.write(lambda: self.store.add_contact(contact), f"Added {contact.name}")
            if added is not None:
                self.open_contact(added.id)

        self.push_screen(ContactForm(None, self.now), saved)

    def action_import_contacts(self) -> None:
        if not self.can_write():
            return
        try:
            from crm_tui.ui.dialogs.import_contacts import ImportDialog
        except ImportError:
            self.notify(
                "Import from the command line: crm-tui import --help",
                title="Import",
                markup=False,
            )
            return

        def imported(report: Any) -> None:
            if report is not None:
                self.refresh_data()

        self.push_screen(ImportDialog(self.store, self.now), imported)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Add contact", "Create a contact by hand", self.action_add_contact)
        yield SystemCommand(
            "Import contacts", "From LinkedIn, Google or vCard files", self.action_import_contacts
        )
        for mode in ("contacts", "today", "articles", "feeds"):
            yield SystemCommand(
                f"Go to {mode.title()}",
                f"Switch to the {mode.title()} screen",
                lambda mode=mode: self.switch_mode(mode),
            )
        # Every action of the current screen, by its footer description.
        for binding in _screen_bindings(screen):
            yield SystemCommand(
                binding.description,
                binding.tooltip or f"{binding.description} ({binding.id})",
                lambda action=binding.action: self.run_action(action, screen),
            )


def _screen_bindings(screen: Screen[Any]) -> list[Binding]:
    """The screen's own described bindings (not the app's, not hidden navigation keys)."""
    seen: set[str] = set()
    found: list[Binding] = []
    for binding in getattr(screen, "BINDINGS", []):
        if not isinstance(binding, Binding) or not binding.description or not binding.id:
            continue
        if binding.id not in seen:
            seen.add(binding.id)
            found.append(binding)
    return found
