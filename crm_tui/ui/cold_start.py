"""A cold start (nothing kept by a last run) works out its first screen in a second process.

When the rows kept by the last run (:mod:`crm_tui.ui.first_screen`) do not match (the
first start on a data folder, the first of a new version, the first after a setting
changed, or after a save by a program that does not keep them), the start used to do
everything in turn: import Textual and the screens (about 0.3 s), then open the store
(0.14 s at 10,000 contacts, 0.65 s at 50,000), then paint. On a machine with two cores or
more these two halves need not wait for each other: just before the UI is imported, the
start forks a child that opens the store read-only (building only the contacts a
screenful needs: ``build_on_use``), keeps the first screen (the very file a warm start
reads) and exits. The parent imports the UI meanwhile and starts as a warm start does:
it paints the kept rows and opens the store itself in a thread, keys waiting for it (the
key gate). When the child is not done by then (50,000 contacts), the parent paints its
frame ("Opening your contacts…") and the rows when the child ends (a thread waits for
it), and opens the store only after that: parsing it would hold the interpreter.

The child only reads the store (read-only opens take no lock) and writes the cache file
(whole or not at all); it never touches the terminal (its standard streams are
``/dev/null``) and ends with ``os._exit``. Whatever goes wrong in it (a damaged or newer
file, a full disk, a crash) the parent sees "nothing kept" and does the usual start,
which reports the problem as always. It is used only where ``fork`` is safe and cheap:
Linux, no other thread running (none runs before the UI starts), more than one core.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import arrow

from crm_tui.paths import Paths

if TYPE_CHECKING:
    from crm_tui.config import Settings
    from crm_tui.ui.first_screen import FirstScreen

# How long a start waits for the child before it opens the store itself. The child is
# ahead of any open the parent would start, so it is waited for even at 50,000 contacts
# (about 0.8 s); only a child that hangs (a stuck network mount) costs this long.
WAIT_SECONDS = 10.0


def usable() -> bool:
    """Whether a second process can work out the first screen alongside the start."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    if threading.active_count() != 1:  # a lock held by another thread would stay held in the child
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return cores > 1


class Keeper:
    """The child process keeping the first screen (see the module's text). Waited for
    from a thread of the app's while the start paints; reaped once (a lock: a pid reaped
    may be another process's next, so it is never signalled after that)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._status: int | None = None  # its exit code once reaped
        self._done = False
        self._lock = threading.Lock()

    def finished(self) -> bool | None:
        """None while the child runs; else whether it kept the first screen (no wait)."""
        self._reap(os.WNOHANG)
        return None if not self._done else self._status == 0

    def wait(self, timeout: float = WAIT_SECONDS) -> bool:
        """Wait for the child (at most ``timeout`` seconds, then it is killed); True when it
        kept the first screen."""
        try:
            self._wait(timeout)
        finally:
            self.stop()
        return self._status == 0

    def _reap(self, flags: int) -> None:
        with self._lock:
            if self._done:
                return
            try:
                pid, status = os.waitpid(self.pid, flags)
            except ChildProcessError:  # (reaped by someone else: a test's own wait)
                self._done = True
                return
            if pid:
                self._done = True
                self._status = os.waitstatus_to_exitcode(status)

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        try:
            pidfd = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            pidfd = None
        try:
            while True:
                self._reap(os.WNOHANG)
                left = deadline - time.monotonic()
                if self._done or left <= 0:
                    return
                if pidfd is not None:
                    select.select([pidfd], [], [], left)  # readable when the child ends
                else:
                    time.sleep(min(left, 0.002))
        finally:
            if pidfd is not None:
                os.close(pidfd)

    def stop(self) -> None:
        """Kill the child if it is still running, and reap it (no zombie is left)."""
        with self._lock:
            if self._done:
                return
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self.pid, 0)
            self._done = True


def keep_in_child(paths: Paths, settings: Settings, now: arrow.Arrow) -> Keeper | None:
    """Fork the child that keeps the first screen; None where that is not done (see
    :func:`usable`) or the fork failed: the start is the usual one then."""
    return fork(lambda: _child(paths, settings, now))


def fork(work: Callable[[], int], nice: int = 0) -> Keeper | None:
    """Run ``work`` in a child process (its standard streams ``/dev/null``, ``nice`` added
    to its niceness) and return its :class:`Keeper`; its exit code is what ``work``
    returns (1 for anything raised). None where that is not done (see :func:`usable`) or
    the fork failed. Also the Articles matches' child (:mod:`crm_tui.ui.kept_matches`)."""
    if not usable():
        return None
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid:
        return Keeper(pid)
    code = 1
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # never a byte on the terminal the parent is about to take over
            os.dup2(devnull, fd)
        if nice:
            os.nice(nice)
        code = work()
    except BaseException:  # anything: the parent does the usual start, which says why
        code = 1
    finally:
        os._exit(code)


def _child(paths: Paths, settings: Settings, now: arrow.Arrow) -> int:
    from crm_tui.store.repository import Store
    from crm_tui.ui import first_screen

    before = first_screen.key_of(paths, now, settings)
    if before is None:
        return 1
    with Store.open(paths.data, readonly=True, today=now, build_on_use=True) as store:
        # Today and tomorrow (the app keeps the week as it ends): the start waits for this.
        kept = first_screen.keep(paths, store, settings, now, expect=before)
    return 0 if kept else 1


# ------------------------------------------------------------------ before the command line
@dataclass
class Early:
    """What :func:`start_early` found and forked, for :func:`take_early` to hand on."""

    paths: Paths
    day: str
    settings: str  # first_screen.settings_stamp
    rows: FirstScreen | None
    keeper: Keeper | None
    matches: Keeper | None

    def stop(self) -> None:
        for child in (self.keeper, self.matches):
            if child is not None:
                child.stop()


_EARLY: list[Early] = []


def start_early(argv: list[str]) -> None:
    """``crm-tui`` with no subcommand (the TUI), before the command line's own imports
    (click and the commands': a fifth of the time to the first frame that the children
    need not wait for): read the kept first screen, and fork the children a start forks
    (this module's, and the Articles matches': :mod:`crm_tui.ui.kept_matches`) now.
    ``make_app`` takes them (:func:`take_early`) when it starts on the same folder, day
    and settings; else they are ended. Nothing here says anything: a problem (a bad
    ``CRM_TUI_NOW``, a broken config) is left to the command line to report."""
    home = _home_of(argv)
    if home is None:
        return
    try:
        from crm_tui import clock, config, paths, perf
        from crm_tui.ui import first_screen, kept_matches

        resolved = paths.resolve(home or None)
        now = clock.now()
        settings = config.load(resolved.config_file)
        stamp = first_screen.settings_stamp(settings)
        perf.pause_gc_for_startup()  # (as make_app does: until the first frame)
        rows = first_screen.read(resolved, now, settings)
    except Exception:
        return
    keeper = keep_in_child(resolved, settings, now) if rows is None else None
    matches = kept_matches.work_out_in_child(resolved, settings, now)
    _EARLY[:] = [Early(resolved, now.format("YYYY-MM-DD"), stamp, rows, keeper, matches)]
    atexit.register(_stop_early)  # (when make_app never took them: a command-line error)


def take_early(paths: Paths, now: arrow.Arrow, settings: Settings) -> Early | None:
    """What :func:`start_early` did, when it was for this folder, day and settings (else
    its children are ended, and None)."""
    if not _EARLY:
        return None
    from crm_tui.ui.first_screen import settings_stamp

    early = _EARLY.pop()
    if (early.paths, early.day, early.settings) != (paths, now.format("YYYY-MM-DD"), settings_stamp(settings)):
        early.stop()
        return None
    return early


def _stop_early() -> None:
    while _EARLY:
        _EARLY.pop().stop()


def _home_of(argv: list[str]) -> str | None:
    """The ``--home`` of a command line that opens the TUI ("" for none); None for any
    other (a subcommand, ``--demo``, ``--help``...)."""
    if not argv:
        return ""
    if len(argv) == 1 and argv[0].startswith("--home="):
        return argv[0].removeprefix("--home=") or None
    if len(argv) == 2 and argv[0] == "--home" and argv[1] and not argv[1].startswith("-"):
        return argv[1]
    return None
