"""`crm-tui feeds ...`, `crm-tui articles`, `crm-tui share`: subscriptions, reading, sharing.

Heavy modules (httpx, feedparser, bm25s/numpy) are imported inside the commands that need
them, so `crm-tui add` does not pay for them at start-up.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crm_tui.cli import cli
from crm_tui.cli.common import (
    echo_json,
    exit_quickly_after,
    fail,
    freeze_what_exists,
    open_store,
    pass_env,
    resolve_contact,
)
from crm_tui.domain.models import CHANNELS, Article, Contact, Feed
from crm_tui.domain.text import clean, clean_list
from crm_tui.env import Env
from crm_tui.store.repository import Store


def _resolve_feed(store: Store, query: str) -> Feed:
    """A feed by id, exact URL/path, or a title matching exactly one (case-insensitive)."""
    query = query.strip()
    found = store.feed(query)
    if found:
        return found
    matches = [f for f in store.feeds() if f.url == query] or [
        f for f in store.feeds() if f.title.casefold() == query.casefold()
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        fail(f"no feed matches {query!r} (try `crm-tui feeds list`)")
    fail(f"{query!r} matches {len(matches)} feeds; use an id: " + ", ".join(f.id for f in matches))


def _resolve_article(store: Store, query: str) -> Article:
    article = store.article(query.strip())
    if article is None:
        fail(f"no article {query!r} (try `crm-tui articles`)")
    return article


def _feed_json(feed: Feed, count: int) -> dict[str, object]:
    return {**feed.to_dict(), "articles": count}


@cli.group()
def feeds() -> None:
    """Subscriptions: add, remove, rename, set, list, refresh, OPML and newsboat import, OPML export."""


@feeds.command("add")
@click.argument("location")
@click.option("--title", default="", help="A title (default: the feed's own, on first refresh).")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for more); used for ranking.")
@click.option("--contact", default=None, help="The contact whose blog or newsletter this is (id or name).")
@click.option("--even-if-dormant", is_flag=True,
              help="With --contact: their new posts are a moment to write even after a year of silence.")
@click.option("--first", is_flag=True, help="When the page lists several feeds, take the first.")
@click.option("--no-check", is_flag=True, help="Subscribe to the address as given: no discovery, no fetch.")
@pass_env
def feeds_add(
    env: Env, location: str, title: str, tags: tuple[str, ...], contact: str | None, even_if_dormant: bool,
    first: bool, no_check: bool,
) -> None:
    """Subscribe to LOCATION: a feed, a blog's or site's page (its feed is found), or a
    local feed file; prints the feed's id. `example.com/blog` means https."""
    if even_if_dormant and not contact:
        fail("--even-if-dormant is about a contact's posts: name them with --contact")
    from crm_tui.feeds.discover import DiscoveryError, check_feed_sync, discover_sync, web_address
    from crm_tui.feeds.links import feed_location

    if contact:  # a wrong name is an error before any network
        with open_store(env, write=False) as store:
            resolve_contact(store, contact)
    try:
        web = web_address(location)
        url = feed_location(location) if web is None else web
    except ValueError as exc:
        fail(str(exc))
    if web is not None and not no_check:
        # Network first, with no lock held; the store is opened to write only at the end.
        try:
            found = discover_sync(web, env.settings.feeds)
        except DiscoveryError as exc:
            fail(str(exc))
        if len(found.candidates) > 1 and not first:
            lines = [f"{found.page} lists {len(found.candidates) + found.more} feeds; add one of them "
                     "(or run again with --first):"]
            lines += [f"  {c.url}" + (f"  {c.kind}" if c.kind else "") + (f"  {c.title}" if c.title else "")
                      for c in found.candidates]
            if found.more:
                lines.append(f"  ... and {found.more} more")
            fail("\n".join(lines))
        chosen = found.candidates[0]
        if not found.is_feed:
            problem = check_feed_sync(chosen.url, env.settings.feeds, public_only=found.public)
            if problem:
                fail(f"{found.page} links to {chosen.url}, which is not a usable feed: {problem}")
            click.echo(f"found {chosen.url}" + (f" ({chosen.title})" if chosen.title else ""), err=True)
        url = chosen.url
    with open_store(env) as store:
        person = resolve_contact(store, contact) if contact else None
        if any(f.url == url for f in store.feeds()):
            fail(f"already subscribed to {url}")
        with store.change(f"adding the feed {url}"):
            feed = store.add_feed(
                Feed(url=url, title=clean(title, 300), tags=clean_list(tags), added_at=env.now.isoformat(),
                     contact_id=person.id if person else None, even_if_dormant=even_if_dormant)
            )
    click.echo(feed.id)


@feeds.command("remove")
@click.argument("feed")
@pass_env
def feeds_remove(env: Env, feed: str) -> None:
    """Unsubscribe from FEED (id, URL or title); its articles go, shared ones stay."""
    with open_store(env) as store:
        found = _resolve_feed(store, feed)
        with store.change(f"removing the feed {found.title or found.url}"):
            store.delete_feed(found.id)
    click.echo(f"removed {found.id} {found.title or found.url}")


@feeds.command("rename")
@click.argument("feed")
@click.argument("title")
@pass_env
def feeds_rename(env: Env, feed: str, title: str) -> None:
    """Give FEED a new TITLE."""
    title = clean(title, 300)
    if not title:
        fail("a title cannot be empty")
    with open_store(env) as store:
        found = _resolve_feed(store, feed)
        found.title = title
        with store.change(f"renaming a feed to {title}"):
            store.update_feed(found)
    click.echo(f"{found.id} {title}")


@feeds.command("set")
@click.argument("feed")
@click.option("--contact", default=None, help="Tie FEED to this contact (id or name).")
@click.option("--no-contact", is_flag=True, help="FEED belongs to nobody.")
@click.option("--even-if-dormant/--not-if-dormant", "even_if_dormant", default=None,
              help="Whether their new posts make a step even after a year of silence (default: not).")
@pass_env
def feeds_set(env: Env, feed: str, contact: str | None, no_contact: bool, even_if_dormant: bool | None) -> None:
    """Change whose blog FEED (id, URL or title) is, and whether their posts count when
    they have been silent for over a year."""
    if contact and no_contact:
        fail("--contact and --no-contact contradict each other")
    if contact is None and not no_contact and even_if_dormant is None:
        fail("nothing to change: give --contact, --no-contact or --even-if-dormant/--not-if-dormant")
    with open_store(env) as store:
        found = _resolve_feed(store, feed)
        if contact:
            found.contact_id = resolve_contact(store, contact).id
        elif no_contact:
            found.contact_id = None
        if even_if_dormant is not None:
            found.even_if_dormant = even_if_dormant
        if found.even_if_dormant and not found.contact_id:
            fail("--even-if-dormant is about a contact's posts: tie the feed to one with --contact")
        with store.change(f"changing the feed {found.title or found.url}"):
            store.update_feed(found)
        owner = store.contact(found.contact_id) if found.contact_id else None
    line = f"{found.id} {found.title or found.url}"
    if owner is not None:
        line += f": blog of {owner.name}" + (", even if dormant" if found.even_if_dormant else "")
    click.echo(line)


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with an `articles` count).")
@pass_env
def feeds_list(env: Env, as_json: bool) -> None:
    """List subscriptions with their status."""
    with open_store(env, write=False) as store:
        subscribed = store.feeds()
        owners = {f.contact_id: store.contact(f.contact_id) for f in subscribed if f.contact_id}
        counts: dict[str, int] = {}
        for article in store.articles():
            counts[article.feed_id] = counts.get(article.feed_id, 0) + 1
    if as_json:
        echo_json([_feed_json(f, counts.get(f.id, 0)) for f in subscribed])
        return
    if not subscribed:
        click.echo("No feeds. Add one with `crm-tui feeds add URL_OR_PATH`.")
    for f in subscribed:
        fetched = f.last_fetched[:16].replace("T", " ") if f.last_fetched else "never"
        status = f.last_status or "new"
        if not f.enabled:
            status = "disabled"
        line = f"{f.id}\t{f.title or f.url}\t{counts.get(f.id, 0)} articles\tfetched: {fetched}\t{status}"
        if f.contact_id:
            person = owners.get(f.contact_id)
            line += f"\tblog of {person.name if person else f.contact_id}" + (" (even if dormant)" if f.even_if_dormant else "")
        if f.errors:
            line += f" ({f.errors} error{'s' if f.errors > 1 else ''} in a row: {f.last_error})"
        elif f.warning:
            line += f" (warning: {f.warning})"
        click.echo(line)


@feeds.command("refresh")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
@pass_env
def feeds_refresh(env: Env, as_json: bool) -> None:
    """Fetch every enabled feed. Exits 0 even when some feeds fail (they are listed)."""
    from crm_tui.services import feeds as service

    exit_quickly_after()  # thousands of articles and parse results: no teardown

    show_progress = not as_json and sys.stderr.isatty()

    def progress(event: service.ProgressEvent) -> None:
        if event.state != "fetching":
            detail = f": {event.detail}" if event.detail else ""
            click.echo(f"  {event.state:<12} {event.title}{detail}", err=True)

    import asyncio

    # One store for both steps (opening one costs ~0.1 s of CPU at 10,000 contacts). It
    # holds the write lock only while opening and while apply's batch saves: the TUI or
    # another command can write while this one fetches and parses, and apply re-reads
    # what they saved before deciding what is new.
    with open_store(env) as store:
        freeze_what_exists()  # imports and the store's records: no collector scans them again
        outcomes, summary = asyncio.run(
            service.collect(store, env.settings, env.now, progress if show_progress else None)
        )
        if outcomes:
            service.apply(store, env.settings.feeds, env.now, outcomes, summary)
            _keep_matches(store, env)
    if as_json:
        data = summary.to_json()
        echo_json({key: data[key] for key in ("fetched", "not_modified", "failed", "new_articles", "errors")}
                  | {"skipped": summary.skipped, "purged": summary.purged})
        return
    for error in summary.errors:
        click.echo(f"failed: {error['feed']}: {error['error']}", err=True)
    click.echo(summary.line())


def _keep_matches(store: Store, env: Env) -> None:
    """The TUI's next start shows the Articles matches at once if it kept them: work them
    out again for the new articles (crm_tui/ui/kept_matches.py; Textual is not loaded)."""
    from crm_tui.ui import kept_matches

    kept_matches.refresh_if_kept(env.paths, store, env.settings, env.now)


@feeds.command("import-opml")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_env
def feeds_import_opml(env: Env, file: Path) -> None:
    """Subscribe to the feeds of an OPML FILE (folders become tags; known feeds skipped)."""
    from crm_tui.feeds.opml import OpmlError, import_opml

    with open_store(env) as store:
        try:
            with store.change(f"OPML import of {file.name}"):
                result = import_opml(store, file, env.now)
        except OpmlError as exc:
            fail(str(exc))
    for url in result.rejected:
        click.echo(f"not imported (only http(s) feeds): {url}", err=True)
    click.echo(f"{len(result.added)} added, {len(result.skipped)} already subscribed, {len(result.rejected)} rejected")


@feeds.command("import-newsboat")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@pass_env
def feeds_import_newsboat(env: Env, path: Path | None) -> None:
    """Subscribe to the feeds of newsboat's urls file (default ~/.newsboat/urls or
    ~/.config/newsboat/urls); tags are kept, `query:` lines skipped and counted."""
    from crm_tui.feeds.newsboat import NewsboatError, default_path, import_newsboat

    path = path or default_path()
    if path is None:
        fail("no newsboat urls file at ~/.newsboat/urls or ~/.config/newsboat/urls; name one")
    with open_store(env) as store:
        try:
            result = import_newsboat(store, path, env.now)
        except NewsboatError as exc:
            fail(str(exc))
    for url in result.rejected:
        click.echo(f"not imported (only http(s) feeds): {url}", err=True)
    click.echo(f"{len(result.added)} added, {len(result.skipped)} already subscribed, "
               f"{result.queries} query feed{'s' if result.queries != 1 else ''} skipped, {len(result.rejected)} rejected")


@feeds.command("export-opml")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_env
def feeds_export_opml(env: Env, file: Path) -> None:
    """Write the subscriptions to an OPML FILE ('-' for standard output)."""
    from crm_tui.feeds.opml import export_opml

    with open_store(env, write=False) as store:
        data = export_opml(store.feeds())
    if str(file) == "-":
        click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        file.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {file}: {exc.strerror or exc}")
    click.echo(f"wrote {file}")


def _article_json(article: Article, feeds_by_id: dict[str, Feed], score: float | None = None) -> dict[str, object]:
    feed = feeds_by_id.get(article.feed_id)
    data: dict[str, object] = {
        "id": article.id,
        "title": article.title,
        "link": article.link,
        "summary": article.summary,
        "feed": (feed.title or feed.url) if feed else "",
        "feed_id": article.feed_id,
        "published": article.published,
        "author": article.author,
        "tags": article.tags,
    }
    if score is not None:
        data["score"] = score
    return data


@cli.command()
@click.option("--for", "for_contact", default=None, help="Rank articles for this contact (id or name).")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_env
def articles(env: Env, for_contact: str | None, limit: int, as_json: bool) -> None:
    """Recent articles, newest first; with --for, the best ones to send that contact."""
    with open_store(env, write=False) as store:
        feeds_by_id = {f.id: f for f in store.feeds()}
        if for_contact:
            from crm_tui.feeds.rank import ranker

            person = resolve_contact(store, for_contact)
            ranked = ranker(store, env.now).for_contact(person, k=limit)
            rows: list[tuple[Article, float | None]] = [(a, s) for a, s in ranked]
        else:
            recent = sorted(store.articles(), key=lambda a: (a.published, a.id), reverse=True)[:limit]
            rows = [(a, None) for a in recent]
    if as_json:
        echo_json([_article_json(a, feeds_by_id, s) for a, s in rows])
        return
    if not rows:
        click.echo("Nothing worth sending them right now." if for_contact else "No articles yet: `crm-tui feeds refresh`.")
    for article, score in rows:
        feed = feeds_by_id.get(article.feed_id)
        head = f"{article.id}\t{article.published[:10]}\t" + (f"{score:.1f}\t" if score is not None else "")
        click.echo(f"{head}{article.title}  [{(feed.title if feed else '') or article.feed_id}]")


@cli.command()
@click.argument("article")
@click.argument("contact")
@click.option("--print", "print_only", is_flag=True, help="Only print the note; log nothing.")
@pass_env
def share(env: Env, article: str, contact: str, print_only: bool) -> None:
    """Compose a note sharing ARTICLE with CONTACT and log it as sent (unless --print)."""
    with open_store(env, write=not print_only) as store:
        item = _resolve_article(store, article)
        person = resolve_contact(store, contact)
        subject, body, channel = _compose(env, store, person, item)
        if print_only:
            click.echo(f"Subject: {subject}\n\n{body}" if subject else body)
            return
        from crm_tui.services import actions  # (only here: `feeds refresh` does not pay for it)

        touch = actions.share_article(store, person.id, item, env.now,
                                      channel=channel if channel in CHANNELS else "email")
    click.echo(f"Subject: {subject}\n\n{body}" if subject else body)
    click.echo(f"\nlogged {touch.id}: shared {item.id} with {person.name}", err=True)


def _compose(env: Env, store: Store, person: Contact, item: Article) -> tuple[str, str, str]:
    """The drafted message for sharing ``item`` with ``person``: (subject, body, channel)."""
    from crm_tui.services.drafting import draft_for

    draft = draft_for(store, env.settings, env.now, person, article=item)
    return draft.subject, draft.body, draft.channel
