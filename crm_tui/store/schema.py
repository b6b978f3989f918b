"""The data files' schema version and the migrations that bring older files up to it.

Read as ``schema.VERSION`` (module attribute, not a copied name) so a test can pretend a
newer version exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

VERSION = 1

# version -> function(file stem, tables) -> tables at version + 1
Migration = Callable[[str, dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[int, Migration] = {}
