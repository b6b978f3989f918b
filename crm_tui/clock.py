"""The program's one clock. ``CRM_TUI_NOW`` (ISO-8601) pins it for scripts, demos and tests.

Rules never read the clock: they take ``now`` as a parameter. Only the entry points (the
command line and the app) ask this module for the time.
"""

from __future__ import annotations

import os
import re

import arrow

ENV_NOW = "CRM_TUI_NOW"
_HAS_OFFSET = re.compile(r"(Z|[+-]\d{2}(:?\d{2})?)$")


def local_tz() -> str:
    """The user's time zone: ``TZ`` when set, else the system's local zone."""
    return os.environ.get("TZ") or "local"


def now() -> arrow.Arrow:
    """The current moment in the user's time zone, or the pinned one."""
    pinned = os.environ.get(ENV_NOW)
    if pinned:
        try:
            moment = arrow.get(pinned)
        except (arrow.parser.ParserError, ValueError) as exc:
            raise ValueError(f"{ENV_NOW}={pinned!r} is not an ISO-8601 date-time") from exc
        # A pinned time with an explicit offset keeps it; a naive one is local time.
        if "T" in pinned and _HAS_OFFSET.search(pinned):
            return moment
        return arrow.get(moment.naive, tzinfo=local_tz())
    return arrow.now(local_tz())
