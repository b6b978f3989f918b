"""Shared fixtures. Every test gets its own CRM_TUI_HOME and a pinned clock."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import arrow
import pytest
from click.testing import CliRunner, Result

from crm_tui.paths import Paths, resolve
from crm_tui.store.repository import Store

# A Monday, so business-day arithmetic in tests is easy to read.
PINNED_NOW = "2026-03-02T18:00:00+00:00"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the user's home; never depend on the real date or zone."""
    home = tmp_path / "home"
    monkeypatch.setenv("CRM_TUI_HOME", str(home))
    monkeypatch.setenv("CRM_TUI_NOW", PINNED_NOW)
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    return home


@pytest.fixture
def now() -> arrow.Arrow:
    return arrow.get(PINNED_NOW)


@pytest.fixture
def paths(isolated_home: Path) -> Paths:
    return resolve(isolated_home)


@pytest.fixture
def store(paths: Paths, now: arrow.Arrow) -> Iterator[Store]:
    with Store.open(paths.data, today=now) as opened:
        yield opened


@pytest.fixture
def run_cli() -> Callable[..., Result]:
    """Run `crm-tui ARGS...` in-process; returns click's Result (exit_code, output)."""
    from crm_tui.cli import cli

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)

    return run


def pytest_report_header(config: pytest.Config) -> str:
    return f"crm-tui tests: CRM_TUI_NOW pinned to {PINNED_NOW} (home isolated per test)"


os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
