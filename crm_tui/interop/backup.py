"""Full JSON backup (every table plus the settings files) and restore into an empty home.

The document is written with sorted keys, two-space indentation and records in id order,
and holds no "exported at" time, so export -> restore -> export is byte-identical.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

from crm_tui.interop.decode import InteropError, read_bytes
from crm_tui.interop.private_file import write_private
from crm_tui.paths import Paths
from crm_tui.store.repository import Store

BACKUP_MAX_BYTES = 512 * 1024 * 1024

FORMAT = "crm-tui-backup"
VERSION = 1
# Files of the config folder that belong in a backup (None in the document = absent).
SETTINGS_FILES = ("config.toml", "templates.toml")
TABLES = ("contacts", "threads", "feeds", "articles", "shares", "dismissals", "touches",
          "sources", "correspondents")


def _id_key(record_id: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", record_id))


def document(store: Store, paths: Paths) -> dict[str, Any]:
    tables = store.export_tables()
    ordered = {name: sorted(tables.get(name, []), key=lambda d: _id_key(d["id"])) for name in tables}
    settings = {}
    for name in SETTINGS_FILES:
        path = paths.config / name
        settings[name] = path.read_text(encoding="utf-8") if path.exists() else None
    return {"format": FORMAT, "version": VERSION, "tables": ordered, "settings": settings}


def dumps(doc: dict[str, Any]) -> bytes:
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def export_json(store: Store, paths: Paths, target: Path) -> dict[str, int]:
    doc = document(store, paths)
    _write(Path(target), dumps(doc))
    return {name: len(rows) for name, rows in doc["tables"].items()}


def load(source: Path) -> dict[str, Any]:
    source = Path(source)
    # A regular file, read with a cap counted as it arrives (never st_size): a backup of
    # 10,000 contacts and 100,000 touches is ~40 MB.
    raw = read_bytes(source, BACKUP_MAX_BYTES)
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InteropError(f"{source} is not a crm-tui backup (not JSON: {exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InteropError(f"{source} is not a crm-tui backup (no \"format\": \"{FORMAT}\")")
    if not isinstance(doc.get("version"), int) or doc["version"] > VERSION:
        raise InteropError(f"{source} is backup format {doc.get('version')!r}; this crm-tui reads up to {VERSION}")
    tables = doc.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(rows, list) and all(isinstance(r, dict) and isinstance(r.get("id"), str) for r in rows)
        for rows in tables.values()
    ):
        raise InteropError(f"{source}: \"tables\" must map table names to lists of records with ids")
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise InteropError(f"{source}: unknown tables {', '.join(sorted(unknown))}")
    return doc


def is_empty(store: Store, paths: Paths) -> bool:
    tables = store.export_tables()
    return not any(tables.values())


def restore(store: Store, paths: Paths, source: Path) -> dict[str, int]:
    """Recreate everything in ``source`` with the same ids. The home must be empty."""
    doc = load(source)
    if not is_empty(store, paths):
        raise InteropError(
            f"{paths.data} already holds data; restore only into an empty home "
            "(e.g. `crm-tui --home NEW_FOLDER restore FILE`)"
        )
    settings = doc.get("settings") or {}
    clashes = [
        name for name in SETTINGS_FILES
        if settings.get(name) is not None and (paths.config / name).exists()
        and (paths.config / name).read_text(encoding="utf-8") != settings[name]
    ]
    if clashes:
        raise InteropError(f"{', '.join(clashes)} already exist in {paths.config} and differ from the backup; move them away first")
    try:
        store.restore_tables(doc["tables"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InteropError(f"{source}: a record does not fit ({exc}); nothing was restored") from None
    for name in SETTINGS_FILES:
        text = settings.get(name)
        if isinstance(text, str):
            paths.config.mkdir(parents=True, exist_ok=True)
            _write(paths.config / name, text.encode("utf-8"))
    return {name: len(rows) for name, rows in doc["tables"].items()}


def _write(path: Path, payload: bytes) -> None:
    write_private(path, payload)
