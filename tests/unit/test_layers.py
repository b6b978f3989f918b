"""The domain stays pure: non-UI layers never import textual; only the store knows TinyDB."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "crm_tui"
# Every module outside ui/, found on disk (so a new one is checked without editing this file).
NON_UI = sorted(
    ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for path in PACKAGE.rglob("*.py")
    if "ui" not in path.relative_to(PACKAGE).parts and path.name != "__main__.py"
)
# Which packages each layer may import from crm_tui (data flows one way: store -> domain ->
# services -> cli/ui). A layer not listed may import anything below the UI.
LOWER = {
    "domain": {"domain", "config"},  # the rules take their settings' dataclasses
    "store": {"domain", "store", "perf"},
    "feeds": {"domain", "store", "feeds", "config", "perf", "__version__"},
    "interop": {"domain", "store", "interop", "config", "perf", "paths"},
    "services": {"domain", "store", "feeds", "interop", "sources", "services", "config", "perf", "paths",
                 "clock"},
    "sources": {"domain", "store", "sources", "config", "perf"},
}


def loaded_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(out.stdout.split())


def test_every_layer_module_is_found():
    assert {"crm_tui.services.engine", "crm_tui.store.repository", "crm_tui.cli", "crm_tui.env"} <= set(NON_UI)


@pytest.mark.parametrize("module", NON_UI)
def test_non_ui_modules_never_import_textual(module):
    loaded = loaded_after_import(module)
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}


def _imports_of(path: Path) -> set[str]:
    """The crm_tui packages a source file imports (``crm_tui.X...`` -> ``X``)."""
    text = path.read_text(encoding="utf-8")
    found = set(re.findall(r"^\s*from crm_tui\.(\w+)", text, re.M))
    found |= set(re.findall(r"^\s*import crm_tui\.(\w+)", text, re.M))
    for names in re.findall(r"^\s*from crm_tui import ([\w, ]+)", text, re.M):
        found |= {n.strip() for n in names.split(",")}
    return found


@pytest.mark.parametrize("layer", sorted(LOWER))
def test_layers_import_only_what_is_below_them(layer):
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports_of(path) - LOWER[layer])
        for path in (PACKAGE / layer).rglob("*.py")
        if _imports_of(path) - LOWER[layer]
    }
    assert offenders == {}


def test_nothing_below_the_ui_imports_ui_or_cli():
    offenders = [
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] not in ("ui", "cli", "__main__.py")
        and _imports_of(path) & {"ui", "cli"}
    ]
    assert offenders == []


@pytest.mark.parametrize("module", ["crm_tui.domain.models", "crm_tui.domain.cadence",
                                    "crm_tui.domain.drafts", "crm_tui.domain.template_library", "crm_tui.domain.text"])
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
