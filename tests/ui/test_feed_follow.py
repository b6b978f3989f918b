"""Through the TUI (Pilot): paste a blog's address on the Feeds screen and choose among the
feeds it lists; follow a contact's blog from their screen (issue 18). Real HTTP on
127.0.0.1 (pytest-httpserver)."""

from __future__ import annotations

from typing import Any

import arrow
from support import SIZE

from crm_tui.domain.models import Contact
from crm_tui.store.repository import Store
from crm_tui.ui.dialogs.feed_choice import FeedChoiceDialog
from crm_tui.ui.screens.contact import ContactScreen
from crm_tui.ui.screens.feeds import FeedsScreen

RSS = {"Content-Type": "application/rss+xml"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
FEED = ('<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title><item><title>Hello</title>'
        "<link>https://blog.example/hello</link><guid>1</guid></item></channel></rss>")


async def test_paste_a_page_and_choose_among_its_feeds(make_app: Any, empty_paths: Any, httpserver: Any) -> None:
    httpserver.expect_request("/").respond_with_data(
        '<html><head><link rel="alternate" type="application/rss+xml" title="Posts" href="/posts.xml">'
        '<link rel="alternate" type="application/atom+xml" title="Comments [b]x[/b]" href="/comments.xml">'
        "</head></html>", headers=HTML)
    httpserver.expect_request("/comments.xml").respond_with_data(FEED.format(title="Comments"), headers=RSS)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await pilot.pause()
        assert isinstance(app.screen, FeedsScreen)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*httpserver.url_for("/"), "enter")
        for _ in range(50):  # discovery runs in a worker; the choice appears when it is done
            await pilot.pause(0.05)
            if isinstance(app.screen, FeedChoiceDialog):
                break
        assert isinstance(app.screen, FeedChoiceDialog)
        assert [c.title for c in app.screen.found.candidates] == ["Posts", "Comments [b]x[/b]"]
        await pilot.press("down", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [f.url for f in app.store.feeds()] == [httpserver.url_for("/comments.xml")]
        assert isinstance(app.screen, FeedsScreen)


async def test_a_page_without_a_feed_adds_nothing_and_says_why(make_app: Any, empty_paths: Any, httpserver: Any) -> None:
    httpserver.expect_request("/").respond_with_data("<html><head></head><body>hi</body></html>", headers=HTML)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*httpserver.url_for("/"), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.store.feeds() == []
        errors = [n for n in app._notifications if n.title == "Feed not added"]
        assert errors and "no feed found at" in errors[0].message and "/rss.xml" in errors[0].message


async def test_follow_a_contacts_blog_from_their_screen(make_app: Any, empty_paths: Any, now: arrow.Arrow,
                                                        httpserver: Any) -> None:
    with Store.open(empty_paths.data, today=now) as store:
        ada = store.add_contact(Contact(name="Ada Lovelace", tier="active"))
    httpserver.expect_request("/blog/").respond_with_data(
        '<html><head><link rel="alternate" type="application/rss+xml" href="feed.xml"></head></html>', headers=HTML)
    httpserver.expect_request("/blog/feed.xml").respond_with_data(FEED.format(title="Ada's notes"), headers=RSS)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        app.open_contact(ada.id)
        await pilot.pause()
        assert isinstance(app.screen, ContactScreen)
        await pilot.press("b")
        await pilot.pause()
        assert "Follow Ada Lovelace's blog" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press(*httpserver.url_for("/blog/"), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        feeds = app.store.feeds()
        assert [(f.url, f.contact_id) for f in feeds] == [(httpserver.url_for("/blog/feed.xml"), ada.id)]
        assert isinstance(app.screen, ContactScreen)
        fields = str(app.screen.query_one("#fields").render())
        assert "blog" in fields and "/blog/feed.xml" in fields


async def test_their_post_on_today_and_done_logs_it(make_app: Any, empty_paths: Any, now: arrow.Arrow) -> None:
    from crm_tui.domain.models import Article, Feed
    from crm_tui.ui.screens.today import TodayScreen

    with Store.open(empty_paths.data, today=now) as store:
        ada = store.add_contact(Contact(name="Ada Lovelace", tier="active", emails=["ada@example.org"]))
        feed = store.add_feed(Feed(url="https://ada.example/feed", contact_id=ada.id,
                                   added_at=now.shift(days=-10).isoformat()))
        post = store.add_article(Article(feed_id=feed.id, title="What I learned shipping robots",
                                         link="https://ada.example/robots",
                                         published=now.shift(days=-2).isoformat()))
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        s = screen.current()
        assert s is not None and (s.contact_id, s.step, s.article_id) == (ada.id, "their-post", post.id)
        message = str(screen.query_one("#today-message").render())
        assert "What I learned shipping robots" in message and "ada.example" not in message
        await pilot.press("d")
        await pilot.pause()
        touch = app.store.touches(contact_ids={ada.id})[-1]
        assert (touch.step, touch.article_id) == ("their-post", post.id)
        assert all(x.step != "their-post" for x in screen.suggestions.values())


async def test_import_newsboat_urls_from_the_feeds_screen(make_app: Any, empty_paths: Any, tmp_path: Any) -> None:
    urls = tmp_path / "urls"
    urls.write_text('https://a.example/feed.xml tech "~A blog"\nquery:Unread:unread = "yes"\nexec:rm -rf ~\n')
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        await pilot.press(*str(urls), "enter")
        await pilot.pause()
        assert [(f.url, f.title, f.tags) for f in app.store.feeds()] == [("https://a.example/feed.xml", "A blog", ["tech"])]
        note = [n for n in app._notifications if n.title == "newsboat urls imported"]
        assert note and "1 added, 0 already subscribed, 1 query feeds skipped, 1 refused" in note[0].message
