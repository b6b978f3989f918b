"""Which refresh was a feed's first (``Feed.first_fetched``): what the `their-post` step's
"new" is measured against (issue 18, second round), also for feeds fetched before it was
recorded."""

from __future__ import annotations

import arrow

from crm_tui.config import Settings
from crm_tui.domain.models import Article, Contact, Feed
from crm_tui.services import engine
from crm_tui.services import feeds as service

from .helpers import rss

T0 = arrow.get("2026-02-20T09:00:00+00:00")
T1 = arrow.get("2026-02-27T09:00:00+00:00")


def item(guid: str, day: str) -> dict[str, str]:
    return {"title": f"Post {guid}", "link": f"https://ada.example/{guid}", "guid": guid,
            "pubDate": f"{day} 08:00:00 +0000"}


async def test_a_new_feed_records_its_first_refresh_and_nothing_in_it_is_news(store, tmp_path):
    ada = store.add_contact(Contact(name="Ada Lovelace"))
    path = tmp_path / "ada.xml"
    path.write_bytes(rss([item("a", "Thu, 19 Feb 2026")]))
    feed = store.add_feed(Feed(url=str(path), contact_id=ada.id, added_at=T0.isoformat()))
    await service.refresh(store, Settings(), T0)
    assert store.feed(feed.id).first_fetched == T0.to("UTC").isoformat()
    assert engine.their_posts(store, T0) == []
    path.write_bytes(rss([item("b", "Fri, 27 Feb 2026"), item("a", "Thu, 19 Feb 2026")]))
    await service.refresh(store, Settings(), T1)
    assert store.feed(feed.id).first_fetched == T0.to("UTC").isoformat()  # kept
    assert [p.title for p in engine.their_posts(store, T1)] == ["Post b"]


async def test_a_feed_fetched_before_first_fetched_existed_takes_its_oldest_article(store, tmp_path):
    ada = store.add_contact(Contact(name="Ada Lovelace"))
    path = tmp_path / "ada.xml"
    path.write_bytes(rss([item("a", "Thu, 19 Feb 2026")]))
    feed = store.add_feed(Feed(url=str(path), contact_id=ada.id, added_at="2026-02-18T09:00:00+00:00",
                               last_fetched=T0.isoformat(), last_status="updated"))
    store.add_articles([Article(feed_id=feed.id, title="Post a", guid="a", link="https://ada.example/a",
                                published="2026-02-19T08:00:00+00:00", fetched_at=T0.isoformat(),
                                key="https://ada.example/a")])
    # Until a refresh records it, the older rule: published after the feed was added.
    assert [p.title for p in engine.their_posts(store, T0)] == ["Post a"]
    path.write_bytes(rss([item("b", "Fri, 27 Feb 2026"), item("a", "Thu, 19 Feb 2026")]))
    await service.refresh(store, Settings(), T1)
    assert store.feed(feed.id).first_fetched == T0.isoformat()
    assert [p.title for p in engine.their_posts(store, T1)] == ["Post b"]
