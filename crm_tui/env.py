"""The resolved environment of one run (a command or the TUI): where the data lives, the
settings, the clock's reading, and whether this is the demo."""

from __future__ import annotations

from dataclasses import dataclass

import arrow

from crm_tui import config
from crm_tui.paths import Paths


@dataclass
class Env:
    """Resolved once at start-up by the command line (``crm_tui.cli``)."""

    paths: Paths
    settings: config.Settings
    now: arrow.Arrow
    demo: bool = False
