"""Parsing many calendar files on every core (issue 16: a first sync of a 5,000-event vdir).

Parsing and recurrence expansion (icalendar, recurring-ical-events) are pure Python and
take about a millisecond a file, most of a first sync: :func:`read_all` spreads the files
over a process pool when there are enough of them (:data:`POOL_MIN_FILES`; a pool's start
costs more than a few files' parsing) and the machine has more than one core. Each worker
reads its chunks of files as :func:`calendar_parse.read_file` does (size checks, the
prefilter, parsing) and returns plain values: the occurrences as lists, the problems as
text, the addresses a file the prefilter let go names. What every file shares (the
settings, the window, the contacts' addresses) goes to each worker once, when it starts.

Failure never loses the report of a file. A chunk whose worker stopped (killed, out of
memory, a crash in native code) is read again one file at a time in a pool of one
worker: the file it stops on is reported by path, with the reason, and the others are
read. A pool that cannot start (the TUI's stderr has no file descriptor for the
forkserver) means reading in this process, as for a few files. There is no time limit: a
file that keeps the parser busy for ever holds the sync up, here as in one process.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_tui.config import Settings
from crm_tui.perf import gc_paused
from crm_tui.sources import calendar_parse
from crm_tui.sources.calendar_model import Occurrence

if TYPE_CHECKING:
    import concurrent.futures

POOL_MIN_FILES = 150  # files to read; below this, in this process
CHUNK_FILES = 40  # files per task: small enough to balance the workers, big enough to amortise
MAX_WORKERS = 8

Job = tuple[str, bool]  # (path, whether the prefilter may let it go unparsed)
Read = tuple[list[Occurrence], list[str], list[str] | None]  # as calendar_parse.read_file
Plain = tuple[str, list[list[Any]], list[str], list[str] | None]  # the same, pickled
_shared: tuple[Any, ...] = ()  # in a worker: (settings, start, end, zone, wanted)


def workers() -> int:
    if hasattr(os, "sched_getaffinity"):
        return min(MAX_WORKERS, len(os.sched_getaffinity(0)))
    return min(MAX_WORKERS, os.cpu_count() or 1)


def read_all(jobs: list[Job], settings: Settings, start: datetime, end: datetime, zone: tzinfo,
             wanted: frozenset[str] | None) -> tuple[dict[str, Read], dict[str, str]]:
    """({path: what :func:`calendar_parse.read_file` gives} of the files read, {path: why
    the reader stopped} of the files whose reading stopped a worker process (never cached:
    read again next time)). In this process for a few files or one core, else in a pool."""
    shared = (settings, start, end, zone, wanted)
    count = workers()
    if len(jobs) < POOL_MIN_FILES or count < 2:
        return dict(_in_process(jobs, shared)), {}
    import concurrent.futures  # (a sync with nothing to read, most of them, never needs it)

    pool = _start(min(count, -(-len(jobs) // CHUNK_FILES)), shared)
    if pool is None:
        return dict(_in_process(jobs, shared)), {}
    done: dict[str, Read] = {}
    retry: list[Job] = []
    with gc_paused():  # (the occurrences coming back are kept, not garbage)
        try:
            futures = {pool.submit(_read_chunk, chunk): chunk for chunk in _chunks(jobs)}
            for future in concurrent.futures.as_completed(futures):
                try:
                    done.update(_unpacked(future.result()))
                except concurrent.futures.process.BrokenProcessPool:
                    retry.extend(futures[future])
                except Exception:  # (a value that would not pickle): this process reads them
                    done.update(_in_process(futures[future], shared))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    stopped: dict[str, str] = {}
    if retry:
        found, stopped = _one_by_one(retry, shared)
        done.update(found)
    return done, stopped


def _chunks(jobs: list[Job]) -> Iterator[list[Job]]:
    for i in range(0, len(jobs), CHUNK_FILES):
        yield jobs[i:i + CHUNK_FILES]


def _read(job: Job, shared: tuple[Any, ...]) -> Read:
    settings, start, end, zone, wanted = shared
    key, may_skip = job
    return calendar_parse.read_file(Path(key), settings, start, end, zone,
                                    wanted if may_skip else None)


def _in_process(jobs: list[Job], shared: tuple[Any, ...]) -> Iterator[tuple[str, Read]]:
    for job in jobs:
        yield job[0], _read(job, shared)


def _init(shared: tuple[Any, ...]) -> None:
    global _shared
    _shared = shared
    gc.enable()  # (forked from a parent that paused it: parsing makes garbage, cycles too)
    import icalendar  # noqa: F401  (each worker, at once: not one after the other here)
    import recurring_ical_events  # noqa: F401


def _read_chunk(chunk: list[Job]) -> list[Plain]:
    """In a worker: plain lists back (cheaper to pickle than the records)."""
    out = []
    for job in chunk:
        occurrences, problems, named = _read(job, _shared)
        out.append((job[0], [o.as_list() for o in occurrences], problems, named))
    return out


def _unpacked(results: list[Plain]) -> Iterator[tuple[str, Read]]:
    for key, occurrences, problems, named in results:
        yield key, ([Occurrence(*o) for o in occurrences], problems, named)


def _start(count: int, shared: tuple[Any, ...]) -> concurrent.futures.ProcessPoolExecutor | None:
    # fork is cheapest, but forking a process that runs other threads (the TUI's sync
    # worker) can inherit a held lock: forkserver there.
    import concurrent.futures
    import multiprocessing

    method = _method()
    pool = None
    try:
        context = multiprocessing.get_context(method)
        if method == "forkserver":
            context.set_forkserver_preload(["crm_tui.sources.calendar_pool"])
        pool = concurrent.futures.ProcessPoolExecutor(count, mp_context=context,
                                                      initializer=_init, initargs=(shared,))
        for _ in range(count):  # the workers start now: a failure to start shows here
            pool.submit(int)
        return pool
    except (OSError, ValueError):
        # Inside the TUI sys.stderr has no file descriptor (fileno() is -1), so the
        # forkserver cannot start ("bad value(s) in fds_to_keep"): read in this process.
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        return None


def _method() -> str:
    return "fork" if threading.active_count() == 1 else "forkserver"


def _one_by_one(jobs: list[Job], shared: tuple[Any, ...]) -> tuple[dict[str, Read], dict[str, str]]:
    """The files of chunks whose worker stopped, each a task of its own in a pool of one
    worker: the tasks run in order, so the first one broken is the file it stopped on;
    that file is reported, a new worker takes the rest."""
    import concurrent.futures

    done: dict[str, Read] = {}
    stopped: dict[str, str] = {}
    queue = list(jobs)
    while queue:
        pool = _start(1, shared)
        if pool is None:  # cannot tell which file it was: report them all, read none
            stopped.update((key, "the calendar reader stopped (no worker to retry it)")
                           for key, _ in queue)
            break
        rest: list[Job] = []
        try:
            futures = [pool.submit(_read_chunk, [job]) for job in queue]
            for n, future in enumerate(futures):
                try:
                    done.update(_unpacked(future.result()))
                except concurrent.futures.process.BrokenProcessPool as exc:
                    stopped[queue[n][0]] = f"the calendar reader stopped on this file ({_reason(exc)})"
                    rest = queue[n + 1:]
                    break
                except Exception:
                    done.update(_in_process([queue[n]], shared))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        queue = rest
    return done, stopped


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"
