"""Every snapshot of the two snapshot modules again at 80x24 (the smallest terminal the
app is designed for), beside the 120x36 ones: the same steps, the terminal size swapped.

Update after a deliberate change with ``pytest tests/ui/test_snapshots_small.py
--snapshot-update`` and look at the SVGs before committing them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
import test_snapshots_contacts_forms as contacts_forms
import test_snapshots_today_articles_feeds as today_articles_feeds
from support import SMALL

TESTS = [
    (name, function)
    for module in (contacts_forms, today_articles_feeds)
    for name, function in vars(module).items()
    if name.startswith("test_") and callable(function)
]


@pytest.mark.parametrize(("name", "test"), TESTS, ids=[name for name, _ in TESTS])
def test_small(name: str, test: Callable[..., Any], snap_compare: Any,
               request: pytest.FixtureRequest) -> None:
    def small_compare(app: Any, **options: Any) -> Any:
        options["terminal_size"] = SMALL
        return snap_compare(app, **options)

    arguments = {
        parameter: small_compare if parameter == "snap_compare" else request.getfixturevalue(parameter)
        for parameter in inspect.signature(test).parameters
    }
    test(**arguments)
