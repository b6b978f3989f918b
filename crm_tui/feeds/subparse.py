"""Parsing one body within its time limit wherever the caller runs (issue 18, second round).

The limit (``FeedSettings.parse_seconds``) is a SIGALRM timer (:func:`bounds.deadline`),
which can only interrupt the main thread of a process. Where a parse runs:

- a worker process of the refresh's pool, or the main thread of any process: in place,
  under the timer;
- a thread (the CLI's refresh of a few feeds, the TUI's workers, discovery): in place when
  the body is small enough that no content can make it slow (``SAFE_BYTES_PER_SECOND`` of
  body per second of budget: the worst measured, a description of nested tags, parsed at
  ~75 KiB a second on a loaded 2-core machine, so 16 KiB per second, 320 KiB at 20 s,
  leaves a wide margin); a larger body goes to a child
  interpreter (``python -m crm_tui.feeds.subparse``) that parses under its own timer and
  is killed if it has not answered when the limit is up. The child is a plain subprocess,
  so it starts where multiprocessing cannot (the TUI, whose stderr has no descriptor).

Either way a body that takes too long ends as a per-feed error naming the limit, never
as a refresh that hangs. The child costs ~0.2 s of start-up (the interpreter and
feedparser), paid only for bodies over the threshold (ordinary feeds are 20-200 KiB).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import threading

from crm_tui.feeds import parse
from crm_tui.feeds.bounds import PARSE_SECONDS, timeout_message
from crm_tui.feeds.parse import ParsedFeed

# Body bytes that may parse in a thread (no timer there) per second of the limit.
SAFE_BYTES_PER_SECOND = 16 * 1024


def parse_bounded(
    body: bytes,
    headers: dict[str, str] | None = None,
    base_url: str = "",
    known: frozenset[str] = frozenset(),
    seconds: float = PARSE_SECONDS,
) -> ParsedFeed:
    """:func:`crm_tui.feeds.parse.parse_feed` that ends within ``seconds`` (plus the child's start-up
    when it needs one) whatever thread calls it."""
    if threading.current_thread() is threading.main_thread() or len(body) <= seconds * SAFE_BYTES_PER_SECOND:
        return parse.parse_feed(body, headers, base_url, known, seconds)  # (looked up here: tests spy on it)
    return _in_child(body, headers, base_url, known, seconds)


def _in_child(
    body: bytes, headers: dict[str, str] | None, base_url: str, known: frozenset[str], seconds: float
) -> ParsedFeed:
    request = pickle.dumps((body, headers, base_url, known, seconds), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "crm_tui.feeds.subparse"],
            input=request,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:  # (subprocess.run has killed and reaped it)
        return ParsedFeed(error=timeout_message(seconds))
    except OSError as exc:
        return ParsedFeed(error=f"could not start a parser: {exc.strerror or exc}")
    if done.returncode != 0 or not done.stdout:
        return ParsedFeed(error=f"the parser stopped (exit status {done.returncode})")
    parsed = pickle.loads(done.stdout)  # our own child's answer
    if not isinstance(parsed, ParsedFeed):
        return ParsedFeed(error="the parser gave no answer")
    return parsed


def _main() -> None:
    body, headers, base_url, known, seconds = pickle.loads(sys.stdin.buffer.read())
    parsed = parse.parse_feed(body, headers, base_url, known, seconds)  # main thread: the timer holds
    sys.stdout.buffer.write(pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _main()
