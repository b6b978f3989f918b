"""Where the public test corpora are: ``.corpora/`` at the repository's root (or
``$CRM_TUI_CORPORA``), filled by ``scripts/corpora.py`` (``make corpora``, which ``make test``
runs first). Nothing of them is committed. Without them their tests skip, except under CI,
where a missing corpus is a failure: CI must always test against them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("CRM_TUI_CORPORA") or Path(__file__).resolve().parent.parent / ".corpora")


def corpus(name: str) -> Path:
    """The folder of corpus ``name``; skips the test (fails under CI) when it is missing."""
    path = ROOT / name
    if not (path / ".from").exists():
        message = f"corpus {name!r} missing at {path}: run scripts/corpora.py (make corpora)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def files(name: str, pattern: str) -> list[Path]:
    """The corpus's files matching ``pattern`` (empty when the corpus is missing: the
    test that checks the corpus is there then skips or fails)."""
    path = ROOT / name
    return sorted(path.rglob(pattern)) if (path / ".from").exists() else []
