"""Feed benchmarks: refresh 50 feeds x 100 items over loopback HTTP beside newsboat; rank 5k x 10k.

    .venv/bin/python bench/feeds.py [--feeds 50] [--items 100] [--latency 0.1] [--repeat 3]
                                    [--case 1 --case 3] [--skip-rank] [--skip-refresh]
                                    [--contacts 10000] [--phases]

Prints figures; never asserts them. The refresh cases are issue 18's table, each run with
crm-tui and newsboat (`reload-threads 16`, apt package newsboat) in the same run,
interleaved, medians of ``--repeat`` runs, whole process wall time; the table gives
crm-tui's time as a multiple of newsboat's (goals: 50 hosts/304 first <= 1.0x, second
<= 0.5x; one host first and second <= 1.0x; no validators first <= 1.0x, second <= 0.5x):

1. 50 feeds on 50 hosts (127.0.0.2, 127.0.0.3, ...: all of 127.0.0.0/8 is loopback on
   Linux), the server sends an ETag and answers If-None-Match with 304;
2. 50 feeds on one host (127.0.0.2) over HTTP/1.1: the per-host limit decides;
3. 50 hosts, no ETag or Last-Modified, every request gets the same full body.

Every answer comes after ``--latency`` seconds. Only loopback addresses are bound.
Ranking: every one of 10,000 contacts against 5,000 articles (top 5) <= 5 s, one contact
<= 50 ms.

Wall time alone misleads on a shared machine, so every run also prints the CPU seconds
of the measured process and its children (os.times() deltas) and the load average.
``--phases`` adds, per case, one more first refresh (not among the measured ones) timed
step by step by bench/refresh_phases.py: imports, the first and last answers, parsing,
the save, the exit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import arrow

NOW = "2026-03-02T18:00:00+00:00"
EXE: str | None = None  # --exe: another crm-tui command to measure (e.g. an older checkout)
TOPICS = ["data engineering", "python", "machine learning", "product management", "ux research", "design systems", "accessibility", "climate tech", "fintech", "startups", "remote work", "hiring", "leadership", "freelancing", "open source", "developer tools", "cycling", "cooking", "photography"]
COMPANIES = ["Larkspur Analytics", "Tidemark Bank", "Quillon Studio", "Solvane Energy", "Brightfold Health", "Kestrel Logistics", "Mossgate Software", "Ondine Media", "Parallax Labs", "Harborline Insurance", "Cobalt & Finch", "Verdant Loop"]


def feed_body(feed: int, items: int) -> bytes:
    now = arrow.get(NOW)
    parts = [f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench feed {feed}</title>'
             f"<link>https://site{feed}.example/</link><description>bench</description>"]
    for i in range(items):
        topic = TOPICS[(feed + i) % len(TOPICS)]
        company = COMPANIES[(feed * 7 + i) % len(COMPANIES)]
        when = format_datetime(now.shift(hours=-(i * 7 + feed)).datetime)
        summary = (f"<p>Notes on <b>{topic}</b> from the team at {company}: what worked, what did not, "
                   f"and what we would do again. Item {i} of feed {feed}.</p><p>Read more on the site.</p>")
        parts.append(f"<item><title>{escape(topic.title())} at {escape(company)}, part {i}</title>"
                     f"<link>https://site{feed}.example/posts/{i}?utm_source=rss</link><guid>site{feed}-{i}</guid>"
                     f"<pubDate>{when}</pubDate><description>{escape(summary)}</description>"
                     f"<category>{topic}</category></item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def serve(bodies: list[bytes], latency: float, one_host: bool = False, validators: bool = True
          ) -> tuple[list[str], list[ThreadingHTTPServer]]:
    """Serve ``bodies`` on loopback, each answer after ``latency`` seconds.

    ``one_host``: every feed on one server (127.0.0.2, paths /feed0.xml...), as YouTube
    channels or GitHub releases are; else each feed on its own loopback address.
    ``validators``: send an ETag and answer If-None-Match with 304; without, every request
    gets the full, unchanged body (many servers do this).
    """
    servers, urls = [], []

    def handler_for(by_path: dict[str, tuple[bytes, str]]) -> type[BaseHTTPRequestHandler]:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                time.sleep(latency)
                found = by_path.get(self.path)
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, etag = found
                if validators and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                if validators:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def start(host: str, by_path: dict[str, tuple[bytes, str]]) -> int:
        server = ThreadingHTTPServer((host, 0), handler_for(by_path))
        server.daemon_threads = True
        server.request_queue_size = 128
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    if one_host:
        by_path = {f"/feed{i}.xml": (body, f'"bench-{i}"') for i, body in enumerate(bodies)}
        port = start("127.0.0.2", by_path)
        urls = [f"http://127.0.0.2:{port}/feed{i}.xml" for i in range(len(bodies))]
        return urls, servers
    for index, body in enumerate(bodies):
        host = f"127.0.0.{2 + index}" if index < 250 else "127.0.0.1"  # one loopback site per feed
        port = start(host, {"/feed.xml": (body, f'"bench-{index}"')})
        urls.append(f"http://{host}:{port}/feed.xml")
    return urls, servers


@dataclass
class Run:
    wall: float
    cpu: float  # user + system seconds of the process and every child it waited for
    line: str

    def __str__(self) -> str:
        return f"{self.wall:.2f} s wall, {self.cpu:.2f} s CPU"


def timed(cmd: list[str], env: dict[str, str]) -> Run:
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    if done.returncode != 0:
        print(f"  ! {' '.join(cmd[:3])} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return Run(elapsed, cpu, done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "")


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


# --contacts: a home with an address book, generated once and copied for every run.
TEMPLATE: Path | None = None


def address_book(contacts: int) -> Path:
    """A home holding ``contacts`` contacts and 10 touches each (bench/gen.py), no feeds:
    a refresh opens the store like any command, and its cost grows with the contacts."""
    import atexit

    from gen import generate

    home = Path(tempfile.mkdtemp(prefix="crm-bench-book-"))
    atexit.register(shutil.rmtree, home, True)
    os.environ["CRM_TUI_NOW"] = NOW  # the runs' day: its backup is taken here, not in a measured run
    generate(home, contacts, 10, 0, 0, 0, 7)
    return home


def fresh_home(urls: list[str], concurrency: int | None) -> Path:
    """A home subscribed to ``urls``, never refreshed."""
    from crm_tui.domain.models import Feed
    from crm_tui.paths import resolve
    from crm_tui.store.repository import Store

    home = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    if TEMPLATE is not None:
        shutil.copytree(TEMPLATE, home, dirs_exist_ok=True)
    paths = resolve(home)
    if concurrency:
        paths.config.mkdir(parents=True, exist_ok=True)
        paths.config_file.write_text(f"[feeds]\nconcurrency = {concurrency}\n")
    with Store.open(paths.data, today=arrow.get(NOW)) as store, store.batch():
        for url in urls:
            store.add_feed(Feed(url=url))
    return home


def crm_tui_runs(urls: list[str], concurrency: int | None) -> tuple[Run, Run]:
    """One fresh home: the first refresh (everything new), then the second (all 304)."""
    home = fresh_home(urls, concurrency)
    env = {**os.environ, "CRM_TUI_HOME": str(home), "CRM_TUI_NOW": NOW}
    exe = EXE or str(Path(sys.executable).with_name("crm-tui"))
    first = timed([exe, "feeds", "refresh"], env)
    second = timed([exe, "feeds", "refresh"], env)
    shutil.rmtree(home, ignore_errors=True)
    return first, second


def phases(urls: list[str]) -> list[str]:
    """One more first refresh, not among the measured ones, under bench/refresh_phases.py:
    its timeline (seconds since the process was started; CPU of the process and of its
    parse workers)."""
    home = fresh_home(urls, None)
    env = {**os.environ, "CRM_TUI_HOME": str(home), "CRM_TUI_NOW": NOW}
    script = Path(__file__).with_name("refresh_phases.py")
    done = subprocess.run([sys.executable, str(script), "--t0", repr(time.time()), "feeds", "refresh"], env=env,
                          capture_output=True, text=True)
    shutil.rmtree(home, ignore_errors=True)
    return [line.removeprefix("phase: ") for line in done.stderr.splitlines() if line.startswith("phase: ")]


def newsboat_runs(urls: list[str]) -> tuple[Run, Run] | None:
    exe = shutil.which("newsboat")
    if not exe:
        return None
    folder = Path(tempfile.mkdtemp(prefix="newsboat-bench-"))
    (folder / "urls").write_text("\n".join(urls) + "\n")
    (folder / "config").write_text("reload-threads 16\n")
    cmd = [exe, "-u", str(folder / "urls"), "-c", str(folder / "cache.db"), "-C", str(folder / "config"), "-x", "reload"]
    env = {**os.environ, "HOME": str(folder)}
    first = timed(cmd, env)
    second = timed(cmd, env)
    shutil.rmtree(folder, ignore_errors=True)
    return first, second


def median_run(runs: list[Run]) -> Run:
    return Run(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs), runs[-1].line)


CASES = {
    # name: (one_host, validators, goal first, goal second): the table of issue 18
    "50 feeds on 50 hosts, server answers 304": (False, True, 1.0, 0.5),
    "50 feeds on one host over HTTP/1.1": (True, True, 1.0, 1.0),
    "50 hosts, no ETag/Last-Modified, bodies unchanged": (False, False, 1.0, 0.5),
}


def bench_refresh(bodies: list[bytes], latency: float, repeat: int, cases: list[str], show_phases: bool = False) -> None:
    """Each case: crm-tui and newsboat ``repeat`` times each, interleaved (a burst of load
    hits both); medians, and crm-tui's time as a multiple of newsboat's (lower is better)."""
    has_newsboat = shutil.which("newsboat") is not None
    rows = []
    for name in cases:
        one_host, validators, goal_first, goal_second = CASES[name]
        urls, servers = serve(bodies, latency, one_host=one_host, validators=validators)
        ours: list[tuple[Run, Run]] = []
        theirs: list[tuple[Run, Run]] = []
        for _ in range(repeat):
            ours.append(crm_tui_runs(urls, None))
            if has_newsboat:
                pair = newsboat_runs(urls)
                assert pair is not None
                theirs.append(pair)
        timeline = phases(urls) if show_phases else []
        for server in servers:
            server.shutdown()
            server.server_close()
        mine = (median_run([a for a, _ in ours]), median_run([b for _, b in ours]))
        print(f"{name}: crm-tui first {mine[0]}, second {mine[1]}  [{mine[0].line} / {mine[1].line}]")
        if timeline:
            print(f"{name}: crm-tui first refresh, one more run's timeline ({load()}):")
            print("".join(f"    {line}\n" for line in timeline), end="")
        if theirs:
            other = (median_run([a for a, _ in theirs]), median_run([b for _, b in theirs]))
            print(f"{name}: newsboat first {other[0]}, second {other[1]}")
            rows.append((name, mine[0].wall / other[0].wall, mine[1].wall / other[1].wall, goal_first, goal_second,
                         mine[0].cpu / max(other[0].cpu, 1e-3), mine[1].cpu / max(other[1].cpu, 1e-3)))
    print(f"median of {repeat} runs each; {load()}")
    if not has_newsboat:
        print("newsboat: not installed (apt-get install newsboat); no ratios")
        return
    print()
    print("| case (crm-tui / newsboat, whole process, wall) | first refresh | second refresh | goal first | goal second "
          "| CPU first | CPU second |")
    print("|---|---|---|---|---|---|---|")
    for name, first, second, goal_first, goal_second, cpu_first, cpu_second in rows:
        mark_first = "ok" if first <= goal_first else "MISSED"
        mark_second = "ok" if second <= goal_second else "MISSED"
        print(f"| {name} | {first:.2f}x ({mark_first}) | {second:.2f}x ({mark_second}) | <= {goal_first:.1f}x "
              f"| <= {goal_second:.1f}x | {cpu_first:.2f}x | {cpu_second:.2f}x |")
    print("(CPU: user+system seconds of the process and its children, same ratio; on a loaded machine wall time "
          "mostly measures the load)")


def bench_rank(n_articles: int, n_contacts: int) -> None:
    import random

    from crm_tui.domain.models import Article, Contact, Feed
    from crm_tui.feeds.rank import Ranker

    rng = random.Random(7)
    now = arrow.get(NOW)
    feeds = [Feed(url=f"https://f{i}.example/", id=f"f{i}", tags=rng.sample(TOPICS, 2)) for i in range(50)]
    words = ["pipeline", "warehouse", "roadmap", "survey", "interview", "latency", "model", "team", "growth", "market", "design", "budget", "launch", "platform", "feedback", "metric", "onboarding", "release", "migration"]
    articles = [
        Article(
            feed_id=f"f{i % 50}", id=f"a{i}",
            title=f"{rng.choice(TOPICS).title()} {rng.choice(words)} at {rng.choice(COMPANIES)}",
            summary=" ".join(rng.choice(words + TOPICS) for _ in range(40)),
            published=now.shift(hours=-rng.randrange(0, 90 * 24)).isoformat(),
        )
        for i in range(n_articles)
    ]
    contacts = [
        Contact(name=f"Person {i}", id=f"c{i}", company=rng.choice(COMPANIES), role=rng.choice(["Engineer", "Designer", "Founder", "Head of Data"]),
                interests=rng.sample(TOPICS, 3), tags=rng.sample(TOPICS, 1), notes=" ".join(rng.choice(words) for _ in range(8)))
        for i in range(n_contacts)
    ]
    def clock() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    def since(mark: tuple[float, float]) -> str:
        return f"{time.perf_counter() - mark[0]:.2f} s wall, {time.process_time() - mark[1]:.2f} s CPU"

    mark = clock()
    ranker = Ranker(articles, feeds, now)
    built = since(mark)
    mark = clock()
    every = ranker.for_contacts(contacts, k=5)
    batch = since(mark)
    total = time.perf_counter() - mark[0]
    mark = clock()
    for contact in contacts[:1000]:
        assert ranker.for_contact(contact, k=5) == every[contact.id]
    checked = since(mark)
    fresh = Ranker(articles, feeds, now)
    singles = []
    for contact in contacts[:200]:
        t = time.perf_counter()
        fresh.for_contact(contact, k=5)
        singles.append(time.perf_counter() - t)
    mark = clock()
    ranker.for_article(articles[0], contacts, k=5)
    first_article = since(mark)
    t = time.perf_counter()
    for article in articles[1:21]:
        ranker.for_article(article, contacts, k=5)
    per_article = (time.perf_counter() - t) / 20
    print(f"rank: build over {n_articles} articles {built}; top 5 for each of {n_contacts} contacts "
          f"(for_contacts) {batch} (target <= 5 s build included); {load()}")
    print(f"rank: 1,000 contacts one by one (for_contact, checked equal to the batch) {checked}")
    print(f"rank: one contact's list median {statistics.median(singles) * 1000:.2f} ms, "
          f"max {max(singles) * 1000:.1f} ms (target <= 50 ms)")
    print(f"rank: best contacts for one article among {n_contacts}: first {first_article} "
          f"(builds the contact matrix), then {per_article * 1000:.1f} ms each")
    del total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--skip-rank", action="store_true")
    parser.add_argument("--skip-refresh", action="store_true")
    parser.add_argument("--case", action="append", help="only these refresh cases (1, 2, 3; repeatable)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each refresh contender (medians shown)")
    parser.add_argument("--exe", help="crm-tui command to measure (default: this venv's); e.g. a wrapper "
                        "running an older checkout, for before/after figures under the same load")
    parser.add_argument("--phases", action="store_true",
                        help="also time one more first refresh per case step by step (bench/refresh_phases.py)")
    parser.add_argument("--contacts", type=int, default=0,
                        help="crm-tui's home also holds this many contacts (10 touches each), as a user's does")
    args = parser.parse_args()
    global EXE, TEMPLATE
    EXE = args.exe
    if args.contacts:
        TEMPLATE = address_book(args.contacts)
        print(f"crm-tui's home holds {args.contacts:,} contacts and {args.contacts * 10:,} touches")
    # An installed crm-tui has its bytecode compiled (pip does it; an editable install
    # writes it on first run), but with PYTHONDONTWRITEBYTECODE (set on some machines) every
    # run would compile crm_tui from source (~0.07 s of CPU): compile it once first, as
    # bench/startup.py does. newsboat is a compiled program.
    if EXE is None:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(__file__).resolve().parents[1] / "crm_tui")],
                       check=True)
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; {load()}")
    if not args.skip_refresh:
        bodies = [feed_body(i, args.items) for i in range(args.feeds)]
        print(f"refresh: {args.feeds} feeds x {args.items} items ({sum(map(len, bodies)) / 1e6:.1f} MB), "
              f"{args.latency * 1000:.0f} ms latency per request on loopback; newsboat with reload-threads 16")
        chosen = [name for i, name in enumerate(CASES) if not args.case or str(i + 1) in args.case]
        bench_refresh(bodies, args.latency, args.repeat, chosen, args.phases)
    if not args.skip_rank:
        bench_rank(5000, 10_000)


if __name__ == "__main__":
    main()
