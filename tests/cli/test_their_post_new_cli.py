"""Which posts are new for `their-post` (issue 18, second round), through the CLI with a
pinned clock: first seen by a refresh after the feed's first one and published within 14
days; the step stays through later refreshes; `--even-if-dormant` ("unless asked")."""

from __future__ import annotations

import json

from tests.feeds.helpers import rss

RSS = {"Content-Type": "application/rss+xml"}


def at(moment: str) -> dict[str, str]:
    return {"CRM_TUI_NOW": moment}


def item(guid: str, day: str, title: str = "") -> dict[str, str]:
    return {"title": title or f"Post {guid}", "link": f"https://ada.example/{guid}", "guid": guid,
            "pubDate": f"{day} 08:00:00 +0000", "description": "robots python"}


RECENT = [item("r1", "Mon, 23 Feb 2026"), item("r2", "Wed, 25 Feb 2026")]  # within 14 days of the first refresh


class Blog:
    """A feed whose body the test changes between refreshes."""

    def __init__(self, httpserver, items):
        import werkzeug

        self.items = list(items)
        self.status = 200
        httpserver.expect_request("/feed.xml").respond_with_handler(
            lambda request: werkzeug.Response(rss(self.items, "Ada's notes") if self.status == 200 else b"down",
                                              status=self.status, headers=RSS))
        self.url = httpserver.url_for("/feed.xml")


def their_posts(run_cli, contact_id, moment):
    rows = json.loads(run_cli("today", "--json", "--all", env=at(moment)).output)
    return [r for r in rows if r["contact_id"] == contact_id and r["step"] == "their-post"]


def follow(run_cli, blog, *extra, moment="2026-02-26T09:00:00+00:00", tier="active"):
    ada = run_cli("add", "Ada Lovelace", "--tier", tier, env=at(moment)).output.strip()
    added = run_cli("feeds", "add", blog.url, "--no-check", "--contact", "Ada", *extra, env=at(moment))
    assert added.exit_code == 0, added.output
    return ada


def refresh(run_cli, moment):
    result = run_cli("feeds", "refresh", env=at(moment))
    assert result.exit_code == 0, result.output
    return result.output


def test_the_first_refresh_is_no_flood_and_a_later_post_stays_through_refreshes(run_cli, httpserver):
    blog = Blog(httpserver, RECENT)
    ada = follow(run_cli, blog)
    assert "2 new articles" in refresh(run_cli, "2026-02-26T09:00:00+00:00")
    # Both posts are within 14 days, but the blog had them when it was followed.
    assert their_posts(run_cli, ada, "2026-02-26T10:00:00+00:00") == []

    blog.items.insert(0, item("n1", "Thu, 26 Feb 2026", "What I learned shipping robots"))
    assert "1 new article" in refresh(run_cli, "2026-02-26T12:00:00+00:00")
    [step] = their_posts(run_cli, ada, "2026-02-26T12:05:00+00:00")
    assert "What I learned shipping robots" in step["reason"]

    # Refreshing again the same day with nothing new must not lose it: new is what was
    # first seen after the feed's first refresh, not what came in the latest one.
    assert "0 new articles" in refresh(run_cli, "2026-02-26T15:00:00+00:00")
    assert "0 new articles" in refresh(run_cli, "2026-02-26T18:00:00+00:00")
    assert [s["article_id"] for s in their_posts(run_cli, ada, "2026-02-26T18:05:00+00:00")] == [step["article_id"]]
    # Nor a day later, nor while the server is down.
    blog.status = 503
    refresh(run_cli, "2026-03-02T09:00:00+00:00")
    assert [s["article_id"] for s in their_posts(run_cli, ada, "2026-03-02T09:05:00+00:00")] == [step["article_id"]]
    # Fourteen days after it was published it is still news; fifteen, no longer.
    assert len(their_posts(run_cli, ada, "2026-03-12T09:00:00+00:00")) == 1
    assert their_posts(run_cli, ada, "2026-03-13T09:00:00+00:00") == []


def test_a_failed_first_refresh_does_not_make_the_next_one_a_flood(run_cli, httpserver):
    blog = Blog(httpserver, RECENT)
    blog.status = 500
    ada = follow(run_cli, blog)
    refresh(run_cli, "2026-02-26T09:00:00+00:00")  # failed: nothing seen yet
    blog.status = 200
    assert "2 new articles" in refresh(run_cli, "2026-02-26T10:00:00+00:00")  # the first that saw the feed
    assert their_posts(run_cli, ada, "2026-02-26T11:00:00+00:00") == []


def test_a_new_post_dated_before_the_follow_still_counts_when_first_seen_later(run_cli, httpserver):
    """A post can reach the feed late (a cache, a scheduled post): it is new when first
    seen by a later refresh, whatever its date, as long as it is within 14 days."""
    blog = Blog(httpserver, RECENT)
    ada = follow(run_cli, blog)
    refresh(run_cli, "2026-02-26T09:00:00+00:00")
    blog.items.append(item("late", "Tue, 24 Feb 2026", "Late to the feed"))
    refresh(run_cli, "2026-02-27T09:00:00+00:00")
    [step] = their_posts(run_cli, ada, "2026-02-27T09:05:00+00:00")
    assert "Late to the feed" in step["reason"]


def test_dormant_contacts_only_when_asked(run_cli, httpserver):
    blog = Blog(httpserver, RECENT)
    ada = follow(run_cli, blog, "--even-if-dormant", moment="2026-02-26T09:00:00+00:00", tier="dormant")
    listed = json.loads(run_cli("feeds", "list", "--json", env=at("2026-02-26T09:00:00+00:00")).output)
    assert [(f["contact_id"], f["even_if_dormant"]) for f in listed] == [(ada, True)]
    refresh(run_cli, "2026-02-26T09:00:00+00:00")
    blog.items.insert(0, item("n1", "Thu, 26 Feb 2026", "Back at it"))
    refresh(run_cli, "2026-02-26T12:00:00+00:00")
    # Ada is dormant and was never in touch: asked for, so the step is made.
    assert len(their_posts(run_cli, ada, "2026-02-26T12:05:00+00:00")) == 1

    changed = run_cli("feeds", "set", blog.url, "--not-if-dormant", env=at("2026-02-26T12:10:00+00:00"))
    assert changed.exit_code == 0, changed.output
    assert "blog of Ada Lovelace" in changed.output and "even if dormant" not in changed.output
    assert their_posts(run_cli, ada, "2026-02-26T12:15:00+00:00") == []
    again = run_cli("feeds", "set", "f1", "--even-if-dormant", env=at("2026-02-26T12:20:00+00:00"))
    assert again.output.strip().endswith("blog of Ada Lovelace, even if dormant")
    assert len(their_posts(run_cli, ada, "2026-02-26T12:25:00+00:00")) == 1
    assert "(even if dormant)" in run_cli("feeds", "list", env=at("2026-02-26T12:25:00+00:00")).output


def test_even_if_dormant_needs_a_contact(run_cli, httpserver):
    blog = Blog(httpserver, RECENT)
    refused = run_cli("feeds", "add", blog.url, "--no-check", "--even-if-dormant")
    assert refused.exit_code == 2 and "--contact" in refused.output
    assert run_cli("feeds", "add", blog.url, "--no-check").exit_code == 0
    refused = run_cli("feeds", "set", "f1", "--even-if-dormant")
    assert refused.exit_code == 2 and "--contact" in refused.output
    assert run_cli("feeds", "set", "f1").exit_code == 2  # nothing to change
