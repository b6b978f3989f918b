"""The follow-up engine over the store: loads what the rules need, nothing more.

Keep-in-touch reads the contacts' summaries (``last_in``/``last_out``), so only the touches
of people in open threads are loaded: at 10,000 contacts the cost is the contacts, not the
touches.
"""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta
from operator import attrgetter

import arrow

from crm_tui.config import Settings
from crm_tui.domain import cadence
from crm_tui.domain.models import Post, Suggestion, Thread
from crm_tui.perf import gc_paused
from crm_tui.store.repository import Store


def _people(threads: list[Thread]) -> set[str]:
    found: set[str] = set()
    for t in threads:
        found.add(t.contact_id)
        found.update(t.interviewers)
        if t.via:
            found.add(t.via)
    return found


def _since(threads: list[Thread]) -> str | None:
    """The earliest thread start, a day early (touches logged slightly before it count)."""
    if not threads:
        return None
    earliest = min(datetime.fromisoformat(t.at) for t in threads)
    return (earliest - timedelta(days=1)).isoformat()


# The last full run: (store, its generation, the minute, the cadence settings) -> result,
# and its suggestions by contact (to bring it up to date: after_change).
_LAST: list[tuple[tuple[object, ...], list[Suggestion], dict[str, list[Suggestion]]]] = []
_rank_of = attrgetter("rank")


def their_posts(store: Store, now: arrow.Arrow, contact_ids: set[str] | None = None) -> list[Post]:
    """Recent posts on contacts' own feeds (``Feed.contact_id``) for the ``their-post`` step.

    A post counts when it is new and published within ``cadence.THEIR_POST_DAYS``. New
    means first seen by a refresh later than the feed's first one (``Article.fetched_at``
    after ``Feed.first_fetched``): what a blog already had when it was subscribed to is not
    news (the first refresh brings it all at once). The test is on what is stored, not on
    the latest refresh, so a post stays a step through any number of refreshes until it is
    answered, skipped or 14 days old. A feed fetched before ``first_fetched`` was recorded
    keeps the older test: published after the feed was added.
    """
    feeds = [f for f in store.feeds() if f.contact_id and f.enabled
             and (contact_ids is None or f.contact_id in contact_ids)]
    if not feeds:
        return []
    cutoff = now.shift(days=-(cadence.THEIR_POST_DAYS + 1))
    found: list[Post] = []
    for feed in feeds:
        owner = feed.contact_id
        if owner is None:
            continue
        first = feed.first_fetched
        since = max(cutoff, arrow.get(feed.added_at)) if feed.added_at and not first else cutoff
        for article in store.articles(feed.id):
            if first is not None and not _seen_after(article.fetched_at, first):
                continue
            if article.published and arrow.get(article.published) >= since:
                found.append(Post(owner, article.id, article.title, article.published, feed.even_if_dormant))
    return found


def _seen_after(fetched_at: str, first: str) -> bool:
    """Whether a refresh stamped ``fetched_at`` came after the one stamped ``first``
    (both UTC ISO strings written by the refresh, so they compare as text)."""
    if not fetched_at:
        return False
    if fetched_at.endswith("+00:00") and first.endswith("+00:00"):
        return fetched_at > first
    return arrow.get(fetched_at) > arrow.get(first)


def suggestions(store: Store, settings: Settings, now: arrow.Arrow) -> list[Suggestion]:
    """Every suggestion for every contact and open thread, ranked.

    The last result is kept while the store saves nothing (its generation) within the same
    minute: the Contacts screen's next steps and Today's list are the same run at 10,000
    contacts (half a second each). Time of day matters to the rules only through a
    thank-you's 24 hours, so a result is at most a minute behind the clock.
    """
    key = _key(store, settings, now)
    if _LAST and _LAST[0][0] == key:
        return list(_LAST[0][1])
    threads = store.threads(open_only=True)
    people = _people(threads)
    with gc_paused():  # ~10,000 new suggestions at once, none of them garbage
        touches = store.touches(contact_ids=people, since=_since(threads)) if threads else []
        found = cadence.compute(store.contacts(), threads, touches, settings.cadence, now,
                                their_posts(store, now))
    by_contact: dict[str, list[Suggestion]] = {}
    for s in found:
        by_contact.setdefault(s.contact_id, []).append(s)
    _LAST[:] = [(key, found, by_contact)]
    return list(found)


def _key(store: Store, settings: Settings, now: arrow.Arrow, generation: int | None = None) -> tuple[object, ...]:
    return (id(store), store.generation if generation is None else generation,
            now.format("YYYY-MM-DDTHH:mmZZ"), repr(settings.cadence))


def after_change(store: Store, settings: Settings, now: arrow.Arrow, before: int,
                 contact_ids: set[str]) -> bool:
    """Bring the last full run up to date after a save that changed only these contacts'
    records, their touches and their threads (the store's generation was ``before``, and
    it re-read nothing of another process's meanwhile): the suggestions of everyone whose
    steps may differ (:func:`_affected`) are worked out again and put in rank order among
    the others, as a full run would have them. A key on Today at 10,000 contacts costs a
    few milliseconds instead of the whole engine. True when it did (the last run was the
    one for ``before``, this minute and these settings)."""
    if not _LAST or _LAST[0][0] != _key(store, settings, now, before):
        return False
    affected = _affected(store, contact_ids)
    fresh = for_contacts(store, settings, now, affected)
    _, found, by_contact = _LAST[0]
    # Theirs out and the new ones in, each where its rank puts it (a total order: the
    # same list as a full run's sort; sorting 10,000 again cost 10 ms).
    for contact_id in affected:
        for old in by_contact.pop(contact_id, ()):
            at = bisect.bisect_left(found, old.rank, key=_rank_of)
            while found[at] is not old:
                at += 1
            del found[at]
    for new in fresh:
        found.insert(bisect.bisect_right(found, new.rank, key=_rank_of), new)
        by_contact.setdefault(new.contact_id, []).append(new)
    _LAST[:] = [(_key(store, settings, now), found, by_contact)]
    return True


def _affected(store: Store, contact_ids: set[str]) -> set[str]:
    """Whose suggestions may differ after a change to these contacts' records, touches or
    threads: they, and everyone in a thread that names one of them, open or closed (a
    touch with an interviewer ends the candidate's thank-you; a thread closed or its steps
    over no longer covers its people's keep-in-touch)."""
    affected = set(contact_ids)
    for thread in store.threads():
        if thread.contact_id in contact_ids or thread.via in contact_ids \
                or not contact_ids.isdisjoint(thread.interviewers):
            affected |= _people([thread])
    return affected


def today(store: Store, settings: Settings, now: arrow.Arrow) -> list[Suggestion]:
    """Who to ping today: due or overdue, most urgent first, within the daily budget."""
    return today_within_budget(store, settings, now)[0]


def today_within_budget(store: Store, settings: Settings,
                        now: arrow.Arrow) -> tuple[list[Suggestion], int]:
    """(who to ping today, how many keep-in-touch steps wait for later days)."""
    return cadence.within_budget(cadence.who_to_ping(suggestions(store, settings, now)),
                                 settings.cadence.daily_keep_in_touch)


def for_contacts(store: Store, settings: Settings, now: arrow.Arrow,
                 contact_ids: set[str]) -> list[Suggestion]:
    """The suggestions addressed to these contacts, as :func:`suggestions` ranks them.

    Only their threads (as the contact, the introducer or an interviewer), the people in
    those threads and their touches are loaded: a contact's suggestions depend on nothing
    else, so this is cheap for a few contacts (a screenful at start-up, one contact's page).
    """
    threads = [t for t in store.threads(open_only=True)
               if t.contact_id in contact_ids or t.via in contact_ids
               or not contact_ids.isdisjoint(t.interviewers)]
    people = _people(threads) | contact_ids
    contacts = [c for c in (store.contact(p) for p in sorted(people)) if c is not None]
    touches = store.touches(contact_ids=people, since=_since(threads)) if threads else []
    found = cadence.compute(contacts, threads, touches, settings.cadence, now,
                            their_posts(store, now, contact_ids))
    return [s for s in found if s.contact_id in contact_ids]


def today_for(store: Store, settings: Settings, now: arrow.Arrow,
              contact_ids: set[str]) -> tuple[set[str], list[Suggestion]]:
    """What :func:`today` holds after a change to these contacts, for them only.

    Returns (the contacts whose rows may have changed, their rows due today, ranked): the
    contacts themselves and everyone in a thread that names them (:func:`_affected`).
    Every other row of :func:`today` is unchanged, so a screen can patch its list with
    these.
    """
    affected = _affected(store, contact_ids)
    return affected, cadence.who_to_ping(for_contacts(store, settings, now, affected))


def for_contact(store: Store, settings: Settings, now: arrow.Arrow,
                contact_id: str) -> list[Suggestion]:
    """The suggestions addressed to one contact (keep-in-touch, threads, thank-yous)."""
    return for_contacts(store, settings, now, {contact_id})


def next_due(store: Store, settings: Settings, now: arrow.Arrow) -> Suggestion | None:
    """The soonest step not due yet (for "Nobody to ping today. Next: ...")."""
    today_iso = now.date().isoformat()
    ahead = [s for s in suggestions(store, settings, now)
             if s.status in ("upcoming", "waiting") and s.due > today_iso]
    if not ahead:
        return None
    return min(ahead, key=lambda s: (s.due, s.rank))
