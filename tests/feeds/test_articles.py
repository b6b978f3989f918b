"""Dedupe, dates, retention and ranking on small hand-made corpora."""

from __future__ import annotations

from crm_tui.config import Settings
from crm_tui.domain.models import Article, Contact, Dismissal, Feed, Share
from crm_tui.feeds import rank
from crm_tui.services import feeds as service

from .helpers import rss


def local_feed(store, tmp_path, name: str, body: bytes, tags=()) -> Feed:
    path = tmp_path / name
    path.write_bytes(body)
    return store.add_feed(Feed(url=str(path), tags=list(tags)))


async def test_identity_and_cross_feed_dedupe(store, now, tmp_path):
    a = local_feed(store, tmp_path, "a.xml", rss([
        {"title": "Shared story", "link": "https://news.example/story?utm_source=a#top", "guid": "a-1"},
        {"title": "No guid", "link": "https://news.example/other"},
        {"title": "Nothing but text", "description": "just words"},
    ]))
    local_feed(store, tmp_path, "b.xml", rss([
        {"title": "Shared story (syndicated)", "link": "https://NEWS.example/story?utm_campaign=b", "guid": "b-9"},
    ]))
    summary = await service.refresh(store, Settings(), now)
    assert summary.new_articles == 3
    by_title = {x.title: x for x in store.articles()}
    assert by_title["Shared story"].feed_id == a.id
    assert by_title["No guid"].guid == "https://news.example/other"
    assert by_title["Nothing but text"].guid.startswith("sha1:")
    # the file changes (new mtime): same entries again are not duplicated
    (tmp_path / "a.xml").write_bytes((tmp_path / "a.xml").read_bytes() + b" ")
    again = await service.refresh(store, Settings(), now)
    assert again.new_articles == 0 and len(store.articles()) == 3


async def test_dates_fall_back_and_are_clamped(store, now, tmp_path):
    local_feed(store, tmp_path, "d.xml", rss([
        {"title": "future", "guid": "1", "pubDate": "Fri, 01 Jan 2100 00:00:00 +0000"},
        {"title": "undated", "guid": "2"},
        {"title": "dated", "guid": "3", "pubDate": "Sun, 01 Mar 2026 12:30:00 +0100"},
    ]))
    await service.refresh(store, Settings(), now)
    by_title = {x.title: x.published for x in store.articles()}
    assert by_title["future"] == now.isoformat()
    assert by_title["undated"] == now.isoformat()
    assert by_title["dated"] == "2026-03-01T11:30:00+00:00"


async def test_retention_keeps_shared_articles(store, now, tmp_path):
    def items(days):
        return [{"title": f"d{d}", "guid": f"g{d}", "pubDate": now.shift(days=-d).format("ddd, DD MMM YYYY HH:mm:ss") + " +0000"} for d in days]

    feed = local_feed(store, tmp_path, "r.xml", rss(items([1, 2, 3, 4, 5])))
    settings = Settings()
    settings.feeds.max_per_feed = 3
    await service.refresh(store, settings, now)
    assert sorted(a.title for a in store.articles()) == ["d1", "d2", "d3"]
    d3 = next(a for a in store.articles() if a.title == "d3")
    store.add_share(Share(article_id=d3.id, contact_id="c1", at=now.isoformat()))
    (tmp_path / "r.xml").write_bytes(rss(items([0, 1, 2, 3])))
    await service.refresh(store, settings, now)
    assert sorted(a.title for a in store.articles()) == ["d0", "d1", "d2", "d3"]  # d3 shared: kept
    settings.feeds.retention_days = 90
    later = now.shift(days=200)
    (tmp_path / "r.xml").write_bytes(rss(items([0])))
    await service.refresh(store, settings, later)
    assert [a.title for a in store.articles()] == ["d3"]
    store.delete_feed(feed.id)
    assert [a.title for a in store.articles()] == ["d3"]


def corpus(now):
    def art(i, title, summary, days=1, feed="f1"):
        return Article(feed_id=feed, id=f"a{i}", title=title, summary=summary, published=now.shift(days=-days).isoformat())

    return [
        art(1, "Python data pipelines at scale", "How data engineering teams use Python for pipelines."),
        art(2, "Tidemark Bank opens a fintech lab", "The bank is hiring engineers for payments."),
        art(3, "Sourdough for beginners", "Cooking bread at home.", feed="f2"),
        art(4, "Design systems that last", "UX research and design systems for product teams."),
        art(5, "Python data engineering, the old way", "Python data engineering with cron.", days=80),
        art(6, "Weekend gravel ride", "Cycling on quiet roads.", feed="f2"),
    ]


def test_ranking_order_both_directions(now):
    feeds = [Feed(url="x", id="f1", tags=["work"]), Feed(url="y", id="f2", tags=["weekend"])]
    ranker = rank.Ranker(corpus(now), feeds, now)
    maya = Contact(name="Maya", id="c1", company="Larkspur Analytics", interests=["data engineering", "python"])
    tom = Contact(name="Tom", id="c2", company="Tidemark Bank", role="engineer", interests=["leadership"])
    ines = Contact(name="Ines", id="c3", interests=["cycling", "cooking"])
    nobody = Contact(name="Zed", id="c4", interests=["astronomy"])
    assert [a.id for a, _ in ranker.for_contact(maya)] == ["a1"]  # a5 too old: decayed below the minimum
    assert [a.id for a, _ in ranker.for_contact(tom)] == ["a2"]  # the company bonus
    assert [a.id for a, _ in ranker.for_contact(ines)] == ["a3", "a6"] or [a.id for a, _ in ranker.for_contact(ines)] == ["a6", "a3"]
    assert ranker.for_contact(nobody) == []
    scores = [s for _, s in ranker.for_contact(ines)]
    assert scores == sorted(scores, reverse=True)
    assert [c.id for c, _ in ranker.for_article(corpus(now)[1], [maya, tom, ines, nobody])] == ["c2"]
    assert [c.id for c, _ in ranker.for_article(corpus(now)[0], [maya, tom, ines, nobody])] == ["c1"]


def test_reasons_say_why_in_the_contacts_own_words(now):
    feeds = [Feed(url="x", id="f1", tags=["work"]), Feed(url="y", id="f2", tags=["weekend"])]
    arts = corpus(now)
    ranker = rank.Ranker(arts, feeds, now)
    maya = Contact(name="Maya", id="c1", interests=["data engineering", "python", "cycling", "data"],
                   tags=["python", "teams"])
    tom = Contact(name="Tom", id="c2", company="Tidemark Bank", role="engineer", interests=["leadership"])
    ines = Contact(name="Ines", id="c3", interests=["gravel racing"], notes="Rides every weekend")
    # Whole interests, in the contact's order; not "cycling" (absent), not "data" (said
    # already), not the tags (interests matched).
    assert ranker.reasons(arts[0], maya) == ["data engineering", "python"]
    assert ranker.reasons(arts[0], Contact(name="T", tags=["teams", "hiring"])) == ["teams"]
    assert ranker.reasons(arts[1], tom) == ["Tidemark Bank"]  # the company, named in the piece
    assert ranker.reasons(arts[0], tom) == ["engineer"]  # nothing else: the role's words
    assert ranker.reasons(arts[5], ines) == ["your notes"]  # "gravel racing": only half there
    assert ranker.reasons(arts[2], maya) == []
    assert ranker.reasons(arts[0], maya, limit=1) == ["data engineering"]


def test_shared_and_dismissed_are_excluded(store, now):
    feed = store.add_feed(Feed(url="https://x.example/feed", tags=["work"]))
    arts = store.add_articles([Article(feed_id=feed.id, title=a.title, summary=a.summary, published=a.published) for a in corpus(now)])
    ines = store.add_contact(Contact(name="Ines", interests=["cycling", "cooking"]))
    assert len(rank.ranker(store, now).for_contact(ines)) == 2
    store.add_share(Share(article_id=arts[2].id, contact_id=ines.id, at=now.isoformat()))
    store.add_dismissal(Dismissal(article_id=arts[5].id, contact_id=ines.id, at=now.isoformat()))
    assert rank.ranker(store, now).for_contact(ines) == []
    assert rank.ranker(store, now).for_article(arts[2], [ines]) == []


def test_ranker_is_cached_until_articles_change(store, now):
    feed = store.add_feed(Feed(url="https://x.example/feed"))
    store.add_article(Article(feed_id=feed.id, title="one"))
    first = rank.ranker(store, now)
    assert rank.ranker(store, now) is first
    store.add_article(Article(feed_id=feed.id, title="two"))
    assert rank.ranker(store, now) is not first


def _random_corpus(seed: int, now, n_articles: int = 120, n_contacts: int = 40):
    """Few words, many ties: a corpus where the order of equal scores matters."""
    import random

    rng = random.Random(seed)
    words = ["python", "data", "design", "cycling", "cooking", "fintech", "hiring", "leadership", "climate", "remote"]
    companies = ["Tidemark Bank", "Larkspur Analytics", "Quillon Studio", ""]
    articles = [
        Article(feed_id=f"f{i % 3}", id=f"a{i}",
                title=" ".join(rng.choices(words, k=3)) + (f" at {rng.choice(companies)}" if i % 4 == 0 else ""),
                summary=" ".join(rng.choices(words, k=rng.randrange(0, 12))),
                published=now.shift(days=-rng.choice([0, 1, 1, 5, 30])).isoformat())
        for i in range(n_articles)
    ]
    contacts = [
        Contact(name=f"P{i}", id=f"c{i}", company=rng.choice(companies), interests=rng.sample(words, 2),
                tags=rng.sample(words, 1), notes=" ".join(rng.choices(words, k=rng.randrange(0, 5))))
        for i in range(n_contacts)
    ]
    feeds = [Feed(url=f"u{i}", id=f"f{i}", tags=[words[i]]) for i in range(3)]
    return articles, contacts, feeds


def _reference_scores(ranker, contact):
    """The plain definition: per-token scatter over postings, bonus, decay (no dense rows)."""
    import numpy as np

    total = np.zeros(len(ranker.articles))
    query = ranker._query(contact)
    for token_id, weight in zip(query.token_ids, query.weights, strict=False):
        lo, hi = ranker._indptr[token_id], ranker._indptr[token_id + 1]
        total[ranker._indices[lo:hi]] += weight * ranker._data[lo:hi]
    if contact.company:
        total[ranker._company_docs(contact.company)] += rank.COMPANY_BONUS
    return total * ranker.decay


def test_batch_per_contact_and_per_article_agree(store, now):
    import numpy as np

    for seed in range(3):
        articles, contacts, feeds = _random_corpus(seed, now)
        ranker = rank.Ranker(articles, feeds, now)
        assert ranker._dense  # the corpus is dense enough to exercise both kinds of token
        batch = ranker.for_contacts(contacts, k=5)
        for contact in contacts:
            single = ranker.for_contact(contact, k=5)
            assert batch[contact.id] == single
            reference = _reference_scores(ranker, contact)
            assert np.array_equal(ranker.scores(contact), reference)
            ideal = sorted((i for i in range(len(articles)) if reference[i] >= rank.MIN_SCORE),
                           key=lambda i: (-reference[i], articles[i].id))[:5]
            assert [a.id for a, _ in single] == [articles[i].id for i in ideal]
        for article in articles[:30]:
            found = ranker.for_article(article, contacts, k=len(contacts))
            position = articles.index(article)
            expected = sorted((c for c in contacts if ranker.scores(c)[position] >= rank.MIN_SCORE),
                              key=lambda c: (-ranker.scores(c)[position], c.id))
            assert [c.id for c, _ in found] == [c.id for c in expected]
            assert [s for _, s in found] == [round(float(ranker.scores(c)[position]), 3) for c in expected]


def test_batch_honours_shares_and_dismissals(store, now):
    feed = store.add_feed(Feed(url="https://x.example/feed", tags=["work"]))
    arts = store.add_articles([Article(feed_id=feed.id, title=a.title, summary=a.summary, published=a.published) for a in corpus(now)])
    ines = store.add_contact(Contact(name="Ines", interests=["cycling", "cooking"]))
    tom = store.add_contact(Contact(name="Tom", interests=["cycling"]))
    store.add_share(Share(article_id=arts[2].id, contact_id=ines.id, at=now.isoformat()))
    store.add_dismissal(Dismissal(article_id=arts[5].id, contact_id=ines.id, at=now.isoformat()))
    ranker = rank.ranker(store, now)
    batch = ranker.for_contacts([ines, tom])
    assert batch[ines.id] == ranker.for_contact(ines) == []
    assert batch[tom.id] == ranker.for_contact(tom) and batch[tom.id]


async def test_retention_waits_for_a_refresh_that_brings_entries(store, now, tmp_path):
    """An all-304 refresh neither reads nor purges articles; the next one with a body does."""
    body = rss([{"title": "old", "guid": "g1", "pubDate": now.shift(days=-10).format("ddd, DD MMM YYYY HH:mm:ss") + " +0000"}])
    local_feed(store, tmp_path, "w.xml", body)
    await service.refresh(store, Settings(), now)
    later = now.shift(days=200)
    summary = await service.refresh(store, Settings(), later)  # file unchanged: not modified
    assert (summary.not_modified, summary.purged) == (1, 0)
    assert [a.title for a in store.articles()] == ["old"]
    (tmp_path / "w.xml").write_bytes(body + b" ")  # same entries, new file: a body again
    summary = await service.refresh(store, Settings(), later)
    assert (summary.fetched, summary.purged) == (1, 1)
    assert store.articles() == []


async def test_entries_already_stored_are_not_converted_again(store, now, tmp_path, monkeypatch):
    from crm_tui.feeds import parse

    def items(n):
        return [{"title": f"t{i}", "guid": f"g{i}", "description": f"<p>s{i}</p>"} for i in range(n)]

    local_feed(store, tmp_path, "k.xml", rss(items(3)))
    await service.refresh(store, Settings(), now)
    seen = []
    original = parse.parse_feed

    def spy(*args):
        parsed = original(*args)
        seen.append((args[3], [e.ident for e in parsed.entries], parsed.known))
        return parsed

    monkeypatch.setattr(parse, "parse_feed", spy)
    (tmp_path / "k.xml").write_bytes(rss(items(4)))
    events = []
    summary = await service.refresh(store, Settings(), now, progress=events.append)
    assert seen == [(frozenset({"g0", "g1", "g2"}), ["g3"], 3)]
    assert summary.new_articles == 1
    assert sorted(a.title for a in store.articles()) == ["t0", "t1", "t2", "t3"]
    assert [e.detail for e in events if e.state == "updated"] == ["4 entries"]


def test_no_worker_process_when_every_feed_can_answer_304():
    from crm_tui.config import FeedSettings

    idle = service._Parser(50, FeedSettings(), warm=False)
    assert idle.pool is None  # bodies, if any, are parsed in a thread
    idle.close()


def sum_in_order(ranker, contact, position):
    """One article's BM25 sum for one contact, term by term in ascending token id."""
    query = ranker._query(contact)
    starts, token_ids, values = ranker._by_doc  # the article's row of the score matrix
    lo, hi = starts[position], starts[position + 1]
    terms = dict(zip(token_ids[lo:hi].tolist(), values[lo:hi].tolist(), strict=True))
    total = 0.0
    for token_id, weight in zip(query.token_ids.tolist(), query.weights.tolist(), strict=True):
        if token_id in terms:
            total += weight * terms[token_id]
    return total


def test_batch_sums_in_any_batch_size_and_either_kind_of_token(now, monkeypatch):
    """for_articles sums a batch of articles token by token: a token many contacts use as a
    dense row, the others over their postings. One article per batch, all dense, and all in
    one batch, almost all over postings: the scores are the per-contact sums, exactly."""
    import numpy as np

    articles, contacts, feeds = _random_corpus(7, now, n_articles=60, n_contacts=50)
    for per_batch, dense_share in ((1, 10**6), (10**9, 1)):
        monkeypatch.setattr(rank, "SUMS_PER_BATCH", per_batch * len(contacts))
        monkeypatch.setattr(rank, "DENSE_SHARE", dense_share)
        ranker = rank.Ranker(articles, feeds, now)
        starts = ranker._contact_postings(contacts)[0]
        reach = np.diff(starts)
        dense_from = max(1, len(contacts) // dense_share)
        if dense_share > len(contacts):
            assert dense_from == 1  # every token a dense row
        else:
            assert (reach > 0).any() and not (reach >= dense_from).any()  # every one over its postings
        # The sums themselves, bit for bit: each contact's query tokens in ascending id.
        raw = np.array([[sum_in_order(ranker, c, position) for c in contacts] for position in range(len(articles))])
        postings = ranker._contact_postings(contacts)
        wanted = list(zip(articles, range(len(articles)), strict=True))
        batches = list(ranker._article_sums(wanted, *postings[:3], len(contacts)))
        assert len(batches) == (len(articles) if per_batch == 1 else 1)
        assert np.array_equal(np.concatenate([totals for _, totals in batches]), raw)
        found = ranker.for_articles(articles, contacts, k=len(contacts))
        for position, article in enumerate(articles):
            expected = sorted((c for c in contacts if ranker.scores(c)[position] >= rank.MIN_SCORE),
                              key=lambda c: (-ranker.scores(c)[position], c.id))
            assert [(c.id, s) for c, s in found[article.id]] == \
                [(c.id, round(float(ranker.scores(c)[position]), 3)) for c in expected]
        assert sum(len(v) for v in found.values()) > 100  # many matches, ties among them
