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


def aggregated(guid: str, day: str) -> dict[str, str]:
    """Ada's post as a planet-style aggregator carries it: its own guid, a tracking tag."""
    return {"title": f"Post {guid}", "link": f"https://ada.example/{guid}?utm_source=planet",
            "guid": f"planet-{guid}", "pubDate": f"{day} 08:00:00 +0000"}


async def test_a_post_seen_first_on_an_aggregator_moves_to_its_authors_feed(store, tmp_path):
    ada = store.add_contact(Contact(name="Ada Lovelace"))
    planet, own = tmp_path / "planet.xml", tmp_path / "ada.xml"
    planet.write_bytes(rss([aggregated("a", "Thu, 19 Feb 2026")]))
    own.write_bytes(rss([item("a", "Thu, 19 Feb 2026")]))
    aggregator = store.add_feed(Feed(url=str(planet)))  # f1: processed first
    blog = store.add_feed(Feed(url=str(own), contact_id=ada.id))
    await service.refresh(store, Settings(), T0)
    assert [(a.feed_id, a.guid) for a in store.articles()] == [(blog.id, "a")]  # the author's feed has it
    assert engine.their_posts(store, T0) == []  # (the blog's first refresh: not news)

    # The aggregator carries Ada's next post a day before her own feed shows it.
    planet.write_bytes(rss([aggregated("b", "Wed, 25 Feb 2026"), aggregated("a", "Thu, 19 Feb 2026")]))
    await service.refresh(store, Settings(), arrow.get("2026-02-25T10:00:00+00:00"), feed_ids=[aggregator.id])
    assert {a.guid: a.feed_id for a in store.articles()}["planet-b"] == aggregator.id
    own.write_bytes(rss([item("b", "Wed, 25 Feb 2026"), item("a", "Thu, 19 Feb 2026")]))
    summary = await service.refresh(store, Settings(), T1)
    assert summary.new_articles == 0
    assert sorted((a.feed_id, a.guid) for a in store.articles()) == [(blog.id, "a"), (blog.id, "b")]
    assert [p.title for p in engine.their_posts(store, T1)] == ["Post b"]
    # Neither feed brings it back a second time (both bodies changed, so both are parsed).
    planet.write_bytes(planet.read_bytes() + b" ")
    own.write_bytes(own.read_bytes() + b" ")
    again = await service.refresh(store, Settings(), T1.shift(hours=1))
    assert again.fetched == 2
    assert again.new_articles == 0 and len(store.articles()) == 2
