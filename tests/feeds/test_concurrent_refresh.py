"""Two refreshes at once (issue 18, second round): the later one merges into what the first
saved, adding no duplicate and refused for nothing. Entries are deduplicated by (feed,
entry identity) and by link inside the store's write lock, after re-reading the disk."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from crm_tui.config import Settings
from crm_tui.domain.models import Feed
from crm_tui.services import feeds as service
from crm_tui.store.repository import Store

from .helpers import rss, simple_rss


def items(prefix: str, n: int) -> list[dict[str, str]]:
    return [{"title": f"{prefix} {i}", "link": f"https://blog.example/{prefix}/{i}", "guid": f"{prefix}-{i}",
             "pubDate": f"Sun, 01 Mar 2026 {i % 24:02d}:00:00 +0000"} for i in range(n)]


async def test_two_stores_collecting_at_once_merge(paths, now, tmp_path):
    """What two processes do, in one: both collect before either saves."""
    feeds = []
    for name in ("a", "b"):
        (tmp_path / f"{name}.xml").write_bytes(simple_rss(5, prefix=name))
    with Store.open(paths.data, today=now) as setup:
        feeds = [setup.add_feed(Feed(url=str(tmp_path / f"{name}.xml"))) for name in ("a", "b")]
    settings = Settings()
    with Store.open(paths.data, today=now) as first, Store.open(paths.data, today=now) as second:
        got_first = await service.collect(first, settings, now)
        # The second process sees one more entry on feed a (it was published in between).
        (tmp_path / "a.xml").write_bytes(simple_rss(6, prefix="a"))
        got_second = await service.collect(second, settings, now.shift(minutes=1))
        service.apply(first, settings.feeds, now, *got_first)
        service.apply(second, settings.feeds, now.shift(minutes=1), *got_second)  # no StaleData, no duplicate
        assert got_first[1].new_articles == 10
        assert got_second[1].new_articles == 1 and got_second[1].failed == 0
    with Store.open(paths.data, today=now, readonly=True) as after:
        articles = after.articles()
        assert len(articles) == 11
        assert len({(a.feed_id, a.guid) for a in articles}) == 11
        a = after.feed(feeds[0].id)
        assert a is not None and a.last_status == "updated" and a.first_fetched == now.to("UTC").isoformat()
        # The extra entry came from the second refresh: it is the one seen after the first.
        late = [x for x in articles if x.fetched_at != a.first_fetched]
        assert [x.guid for x in late] == ["a-5"]


class _Blog(BaseHTTPRequestHandler):
    barrier: threading.Barrier
    bodies: dict[str, bytes]

    def do_GET(self) -> None:
        try:
            self.barrier.wait(timeout=20)  # both refreshes have asked before either gets an answer
        except threading.BrokenBarrierError:
            pass
        body = self.bodies.get(self.path, b"")
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_two_refresh_processes_at_once_add_each_article_once(paths, now, tmp_path):
    class Handler(_Blog):
        barrier = threading.Barrier(2)
        bodies = {"/one.xml": rss(items("one", 40)), "/two.xml": rss(items("two", 40))}

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with Store.open(paths.data, today=now) as setup:
            setup.add_feed(Feed(url=f"{base}/one.xml"))
        # One feed, so each process asks once: the barrier holds both answers until both asked.
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        procs = [subprocess.Popen([sys.executable, "-m", "crm_tui", "feeds", "refresh", "--json"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        outputs = [p.communicate(timeout=60) for p in procs]
    finally:
        server.shutdown()
        server.server_close()
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    import json

    added = sorted(json.loads(out)["new_articles"] for out, _ in outputs)
    assert added == [0, 40]  # the later one merged: nothing twice, nothing refused
    with Store.open(paths.data, today=now, readonly=True) as after:
        articles = after.articles()
        assert len(articles) == 40 and len({a.guid for a in articles}) == 40
        [feed] = after.feeds()
        assert feed.last_status == "updated" and feed.errors == 0
