"""The store: domain records in, domain records out. The only code that knows TinyDB.

Layout of the data folder (one small file per table keeps every write cheap):

    contacts.json  threads.json  feeds.json  articles.json  shares.json  dismissals.json
    summaries.json   per-contact last touch in/out and count (derived from the touches)
    touches-2026-02.json  touches-2026-03.json  ...   (touches sharded by month)
    .lock          the single-writer lock (flock; released by the kernel if we die)
    .batch.journal only while a batch of several files is being saved (see storage.py)
    .lock.owner    who holds it (pid, since), for the "open elsewhere" message
    backups/YYYY-MM-DD/   daily snapshots, the last five days

Contacts carry summaries (last touch in/out, count) so start-up never reads the touches;
they live in summaries.json, not contacts.json, so logging a touch rewrites two small
files (a month of touches and the summaries) and never the contacts. A touch is written
to its shard first and then to the summaries; each shard stamps a sequence number that the
summaries file records, so after a crash between the two writes the next open notices and
recomputes the summaries. Touch ids name their shard: ``2026-03.15``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

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
from crm_tui.perf import gc_paused
from crm_tui.store import backups, schema
from crm_tui.store.core import Locked, ReadOnly, StoreCore
from crm_tui.store.storage import StoreError, clean_stray_temp_files, recover_batch
from crm_tui.store.table import SUMMARY_FIELDS, Summary, Table
from crm_tui.store.touches import TouchLog

__all__ = ["LAZY_TABLES", "Locked", "ReadOnly", "Store", "StoreCore"]

# Read on first use, not at open: nothing on the first screen or in `today` needs them.
# Their schema is still checked at open (_check_schemas reads every file's head).
LAZY_TABLES = frozenset({"articles"})


class Store(TouchLog):
    """Open with :meth:`open`; use as a context manager or call :meth:`close`."""

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
    ) -> Store:
        """Open the store in ``folder``.

        Writable opens take the exclusive lock, waiting up to ``wait`` seconds, and raise
        :class:`Locked` if another process keeps it. They also clean up after crashes and
        take the day's backup. Corrupt or newer files raise before anything is written.
        ``long_lived`` (the TUI) keeps the loaded records out of the garbage collector's
        scans for the rest of the process (see :func:`crm_tui.perf.gc_paused`).
        """
        folder = Path(folder)
        store = cls(folder, readonly)
        if not readonly:
            folder.mkdir(parents=True, exist_ok=True)
            store._acquire(wait)
        try:
            with gc_paused(keep=long_lived):
                store._load(today or arrow.now())
        except BaseException:
            store.close()
            raise
        return store

    def _load(self, today: arrow.Arrow) -> None:
        if not self.readonly:
            if recover_batch(self.folder):
                self.recovered.append("finished saving changes a crash had interrupted")
            clean_stray_temp_files(self.folder)  # what a crash left uncommitted
        specs: list[tuple[str, type[Any], str]] = [
            ("contacts", Contact, "c"),
            ("threads", Thread, "t"),
            ("feeds", Feed, "f"),
            ("articles", Article, "a"),
            ("shares", Share, "s"),
            ("dismissals", Dismissal, "d"),
            ("summaries", Summary, "c"),
        ]
        if self.folder.exists():
            self._check_schemas()
        for stem, cls, prefix in specs:
            table = Table(self.folder, stem, cls, prefix, self.readonly)
            table.loader = self._load_table
            if stem not in LAZY_TABLES and stem != "summaries":  # see _attach_summaries
                self._load_table(table)
            self._tables[stem] = table
        self._tables["contacts"].strip = SUMMARY_FIELDS
        self._attach_summaries(self._tables["contacts"].records, self._tables["summaries"])
        for path in sorted(self.folder.glob("touches-*.json")):
            month = path.stem.split("-", 1)[1]
            if re.fullmatch(r"\d{4}-\d\d", month):
                self._shards[month] = self._open_shard(month, load=False)
        if not self.readonly:
            backups.take_daily(self.folder, self._data_files(), today)
            self._check_summaries()

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
        for doc_id, doc in docs.items():
            contact = contacts.get(prefix + doc_id)
            if contact is not None:
                contact.last_in = doc.get("last_in")
                contact.last_out = doc.get("last_out")
                contact.touch_count = doc.get("touch_count", 0)

    # ----------------------------------------------------------------- contacts
    def add_contact(self, contact: Contact) -> Contact:
        self._add("contacts", contact)
        self._save_summary(contact)
        return contact

    def update_contact(self, contact: Contact) -> Contact:
        self._update("contacts", contact)
        self._save_summary(contact)
        return contact

    def delete_contact(self, contact_id: str) -> None:
        """Delete a contact with its touches, threads, shares and dismissals."""
        with self.batch():
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
        """Add many articles with one write (a feed refresh adds thousands)."""
        with self.batch():
            return [self.add_article(a) for a in articles]

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
