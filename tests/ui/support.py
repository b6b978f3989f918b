"""What the UI tests share besides fixtures: the terminal sizes and the app's Env."""

from __future__ import annotations

import arrow

from crm_tui import config
from crm_tui.env import Env
from crm_tui.paths import Paths

# The size every pilot test and snapshot uses unless it tests another (the 120x36).
SIZE = (120, 36)
# The smallest terminal the app is designed for.
SMALL = (80, 24)


def make_env(paths: Paths, now: arrow.Arrow) -> Env:
    return Env(paths=paths, settings=config.load(paths.config_file), now=now)
