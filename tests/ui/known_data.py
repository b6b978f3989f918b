"""A small, known data set for the Today/Articles/Feeds pilot tests (Today, Articles and Feeds).

The demo data is for looking at; these tests need to know exactly who is due and why, so
they build their own: three keep-in-touch contacts due, an interview awaiting a follow-up,
a hostile name, and a local feed whose articles match the contacts' interests.
"""

from __future__ import annotations

from pathlib import Path

import arrow

from crm_tui.domain.models import Article, Contact, Feed, Thread, Touch
from crm_tui.paths import Paths
from crm_tui.store.repository import Store

HOSTILE_NAME = "[bold]x[/] \x1b]52;c;aGk=\x07"


def seed(paths: Paths, now: arrow.Arrow, articles: bool = True) -> dict[str, str]:
    """Write the data set; returns ids by nickname (dana, ravi, mia, hostile, thread, ...)."""
    ids: dict[str, str] = {}
    with Store.open(paths.data, today=now) as store, store.batch():
        dana = store.add_contact(Contact(
            name="Dana Whitfield", company="Larkspur Analytics", role="Data lead", tier="close",
            emails=["dana@example.com"], interests=["data engineering", "python"],
        ))
        ravi = store.add_contact(Contact(
            name="Ravi Patel", company="Tidemark Bank", role="Hiring manager", tier="casual",
            emails=["ravi@example.com"], interests=["fintech", "leadership"],
        ))
        mia = store.add_contact(Contact(
            name="Mia Chen", company="Quillon Studio", tier="active", emails=["mia@example.com"],
            interests=["design systems", "accessibility"],
        ))
        hostile = store.add_contact(Contact(
            name=HOSTILE_NAME, tier="active", emails=["h@example.com"],
        ))
        for contact, days in ((dana, 20), (mia, 40), (hostile, 45)):
            store.log_touch(Touch(contact_id=contact.id, at=now.shift(days=-days).isoformat(),
                                  note="coffee"))
        thread = store.add_thread(Thread(
            contact_id=ravi.id, kind="interview", at=now.shift(days=-12).isoformat(),
            decision_by=now.shift(days=-8).format("YYYY-MM-DD"), role="Data engineer",
        ))
        store.log_touch(Touch(contact_id=ravi.id, at=now.shift(days=-12, hours=4).isoformat(),
                              thread_id=thread.id, step="thank-you", note="thanks for today"))
        ids.update(dana=dana.id, ravi=ravi.id, mia=mia.id, hostile=hostile.id, thread=thread.id)
        if articles:
            feed = store.add_feed(Feed(url=str(Path(paths.data) / "none.xml"), title="Data Weekly",
                                       added_at=now.isoformat(), last_status="updated",
                                       last_fetched=now.shift(hours=-2).isoformat()))
            pipeline = store.add_article(Article(
                feed_id=feed.id, title="Python data engineering pipelines that last",
                link="https://example.com/pipelines",
                summary="How data engineering teams keep python pipelines simple.",
                tags=["python", "data engineering"], published=now.shift(days=-1).isoformat(),
                key="https://example.com/pipelines",
            ))
            a11y = store.add_article(Article(
                feed_id=feed.id, title="Accessibility in design systems",
                link="https://example.com/a11y",
                summary="Design systems that make accessibility the default.",
                tags=["accessibility", "design systems"],
                published=now.shift(days=-2).isoformat(), key="https://example.com/a11y",
            ))
            ids.update(feed=feed.id, pipeline=pipeline.id, a11y=a11y.id)
    return ids

