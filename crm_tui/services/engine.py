"""The follow-up engine over the store: loads what the rules need, nothing more.

Keep-in-touch reads the contacts' summaries (``last_in``/``last_out``), so only the touches
of people in open threads are loaded: at 10,000 contacts the cost is the contacts, not the
touches.
"""

from __future__ import annotations

from datetime import datetime, timedelta

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


# The last full run: (store, its generation, the minute, the cadence settings) -> result.
_LAST: list[tuple[tuple[object, ...], list[Suggestion]]] = []


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
    key = (id(store), store.generation, now.format("YYYY-MM-DDTHH:mmZZ"), repr(settings.cadence))
    if _LAST and _LAST[0][0] == key:
        return list(_LAST[0][1])
    threads = store.threads(open_only=True)
    people = _people(threads)
    with gc_paused():  # ~10,000 new suggestions at once, none of them garbage
        touches = store.touches(contact_ids=people, since=_since(threads)) if threads else []
        found = cadence.compute(store.contacts(), threads, touches, settings.cadence, now,
                                their_posts(store, now))
    _LAST[:] = [(key, found)]
    return list(found)


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
    contacts themselves and the owners of open threads that name them (as introducer or
    interviewer: a touch with an interviewer ends the candidate's thank-you). Every other
    row of :func:`today` is unchanged, so a screen can patch its list with these.
    """
    owners = {t.contact_id for t in store.threads(open_only=True)
              if t.via in contact_ids or not contact_ids.isdisjoint(t.interviewers)}
    affected = set(contact_ids) | owners
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
