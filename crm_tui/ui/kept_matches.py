"""The Articles screen's best matches, kept from the last run for the next one.

Working them out at 10,000 contacts and 5,000 articles takes a second or more of work
(crm_tui/ui/article_matches.py), which a start cannot finish before the user may press
``3``. They are a function of the articles, the feeds, the contacts, who was sent or
declined what, the config and the day; so once worked out they are kept
(``<data>/cache/article-matches.json``, a cache) under a key made of those files' sizes,
times and inodes, the contacts' fields the ranker reads, the day and the program's
version, with each match's reasons (what the
detail pane shows). A start whose key matches shows them at once and works nothing out;
the ranker itself is built when something needs more (the share picker).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import arrow
import orjson

from crm_tui.domain.models import Article, Contact
from crm_tui.domain.text import strip_controls
from crm_tui.paths import Paths
from crm_tui.ui.first_screen import key_of

if TYPE_CHECKING:
    from crm_tui.config import Settings
    from crm_tui.store.repository import Store
    from crm_tui.ui.cold_start import Keeper

FORMAT = 1
FILE = "article-matches.json"
RECENT = 300  # the Articles screen's newest articles
TOP = 3  # matching contacts shown per row
# The files the matches are worked out from (touches are not among them: a touch logged
# changes no match, see article_matches.depends_on). The contacts count by the fields the
# ranker reads (a snooze or a new phone number changes contacts.json, not a match).
INPUTS = ("articles.json", "feeds.json", "shares.json", "dismissals.json")


def key(paths: Paths, now: arrow.Arrow, settings: Settings, contacts: Sequence[Contact],
        files: str | None = None) -> str | None:
    """The key of the matches worked out from the data as it is now (and these contacts);
    ``files``: the files' part of it, as :func:`files_key` gave it before the store was read."""
    files = files if files is not None else files_key(paths, now, settings)
    if files is None:
        return None
    return f"{files}:{_fields_hash(contacts)}"


def ranked_fields(contact: Contact | None) -> tuple[object, ...] | None:
    """What the ranker reads of a contact (crm_tui/feeds/rank.py: field_texts): the key of
    the kept matches, and what makes the app's own stale (crm_tui/ui/article_matches.py)."""
    if contact is None:
        return None
    return (tuple(contact.interests), tuple(contact.tags), contact.company, contact.role, contact.notes)


def _fields_hash(contacts: Sequence[Contact]) -> str:
    fields = orjson.dumps([(c.id, *(ranked_fields(c) or ())) for c in contacts])
    return hashlib.blake2b(fields, digest_size=16).hexdigest()


def files_key(paths: Paths, now: arrow.Arrow, settings: Settings) -> str | None:
    """The files' part of :func:`key` (the day, the version, the settings, the input files)."""
    return key_of(paths, now, settings, INPUTS)


Best = dict[str, list[tuple[Contact, float]]]
Reasons = dict[tuple[str, str], list[str]]


def published_of(article: Article) -> str:
    return article.published or article.fetched_at or ""


def path_of(paths: Paths) -> str:
    return str(paths.data / "cache" / FILE)


def read(paths: Paths, now: arrow.Arrow, settings: Settings, store: Store) -> tuple[list[Article], Best, Reasons] | None:
    """(the recent articles, their best contacts, each match's reasons) as kept, when the
    key still matches; None otherwise (missing, damaged, or any article or contact gone)."""
    try:
        with open(path_of(paths), "rb") as handle:  # first: nothing kept costs one open
            document = orjson.loads(handle.read(8 << 20))
        if document.get("format") != FORMAT or document.get("key") != key(paths, now, settings, store.contacts()):
            return None
        recent: list[Article] = []
        best: Best = {}
        reasons: Reasons = {}
        articles = {a.id: a for a in store.articles()}
        for article_id, matches in document["articles"]:
            article = articles[article_id]
            recent.append(article)
            found = best[article_id] = []
            for contact_id, score, why in matches:
                contact = store.contact(contact_id)
                if contact is None or not isinstance(score, float | int):
                    return None
                found.append((contact, float(score)))
                reasons[(article_id, contact_id)] = [strip_controls(str(w)) for w in why][:3]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return recent, best, reasons


def write(paths: Paths, kept_key: str | None, recent: Sequence[Article], best: Best, rank: Any) -> None:
    """Keep the matches (in the thread that worked them out); failures are ignored."""
    if kept_key is None:
        return
    articles = [
        [a.id, [[c.id, score, rank.reasons(a, c)] for c, score in best.get(a.id, [])]] for a in recent
    ]
    target = path_of(paths)
    temp = f"{target}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(orjson.dumps({"format": FORMAT, "key": kept_key, "articles": articles}))
        os.replace(temp, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def refresh_if_kept(paths: Paths, store: Store, settings: Settings, now: arrow.Arrow) -> bool:
    """After a batch command changed what the matches depend on (``crm-tui feeds refresh``,
    from cron as often as not): work them out again if a TUI keeps them here and they no
    longer match, so its next start shows them at once. True when it did."""
    if not os.path.exists(path_of(paths)):
        return False
    contacts = store.contacts()
    wanted = key(paths, now, settings, contacts)
    if _kept_key(paths) == wanted:
        return False
    _work_out(paths, store, now, contacts, wanted)
    return True


def _kept_key(paths: Paths) -> str | None:
    try:
        with open(path_of(paths), "rb") as handle:
            found = orjson.loads(handle.read(8 << 20)).get("key")
    except (OSError, ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


def _work_out(paths: Paths, store: Store, now: arrow.Arrow, contacts: list[Contact], kept_key: str | None) -> None:
    from crm_tui.feeds.rank import ranker  # numpy, bm25s: only here

    recent = sorted(store.articles(), key=published_of, reverse=True)[:RECENT]
    exclusions = [(s.article_id, s.contact_id) for s in store.shares()]
    exclusions += [(d.article_id, d.contact_id) for d in store.dismissals()]
    rank = ranker(store, now)
    write(paths, kept_key, recent, rank.for_articles(recent, contacts, k=TOP, exclusions=exclusions), rank)


# --------------------------------------------------------------- worked out at start
# Each input file at least this big (a few hundred articles and contacts) before a start
# works them out in a child: below it the app does it in a few milliseconds.
CHILD_MIN_BYTES = 256 << 10
CHILD_NICE = 10  # the rows' child (a cold start's) and the start itself go first


def work_out_in_child(paths: Paths, settings: Settings, now: arrow.Arrow) -> Keeper | None:
    """At a start (before the UI is imported, no thread running): when no matches are kept
    for the files as they are now (the first start of a day, or after ``feeds refresh``
    from cron with no TUI's matches to refresh), fork a child that works them out and keeps
    them, on another core, while the start paints; the app waits for it rather than do the
    same work in a thread (crm_tui/ui/article_matches.py). None when they are kept, the
    data is small, or no child is used (crm_tui/ui/cold_start.py)."""
    from crm_tui.ui import cold_start

    files = files_key(paths, now, settings)
    if files is None:
        return None
    try:
        if any(os.stat(paths.data / name).st_size < CHILD_MIN_BYTES for name in ("articles.json", "contacts.json")):
            return None
    except OSError:
        return None
    kept = _kept_key(paths)
    if kept is not None and kept.split(":")[0] == files:
        return None  # (kept for other contacts' fields: rare, and the app works them out)
    return cold_start.fork(lambda: _child(paths, now, files), nice=CHILD_NICE)


def _child(paths: Paths, now: arrow.Arrow, files: str) -> int:
    from crm_tui.store.repository import Store

    with Store.open(paths.data, readonly=True, today=now) as store:
        contacts = store.contacts()
        _work_out(paths, store, now, contacts, f"{files}:{_fields_hash(contacts)}")
    return 0


def forget(paths: Paths) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path_of(paths))
