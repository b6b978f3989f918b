"""CrmApp: the modes, the app-wide keys, the palette, and the context every screen talks to.
No domain logic here, and no data access but through :class:`crm_tui.ui.context.UiContext`."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from textual import events
from textual.actions import ActionParseResult
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.theme import Theme

from crm_tui import config, perf
from crm_tui.domain.models import Contact
from crm_tui.env import Env
from crm_tui.store.repository import Store
from crm_tui.ui import allday
from crm_tui.ui.allday import LiveApp
from crm_tui.ui.commands import MODES, ContactsProvider, system_commands
from crm_tui.ui.context import Change, UiContext, is_write_action, writes
from crm_tui.ui.keygate import KeyGate
from crm_tui.ui.terminal import TerminalWatch
from crm_tui.ui.widgets.banner import ReadOnlyBanner

if TYPE_CHECKING:  # the importer (vCard, LinkedIn...) is imported when the dialog opens
    from crm_tui.services.importer import PreparedImport
    from crm_tui.ui.article_matches import ArticleMatches
    from crm_tui.ui.cold_start import Keeper
    from crm_tui.ui.first_screen import FirstScreen


# After a first frame painted from the kept rows: say so if the store is not open by then.
SLOW_OPEN_SECONDS = 2.0


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


class CrmApp(LiveApp, App[None]):
    """The full-screen CRM over an open store (read-only when ``readonly_reason`` is set)."""

    TITLE = "crm-tui"
    CSS_PATH = "app.tcss"
    MODES = {name: _screen(name) for name in MODES}
    DEFAULT_MODE = "contacts"
    COMMANDS = App.COMMANDS | {ContactsProvider}
    BINDINGS = [
        Binding("1", "switch_mode('contacts')", "Contacts", id="app.contacts"),
        Binding("2", "switch_mode('today')", "Today", id="app.today"),
        Binding("3", "switch_mode('articles')", "Articles", id="app.articles"),
        Binding("4", "switch_mode('feeds')", "Feeds", id="app.feeds"),
        Binding("question_mark", "help", "Keys", id="app.help"),
        Binding("S", "sync", "Sync mail", show=False, id="app.sync"),
        Binding("W", "correspondents", "Who wrote", show=False, id="app.correspondents"),
        Binding("ctrl+p", "command_palette", "Find", show=False, id="app.palette"),
        Binding("q", "quit", "Quit", show=False, id="app.quit"),
        *allday.BINDINGS,
    ]

    def __init__(self, env: Env, store: Store | None, readonly_reason: str | None = None,
                 first_screen: FirstScreen | None = None, pending: Keeper | None = None,
                 matches: Keeper | None = None) -> None:
        """``store`` None: paint ``first_screen`` (the rows kept by the last run, see
        ui/first_screen.py) and open the store just after the first frame; keys wait.
        ``pending``: no rows yet, a cold start's child is working them out
        (ui/cold_start.py): the frame is painted meanwhile and its rows when it ends.
        ``matches``: a child working out the Articles matches (ui/kept_matches.py)."""
        super().__init__()
        self.matches_child = matches  # (ArticleMatches waits for it; ended at the latest by finish_opening)
        self.ctx = UiContext(self, env, store, readonly_reason, self.notify)
        self.first_screen = first_screen if store is None else None
        self._pending = pending if store is None else None
        self._keeper = self._pending  # (to end it: _pending is None once its rows are shown)
        self._waiter: threading.Thread | None = None  # waits for it (_await_kept)
        self._opener: threading.Thread | None = None
        self._framed = False  # the first frame is on the screen
        self._key_gate = KeyGate(self, hold=lambda: not self.ctx.opened)

    async def on_event(self, event: events.Event) -> None:
        """Keys are handled one at a time (see :mod:`crm_tui.ui.keygate`): a key that opens
        a screen, a dialog or the filter box delivers the keys typed after it there."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            if not self._key_gate.admit(event):
                return
            await super().on_event(event)
            self._key_gate.handed_on()
            return
        await super().on_event(event)

    @property
    def article_matches(self) -> ArticleMatches:
        """The Articles screen's best matches, worked out in a thread and kept (made on
        first use: it imports the ranker, which start-up does without)."""
        found: ArticleMatches | None = self.__dict__.get("_article_matches")
        if found is None:
            from crm_tui.ui.article_matches import ArticleMatches

            found = self.__dict__["_article_matches"] = ArticleMatches(self)
        return found

    @property
    def store(self) -> Store:
        """The open store (for tests and scripts; screens use ``self.ctx``)."""
        return self.ctx.store

    # ------------------------------------------------------------------ start-up
    def on_mount(self) -> None:
        env = self.ctx.env
        if not self.is_headless:
            TerminalWatch(self._exit_with, env.paths.config if env.demo else None).start()
        settings = env.settings
        if settings.keys:
            self.set_keymap(settings.keys)
        if settings.ui.theme in self.available_themes:
            self.theme = settings.ui.theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        for problem in settings.problems:
            self.notify(problem, title="Config", severity="warning", timeout=10)
        if self._pending is not None:
            self._waiter = threading.Thread(target=self._await_kept, name="crm-kept-rows", daemon=True)
            self._waiter.start()
        if self.ctx.opened:
            self._with_store()

    def _with_store(self) -> None:
        """What start-up does once the store is open (at mount, or just after the first
        frame when that was painted from the kept rows)."""
        settings = self.ctx.settings
        if self.ctx.readonly:
            # Every screen's header says it (and turns red, see app.tcss); the Contacts and
            # Contact screens also show the reason in a banner.
            self.title = "crm-tui READ-ONLY"
            self.add_class("-readonly")
        for line in self.ctx.store.recovered:
            self.notify(line, title="Data", severity="warning", timeout=10)
        from crm_tui.ui import reminders
        from crm_tui.ui.live import watch_store

        watch_store(self)  # other processes' saves appear without a key press
        reminders.install(self)
        if settings.sources.sync_on_start and not self.ctx.readonly:
            self.action_sync(quiet=True)
        self.start_live()

    def on_ready(self) -> None:
        # The first frame is on the screen: start-up's pause of the collector ends here.
        perf.resume_gc()
        if not self.ctx.opened:
            self._framed = True
            if self._pending is None:  # (else once the child's rows are shown: _kept_ready)
                self._start_opening()
            return
        self._warm_up()

    def _start_opening(self) -> None:
        """Open the store in a thread, after the first frame (and the child's rows: parsing
        the store holds the interpreter for a third of a second at 50,000 contacts)."""
        if self._opener is not None or not self._framed:
            return
        self._opener = threading.Thread(target=self._open_store, name="crm-open-store", daemon=True)
        self._opener.start()
        self.set_timer(SLOW_OPEN_SECONDS, self._still_opening)

    def _warm_up(self) -> None:
        from crm_tui.ui import warmup

        # A moment later: the frame is written before a thread competes for the interpreter.
        self.set_timer(warmup.FIRST_FRAME_DELAY, lambda: warmup.at_first_frame(self))

    # ------------------------------------------------------------------ opening late
    def _open_store(self) -> None:
        """(In a thread) open the store after a first frame painted from the kept rows."""
        from crm_tui.ui.opening import open_store

        result: tuple[Store, str | None] | Exception
        try:
            result = open_store(self.ctx.env)
        except Exception as exc:  # told on the event loop (_opened)
            result = exc
        try:
            self.call_from_thread(self._opened, result)
        except Exception:  # the app ended meanwhile (or _opened failed: it said so)
            if isinstance(result, tuple) and not self.ctx.opened:
                result[0].close()

    def _opened(self, result: tuple[Store, str | None] | Exception) -> None:
        from crm_tui.store.storage import StoreError

        if isinstance(result, StoreError):  # damaged or newer files: as a cold start says it
            self.exit(None, 1, f"crm-tui: {result}")
        elif isinstance(result, Exception):  # a bug: shown as Textual shows any
            self._handle_exception(result)
        else:
            try:
                self._store_opened(*result)
            except Exception as exc:
                self._handle_exception(exc)

    def _await_kept(self) -> None:
        """(In a thread) wait for the cold start's child, then show the rows it kept."""
        assert self._keeper is not None
        kept = self._keeper.wait()
        if self.is_running:  # (not once the app ended: finish_opening ended the child)
            with contextlib.suppress(RuntimeError):  # ended just now
                self.call_from_thread(self._kept_ready, kept)

    def _kept_ready(self, kept: bool) -> None:
        from crm_tui.ui import first_screen

        self._pending = None
        ctx = self.ctx
        rows = first_screen.read(ctx.env.paths, ctx.now, ctx.settings) if kept else None
        if rows is not None:
            self.first_screen = rows
            show = getattr(self.screen, "show_kept", None)
            if show is not None:
                show(rows)
        self.call_after_refresh(self._start_opening)  # once they are on the screen

    def _still_opening(self) -> None:
        if not self.ctx.opened and self.is_running:  # another crm-tui saving a long change
            self.notify("Still opening your data; the keys you type wait for it.",
                        title="Opening", timeout=5)

    def _store_opened(self, store: Store, readonly_reason: str | None) -> None:
        self.ctx.store_opened(store, readonly_reason)
        self.first_screen = None
        self._with_store()
        screen = self.screen
        for banner in screen.query(ReadOnlyBanner):
            banner.show_reason()
        opened = getattr(screen, "store_opened", None)
        if opened is not None:
            opened()
        self._key_gate.resume()  # the keys typed meanwhile, to the real rows
        self._warm_up()

    def keep_for_next_start(self) -> None:
        """(After the app ended normally) keep a week of first screens for the next start
        (:mod:`crm_tui.ui.first_screen`): a start after a weekend away paints at once too.
        A few tens of milliseconds after the terminal is given back."""
        from crm_tui.store.storage import StoreError
        from crm_tui.ui import first_screen

        if self._opener is not None:
            self._opener.join()
        if not self.ctx.opened or self.ctx.readonly:
            return
        try:
            self.store.refresh()  # what another crm-tui saved since the last look
            first_screen.keep(self.ctx.env.paths, self.store, self.ctx.settings, self.ctx.now,
                              days=first_screen.DAYS_AHEAD)
        except (StoreError, OSError):  # a cache: the next start is a cold one, that is all
            pass

    def finish_opening(self) -> None:
        """(After the app ended) wait for a store still being opened, and close it; end a
        cold start's child still running, and the Articles matches' child."""
        if self.matches_child is not None:
            self.matches_child.stop()
        if self._waiter is not None:
            assert self._keeper is not None
            self._keeper.stop()
            self._waiter.join()
        if self._opener is not None:
            self._opener.join()
        if self.ctx.opened:
            self.store.close()

    def _exit_with(self, return_code: int) -> None:
        self.exit(None, return_code)

    def _remember_theme(self, theme: Theme) -> None:
        settings = self.ctx.settings
        if settings.ui.theme == theme.name:
            return
        settings.ui.theme = theme.name
        try:
            config.save(settings, self.ctx.env.paths.config_file)
        except OSError as exc:
            self.notify(f"Could not save the theme: {exc}", severity="warning")

    # ------------------------------------------------------------------ the write guard
    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Every key, palette entry and button action passes here: an action marked
        ``@writes`` is refused (with one notice) when this instance is read-only."""
        if not self.ctx.opened:  # a click in the moment before the store is open
            return True
        target, name, _ = self._parse_action(
            action, self if default_namespace is None else default_namespace, namespaces
        )
        if is_write_action(target, name) and self.ctx.refuse_if_readonly():
            return True
        return await super().run_action(action, default_namespace, namespaces)

    # ------------------------------------------------------------------ navigation
    def open_contact(self, contact_id: str) -> None:
        from crm_tui.ui.screens.contact import ContactScreen

        if self.ctx.store.contact(contact_id) is None:
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
    @writes
    def action_add_contact(self) -> None:
        from crm_tui.ui.dialogs.contact_form import ContactForm

        def saved(contact: Contact | None) -> None:
            if contact is None:
                return
            done = self.ctx.write(lambda: self.ctx.store.add_contact(contact), f"Added {contact.name}",
                                  label=f"adding {contact.name}")
            if done.value is not None:
                self.open_contact(done.value.id)

        self.push_screen(ContactForm(None, self.ctx.now), saved)

    @writes
    def action_import_contacts(self) -> None:
        from crm_tui.services.importer import commit_prepared
        from crm_tui.ui.dialogs.import_contacts import ImportDialog

        def chosen(prepared: PreparedImport | None) -> None:
            if prepared is not None:
                count = prepared.count
                self.ctx.write(lambda: commit_prepared(self.ctx.store, prepared),
                               f"Imported {count:,} contacts", Change.everything(), expected=(OSError,))

        self.push_screen(ImportDialog(self.ctx.store, self.ctx.now), chosen)

    @writes
    def action_sync(self, quiet: bool = False) -> None:
        """Sync mail (and every configured source) in a worker; see ui/sync_runner.py."""
        from crm_tui.ui.sync_runner import SyncRunner

        runner = self.__dict__.setdefault("_sync_runner", SyncRunner(self))
        runner.start(quiet=quiet)

    def action_correspondents(self) -> None:
        from crm_tui.ui.screens.correspondents import CorrespondentsScreen

        self.push_screen(CorrespondentsScreen())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, help_text, callback in system_commands(screen, self.run_action, self.switch_mode):
            yield SystemCommand(title, help_text, callback)
