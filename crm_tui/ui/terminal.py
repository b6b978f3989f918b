"""Leaving when the terminal goes away (window closed, ssh connection lost) or on SIGTERM,
instead of lingering with the data's lock.

Without a hangup signal (the shell that started us did not pass it on) Textual's input
thread spins at 100% CPU on the dead terminal (Textualize/textual#6690); and once a write to
it fails, Textual's writer thread is gone and the next writes block the event loop for ever.
So the checks do not go through the event loop: a thread looks once a second whether stdin
is still a terminal (a hung-up one is not), and plain signal handlers (which run even while
the loop is blocked) take SIGHUP and SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path


class TerminalWatch:
    """Started once by the app after mount; ``exit_app(code)`` is the normal way out."""

    def __init__(self, exit_app: Callable[[int], None], demo_home: Path | None) -> None:
        self._exit_app = exit_app
        self._demo_home = demo_home
        self._leaving = False

    def start(self) -> None:
        try:
            fd = sys.__stdin__.fileno()  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            return
        if not os.isatty(fd):
            return
        loop = asyncio.get_running_loop()
        signal.signal(signal.SIGHUP, lambda *_: self.end_now(128 + signal.SIGHUP))
        signal.signal(signal.SIGTERM, lambda *_: self._terminate(loop))

        def watch() -> None:
            while os.isatty(fd):
                time.sleep(1.0)
            self.end_now(128 + signal.SIGHUP)

        threading.Thread(target=watch, name="crm-terminal-watch", daemon=True).start()

    def _terminate(self, loop: asyncio.AbstractEventLoop) -> None:
        """SIGTERM (a shutdown, a plain `kill`): exit the normal way, so Textual puts the
        terminal back as it found it; end anyway if that has not happened in 5 s."""
        if self._leaving:
            return
        self._leaving = True
        code = 128 + signal.SIGTERM
        with contextlib.suppress(RuntimeError):  # the loop is already closing
            loop.call_soon_threadsafe(self._exit_app, code)
        timer = threading.Timer(5.0, self.end_now, (code,))
        timer.daemon = True
        timer.start()

    def end_now(self, return_code: int) -> None:
        """End the process at once, with a shell's exit status for the signal.

        As safe for the data as a kill -9, which the store is built for: every write is
        atomic and already on disk, a batch of several files is all or nothing, and the
        kernel releases the lock. Only a demo's temporary copy needs removing."""
        if self._demo_home is not None:
            shutil.rmtree(self._demo_home, ignore_errors=True)
        os._exit(return_code)
