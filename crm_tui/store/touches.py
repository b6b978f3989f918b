"""Touches, sharded by month, and the per-contact summaries derived from them.

A touch is written to its month's shard first and then to the summaries; each shard stamps
a sequence number that the summaries file records, so after a crash between the two writes
the next open notices and recomputes the summaries. Touch ids name their shard:
``2026-03.15``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from datetime import datetime

import arrow

from crm_tui.domain.models import Contact, Touch
from crm_tui.store import schema
from crm_tui.store.core import StaleData, StoreCore
from crm_tui.store.storage import CorruptFile
from crm_tui.store.table import Summary, Table


class TouchLog(StoreCore):
    """The store's touches and summaries (see the module docstring)."""

    def _open_shard(self, month: str, load: bool) -> Table:
        table = Table(self.folder, f"touches-{month}", Touch, f"{month}.", self.readonly)
        table.storage.snapshot = self._snap
        table.table = table.db.table("touches", cache_size=0)
        table.stem = "touches"
        table.storage.deferred = self._batch_depth > 0
        if self._change is not None and not self._change.from_disk:
            table.before = {}  # a month first written in an undoable change
        if load:
            self._load_table(table)
        return table

    def _new_shard(self, month: str) -> Table:
        return self._open_shard(month, load=False)

    def _shard(self, month: str) -> Table:
        table = self._shards.get(month)
        if table is None:
            table = self._open_shard(month, load=True)
            self._shards[month] = table
        elif not table.loaded:
            if table.builds_from_cache and table.storage._cache is not None:
                table.records  # noqa: B018 - built from the parsed document, with a batch's edits
            else:
                self._load_table(table)
        return table

    def _appendable(self, month: str) -> Table:
        """The shard new touches of ``month`` go to, its records not built: appending needs
        only its parsed document and counter (a sync logging 46,000 meetings over two
        years built the 100,000 touches already there, a third of its time). Records are
        built from that document, edits included, when something asks for them."""
        table = self._shards.get(month)
        if table is None or table.loaded:
            return self._shard(month)
        self._read_raw(table)
        if table.raw_schema != schema.VERSION:  # needs migrating: the ordinary path
            return self._shard(month)
        table.loader = self._build_parsed
        table.builds_from_cache = True
        return table

    def _save_summary(self, contact: Contact, force: bool = False) -> None:
        table = self._tables["summaries"]
        summary = Summary(contact.id, contact.last_in, contact.last_out, contact.touch_count)
        if force or not table.is_stored(summary, Summary(contact.id)):
            self._persist(table, lambda: table.save(summary))

    # ----------------------------------------------------------------- touches
    def touch_months(self) -> list[str]:
        """The months ("YYYY-MM") that have touches, oldest first."""
        return sorted(self._shards)

    @staticmethod
    def _month_of(at: str) -> str:
        # An ISO time begins with its own month (no need to parse and format 46,000 of them);
        # fromisoformat still checks the whole of it.
        when = datetime.fromisoformat(at)
        if at[4:5] == "-" and at[7:8] == "-" and at[:4].isdigit() and at[5:7].isdigit():
            return at[:7]
        return when.strftime("%Y-%m")

    @staticmethod
    def _month_of_id(touch_id: str) -> str:
        return touch_id.rsplit(".", 1)[0]

    def log_touch(self, touch: Touch) -> Touch:
        """Store a touch and update the contact's summary: one batch, so both are saved or
        neither (a failure never leaves a touch that a retry would duplicate)."""
        return self.log_touches([touch])[0]

    def log_touches(self, touches: Iterable[Touch]) -> list[Touch]:
        """Log many touches in one batch: one write per month file, each month's sequence
        bumped once and each contact's summary saved once, after its last touch (a sync
        logging 46,000 meetings saved a summary, and copied the sequences, per touch)."""
        logged: list[Touch] = []
        with self.batch():
            contacts: dict[str, Contact] = {}
            shards: dict[str, Table] = {}  # month -> its shard, sequence bumped
            groups: dict[Table, list[Touch]] = {}  # saved a month at a time
            try:
                for touch in touches:
                    contact = self.contact(touch.contact_id)
                    if contact is None:
                        if touch.contact_id in self._changed_ids.get("contacts", ()):
                            raise StaleData("the contact", deleted=True)
                        raise KeyError(touch.contact_id)
                    month = self._month_of(touch.at)
                    shard = shards.get(month)
                    if shard is None:
                        shard = shards[month] = self._appendable(month)
                        self._bump_seq(month, shard)
                    touch.id = shard.next_id()
                    groups.setdefault(shard, []).append(touch)
                    self._summarise(contact, (touch,))
                    contacts[contact.id] = contact
                    logged.append(touch)
            finally:  # (on an error too: the batch then drops them, as it drops the rest)
                for shard, group in groups.items():
                    self._persist(shard, functools.partial(shard.save_many, group))
            for contact in contacts.values():
                self._save_summary(contact, force=True)
        return logged

    def update_touch(self, touch: Touch) -> Touch:
        """Rewrite a touch's note, channel, thread... (not its time or contact)."""
        with self.batch():
            month = self._month_of_id(touch.id)
            shard = self._shard(month)
            old = shard.records.get(touch.id)
            if old is None:
                if self._previous.pop((shard.path.stem, touch.id), None) is not None:
                    raise StaleData("the touch", deleted=True)
                raise KeyError(touch.id)
            if (old.at, old.contact_id, old.direction) != (touch.at, touch.contact_id, touch.direction):
                raise ValueError("a touch's time, contact and direction cannot change; delete and log it again")
            self._check_not_stale(shard, touch, "the touch")
            self._persist(shard, lambda: shard.save(touch))
            self._previous.pop((shard.path.stem, touch.id), None)
        return touch

    def rewrite_touch(self, touch: Touch) -> Touch:
        """Change anything of a touch but its contact (a corrected date or direction). A
        date in another month moves it to that month's file with a new id; its shares
        follow. Returns the touch as stored."""
        old = self.touch(touch.id)
        if old is None:
            raise KeyError(touch.id)
        if old.contact_id != touch.contact_id:
            raise ValueError("a touch cannot move to another contact; delete and log it again")
        month = self._month_of_id(touch.id)
        with self.batch():
            if self._month_of(touch.at) == month:
                shard = self._shard(month)
                self._bump_seq(month)
                self._persist(shard, lambda: shard.save(touch))
                contact = self.contact(touch.contact_id)
                if contact:
                    self._resummarise([contact])
                    self._save_summary(contact, force=True)
                return touch
            old_id = touch.id
            self.delete_touch(old_id)
            touch.id = ""
            moved = self.log_touch(touch)
            shares = self._tables["shares"]
            for share in list(shares.records.values()):
                if share.touch_id == old_id:
                    share.touch_id = moved.id
                    self._update("shares", share)
            return moved

    def delete_touch(self, touch_id: str) -> None:
        month = self._month_of_id(touch_id)
        with self.batch():
            self._check_current(f"touches-{month}", touch_id, "the touch")
            if month not in self._shards:
                raise KeyError(touch_id)
            shard = self._shard(month)
            touch = shard.records.get(touch_id)
            if touch is None:
                raise KeyError(touch_id)
            self._bump_seq(month)
            self._persist(shard, lambda: shard.remove([touch_id]))
            contact = self.contact(touch.contact_id)
            if contact:
                self._resummarise([contact])
                self._save_summary(contact, force=True)

    def month_touches(self, month: str) -> list[Touch]:
        """The touches of one month ("YYYY-MM"), none if it has none."""
        if month not in self._shards:
            return []
        return list(self._shard(month).records.values())

    def touch(self, touch_id: str) -> Touch | None:
        month = self._month_of_id(touch_id)
        if month not in self._shards:
            return None
        return self._shard(month).records.get(touch_id)

    def touches(
        self,
        contact_ids: Iterable[str] | None = None,
        thread_id: str | None = None,
        since: str | None = None,
    ) -> list[Touch]:
        """Touches, oldest first, filtered by contacts, thread and start time (ISO).

        Only the month shards from ``since`` on are read (with a month of slack: shards go
        by the touch's own offset, ``since`` may be in another zone)."""
        wanted = set(contact_ids) if contact_ids is not None else None
        parse = datetime.fromisoformat
        start = parse(arrow.get(since).isoformat()) if since else None
        first = arrow.get(since).shift(months=-1).format("YYYY-MM") if since else ""
        found: list[Touch] = []
        for month in self.touch_months():
            if month < first:
                continue
            shard = self._shards[month]
            if wanted is not None and not shard.loaded:
                # A few contacts' touches (a contact screen, the open threads): filter the
                # raw documents and build only the matches, not every touch of the month.
                found.extend(self._raw_touches(shard, wanted, thread_id))
                continue
            for t in self._shard(month).records.values():
                if wanted is not None and t.contact_id not in wanted:
                    continue
                if thread_id is not None and t.thread_id != thread_id:
                    continue
                found.append(t)
        if start is not None:
            found = [t for t in found if parse(t.at) >= start]
        found.sort(key=lambda t: (parse(t.at), t.id))
        return found

    def keyed_touches(self, source: str, since: str) -> list[tuple[str, str, str, str, str]]:
        """(id, contact id, time, note, key) of the touches logged by ``source`` with a key,
        from ``since`` (ISO) on, oldest first: read from the parsed documents, without
        building every touch of every month (a first calendar sync looked for its own
        touches among 100,000)."""
        parse = datetime.fromisoformat
        start = parse(arrow.get(since).isoformat())
        first = arrow.get(since).shift(months=-1).format("YYYY-MM")
        found: list[tuple[str, str, str, str, str]] = []
        for month in self.touch_months():
            if month < first:
                continue
            shard = self._shards[month]
            if not shard.loaded:
                self._read_raw(shard)
            if shard.loaded or shard.raw_schema != schema.VERSION:
                found.extend((t.id, t.contact_id, t.at, t.note, t.key)
                             for t in self._shard(month).records.values()
                             if t.source == source and t.key)
                continue
            docs = (shard.storage._cache or {}).get("touches", {})
            found.extend((f"{shard.prefix}{doc_id}", doc.get("contact_id", ""), doc.get("at", ""),
                          doc.get("note") or "", doc["key"])
                         for doc_id, doc in docs.items()
                         if doc.get("source") == source and doc.get("key"))
        found = [t for t in found if parse(t[2]) >= start]
        found.sort(key=lambda t: (parse(t[2]), t[0]))
        return found

    def read_ahead(self) -> Iterator[str]:
        """Parse the month files a contact's touches are read from, one month per step
        (an idle UI calls it between frames), so that the first contact screen does not
        read them all at once (at 100,000 touches: a quarter of a second). Yields each
        month read; reading, not building: nothing is built until it is asked for."""
        for month in self.touch_months():
            shard = self._shards.get(month)
            if shard is not None and not shard.loaded and self._read_raw(shard):
                yield month

    def _read_raw(self, shard: Table) -> bool:
        """Parse a shard's file into its cache unless it is there; True if it was read."""
        if shard.storage._cache is not None and shard.raw_schema is not None:
            return False
        with self._naming_backup():
            shard.raw_schema, _ = shard.storage.load()
        return True

    def _raw_touches(self, shard: Table, wanted: set[str], thread_id: str | None) -> list[Touch]:
        self._read_raw(shard)
        found, tables = shard.raw_schema, shard.storage._cache or {}
        if found != schema.VERSION:  # needs migrating: take the ordinary path
            return [t for t in self._shard(shard.path.stem[len("touches-"):]).records.values()
                    if t.contact_id in wanted and (thread_id is None or t.thread_id == thread_id)]
        out = []
        for doc_id, doc in tables.get("touches", {}).items():
            if doc.get("contact_id") in wanted and (thread_id is None or doc.get("thread_id") == thread_id):
                try:
                    out.append(Touch.from_dict({**doc, "id": f"{shard.prefix}{doc_id}"}))
                except (TypeError, ValueError) as exc:
                    raise CorruptFile(shard.path, f"a record does not fit: {exc}",
                                      self.newest_good_backup(shard.path.name)) from None
        return out

    @staticmethod
    def _summarise(contact: Contact, touches: Iterable[Touch]) -> None:
        parse = datetime.fromisoformat
        for t in touches:
            if t.direction == "in":
                if not contact.last_in or parse(t.at) > parse(contact.last_in):
                    contact.last_in = t.at
            elif not contact.last_out or parse(t.at) > parse(contact.last_out):
                contact.last_out = t.at
            contact.touch_count += 1

    def _resummarise(self, contacts: Iterable[Contact]) -> None:
        contacts = list(contacts)
        by_id = {c.id: c for c in contacts}
        for c in contacts:
            c.last_in = c.last_out = None
            c.touch_count = 0
        for t in self.touches(contact_ids=by_id):
            self._summarise(by_id[t.contact_id], [t])

    def _bump_seq(self, month: str, shard: Table | None = None) -> None:
        """Stamp the shard and (on the next summaries write) the summaries with a new seq."""
        shard = shard or self._shard(month)
        seq = int(shard.storage.meta.get("seq", 0)) + 1
        shard.storage.meta["seq"] = seq
        meta = self._tables["summaries"].storage.meta
        meta["touch_seq"] = {**meta.get("touch_seq", {}), month: seq}

    def _check_summaries(self) -> None:
        """After a crash between a touch write and its summary write, recompute summaries."""
        recorded = self._tables["summaries"].storage.meta.get("touch_seq", {})
        stale = []
        for month in self.touch_months():
            path = self.folder / f"touches-{month}.json"
            with open(path, "rb") as handle:
                match = re.search(rb'"seq":\s*(\d+)', handle.read(256))
            if match and int(match.group(1)) != int(recorded.get(month, -1)):
                stale.append(month)
        if not stale:
            return
        contacts = self.contacts()
        with self.batch():
            self._resummarise(contacts)
            meta = self._tables["summaries"].storage.meta
            meta["touch_seq"] = {
                m: int(self._shard(m).storage.meta.get("seq", 0)) for m in self.touch_months()
            }
            for c in contacts:
                self._save_summary(c, force=True)
        self.recovered.append(f"touch summaries recomputed after an interrupted write ({', '.join(stale)})")
