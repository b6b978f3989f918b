"""`crm-tui feeds refresh` with a timeline: where a refresh's wall and CPU time go.

    CRM_TUI_HOME=... .venv/bin/python bench/refresh_phases.py [crm-tui arguments]

Runs the command as the console script does (``crm_tui.cli.main``) after wrapping, from the
outside, the service's steps; prints to stderr, at each step, the seconds since the process
was started (``--t0``, the caller's ``time.time()`` just before it started the process; else
since this script began) and the CPU seconds of this process and of the children it has
reaped (the parse workers). bench/feeds.py --phases runs it once per case, beside (not
among) the measured runs. Nothing in crm_tui is changed.
"""

from __future__ import annotations

import atexit
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

T0 = time.time()
if len(sys.argv) > 2 and sys.argv[1] == "--t0":
    T0 = float(sys.argv[2])
    del sys.argv[1:3]
LINES: list[str] = []


def mark(what: str) -> None:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    LINES.append(f"{time.time() - T0:6.3f} s  cpu {own.ru_utime + own.ru_stime:5.2f} + workers "
                 f"{kids.ru_utime + kids.ru_stime:5.2f}  {what}")


def report() -> None:
    mark("exit (atexit)")
    sys.stderr.write("".join(f"phase: {line}\n" for line in LINES))
    sys.stderr.flush()


mark("interpreter up")
import crm_tui.cli as cli

mark("crm_tui.cli imported")
from crm_tui.services import feeds as service

mark("services.feeds imported (httpx, the store, feedparser)")


def install() -> None:
    collect, apply, fetch_all, parse = service.collect, service.apply, service.fetch_all, service._Parser.parse

    async def timed_fetch_all(*args, **kwargs):  # type: ignore[no-untyped-def]
        count = 0
        async for result in fetch_all(*args, **kwargs):
            count += 1
            if count == 1:
                mark("first answer")
            yield result
        mark(f"last answer ({count})")

    async def timed_parse(self, *args):  # type: ignore[no-untyped-def]
        out = await parse(self, *args)
        timed_parse.done += 1  # type: ignore[attr-defined]
        if timed_parse.done == 1:  # type: ignore[attr-defined]
            mark("first body parsed")
        return out

    timed_parse.done = 0  # type: ignore[attr-defined]

    async def timed_collect(*args, **kwargs):  # type: ignore[no-untyped-def]
        mark("collect: store open, starting")
        try:
            return await collect(*args, **kwargs)
        finally:
            mark("collect done: every body parsed")

    def timed_apply(*args, **kwargs):  # type: ignore[no-untyped-def]
        mark("apply: taking the lock")
        try:
            return apply(*args, **kwargs)
        finally:
            mark("apply done: saved")

    service.collect, service.apply, service.fetch_all = timed_collect, timed_apply, timed_fetch_all
    service._Parser.parse = timed_parse  # type: ignore[method-assign]


install()
atexit.register(report)
sys.argv[0] = "crm-tui"
cli.main()
