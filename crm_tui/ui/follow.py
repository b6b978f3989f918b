"""Subscribing from the TUI: a feed, a blog's page (its feed found) or a local file,
optionally as a contact's own blog. Shared by the Feeds and Contact screens.

Runs as a worker of the screen that asked: discovery and the check fetch happen on the
event loop with no store write in flight; the subscription itself is one write through
the app's write path, and only once a feed was found and parsed (nothing half-way).
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

from crm_tui.domain.models import Feed
from crm_tui.feeds.discover import DiscoveryError, check_feed, discover, web_address
from crm_tui.feeds.links import feed_location
from crm_tui.ui.context import Change, ctx_of
from crm_tui.ui.dialogs.feed_choice import FeedChoiceDialog


async def subscribe(screen: Screen[Any], location: str, contact_id: str | None = None) -> Feed | None:
    """Find and subscribe to the feed behind ``location``; notify what happened."""
    app: Any = screen.app
    ctx = ctx_of(screen)
    store, settings, now = ctx.store, ctx.settings, ctx.now

    def error(message: str) -> None:
        app.notify(message, title="Feed not added", severity="error", markup=False, timeout=10)

    try:
        web = web_address(location)
        url = feed_location(location) if web is None else web
    except ValueError as exc:
        error(str(exc))
        return None
    if web is not None:
        app.notify(f"Looking for the feed at {web}…", markup=False)
        try:
            found = await discover(web, settings.feeds)
        except DiscoveryError as exc:
            error(str(exc))
            return None
        chosen: str | None = found.candidates[0].url
        if len(found.candidates) > 1:
            chosen = await app.push_screen_wait(FeedChoiceDialog(found))
            if chosen is None:
                return None
        assert chosen is not None
        if not found.is_feed:
            problem = await check_feed(chosen, settings.feeds, public_only=found.public)
            if problem:
                error(f"{chosen} is not a usable feed: {problem}")
                return None
        url = chosen
    if any(f.url == url for f in store.feeds()):
        error(f"already subscribed to {url}")
        return None
    feed = Feed(url=url, added_at=now.isoformat(), contact_id=contact_id)
    whose = ""
    if contact_id:
        person = store.contact(contact_id)
        whose = f" as {person.name}'s blog" if person else ""
    written = ctx.write(lambda: store.add_feed(feed), f"Subscribed to {url}{whose}; r on Feeds fetches it",
                        Change.of("feeds", contacts=[contact_id] if contact_id else []))
    return written.value
