"""The domain stays pure: non-UI layers never import textual; only the store knows TinyDB."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE = [
    "crm_tui.domain.models", "crm_tui.domain.cadence", "crm_tui.domain.compose",
    "crm_tui.domain.text", "crm_tui.engine", "crm_tui.actions", "crm_tui.drafting",
    "crm_tui.store.repository", "crm_tui.feeds.service", "crm_tui.feeds.rank",
    "crm_tui.feeds.opml", "crm_tui.interop.importer", "crm_tui.cli",
]


def loaded_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", PURE)
def test_non_ui_modules_never_import_textual(module):
    loaded = loaded_after_import(module)
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}


@pytest.mark.parametrize("module", ["crm_tui.domain.models", "crm_tui.domain.cadence",
                                    "crm_tui.domain.compose", "crm_tui.domain.text"])
def test_domain_never_imports_tinydb(module):
    assert "tinydb" not in loaded_after_import(module)


def test_only_the_store_names_tinydb_in_source():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "crm_tui").rglob("*.py")
        if re.search(r"^\s*(from|import)\s+tinydb", path.read_text(encoding="utf-8"), re.M)
        and "store" not in path.parts
    ]
    assert offenders == []
