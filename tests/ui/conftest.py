"""Shared UI fixtures: the demo data at the pinned clock, and a factory for the app.

Every UI test (pilot or snapshot) builds its app with ``make_app``; the stores it opens are
closed when the test ends. ``demo_paths`` holds the bundled demo materialised at the pinned
clock (tests/conftest.py pins CRM_TUI_NOW, TZ=UTC and an isolated CRM_TUI_HOME).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import arrow
import pytest
from support import make_env

from crm_tui import config
from crm_tui.paths import Paths, resolve
from crm_tui.store.repository import Store


@pytest.fixture
def demo_paths(isolated_home: Path, now: arrow.Arrow) -> Paths:
    """A fresh home holding the bundled demo, dated relative to the pinned clock."""
    from crm_tui.services import demo

    paths = resolve(isolated_home)
    demo.materialize(paths, now)
    return paths


@pytest.fixture
def empty_paths(isolated_home: Path) -> Paths:
    """A home with no data at all (first run)."""
    return resolve(isolated_home)



@pytest.fixture
def make_app(now: arrow.Arrow) -> Iterator[Callable[..., Any]]:
    """``make_app(paths, readonly_reason=None, settings=None)`` -> a CrmApp over an open store.

    The store is opened writable (or read-only when ``readonly_reason`` is given, like a
    second instance) and closed after the test. ``app.store`` is the store to assert on.
    """
    from crm_tui.ui.app import CrmApp

    opened: list[Store] = []

    def factory(
        paths: Paths,
        readonly_reason: str | None = None,
        settings: config.Settings | None = None,
    ) -> CrmApp:
        env = make_env(paths, now)
        if settings is not None:
            env.settings = settings
        store = Store.open(paths.data, readonly=readonly_reason is not None, today=now)
        opened.append(store)
        return CrmApp(env=env, store=store, readonly_reason=readonly_reason)

    yield factory
    for store in opened:
        store.close()


@pytest.fixture(autouse=True)
def steady_cursors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text cursors do not blink in tests: a snapshot taken half a second late (a loaded
    machine) would otherwise catch an input's cursor hidden (one cell of a whole screen)."""
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


@pytest.fixture
def demo_app(make_app: Callable[..., Any], demo_paths: Paths) -> Any:
    """The app over the demo data, not yet running (``async with demo_app.run_test()``)."""
    return make_app(demo_paths)


@pytest.fixture
def data(empty_paths: Paths, now: arrow.Arrow) -> dict[str, str]:
    """The known data set of ``known_data.seed`` (Today, Articles), ids by nickname."""
    from known_data import seed

    return seed(empty_paths, now)


@pytest.fixture
def app(make_app: Callable[..., Any], empty_paths: Paths, data: dict[str, str]) -> Any:
    """The app over the known data set (tests that need another build their own)."""
    return make_app(empty_paths)
