"""Autodiscovery (issue 18): `crm-tui feeds add https://someone.example/` finds the feed.

Against pytest-httpserver on 127.0.0.1, end to end through the command line; hostile pages
included. Nothing may be subscribed half-way.
"""

from __future__ import annotations

import json
import time

import pytest
from werkzeug import Response

from crm_tui.config import Settings
from crm_tui.feeds.discover import MAX_CANDIDATES, find_links, web_address

from .helpers import simple_rss

RSS = {"Content-Type": "application/rss+xml"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


def page(head: str = "", body: str = "<p>Hello</p>") -> str:
    return f"<!doctype html><html><head><title>Blog</title>{head}</head><body>{body}</body></html>"


def feeds(run_cli) -> list[dict]:
    return json.loads(run_cli("feeds", "list", "--json").output)


def test_a_blog_page_with_a_relative_alternate_link(run_cli, httpserver):
    httpserver.expect_request("/blog/").respond_with_data(
        page('<link rel="alternate" type="application/rss+xml" title="Posts" href="posts.xml">'), headers=HTML
    )
    httpserver.expect_request("/blog/posts.xml").respond_with_data(simple_rss(2), headers=RSS)
    added = run_cli("feeds", "add", httpserver.url_for("/blog/"))
    assert added.exit_code == 0, added.output
    assert added.stdout.strip() == "f1"
    assert [f["url"] for f in feeds(run_cli)] == [httpserver.url_for("/blog/posts.xml")]
    assert "found " + httpserver.url_for("/blog/posts.xml") in added.stderr


def test_several_feeds_are_listed_and_first_takes_the_first(run_cli, httpserver):
    httpserver.expect_request("/").respond_with_data(page(
        '<link rel="alternate" type="application/atom+xml" title="Everything" href="/atom.xml">'
        '<link rel="alternate" type="application/rss+xml" title="Comments" href="/comments.rss">'
        '<link rel="alternate" type="application/feed+json" href="https://127.0.0.1/feed.json">'
    ), headers=HTML)
    httpserver.expect_request("/atom.xml").respond_with_data(simple_rss(1), headers=RSS)
    listed = run_cli("feeds", "add", httpserver.url_for("/"))
    assert listed.exit_code == 2
    assert "lists 3 feeds" in listed.stderr
    assert httpserver.url_for("/atom.xml") + "  Atom  Everything" in listed.stderr
    assert httpserver.url_for("/comments.rss") + "  RSS  Comments" in listed.stderr
    assert feeds(run_cli) == []  # nothing subscribed
    chosen = run_cli("feeds", "add", httpserver.url_for("/"), "--first")
    assert chosen.exit_code == 0
    assert [f["url"] for f in feeds(run_cli)] == [httpserver.url_for("/atom.xml")]


def test_a_feed_address_is_taken_as_it_is(run_cli, httpserver):
    httpserver.expect_request("/rss").respond_with_data(simple_rss(1), headers={"Content-Type": "text/xml"})
    assert run_cli("feeds", "add", httpserver.url_for("/rss")).exit_code == 0
    assert [f["url"] for f in feeds(run_cli)] == [httpserver.url_for("/rss")]


def test_the_usual_paths_are_tried_when_the_page_declares_none(run_cli, httpserver):
    httpserver.expect_request("/").respond_with_data(page(), headers=HTML)
    httpserver.expect_request("/index.xml").respond_with_data(simple_rss(1), headers=RSS)
    added = run_cli("feeds", "add", httpserver.url_for("/"))
    assert added.exit_code == 0, added.stderr
    assert [f["url"] for f in feeds(run_cli)] == [httpserver.url_for("/index.xml")]


def test_no_feed_is_an_error_naming_what_was_tried(run_cli, httpserver):
    httpserver.expect_request("/about").respond_with_data(page(), headers=HTML)
    httpserver.expect_request("/feed").respond_with_data(page(), headers=HTML)  # an HTML 200, not a feed
    failed = run_cli("feeds", "add", httpserver.url_for("/about"))
    assert failed.exit_code == 2
    message = failed.stderr
    assert f"no feed found at {httpserver.url_for('/about')}" in message
    assert 'declares no <link rel="alternate"> feed' in message
    for path in ("/about/feed", "/feed", "/rss.xml", "/atom.xml", "/index.xml", "/feed.xml"):
        assert httpserver.url_for(path) + ":" in message
    assert "HTTP 500" in message and "not a feed" in message  # pytest-httpserver answers 500 for the unknown
    assert "Traceback" not in message and feeds(run_cli) == []


def test_a_linked_candidate_that_is_not_a_feed_is_not_subscribed(run_cli, httpserver):
    httpserver.expect_request("/").respond_with_data(
        page('<link rel="alternate" type="application/rss+xml" href="/broken.xml">'), headers=HTML
    )
    httpserver.expect_request("/broken.xml").respond_with_data("nope", status=500)
    failed = run_cli("feeds", "add", httpserver.url_for("/"))
    assert failed.exit_code == 2 and "not a usable feed: HTTP 500" in failed.stderr
    assert feeds(run_cli) == []


def test_contact_feed_through_the_cli(run_cli, httpserver):
    ada = run_cli("add", "Ada Lovelace").output.strip()
    httpserver.expect_request("/").respond_with_data(
        page('<link rel="alternate" type="application/rss+xml" href="/feed.xml">'), headers=HTML
    )
    httpserver.expect_request("/feed.xml").respond_with_data(simple_rss(1), headers=RSS)
    assert run_cli("feeds", "add", httpserver.url_for("/"), "--contact", "Ada").exit_code == 0
    assert feeds(run_cli)[0]["contact_id"] == ada
    assert "blog of Ada Lovelace" in run_cli("feeds", "list").stdout
    unknown = run_cli("feeds", "add", httpserver.url_for("/"), "--contact", "Nobody")
    assert unknown.exit_code == 2 and "no contact matches 'Nobody'" in unknown.stderr


def test_an_address_without_a_scheme_means_https(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert web_address("example.com/blog") == "https://example.com/blog"
    assert web_address("  someone.example ") == "https://someone.example"
    (tmp_path / "local.xml").write_bytes(simple_rss(1))
    assert web_address("local.xml") is None  # an existing file stays a file
    assert web_address("./feeds/x.xml") is None and web_address("/tmp/x.xml") is None
    for bad in ("file:///etc/passwd", "javascript:alert(1)", "data:text/html,hi", "ftp://e.example/f"):
        with pytest.raises(ValueError):
            web_address(bad)


def test_no_scheme_on_the_command_line_is_not_a_missing_file(run_cli, monkeypatch):
    """`example.invalid/blog` is tried as https://example.invalid/blog, not as a file."""
    from crm_tui.feeds import netguard

    async def no_such_host(host: str, port: int) -> list[str]:
        import httpcore

        raise httpcore.ConnectError(f"cannot resolve {host}: no such host")

    monkeypatch.setattr(netguard, "resolve", no_such_host)
    failed = run_cli("feeds", "add", "example.invalid/blog")
    assert failed.exit_code == 2
    assert "could not read https://example.invalid/blog" in failed.stderr
    assert "no such file" not in failed.stderr


# ---------------------------------------------------------------- hostile pages
def test_a_50_mb_page_is_cut_off(run_cli, httpserver):
    chunk = b"<p>" + b"x" * (1024 * 1024 - 3)
    sent = []

    def endless():
        yield b"<!doctype html><html><head></head><body>"
        for _ in range(50):
            sent.append(1)
            yield chunk

    httpserver.expect_request("/").respond_with_response(Response(endless(), headers=HTML))
    failed = run_cli("feeds", "add", httpserver.url_for("/"))
    assert failed.exit_code == 2
    assert "over the 10.0 MiB limit" in failed.stderr
    assert feeds(run_cli) == []


def test_non_web_links_are_refused_and_said_so(run_cli, httpserver):
    httpserver.expect_request("/").respond_with_data(page(
        '<link rel="alternate" type="application/rss+xml" href="file:///etc/passwd">'
        '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
        '<link rel="alternate" type="application/atom+xml" href="data:application/xml,&lt;rss/&gt;">'
        '<link rel="alternate" type="application/rss+xml" href="gopher://e.example/feed">'
    ), headers=HTML)
    failed = run_cli("feeds", "add", httpserver.url_for("/"))
    assert failed.exit_code == 2
    assert "refused 4 non-http links" in failed.stderr
    assert feeds(run_cli) == []


def test_a_redirect_loop_is_a_clear_error(run_cli, httpserver):
    httpserver.expect_request("/a").respond_with_response(Response(status=302, headers={"Location": "/b"}))
    httpserver.expect_request("/b").respond_with_response(Response(status=302, headers={"Location": "/a"}))
    failed = run_cli("feeds", "add", httpserver.url_for("/a"))
    assert failed.exit_code == 2 and "more than 5 redirects" in failed.stderr


def test_a_link_to_the_page_itself_is_not_a_candidate(run_cli, httpserver):
    httpserver.expect_request("/").respond_with_data(
        page(f'<link rel="alternate" type="application/rss+xml" href="{httpserver.url_for("/")}">'
             '<link rel="alternate" type="application/rss+xml" href="/#top">'), headers=HTML
    )
    httpserver.expect_request("/feed").respond_with_data(simple_rss(1), headers=RSS)
    added = run_cli("feeds", "add", httpserver.url_for("/"))
    assert added.exit_code == 0
    assert [f["url"] for f in feeds(run_cli)] == [httpserver.url_for("/feed")]


def test_a_thousand_alternates_are_listed_sanely():
    links = "".join(f'<link rel="alternate" type="application/rss+xml" href="/f{i}.xml">' for i in range(1000))
    started = time.perf_counter()
    found = find_links(page(links), "https://e.example/")
    assert time.perf_counter() - started < 2
    assert len(found.candidates) == MAX_CANDIDATES and found.more == 1000 - MAX_CANDIDATES
    assert found.candidates[0].url == "https://e.example/f0.xml"


def test_a_thousand_alternates_through_the_cli(run_cli, httpserver):
    links = "".join(f'<link rel="alternate" type="application/rss+xml" href="/f{i}.xml">' for i in range(1000))
    httpserver.expect_request("/").respond_with_data(page(links), headers=HTML)
    listed = run_cli("feeds", "add", httpserver.url_for("/"))
    assert listed.exit_code == 2 and "lists 1000 feeds" in listed.stderr and "... and 980 more" in listed.stderr


def test_invalid_utf8_still_finds_the_link(run_cli, httpserver):
    body = (b"<!doctype html><html><head><title>\xff\xfe\xc3(</title>"
            b'<link rel="alternate" type="application/rss+xml" title="\xe9t\xe9" href="/feed.xml"></head></html>')
    httpserver.expect_request("/").respond_with_data(body, headers=HTML)
    httpserver.expect_request("/feed.xml").respond_with_data(simple_rss(1), headers=RSS)
    added = run_cli("feeds", "add", httpserver.url_for("/"))
    assert added.exit_code == 0, added.stderr
    assert [f["url"] for f in feeds(run_cli)] == [httpserver.url_for("/feed.xml")]


def test_a_nested_tag_bomb_is_read_in_linear_time():
    bomb = "<div>" * 200_000 + "<span>" * 100_000
    html = page('<link rel="alternate" type="application/atom+xml" href="/atom">', body=bomb)
    started = time.perf_counter()
    found = find_links(html, "https://e.example/blog/")
    assert time.perf_counter() - started < 5
    assert [c.url for c in found.candidates] == ["https://e.example/atom"]


def test_a_huge_body_after_the_head_is_not_read():
    bomb = "<div>" * 2_000_000  # 10 MB
    html = page('<link rel="alternate" type="application/atom+xml" href="/atom">', body=bomb)
    started = time.perf_counter()
    found = find_links(html, "https://e.example/")
    assert time.perf_counter() - started < 0.5
    assert [c.url for c in found.candidates] == ["https://e.example/atom"]


def test_a_feed_link_in_the_body_is_still_found():
    html = page("", body="<p>hi</p>" * 20_000 + '<link rel="alternate" type="application/rss+xml" href="/late.xml">')
    assert [c.url for c in find_links(html, "https://e.example/").candidates] == ["https://e.example/late.xml"]


def test_base_href_is_honoured_and_a_hostile_base_ignored():
    found = find_links(page('<base href="https://cdn.e.example/x/"><link rel="alternate" type="application/rss+xml" href="f.xml">'),
                       "https://e.example/")
    assert [c.url for c in found.candidates] == ["https://cdn.e.example/x/f.xml"]
    found = find_links(page('<base href="javascript:alert(1)//"><link rel="alternate" type="application/rss+xml" href="f.xml">'),
                       "https://e.example/a/")
    assert [c.url for c in found.candidates] == ["https://e.example/a/f.xml"]


def test_hostile_titles_are_cleaned():
    found = find_links(page('<link rel="alternate" type="application/rss+xml" title="\x1b[31m[bold]x[/]\u202e" href="/f">'),
                       "https://e.example/")
    assert "\x1b" not in found.candidates[0].title and "\u202e" not in found.candidates[0].title


def test_settings_default_per_host_is_six():
    assert Settings().feeds.per_host == 6


def test_a_public_page_cannot_point_discovery_inside_the_network(run_cli, httpserver, monkeypatch):
    """A page from a public server chose its links: a private feed address is refused."""
    from pytest_httpserver import HTTPServer

    from crm_tui.feeds import netguard

    inside = HTTPServer(host="127.0.0.2")
    inside.start()
    try:
        inside.expect_request("/admin.xml").respond_with_data(simple_rss(1), headers=RSS)
        real = netguard.classify
        monkeypatch.setattr(netguard, "classify", lambda ip: "public" if ip == "127.0.0.1" else real(ip))
        httpserver.expect_request("/").respond_with_data(
            page(f'<link rel="alternate" type="application/rss+xml" href="{inside.url_for("/admin.xml")}">'),
            headers=HTML)
        failed = run_cli("feeds", "add", f"http://127.0.0.1:{httpserver.port}/")
        assert failed.exit_code == 2
        assert "127.0.0.2 is a private or reserved address, reached from a public server" in failed.stderr
        assert inside.log == [] and feeds(run_cli) == []
    finally:
        inside.stop()


def test_no_check_subscribes_the_address_as_given_without_a_request(run_cli, httpserver):
    added = run_cli("feeds", "add", httpserver.url_for("/later.xml"), "--no-check")
    assert added.exit_code == 0 and httpserver.log == []
    assert [f["url"] for f in feeds(run_cli)] == [httpserver.url_for("/later.xml")]
