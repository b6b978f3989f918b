"""`crm-tui feeds ...`, `articles`, `share` end to end."""

from __future__ import annotations

import json

from crm_tui.paths import resolve
from crm_tui.store.repository import Store
from tests.feeds.helpers import rss, simple_rss


def test_add_refresh_list_articles_share(run_cli, tmp_path, isolated_home):
    path = tmp_path / "feed.xml"
    path.write_bytes(rss([
        {"title": "Python pipelines for data engineering", "link": "https://e.example/1", "guid": "1"},
        {"title": "Growing tomatoes on a balcony", "link": "https://e.example/2", "guid": "2"},
        {"title": "A week of film photography", "link": "https://e.example/3", "guid": "3"},
    ]))
    feed_id = run_cli("feeds", "add", str(path), "--tag", "python").output.strip()
    assert feed_id == "f1"
    assert run_cli("feeds", "add", str(path)).exit_code == 2  # already subscribed
    assert run_cli("feeds", "add", "file:///etc/passwd").exit_code == 2
    assert run_cli("feeds", "add", str(tmp_path / "missing.xml")).exit_code == 2

    refreshed = run_cli("feeds", "refresh", "--json")
    assert refreshed.exit_code == 0
    data = json.loads(refreshed.output)
    assert {k: data[k] for k in ("fetched", "not_modified", "failed", "new_articles", "errors")} == {
        "fetched": 1, "not_modified": 0, "failed": 0, "new_articles": 3, "errors": []}
    line = run_cli("feeds", "refresh")
    assert line.exit_code == 0 and "0 fetched, 1 not modified, 0 failed; 0 new articles" in line.output

    listed = json.loads(run_cli("feeds", "list", "--json").output)
    assert listed[0]["articles"] == 3 and listed[0]["title"] == "Test feed" and listed[0]["last_status"] == "not-modified"
    assert run_cli("feeds", "rename", "f1", "Renamed").exit_code == 0
    assert "Renamed" in run_cli("feeds", "list").output

    recent = json.loads(run_cli("articles", "--json", "--limit", "2").output)
    assert len(recent) == 2
    assert {"id", "title", "link", "summary", "feed", "published"} <= set(recent[0])

    contact = run_cli("add", "Maya Okafor", "--interest", "python", "--interest", "data engineering").output.strip()
    ranked = json.loads(run_cli("articles", "--for", "Maya", "--json").output)
    assert ranked and all("score" in r for r in ranked)
    article_id = ranked[0]["id"]

    printed = run_cli("share", article_id, contact, "--print")
    assert printed.exit_code == 0 and "Maya" in printed.output
    with Store.open(resolve(isolated_home).data, readonly=True) as store:
        assert store.touches() == [] and store.shares() == []
    shared = run_cli("share", article_id, "Maya")
    assert shared.exit_code == 0
    with Store.open(resolve(isolated_home).data, readonly=True) as store:
        (touch,) = store.touches()
        assert (touch.article_id, touch.step, touch.contact_id) == (article_id, "share-article", contact)
        (share,) = store.shares()
        assert share.touch_id == touch.id
    again = json.loads(run_cli("articles", "--for", contact, "--json").output)
    assert article_id not in [r["id"] for r in again]

    assert run_cli("feeds", "remove", "f1").exit_code == 0
    with Store.open(resolve(isolated_home).data, readonly=True) as store:
        assert [a.id for a in store.articles()] == [article_id]  # shared: kept


def test_refresh_exits_0_when_a_feed_fails(run_cli, tmp_path):
    path = tmp_path / "gone.xml"
    path.write_bytes(simple_rss(1))
    run_cli("feeds", "add", str(path))
    path.unlink()
    result = run_cli("feeds", "refresh", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["failed"] == 1 and "cannot read" in data["errors"][0]["error"]
    assert run_cli("feeds", "refresh", "--bogus").exit_code == 2


def test_opml_round_trip(run_cli, tmp_path):
    opml = tmp_path / "subs.opml"
    opml.write_text("""<?xml version="1.0"?>
<opml version="2.0"><head><title>x</title></head><body>
  <outline text="Tech"><outline text="Py" type="rss" xmlUrl="https://py.example/feed"/>
    <outline text="Deep"><outline text="ML" xmlUrl="https://ml.example/rss" category="machine learning"/></outline>
  </outline>
  <outline text="Local" xmlUrl="file:///etc/passwd"/>
  <outline text="Top" xmlUrl="https://top.example/atom"/>
</body></opml>""")
    result = run_cli("feeds", "import-opml", str(opml))
    assert result.exit_code == 0 and "3 added, 0 already subscribed, 1 rejected" in result.output
    again = run_cli("feeds", "import-opml", str(opml))
    assert "0 added, 3 already subscribed" in again.output
    feeds = {f["url"]: f for f in json.loads(run_cli("feeds", "list", "--json").output)}
    assert feeds["https://ml.example/rss"]["tags"] == ["Tech", "Deep", "machine learning"]
    assert feeds["https://py.example/feed"]["tags"] == ["Tech"] and feeds["https://top.example/atom"]["tags"] == []
    out = tmp_path / "out.opml"
    assert run_cli("feeds", "export-opml", str(out)).exit_code == 0
    assert b"https://ml.example/rss" in out.read_bytes()
    hostile = tmp_path / "evil.opml"
    hostile.write_text('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                       '<opml version="2.0"><body><outline text="&x;" xmlUrl="https://e.example/"/></body></opml>')
    assert run_cli("feeds", "import-opml", str(hostile)).exit_code == 2
