"""Generate a synthetic store of any size into a --home folder (for the benchmarks).

    python bench/gen.py --home .bench-home                      # 10k contacts, 100k touches, 5k articles
    python bench/gen.py --home /tmp/h --contacts 50000 --touches-per-contact 10

Everything goes through the real Store (in one batch), so the files are exactly what the
app writes. Deterministic for a given --seed. Dates are relative to CRM_TUI_NOW (or now).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm_tui import clock
from crm_tui.domain.models import CHANNELS, TIERS, Article, Contact, Feed, Thread, Touch
from crm_tui.paths import resolve
from crm_tui.store.repository import Store

FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elif", "Farid", "Gwen", "Hugo", "Ines", "Jon", "Kira", "Liam", "Mara", "Nils", "Oona", "Pia", "Quinn", "Rosa", "Sami", "Tove", "Uma", "Vik", "Wren", "Xia", "Yuri", "Zane"]
LAST = ["Abara", "Brandt", "Castillo", "Duarte", "Eklund", "Fontaine", "Gallo", "Haddad", "Iversen", "Jansen", "Kowal", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quist", "Rahman", "Sato", "Tanaka", "Ueda", "Varga", "Weiss", "Yilmaz", "Zeller"]
COMPANIES = ["Larkspur Analytics", "Tidemark Bank", "Quillon Studio", "Solvane Energy", "Brightfold Health", "Kestrel Logistics", "Mossgate Software", "Ondine Media", "Parallax Labs", "Harborline Insurance", "Cobalt & Finch", "Verdant Loop"]
TOPICS = ["data engineering", "python", "machine learning", "product management", "ux research", "design systems", "accessibility", "climate tech", "fintech", "startups", "remote work", "hiring", "leadership", "freelancing", "open source", "developer tools", "cycling", "cooking", "photography"]
ROLES = ["Engineer", "Designer", "Product Manager", "Recruiter", "Founder", "Data Scientist", "CTO", "Consultant", "Head of Data", "Researcher"]
WORDS = ["pipeline", "warehouse", "roadmap", "survey", "interview", "latency", "model", "team", "growth", "market", "hiring", "design", "system", "budget", "launch", "platform", "feedback", "metric", "onboarding", "release", "migration"]


def generate(home: Path, contacts: int, touches_per_contact: float, articles: int,
             feeds: int, threads: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    now = clock.now()
    paths = resolve(home)
    if paths.data.exists():
        shutil.rmtree(paths.data)
    started = time.perf_counter()
    with Store.open(paths.data, today=now) as store, store.batch():
        people = []
        for i in range(contacts):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}"
            people.append(store.add_contact(Contact(
                name=name,
                emails=[f"person{i}@example.com"],
                company=rng.choice(COMPANIES),
                role=rng.choice(ROLES),
                tier=rng.choice(TIERS),
                tags=rng.sample(TOPICS, 2),
                interests=rng.sample(TOPICS, 3),
                notes=" ".join(rng.choices(WORDS, k=12)),
                created_at=now.shift(days=-1200).isoformat(),
            )))
        total = int(contacts * touches_per_contact)
        batch = []
        for _ in range(total):
            person = rng.choice(people)
            at = now.shift(minutes=-rng.randint(60, 3 * 365 * 24 * 60))
            batch.append(Touch(
                contact_id=person.id,
                at=at.isoformat(),
                direction=rng.choice(("in", "out")),
                channel=rng.choice(CHANNELS),
                note=" ".join(rng.choices(WORDS, k=6)),
            ))
        batch.sort(key=lambda t: t.at)
        for touch in batch:
            store.log_touch(touch)
        for i in range(threads):
            person = rng.choice(people)
            kind = rng.choice(("interview", "application", "invoice"))
            store.add_thread(Thread(
                contact_id=person.id, kind=kind,
                at=now.shift(days=-rng.randint(0, 40)).isoformat(),
                decision_by=now.shift(days=rng.randint(-10, 10)).format("YYYY-MM-DD") if kind == "interview" else None,
                label=f"Invoice {i}" if kind == "invoice" else "",
            ))
        feed_ids = []
        for i in range(feeds):
            feed_ids.append(store.add_feed(Feed(url=f"http://127.0.0.1:9/feed{i}.xml", title=f"Feed {i}",
                                                tags=rng.sample(TOPICS, 2), added_at=now.isoformat())).id)
        for i in range(articles):
            topic = rng.sample(TOPICS, 2)
            company = rng.choice(COMPANIES) if rng.random() < 0.2 else ""
            link = f"https://news.example.com/{i}"
            store.add_article(Article(
                feed_id=rng.choice(feed_ids) if feed_ids else "f0",
                title=f"{topic[0].title()} and {topic[1]}: {' '.join(rng.choices(WORDS, k=4))} {company}".strip(),
                guid=link, link=link, key=link,
                summary=" ".join(rng.choices(WORDS + topic, k=60)),
                published=now.shift(hours=-rng.randint(1, 80 * 24)).isoformat(),
                fetched_at=now.isoformat(),
            ))
    elapsed = time.perf_counter() - started
    size = sum(p.stat().st_size for p in paths.data.glob("*.json"))
    return {"seconds": elapsed, "bytes": size, "touches": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--touches", type=int, default=None, help="total touches (default 10 per contact)")
    parser.add_argument("--touches-per-contact", type=float, default=None)
    parser.add_argument("--articles", type=int, default=5_000)
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--threads", type=int, default=None, help="open threads (default 2%% of contacts)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    per = args.touches_per_contact
    if per is None:
        per = (args.touches / args.contacts) if args.touches is not None else 10.0
    threads = args.threads if args.threads is not None else max(1, args.contacts // 50)
    figures = generate(args.home, args.contacts, per, args.articles, args.feeds, threads, args.seed)
    print(f"generated {args.contacts:,} contacts, {figures['touches']:,} touches, {args.articles:,} articles, "
          f"{threads:,} threads in {figures['seconds']:.1f} s -> {args.home} ({figures['bytes'] / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
