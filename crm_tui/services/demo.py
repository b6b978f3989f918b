"""The bundled demo: `data/demo/` materialised into a fresh home, dates relative to now.

``data/demo/demo.json`` gives every date as an offset from the moment the demo starts, so
the demo always looks current:

- ``-3`` (int): three days ago; ``2``: in two days;
- ``"-3b"``: three business days ago (Mon-Fri); ``"2b"``: two business days ahead;
- an optional ``"time": "HH:MM"`` beside it (local time; default 10:00).

A contact may carry ``"snoozed_until": 5`` (an offset, kept as a date) and ``"snooze_count"``.

Demo feeds are listed in ``data/demo/feeds/feeds.json`` (``[{"file": "x.xml", "title": ...,
"tags": [...]}]``, files relative to that folder): local RSS/Atom files whose dates are written as
``{{rfc822:-3}}`` (RSS) or ``{{iso:-3}}`` (Atom); they are copied into the demo home with
the placeholders filled in and subscribed to as local files, then fetched once.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import arrow
import orjson

from crm_tui import config
from crm_tui.domain.models import Contact, Feed, Thread, Touch
from crm_tui.domain.text import clean, clean_list, clean_multiline
from crm_tui.paths import Paths
from crm_tui.store.repository import Store

_PLACEHOLDER = re.compile(r"\{\{(rfc822|iso):(-?\d+b?)\}\}")


def data_dir() -> Path:
    """The bundled `data/` folder: in the source tree, or inside the installed package."""
    package = Path(__file__).resolve().parents[1]  # crm_tui/
    for candidate in (package.parent / "data", package / "_data"):
        if (candidate / "demo" / "demo.json").exists():
            return candidate
    raise FileNotFoundError("the bundled demo data (data/demo/demo.json) is missing")


def shift(now: arrow.Arrow, offset: int | str, time: str | None = None) -> arrow.Arrow:
    """``now`` moved by a demo offset (days, or business days with a ``b`` suffix)."""
    text = str(offset)
    if text.endswith("b"):
        steps = int(text[:-1])
        day = now.floor("day")
        direction = 1 if steps >= 0 else -1
        while steps:
            day = day.shift(days=direction)
            if day.weekday() < 5:
                steps -= direction
    else:
        day = now.floor("day").shift(days=int(text))
    hour, minute = (int(x) for x in (time or "10:00").split(":"))
    return day.replace(hour=hour, minute=minute)


def materialize(paths: Paths, now: arrow.Arrow, source: Path | None = None) -> None:
    """Write the demo into ``paths`` (a fresh home) as of ``now``."""
    source = source or data_dir() / "demo"
    spec: dict[str, Any] = orjson.loads((source / "demo.json").read_bytes())
    paths.config.mkdir(parents=True, exist_ok=True)
    settings = config.Settings()
    settings.me.name = spec.get("me", {}).get("name", "")
    settings.me.signature = spec.get("me", {}).get("signature", "")
    config.save(settings, paths.config_file)
    with Store.open(paths.data, today=now) as store, store.batch():
        ids: dict[str, str] = {}
        for item in spec.get("contacts", []):
            contact = Contact(
                name=clean(item["name"]),
                emails=[clean(e) for e in [item.get("email", ""), *item.get("emails", [])] if clean(e)],
                phone=clean(item.get("phone", "")),
                company=clean(item.get("company", "")),
                role=clean(item.get("role", "")),
                tags=clean_list(item.get("tags", [])),
                interests=clean_list(item.get("interests", [])),
                tier=item.get("tier", "casual"),
                every=item.get("every"),
                notes=clean_multiline(item.get("notes", "")),
                linkedin=clean(item.get("linkedin", "")),
                created_at=shift(now, item.get("created", -400)).isoformat(),
                snoozed_until=(
                    shift(now, item["snoozed_until"]).format("YYYY-MM-DD")
                    if item.get("snoozed_until") is not None
                    else None
                ),
                snooze_count=int(item.get("snooze_count", 0)),
                job_changes=[
                    {**jc, "at": shift(now, jc.get("at", 0)).isoformat()}
                    for jc in item.get("job_changes", [])
                ],
            )
            store.add_contact(contact)
            ids[item["key"]] = contact.id
        threads: dict[str, str] = {}
        for item in spec.get("threads", []):
            thread = Thread(
                contact_id=ids[item["contact"]],
                kind=item["kind"],
                at=shift(now, item["at"], item.get("time")).isoformat(),
                status=item.get("status", "open"),
                decision_by=(
                    shift(now, item["decision_by"]).format("YYYY-MM-DD")
                    if item.get("decision_by") is not None
                    else None
                ),
                interviewers=[ids[k] for k in item.get("interviewers", [])],
                role=item.get("role", ""),
                via=ids.get(item["via"]) if item.get("via") else None,
                terms=item.get("terms", 30),
                label=item.get("label", ""),
                amount=item.get("amount", ""),
                note=item.get("note", ""),
            )
            store.add_thread(thread)
            threads[item["key"]] = thread.id
        for item in spec.get("contacts", []):
            for t in item.get("touches", []):
                store.log_touch(
                    Touch(
                        contact_id=ids[item["key"]],
                        at=shift(now, t["at"], t.get("time")).isoformat(),
                        direction=t.get("direction", "out"),
                        channel=t.get("channel", "email"),
                        note=clean_multiline(t.get("note", "")),
                        thread_id=threads.get(t["thread"]) if t.get("thread") else None,
                        step=t.get("step"),
                        outcome=t.get("outcome"),
                    )
                )
        feed_dir = paths.config / "demo-feeds"
        feed_dir.mkdir(parents=True, exist_ok=True)
        feed_list = source / "feeds" / "feeds.json"
        feed_specs = orjson.loads(feed_list.read_bytes()) if feed_list.exists() else []
        for item in feed_specs:
            text = (source / "feeds" / item["file"]).read_text(encoding="utf-8")
            target = feed_dir / Path(item["file"]).name
            target.write_text(_fill_dates(text, now), encoding="utf-8")
            store.add_feed(
                Feed(
                    url=str(target),
                    title=item.get("title", ""),
                    tags=item.get("tags", []),
                    added_at=now.isoformat(),
                )
            )
    _fetch_feeds(paths, now, settings)


def _fill_dates(text: str, now: arrow.Arrow) -> str:
    def fill(match: re.Match[str]) -> str:
        moment = shift(now, match.group(2), "08:30").to("UTC")
        if match.group(1) == "rfc822":
            return moment.format("ddd, DD MMM YYYY HH:mm:ss") + " +0000"
        return moment.isoformat()

    return _PLACEHOLDER.sub(fill, text)


def _fetch_feeds(paths: Paths, now: arrow.Arrow, settings: config.Settings) -> None:
    """Fetch the local demo feeds once, so articles are there from the first screen."""
    from crm_tui.services import feeds as service

    with Store.open(paths.data, today=now) as store:
        service.refresh_sync(store, settings, now)
