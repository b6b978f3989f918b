"""Importing newsboat's ``urls`` file: one feed a line, then its tags.

The format (newsboat's documentation, "The urls file"): ``URL [tag...]``, tags quoted when
they hold spaces (``"tag one"``), ``#`` starts a comment. A tag starting with ``~`` is the
feed's title, one starting with ``!`` hides the feed in newsboat (ignored here).
``query:`` lines are newsboat's virtual feeds (searches over the others): skipped and
counted. ``exec:`` and ``filter:`` lines run commands: never run, counted as rejected, as is
anything that is not an http(s) URL.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import arrow

from crm_tui.domain.models import Feed
from crm_tui.domain.text import clean, clean_list
from crm_tui.feeds.links import safe_to_open
from crm_tui.store.repository import Store

MAX_URLS_BYTES = 5 * 1024 * 1024


class NewsboatError(Exception):
    pass


@dataclass
class UrlsLine:
    url: str
    tags: list[str] = field(default_factory=list)
    title: str = ""


@dataclass
class NewsboatImport:
    added: list[Feed] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already subscribed
    queries: int = 0
    rejected: list[str] = field(default_factory=list)


def default_path(home: Path | None = None) -> Path | None:
    """``~/.newsboat/urls``, else ``$XDG_CONFIG_HOME/newsboat/urls`` (~/.config), if present."""
    home = home or Path.home()
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    for candidate in (home / ".newsboat" / "urls", config / "newsboat" / "urls"):
        if candidate.is_file():
            return candidate
    return None


def looks_like_urls_file(path: Path) -> bool:
    """Whether ``path`` reads as a newsboat urls file rather than OPML (XML starts with <)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return bool(head) and not head.startswith(b"<")


def read_urls(text: str) -> tuple[list[UrlsLine], int, list[str]]:
    """(feed lines, query lines, rejected lines) of a urls file's text."""
    feeds: list[UrlsLine] = []
    queries = 0
    rejected: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError:  # an unclosed quote: take the words as they are
            words = line.split()
        if not words:
            continue
        url, tags = words[0], words[1:]
        if url.startswith("query:"):
            queries += 1
            continue
        if not safe_to_open(url):
            rejected.append(clean(url, 300))
            continue
        title = ""
        kept: list[str] = []
        for tag in tags:
            if tag.startswith("~"):
                title = title or clean(tag[1:], 300)
            elif tag.startswith("!"):
                continue
            else:
                kept.append(tag)
        feeds.append(UrlsLine(url=url, tags=clean_list(kept), title=title))
    return feeds, queries, rejected


def import_newsboat(store: Store, path: Path, now: arrow.Arrow) -> NewsboatImport:
    """Subscribe to the feeds of a newsboat urls file, in one batch; known feeds skipped."""
    try:
        if not path.is_file():
            raise NewsboatError(f"{path} is not a file")
        with open(path, "rb") as handle:
            data = handle.read(MAX_URLS_BYTES + 1)
    except OSError as exc:
        raise NewsboatError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_URLS_BYTES:
        raise NewsboatError(f"{path} is larger than {MAX_URLS_BYTES // (1024 * 1024)} MiB")
    lines, queries, rejected = read_urls(data.decode("utf-8", errors="replace"))
    result = NewsboatImport(queries=queries, rejected=rejected)
    known = {f.url for f in store.feeds()}
    with store.batch():
        for entry in lines:
            if entry.url in known:
                result.skipped.append(entry.url)
                continue
            known.add(entry.url)
            feed = Feed(url=entry.url, title=entry.title, tags=entry.tags, added_at=now.isoformat())
            result.added.append(store.add_feed(feed))
    return result
