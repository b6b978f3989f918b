"""Following a contact's blog end to end (issue 18): `feeds add URL --contact`, a new post
makes a `their-post` step, the draft is about it, `done` logs a touch naming it, and their
own posts are never suggested back to them."""

from __future__ import annotations

import json

from tests.feeds.helpers import rss

RSS = {"Content-Type": "application/rss+xml"}
HTML = {"Content-Type": "text/html"}
SUBSCRIBED = {"CRM_TUI_NOW": "2026-02-25T09:00:00+00:00"}
LATER = {"CRM_TUI_NOW": "2026-03-02T18:00:00+00:00"}

OLD = {"title": "Notes on data contracts", "link": "https://ada.example/old", "guid": "old",
       "pubDate": "Fri, 20 Feb 2026 08:00:00 +0000", "description": "data contracts pipelines python"}
NEW = {"title": "What I learned shipping robots", "link": "https://ada.example/robots", "guid": "robots",
       "pubDate": "Sun, 01 Mar 2026 08:00:00 +0000", "description": "robots python pipelines data"}


FILLER = [{"title": f"Balcony gardening, week {i}", "link": f"https://ada.example/garden/{i}", "guid": f"g{i}",
           "pubDate": f"Thu, {10 + i} Feb 2026 08:00:00 +0000", "description": "tomatoes basil watering soil"}
          for i in range(6)]


def test_follow_a_contact_and_reply_to_their_post(run_cli, httpserver):
    bodies = [rss([OLD, *FILLER], "Ada's notes"), rss([NEW, OLD, *FILLER], "Ada's notes")]
    httpserver.expect_request("/").respond_with_data(
        '<html><head><link rel="alternate" type="application/rss+xml" href="/index.xml"></head></html>', headers=HTML)
    httpserver.expect_request("/index.xml").respond_with_handler(
        lambda request: __import__("werkzeug").Response(bodies[0], headers=RSS))
    ada = run_cli("add", "Ada Lovelace", "--email", "ada@example.org", "--interest", "python", "--interest", "robots",
                  env=SUBSCRIBED).output.strip()
    run_cli("add", "Grace Hopper", "--interest", "python", "--interest", "robots", env=SUBSCRIBED)
    run_cli("log", "Ada", "--in", "--at", "2026-02-24T10:00", "--note", "coffee", env=SUBSCRIBED)
    added = run_cli("feeds", "add", httpserver.url_for("/"), "--contact", "Ada", env=SUBSCRIBED)
    assert added.exit_code == 0, added.stderr
    assert run_cli("feeds", "refresh", env=SUBSCRIBED).exit_code == 0

    def steps(env):
        rows = json.loads(run_cli("today", "--json", "--all", env=env).output)
        return [(r["contact_id"], r["step"]) for r in rows]

    # The posts the blog had when it was subscribed to are not news.
    assert (ada, "their-post") not in steps(LATER)

    bodies[0] = bodies[1]  # Ada publishes
    assert "1 new article" in run_cli("feeds", "refresh", env=LATER).output
    rows = json.loads(run_cli("today", "--json", env=LATER).output)
    mine = [r for r in rows if r["contact_id"] == ada]
    assert [r["step"] for r in mine] == ["their-post"]  # in keep-in-touch's place
    assert mine[0]["reason"] == "Ada published 'What I learned shipping robots' on Sun 1 Mar: a good moment to reply."
    post_id = mine[0]["article_id"]

    draft = json.loads(run_cli("draft", "Ada", "--json", env=LATER).output)
    assert draft["step"] == "their-post"
    assert "What I learned shipping robots" in draft["body"]
    assert "ada.example" not in draft["body"]  # never their own link back to them

    # Their posts are never suggested to share with them; others may get them.
    for_ada = json.loads(run_cli("articles", "--for", "Ada", "--json", env=LATER).output)
    assert post_id not in [a["id"] for a in for_ada] and all(a["feed_id"] != "f1" for a in for_ada)
    for_grace = json.loads(run_cli("articles", "--for", "Grace", "--json", env=LATER).output)
    assert post_id in [a["id"] for a in for_grace]

    done = run_cli("done", "Ada", env=LATER)
    assert done.exit_code == 0, done.output
    import os
    from pathlib import Path

    from crm_tui.paths import resolve
    from crm_tui.store.repository import Store

    with Store.open(resolve(Path(os.environ["CRM_TUI_HOME"])).data, readonly=True) as store:
        touch = store.touches(contact_ids={ada})[-1]
        assert (touch.step, touch.article_id, touch.direction) == ("their-post", post_id, "out")
    assert (ada, "their-post") not in steps(LATER)
