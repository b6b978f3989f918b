"""The store: domain records in, domain records out. The only code that knows TinyDB.

Layout of the data folder (one small file per table keeps every write cheap):

    contacts.json  threads.json  feeds.json  articles.json  shares.json  dismissals.json
    summaries.json   per-contact last touch in/out and count (derived from the touches)
    touches-2026-02.json  touches-2026-03.json  ...   (touches sharded by month)
    .lock          the write lock, held only while saving (flock; see sync.py)
    .batch.journal only while a batch of several files is being saved (see storage.py)
    .lock.owner    who holds it (pid, since), for the "being saved elsewhere" message
    .generation    counts saves, so other processes know to re-read (see sync.py)
    backups/YYYY-MM-DD/   daily snapshots, the last five days

Contacts carry summaries (last touch in/out, count) so start-up never reads the touches;
they live in summaries.json, not contacts.json, so logging a touch rewrites two small
files (a month of touches and the summaries) and never the contacts. A touch is written
to its shard first and then to the summaries; each shard stamps a sequence number that the
summaries file records, so after a crash between the two writes the next open notices and
recomputes the summaries. Touch ids name their shard: ``2026-03.15``.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import arrow

from crm_tui.domain.models import (
    Article,
    Contact,
    Dismissal,
    Feed,
    Share,
    Thread,
    Touch,
)
from crm_tui.domain.synced import Correspondent, SourceState
from crm_tui.perf import gc_paused
from crm_tui.store import backups, private, schema
from crm_tui.store.core import Locked, ReadOnly, StaleData, StoreCore
from crm_tui.store.storage import (
    FOLDER_MODE,
    StoreError,
    clean_stray_temp_files,
    finish_batch,
)
from crm_tui.store.sync import READ_ONLY_ERRNOS, FolderReadOnly, folder_read_only
from crm_tui.store.table import SUMMARY_FIELDS, BuiltOnUse, Summary, Table
from crm_tui.store.touches import TouchLog

__all__ = ["LAZY_TABLES", "FolderReadOnly", "Locked", "ReadOnly", "StaleData", "Store", "StoreCore"]


class LastTouches(NamedTuple):
    """Every contact's id and last touches, column by column, for ordering contacts
    without building them (nor a tuple each: 50,000 of them were a fifth of a cold
    start's child); each one's name and place in the store's order when asked."""

    ids: list[str]
    last_in: list[str | None]
    last_out: list[str | None]
    name_of: Callable[[str], str]
    order_of: Callable[[str], int]  # the contacts' order in the store (their ids' numbers)


def _summarise(contact: Contact, doc: dict[str, Any]) -> None:
    """Give a contact its touch summary from the summaries file's parsed document."""
    contact.last_in = doc.get("last_in")
    contact.last_out = doc.get("last_out")
    contact.touch_count = doc.get("touch_count", 0)


# Read on first use, not at open: nothing on the first screen or in `today` needs them.
# Their schema is still checked at open (_check_schemas reads every file's head).
LAZY_TABLES = frozenset({"articles", "sources", "correspondents"})


class Store(TouchLog):
    """Open with :meth:`open`; use as a context manager or call :meth:`close`."""

    _build_on_use = False
    # The summaries' parsed documents by doc id, for contacts built on use (see open).
    _summary_docs: dict[str, Any] = {}  # only ever replaced, never changed

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        folder: Path,
        *,
        readonly: bool = False,
        wait: float = 0.0,
        today: arrow.Arrow | None = None,
        long_lived: bool = False,
        build_on_use: bool = False,
    ) -> Store:
        """Open the store in ``folder``.

        Writable opens take the write lock for as long as opening takes (waiting up to
        ``wait`` seconds, then :class:`Locked`), to clean up after crashes, migrate, make
        the folder private and take the day's backup; every later write takes it again for
        the moment it lasts. A folder that cannot be written opens read-only, with
        ``readonly_reason`` saying why. Read-only opens take no lock and read a committed
        but unfinished save as the next writer will finish it. Corrupt or newer files
        raise before anything is written. ``long_lived`` (the TUI) keeps the loaded
        records out of the garbage collector's scans for the rest of the process (see
        :func:`crm_tui.perf.gc_paused`). ``build_on_use`` (read-only only): each contact is
        built when first asked for (:class:`crm_tui.store.table.BuiltOnUse`), for a
        process that needs a few of them (:mod:`crm_tui.ui.cold_start`).
        """
        if build_on_use and not readonly:
            raise ValueError("build_on_use is for read-only stores")
        folder = Path(folder)
        store = cls(folder, readonly)
        store._build_on_use = build_on_use
        if today is not None:
            store.clock = lambda: today
        if not readonly:
            store._open_for_writing(wait)
        try:
            store._opening = True
            with gc_paused(keep=long_lived):
                store._load(today or arrow.now())
        except BaseException:
            store.close()
            raise
        finally:
            store._opening = False
            store._writer.release()
        return store

    def _open_for_writing(self, wait: float) -> None:
        """Create the folder (private) and take the lock; a read-only folder (a read-only
        mount, no permission) means a read-only store, not an error."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        except OSError as exc:
            if exc.errno in READ_ONLY_ERRNOS and self.folder.parent.exists():
                self._fall_back_to_reading(FolderReadOnly(self.folder, exc.strerror or ""))
                return
            raise StoreError(f"cannot create the data folder {self.folder}: {exc.strerror or exc}") from None
        reason = folder_read_only(self.folder)
        if reason:
            self._fall_back_to_reading(FolderReadOnly(self.folder, reason))
            return
        try:
            self._writer.acquire(wait)
        except FolderReadOnly as exc:
            self._fall_back_to_reading(exc)

    def _fall_back_to_reading(self, why: FolderReadOnly) -> None:
        self.readonly = True
        self.readonly_reason = why.reason

    def _load(self, today: arrow.Arrow) -> None:
        if not self.readonly:
            if finish_batch(self.folder):
                self.recovered.append("finished saving changes a crash had interrupted")
            clean_stray_temp_files(self.folder)  # what a crash left uncommitted
            fixed = private.make_private(self.folder)
            if fixed:
                self.recovered.append(
                    f"made {self.folder} private: {fixed} file{'s' if fixed != 1 else ''} or "
                    "folders could be read by other users on this machine"
                )
        # Everything below reads the files as they are now, even if another process saves
        # meanwhile (and, read-only, a committed save as it will be finished).
        self._snap.take(self.folder, self._pin_lock())
        specs: list[tuple[str, type[Any], str]] = [
            ("contacts", Contact, "c"),
            ("threads", Thread, "t"),
            ("feeds", Feed, "f"),
            ("articles", Article, "a"),
            ("shares", Share, "s"),
            ("dismissals", Dismissal, "d"),
            ("summaries", Summary, "c"),
            ("sources", SourceState, "m"),  # what `crm-tui sync` already read
            ("correspondents", Correspondent, "p"),
        ]
        if self.folder.exists():
            self._check_schemas()
        for stem, cls, prefix in specs:
            table = Table(self.folder, stem, cls, prefix, self.readonly)
            table.storage.snapshot = self._snap
            table.loader = self._load_table
            if stem == "contacts" and self._build_on_use:
                self._contacts_on_use(table)
            elif stem not in LAZY_TABLES and stem != "summaries":  # see _attach_summaries
                self._load_table(table)
            self._tables[stem] = table
        self._tables["contacts"].strip = SUMMARY_FIELDS
        self._attach_summaries(self._tables["contacts"].records, self._tables["summaries"])
        for name in self._snap.names():
            month = name[len("touches-"):-len(".json")] if name.startswith("touches-") else ""
            if re.fullmatch(r"\d{4}-\d\d", month):
                self._shards[month] = self._open_shard(month, load=False)
        if not self.readonly:
            self._take_backup(today)
            self._backed_up_on = today.format("YYYY-MM-DD")
            self._check_summaries()
            self._snap.take(self.folder)  # with what opening saved (still under the lock)

    def _take_backup(self, today: arrow.Arrow) -> None:
        """The day's backup; a failure (a full disk) is said and the day goes on."""
        try:
            backups.take_daily(self.folder, self._data_files(), today)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if exc.errno == errno.ENOSPC:
                reason = "the disk is full"
            self.recovered.append(f"could not take today's backup ({reason}); your data is unchanged")

    def _after_reread(self, stems: set[str]) -> None:
        if {"contacts", "summaries"} & stems:
            contacts = self._tables["contacts"].records
            if isinstance(contacts, BuiltOnUse):  # built again on use, with the new summaries
                contacts.forget()
            else:
                for contact in contacts.values():
                    contact.last_in = contact.last_out = None
                    contact.touch_count = 0
            self._attach_summaries(contacts, self._tables["summaries"])

    def _contacts_on_use(self, table: Table) -> None:
        """The contacts, each built when first asked for (an older file: all, migrated)."""
        with self._naming_backup():
            found, tables = table.storage.load()
        if found != schema.VERSION:  # (a newer one was refused by _check_schemas)
            self._load_table(table)
            return
        table.build_on_use(tables, self._give_summary)

    def _give_summary(self, contact: Contact) -> None:
        # Contacts and summaries: the same ids, the same prefix.
        doc = self._summary_docs.get(contact.id[len(self._tables["contacts"].prefix):])
        if doc is not None:
            _summarise(contact, doc)

    def last_touches(self) -> LastTouches:
        """Every contact's id and last touches (in, out), in no particular order, with
        their names and places in the store's order on request; on a store opened with
        ``build_on_use``, without building the contacts."""
        table = self._tables["contacts"]
        records = table.records
        prefix = table.prefix
        cut = len(prefix)

        def order_of(contact_id: str) -> int:
            return int(contact_id[cut:])

        if isinstance(records, BuiltOnUse):
            docs = records.docs
            none: dict[str, Any] = {}
            summaries = [self._summary_docs.get(doc_id, none) for doc_id in docs]

            def name_of(contact_id: str) -> str:
                return str(docs[contact_id[cut:]].get("name", ""))

            return LastTouches([prefix + doc_id for doc_id in docs],
                               [summary.get("last_in") for summary in summaries],
                               [summary.get("last_out") for summary in summaries], name_of, order_of)
        contacts = list(records.values())

        def built_name(contact_id: str) -> str:
            return str(records[contact_id].name)

        return LastTouches([c.id for c in contacts], [c.last_in for c in contacts],
                           [c.last_out for c in contacts], built_name, order_of)

    def _attach_summaries(self, contacts: dict[str, Any], table: Table) -> None:
        """Give each contact its touch summary, read straight from the parsed file.

        The summary records themselves are built only when something needs them (an
        edited contact's summary compared with the stored one, a deletion), from the same
        parsed document, so nothing changed in memory since (a bumped touch_seq, a batch's
        pending writes) is lost. Logging a touch never needs them. Building 10,000 of them
        at every start-up took ~15 ms for nothing."""
        with self._naming_backup():
            found, tables = table.storage.load()
        if found < schema.VERSION:  # (a newer one was refused by _check_schemas)  # migrate through the ordinary path
            self._load_table(table)
            docs: dict[str, Any] = {k[len(table.prefix):]: r.__dict__ for k, r in table.records.items()}
        else:
            docs = tables.get(table.stem, {})
            table.loader = self._build_parsed
            table.builds_from_cache = True
        prefix = table.prefix
        if isinstance(contacts, BuiltOnUse):  # each is given its own when it is built
            self._summary_docs = docs
            return
        for doc_id, doc in docs.items():
            contact = contacts.get(prefix + doc_id)
            if contact is not None:
                _summarise(contact, doc)

    # ----------------------------------------------------------------- contacts
    def add_contact(self, contact: Contact) -> Contact:
        with self.batch():  # contacts and summaries: both or neither
            self._add("contacts", contact)
            self._save_summary(contact)
        return contact

    def update_contact(self, contact: Contact) -> Contact:
        with self.batch():
            # The touch summaries are the store's (derived from the touches, perhaps just
            # logged by another process), never the caller's copy of them.
            current = self.contact(contact.id)
            if current is not None and current is not contact:
                contact.last_in, contact.last_out = current.last_in, current.last_out
                contact.touch_count = current.touch_count
            self._update("contacts", contact)
            self._save_summary(contact)
        return contact

    def delete_contact(self, contact_id: str) -> None:
        """Delete a contact with its touches, threads, shares and dismissals."""
        with self.batch():
            self._check_current("contacts", contact_id, "the contact")
            for month in self.touch_months():
                shard = self._shard(month)
                ids = [t.id for t in shard.records.values() if t.contact_id == contact_id]
                if ids:
                    self._bump_seq(month)
                    self._persist(shard, partial(shard.remove, ids))
            self._remove("summaries", [contact_id])
            for stem in ("threads", "shares", "dismissals"):
                ids = [r.id for r in self._tables[stem].records.values() if r.contact_id == contact_id]
                self._remove(stem, ids)
            self._remove("contacts", [contact_id])

    def find_contacts(self, query: str) -> list[Contact]:
        """Contacts matching an id or a name (case-insensitive, exact, then unique prefix)."""
        query = query.strip()
        exact = self.contact(query)
        if exact:
            return [exact]
        folded = query.casefold()
        named = [c for c in self.contacts() if c.name.casefold() == folded]
        if named:
            return named
        return [c for c in self.contacts() if c.name.casefold().startswith(folded)] if folded else []

    # ----------------------------------------------------------------- threads
    def threads(self, contact_id: str | None = None, open_only: bool = False) -> list[Thread]:
        found = self._tables["threads"].records.values()
        return [
            t
            for t in found
            if (contact_id is None or t.contact_id == contact_id or contact_id in t.interviewers)
            and (not open_only or t.status == "open")
        ]

    def thread(self, thread_id: str) -> Thread | None:
        return self._get("threads", thread_id)

    def add_thread(self, thread: Thread) -> Thread:
        return self._add("threads", thread)

    def update_thread(self, thread: Thread) -> Thread:
        return self._update("threads", thread)

    # ----------------------------------------------------------------- feeds
    def feeds(self) -> list[Feed]:
        return list(self._tables["feeds"].records.values())

    def feed(self, feed_id: str) -> Feed | None:
        return self._get("feeds", feed_id)

    def add_feed(self, feed: Feed) -> Feed:
        return self._add("feeds", feed)

    def update_feed(self, feed: Feed) -> Feed:
        return self._update("feeds", feed)

    def delete_feed(self, feed_id: str) -> None:
        """Remove a feed and its articles, except articles shared with someone."""
        shared = {s.article_id for s in self.shares()}
        with self.batch():
            self._remove(
                "articles",
                [a.id for a in self.articles() if a.feed_id == feed_id and a.id not in shared],
            )
            self._remove("feeds", [feed_id])

    # ----------------------------------------------------------------- articles
    def articles(self, feed_id: str | None = None) -> list[Article]:
        found = self._tables["articles"].records.values()
        return [a for a in found if feed_id is None or a.feed_id == feed_id]

    def article(self, article_id: str) -> Article | None:
        return self._get("articles", article_id)

    def add_article(self, article: Article) -> Article:
        return self._add("articles", article)

    def update_article(self, article: Article) -> Article:
        return self._update("articles", article)

    def delete_articles(self, ids: Iterable[str]) -> None:
        self._remove("articles", ids)

    # ----------------------------------------------------------------- shares
    def shares(self, contact_id: str | None = None) -> list[Share]:
        found = self._tables["shares"].records.values()
        return [s for s in found if contact_id is None or s.contact_id == contact_id]

    def add_share(self, share: Share) -> Share:
        return self._add("shares", share)

    def dismissals(self, contact_id: str | None = None) -> list[Dismissal]:
        found = self._tables["dismissals"].records.values()
        return [d for d in found if contact_id is None or d.contact_id == contact_id]

    def add_dismissal(self, dismissal: Dismissal) -> Dismissal:
        return self._add("dismissals", dismissal)

    # ----------------------------------------------------------------- raw access
    # ----------------------------------------------------------------- synced sources
    def source_states(self, kind: str) -> list[SourceState]:
        return [s for s in self._tables["sources"].records.values() if s.kind == kind]

    def save_source_state(self, state: SourceState) -> SourceState:
        """Add (no id yet) or rewrite a source's state; an unchanged one is not written
        (pass a new record: one changed in place compares equal to itself)."""
        if not state.id:
            return self._add("sources", state)
        if self._get("sources", state.id) == state:
            return state
        return self._update("sources", state)

    def correspondents(self) -> list[Correspondent]:
        return list(self._tables["correspondents"].records.values())

    def save_correspondent(self, person: Correspondent) -> Correspondent:
        if not person.id:
            return self._add("correspondents", person)
        return self._update("correspondents", person)

    def export_tables(self) -> dict[str, list[dict[str, Any]]]:
        """Every record of every table as plain dicts (ids included), in id order."""
        out: dict[str, list[dict[str, Any]]] = {
            stem: [r.to_dict() for r in table.records.values()]
            for stem, table in self._tables.items()
            if stem != "summaries"  # derived from the touches; inside each contact
        }
        out["touches"] = [t.to_dict() for t in self.touches()]
        return out

    # ----------------------------------------------------------------- bulk (imports, restore)
    def save_contacts(self, added: Iterable[Contact] = (), updated: Iterable[Contact] = ()) -> list[Contact]:
        """Add new contacts (ids assigned) and rewrite changed ones, in one write."""
        added, updated = list(added), list(updated)
        with self.batch():
            for contact in updated:
                self.update_contact(contact)
            for contact in added:
                self.add_contact(contact)
        return added

    def add_articles(self, articles: Iterable[Article]) -> list[Article]:
        """Add many articles with one write (a feed refresh adds thousands): one batch and
        one writability check for all of them, not one each (each check formats the date
        twice for the new-day backup: 10,000 arrow formats for a first refresh's 5,000)."""
        added = list(articles)
        with self.batch():
            table = self._tables["articles"]

            def save_all() -> None:
                for article in added:
                    article.id = table.next_id()
                    table.save(article)

            self._persist(table, save_all)
        return added

    def restore_tables(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        """Recreate records with their own ids (from a backup) in an empty store."""
        self._check_writable()
        if any(t.records for t in self._tables.values()) or self.touch_months():
            raise StoreError(f"the data in {self.folder} is not empty; restore only into an empty home")
        with self.batch():
            for stem, table in self._tables.items():
                for doc in tables.get(stem, []) if stem != "summaries" else []:
                    table.save(table.cls.from_dict(doc))
                table.storage.meta["next_id"] = max((table.doc_id(i) for i in table.records), default=0)
            for doc in tables.get("touches", []):
                touch = Touch.from_dict(doc)
                self._shard(self._month_of_id(touch.id)).save(touch)
            for month in self.touch_months():
                shard = self._shard(month)
                shard.storage.meta["next_id"] = max((shard.doc_id(i) for i in shard.records), default=0)
                self._bump_seq(month)
            contacts = self.contacts()
            self._resummarise(contacts)
            for contact in contacts:
                self._save_summary(contact, force=True)
