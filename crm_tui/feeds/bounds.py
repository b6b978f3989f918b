"""Bounds on parsing one feed body (issue 14.6): entries taken, and time spent.

feedparser costs ~0.11 ms per entry on its own (measured: a 9.8 MiB feed of 120,000 tiny
items took 13 s in feedparser and 22 s with our conversion, 368 MB resident). Nobody reads
120,000 entries of one feed, and the store keeps at most ``max_per_feed`` of them anyway.

- :func:`trim_entries` cuts a body with absurdly many entries down before feedparser sees
  it: the first and the last ``keep // 2`` ``<item>``/``<entry>`` elements stay (feeds list
  newest first or oldest first: the newest are among them either way), the rest is cut
  out between sibling boundaries, so a well-formed feed stays well-formed.
- :data:`MAX_TAGS` refuses a body made of more elements than any feed needs, whatever
  their nesting, before feedparser sees it: that bound holds in a thread too.
- :func:`deadline` stops a parse that runs longer than its budget, where that can be done
  safely: in the main thread of a process (SIGALRM), a worker's or the main process's. In a
  thread, :mod:`crm_tui.feeds.subparse` decides: a small body parses there (its size is
  the bound), a larger one in a child process under the timer.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Iterator

# Entries handed to feedparser at most (the newest MAX_ENTRIES of them are kept after).
SCAN_ENTRIES = 2000
# Entries taken from one feed body, newest first.
MAX_ENTRIES = 500
# Seconds one body may take to parse (the default of ``FeedSettings.parse_seconds``).
PARSE_SECONDS = 20.0
# Markup ("<") in one body after trimming, at most. feedparser costs ~8 us an element, so a
# body of tiny or nested elements (a tag bomb: 2 MiB of <a><a><a>... took 4.9 s) is refused
# before it starts; ordinary feeds have a few thousand, 2,000 rich entries a few 100,000.
MAX_TAGS = 600_000

_ENTRY_START = re.compile(rb"<(?:[A-Za-z][\w.-]*:)?(?:item|entry)[\s>/]")


class ParseTimeout(Exception):
    pass


def trim_entries(body: bytes, keep: int = SCAN_ENTRIES) -> tuple[bytes, int]:
    """``body`` with at most ``keep`` entries, and how many were cut out."""
    if body.count(b"<item") + body.count(b"<entry") + body.count(b":item") + body.count(b":entry") <= keep:
        return body, 0  # the common case: one cheap scan, no regex
    starts = [m.start() for m in _ENTRY_START.finditer(body)]
    if len(starts) <= keep:
        return body, 0
    head = keep // 2
    tail = keep - head
    cut_from = starts[head]
    cut_to = starts[len(starts) - tail]
    return body[:cut_from] + body[cut_to:], len(starts) - keep


def timeout_message(seconds: float) -> str:
    return f"parsing took longer than {seconds:g} s"


@contextlib.contextmanager
def deadline(seconds: float = PARSE_SECONDS) -> Iterator[None]:
    """Raise :class:`ParseTimeout` in the block after ``seconds`` (in a process's main
    thread only: elsewhere the block runs unbounded, see :mod:`crm_tui.feeds.subparse`)."""
    usable = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if not usable:
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise ParseTimeout(timeout_message(seconds))

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
