"""The Articles screen's slow part, off the event loop: each recent article's best contacts.

At 10,000 contacts and 5,000 articles, building the ranker (every article indexed) and
every contact's query takes a second or more: the screen used to hold the event loop for
all of it. Here it runs in a thread, one computation at a time, and is kept for the app
until a change it depends on (:func:`depends_on`) is published. The app starts it ahead,
just after the first frame (:meth:`ArticleMatches.warm`; the ranker's own imports, numpy and
bm25s, in the thread too), so the first visit to Articles usually finds it done; a visit
before that shows the list at once and fills in the matches when they come. When a child
process has been working them out since the start (:func:`kept_matches.work_out_in_child`,
on the first start of a day), the app waits for it instead and reads what it kept.

The thread reads no store: the articles, feeds, contacts and exclusions are read on the
event loop and handed over. Small data (the matches cost a few milliseconds) is worked
out at once, on the event loop, so the screen never flickers through "finding...".
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import arrow

from crm_tui.domain.models import Article, Contact, Feed
from crm_tui.ui.context import Change
from crm_tui.ui.kept_matches import ranked_fields

if TYPE_CHECKING:
    from crm_tui.feeds.rank import Ranker
    from crm_tui.store.repository import Store
    from crm_tui.ui.app import CrmApp

RANK_MODULE = "crm_tui.feeds.rank"

# Below this many (contacts x articles) the work is done at once: a few milliseconds.
INLINE_BELOW = 200_000

# How long the app waits for the child working the matches out since the start (at
# 10,000 contacts it takes about a second) before it kills it and does the work itself.
CHILD_WAIT_SECONDS = 20.0

# One ranker build at a time in this process (the Articles matches, Today's preview).
BUILD_LOCK = threading.Lock()


def ranker_in_thread(store: Store, now: arrow.Arrow, articles: list[Article], feeds: list[Feed]) -> Ranker:
    """The store's ranker for these articles and feeds, built (and kept, see
    :func:`crm_tui.feeds.rank.install`) unless another thread just did: one build at a
    time in this process (the Articles matches, Today's preview)."""
    from crm_tui.feeds.rank import Ranker, built_for, install

    with BUILD_LOCK:
        found = built_for(store, now, articles, feeds)
        if found is None:
            found = install(store, now, articles, feeds, Ranker(articles, feeds, now, store))
        return found


def depends_on(change: Change) -> bool:
    """Whether ``change`` may change the matches whatever it did to the contacts: the
    articles, the feeds (their tags), who has or declined an article, or a change of
    unknown extent. A touch logged with someone (Today's done) changes none of them; a
    contact's own edit does when it changed what the ranker reads
    (:meth:`ArticleMatches.affected_by`)."""
    return change.contact_ids is None or change.touches_table("articles", "feeds", "shares", "dismissals")



@dataclass
class Matches:
    """The newest articles, each with its best contacts, for one version of the data.
    Kept by the last run (crm_tui/ui/kept_matches.py): no ranker, and each match's reasons."""

    version: int
    rank: Ranker | None
    recent: list[Article]
    best: dict[str, list[tuple[Contact, float]]]
    reasons: dict[tuple[str, str], list[str]] | None = None


class ArticleMatches:
    """The app's one computation of the Articles matches (see the module docstring)."""

    def __init__(self, app: CrmApp) -> None:
        self.app = app
        self.version = 0
        self.result: Matches | None = None
        self.running = False
        self._waiting: list[Callable[[Matches], None]] = []
        self._looked_for_kept = False
        self._child = app.matches_child  # working them out since the start (ui/kept_matches.py)
        # The contacts' ranked fields the matches shown or under way are worked out from.
        self._fields: dict[str, tuple[object, ...] | None] | None = None
        app.ctx.changed.subscribe(app, self._changed, immediate=True)  # before any screen

    def _changed(self, change: Change) -> None:
        if self.affected_by(change):
            self.version += 1
            self.result = None
            self._fields = None
            self._looked_for_kept = True  # kept for the data as it was: no longer

    def affected_by(self, change: Change) -> bool:
        """:func:`depends_on`, or a named contact whose interests, tags, company, role or
        notes are not those the matches were worked out from (an edit, a new contact, one
        deleted). A snooze, a skip or a new phone number: no."""
        if depends_on(change):
            return True
        fields = self._fields
        if fields is None or change.contact_ids is None or not change.touches_table("contacts"):
            return False
        store = self.app.ctx.store
        return any(ranked_fields(store.contact(cid)) != fields.get(cid) for cid in change.contact_ids)

    def _worked_out_from(self, contacts: list[Contact]) -> None:
        """Note the contacts' ranked fields as the matches under way are worked out from."""
        self._fields = {c.id: ranked_fields(c) for c in contacts}

    def fresh(self) -> Matches | None:
        """The matches for the data as it is now, if they are worked out already (or kept
        by the last run for the same data)."""
        if not self._looked_for_kept:
            self._looked_for_kept = True
            if self.version == 0 and self.result is None:
                self.result = self._kept()
        result = self.result
        return result if result is not None and result.version == self.version else None

    def _kept(self) -> Matches | None:
        from crm_tui.ui import kept_matches

        ctx = self.app.ctx
        found = kept_matches.read(ctx.env.paths, ctx.now, ctx.settings, ctx.store)
        if found is None:
            return None
        self._worked_out_from(ctx.store.contacts())  # (the kept file's key matched these)
        recent, best, reasons = found
        return Matches(0, None, recent, best, reasons)

    def warm(self) -> None:
        """Start working them out ahead (nothing when done or under way). Kept by the last
        run: only the ranker is built ahead (Today's article suggestions and the share
        picker use it), a third of the work. Worked out by a child since the start: it is
        waited for (in a thread), and its matches are read as kept ones."""
        if self._child is not None:
            self._await_child()
            return
        found = self.fresh()
        if self.running or (found is not None and found.rank is not None):
            return
        if found is not None:
            self._build_ranker()
            return
        if RANK_MODULE in sys.modules:
            found = self._start()
            if found is not None:
                self._deliver(found)
            return
        self.running = True  # first the ranker's imports (a fifth of a second), in a thread

        def load() -> None:
            try:
                __import__(RANK_MODULE)
            except Exception as exc:
                self._call(self._failed, exc)
                return
            self._call(self._imported)

        self.app.run_worker(load, thread=True, group="article-matches")

    def _await_child(self) -> None:
        """Wait (in a thread: the interpreter is free meanwhile) for the child working the
        matches out, then take what it kept (:meth:`_child_done`)."""
        child = self._child
        if self.running or child is None:
            return
        self.running = True

        def wait() -> None:
            child.wait(CHILD_WAIT_SECONDS)  # (killed after that: worked out here instead)
            self._call(self._child_done)

        threading.Thread(target=wait, name="crm-article-matches-child", daemon=True).start()

    def _child_done(self) -> None:
        self._child = self.app.matches_child = None
        self.running = False
        if self.version == 0 and self.result is None:  # nothing changed since the start
            self._looked_for_kept = False  # what the child kept, if it did
        found = self.fresh()
        if found is not None:
            self._deliver(found)
        self.warm()  # kept: the ranker, built ahead; else (the child failed) worked out here

    def _build_ranker(self) -> None:
        ctx = self.app.ctx
        store, now = ctx.store, ctx.now
        articles, feeds = store.articles(), store.feeds()  # read here: a thread reads no store
        if not articles:
            return

        def build() -> None:
            try:
                ranker_in_thread(store, now, articles, feeds)
            except Exception as exc:  # built again when needed, on the event loop
                self._call(self._failed, exc)

        self.app.run_worker(build, thread=True, group="article-matches")

    def _imported(self) -> None:
        self.running = False
        found = self._start()
        if found is not None:
            self._deliver(found)

    def request(self, then: Callable[[Matches], None]) -> bool:
        """Call ``then`` with the matches: now (returns True) or, when they are worked out
        in a thread, later on the event loop (returns False)."""
        found = self.fresh()
        if found is None and not self.running:
            if self._child is not None:
                self._await_child()
            else:
                found = self._start()
        if found is not None:
            then(found)
            return True
        self._waiting.append(then)
        return False

    def _start(self) -> Matches | None:
        from crm_tui.feeds.rank import Ranker, built_ranker, install
        from crm_tui.ui import kept_matches
        from crm_tui.ui.kept_matches import RECENT, TOP, published_of  # the screen's own

        ctx = self.app.ctx
        store, now, version = ctx.store, ctx.now, self.version
        contacts = store.contacts()
        self._worked_out_from(contacts)
        # The files' key before the store is read: a save in between makes it not match.
        key = kept_matches.key(ctx.env.paths, now, ctx.settings, contacts)
        articles, feeds = store.articles(), store.feeds()
        recent = sorted(articles, key=published_of, reverse=True)[:RECENT]
        exclusions = [(s.article_id, s.contact_id) for s in store.shares()]
        exclusions += [(d.article_id, d.contact_id) for d in store.dismissals()]
        built = built_ranker(store, now)
        if len(contacts) * max(len(articles), len(recent)) < INLINE_BELOW:
            rank = built if built is not None else install(store, now, articles, feeds,
                                                           Ranker(articles, feeds, now, store))
            best = rank.for_articles(recent, contacts, k=TOP, exclusions=exclusions)
            self.result = Matches(version, rank, recent, best)
            return self.result
        self.running = True
        paths = ctx.env.paths

        def work() -> None:
            try:
                rank = built if built is not None else ranker_in_thread(store, now, articles, feeds)
                best = rank.for_articles(recent, contacts, k=TOP, exclusions=exclusions)
            except Exception as exc:  # a background task must not take the app down
                self._call(self._failed, exc)
                return
            self._call(self._done, Matches(version, rank, recent, best))
            # For the next start (the data as this start read it: nothing was saved since).
            kept_matches.write(paths, key, recent, best, rank)

        self.app.run_worker(work, thread=True, group="article-matches")
        return None

    def _done(self, found: Matches) -> None:
        self.running = False
        if found.version != self.version:  # the data changed meanwhile: once more
            if not self._waiting:
                return
            again = self._start()
            if again is None:
                return
            found = again
        self._deliver(found)

    def _call(self, method: Callable[..., None], *args: object) -> None:
        try:
            self.app.call_from_thread(method, *args)
        except RuntimeError:  # the app closed meanwhile
            pass

    def _failed(self, exc: Exception) -> None:
        self.running = False
        self._waiting.clear()
        self.app.notify(f"Could not find the best matches for the articles: {exc}",
                        title="Articles", severity="error", markup=False)

    def _deliver(self, found: Matches) -> None:
        self.result = found
        waiting, self._waiting = self._waiting, []
        for then in waiting:
            then(found)
