"""The app in a real terminal (a pty) that goes away: it leaves, and frees the data.

Without this, a closed window or a dropped ssh session left crm-tui running: spinning a
core in Textual's input thread when no hangup signal came, and holding the store's lock,
so the next start opened read-only.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from crm_tui.store.repository import Locked, Store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="ptys are POSIX")


def start_in_a_pty(home: Path) -> tuple[subprocess.Popen[bytes], int]:
    """crm-tui on a new pty (120x36), in its own session; once its first frame is drawn."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    env = {**os.environ, "CRM_TUI_HOME": str(home), "TERM": "xterm-256color",
           "TEXTUAL_ANIMATIONS": "none"}
    child = subprocess.Popen([sys.executable, "-m", "crm_tui"], stdin=slave, stdout=slave,
                             stderr=slave, env=env, start_new_session=True, close_fds=True)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 30
    while b"Filter" not in seen:  # the footer of the Contacts screen
        assert time.monotonic() < deadline, f"no first frame; got {seen[-300:]!r}"
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            seen += os.read(master, 65536)
    return child, master


def drain(master: int, seconds: float) -> None:
    """Keep reading what the app draws (a full pty would block its writes)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                os.read(master, 65536)
            except OSError:
                return


def assert_locked(data: Path) -> None:
    with pytest.raises(Locked):
        Store.open(data, wait=0)


def test_the_terminal_going_away_ends_the_app_and_frees_the_data(demo_paths) -> None:
    child, master = start_in_a_pty(demo_paths.config)
    try:
        drain(master, 0.5)
        assert_locked(demo_paths.data)
        os.close(master)  # the window closed; no hangup signal: the app has no controlling tty
        assert child.wait(timeout=15) == 129
    finally:
        if child.poll() is None:
            child.kill()
    Store.open(demo_paths.data, wait=0).close()  # the lock is free again


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM])
def test_a_hangup_or_terminate_signal_ends_the_app_cleanly(demo_paths, sig) -> None:
    child, master = start_in_a_pty(demo_paths.config)
    try:
        drain(master, 0.5)
        child.send_signal(sig)
        drain(master, 1.0)
        assert child.wait(timeout=15) == 128 + sig
    finally:
        if child.poll() is None:
            child.kill()
        os.close(master)
    Store.open(demo_paths.data, wait=0).close()
