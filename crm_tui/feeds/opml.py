"""OPML subscription lists: import (defusedxml: no entities, no external anything) and export.

Nested outlines are folders: their titles become tags of the feeds inside them, together
with any ``category`` attribute. Only http(s) feeds are imported: an OPML file must not be
able to subscribe to (and so read) local files.
"""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import arrow
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from crm_tui.domain.models import Feed
from crm_tui.domain.text import clean, clean_list
from crm_tui.feeds.links import safe_to_open
from crm_tui.store.repository import Store

MAX_OPML_BYTES = 5 * 1024 * 1024


class OpmlError(ValueError):
    pass


@dataclass
class OpmlEntry:
    url: str
    title: str
    tags: list[str]


@dataclass
class ImportResult:
    added: list[Feed] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already subscribed
    rejected: list[str] = field(default_factory=list)  # not http(s)


def read_opml(data: bytes) -> list[OpmlEntry]:
    """The feeds listed in an OPML document, with folder names as tags."""
    try:
        root = fromstring(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException) as exc:
        raise OpmlError(f"not a valid OPML file: {exc}") from exc
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise OpmlError("not an OPML file (no <opml><body>)")
    found: list[OpmlEntry] = []

    def walk(node: ET.Element, folders: list[str]) -> None:
        for outline in node.findall("outline"):
            title = clean(outline.get("title") or outline.get("text") or "", 300)
            url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
            categories = [c for part in (outline.get("category") or "").split(",") for c in part.split("/")]
            if url:
                found.append(OpmlEntry(url=url, title=title, tags=clean_list([*folders, *categories])))
            walk(outline, [*folders, title] if (title and not url) else folders)

    walk(body, [])
    return found


def _read_bounded(path: Path) -> bytes:
    """A regular file only (a FIFO would block, a device never end), read with a cap counted
    as the bytes arrive, never trusted from st_size."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise OpmlError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OpmlError(f"{path} is not a regular file (a folder, a pipe or a device)")
        os.set_blocking(fd, True)
        parts: list[bytes] = []
        total = 0
        while chunk := os.read(fd, 1 << 16):
            total += len(chunk)
            if total > MAX_OPML_BYTES:
                raise OpmlError(f"{path} is larger than {MAX_OPML_BYTES // (1024 * 1024)} MiB")
            parts.append(chunk)
        return b"".join(parts)
    except OSError as exc:
        raise OpmlError(f"cannot read {path}: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)


def import_opml(store: Store, path: Path, now: arrow.Arrow) -> ImportResult:
    """Subscribe to the feeds of an OPML file; feeds already there are skipped."""
    data = _read_bounded(path)
    result = ImportResult()
    known = {f.url for f in store.feeds()}
    with store.batch():
        for entry in read_opml(data):
            if not safe_to_open(entry.url):
                result.rejected.append(clean(entry.url, 300))
                continue
            if entry.url in known:
                result.skipped.append(entry.url)
                continue
            known.add(entry.url)
            feed = Feed(url=entry.url, title=entry.title, tags=entry.tags, added_at=now.isoformat())
            result.added.append(store.add_feed(feed))
    return result


def export_opml(feeds: list[Feed], title: str = "crm-tui subscriptions") -> bytes:
    """An OPML 2.0 document; feeds are grouped in folders by their first tag."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for feed in sorted(feeds, key=lambda f: ((f.tags or [""])[0].casefold(), (f.title or f.url).casefold())):
        parent = body
        if feed.tags:
            folder = feed.tags[0]
            if folder not in folders:
                folders[folder] = ET.SubElement(body, "outline", text=folder, title=folder)
            parent = folders[folder]
        attrs = {"type": "rss", "text": feed.title or feed.url, "title": feed.title or feed.url, "xmlUrl": feed.url}
        if feed.tags:
            attrs["category"] = ",".join(feed.tags)
        ET.SubElement(parent, "outline", attrs)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
