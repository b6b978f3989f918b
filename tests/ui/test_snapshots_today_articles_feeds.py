"""Snapshots of the Today, Articles and Feeds screens and their dialogs (Today, Articles and Feeds).

The bundled demo at the pinned clock (2026-03-02 18:00 UTC), 120x36. Update after a
deliberate change with ``pytest tests/ui/test_snapshots_today_articles_feeds.py --snapshot-update`` and look
at the SVGs in ``__snapshots__`` before committing them.
"""

from __future__ import annotations

from typing import Any

from support import SIZE


def test_today(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, press=["2"], terminal_size=SIZE)


def test_today_snooze_dialog(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, press=["2", "s"], terminal_size=SIZE)


def test_today_reply_dialog(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, press=["2", "r"], terminal_size=SIZE)


def test_today_empty(snap_compare: Any, demo_app: Any) -> None:
    async def skip_everyone(pilot: Any) -> None:
        await pilot.press("2")
        while pilot.app.screen.suggestions:
            await pilot.press("x")
            await pilot.pause()
        pilot.app.clear_notifications()  # the toasts' timing is not part of the picture
        await pilot.pause()

    assert snap_compare(demo_app, run_before=skip_everyone, terminal_size=SIZE)


def test_compose_dialog(snap_compare: Any, demo_app: Any) -> None:
    # Today's first step, composed: the draft, its variant, word count and the keys.
    assert snap_compare(demo_app, press=["2", "enter"], terminal_size=SIZE)


def test_articles(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, press=["3"], terminal_size=SIZE)


def test_article_detail_dialog(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, press=["3", "enter"], terminal_size=SIZE)


def test_share_pick_dialog(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, press=["3", "s"], terminal_size=SIZE)


def test_feeds(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, press=["4"], terminal_size=SIZE)


def test_feeds_error_detail(snap_compare: Any, make_app: Any, demo_paths: Any, now: Any) -> None:
    """A failing feed highlighted: its whole error under the list."""
    from crm_tui.domain.models import Feed
    from crm_tui.store.repository import Store

    with Store.open(demo_paths.data, today=now) as store:
        store.add_feed(Feed(url="https://feeds.example.org/rss", title="Broken feed",
                            added_at=now.isoformat(), last_status="failed", errors=2,
                            last_fetched=now.isoformat(),
                            last_error="HTTP 503 Service Unavailable from feeds.example.org; "
                                       "the server said: come back later, we are rebuilding "
                                       "the archive tonight"))
    assert snap_compare(make_app(demo_paths), press=["4", "G"], terminal_size=SIZE)


def test_feed_rename_dialog(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, press=["4", "e"], terminal_size=SIZE)


def test_feed_add_dialog(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(
        demo_app, press=["4", "a", *"ftp://x", "_"], terminal_size=SIZE
    )


def test_opml_import_dialog(snap_compare: Any, demo_app: Any) -> None:
    assert snap_compare(demo_app, press=["4", "i"], terminal_size=SIZE)
