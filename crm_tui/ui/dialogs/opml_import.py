"""Ask for an OPML file, or newsboat's urls file, to import feeds from (the path must name a
readable file)."""

from __future__ import annotations

from pathlib import Path

from crm_tui.ui.dialogs.feed_add import PathDialog


def _existing_file(value: str) -> str:
    path = Path(value.strip()).expanduser()
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    return str(path.resolve())


def opml_import_dialog() -> PathDialog:
    return PathDialog(
        "Import feeds from an OPML file or newsboat's urls file",
        "~/Downloads/subscriptions.opml  or  ~/.newsboat/urls",
        _existing_file,
        "opml-import",
    )
