"""What every subcommand shares: the resolved home, settings, clock and store access."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, NoReturn

import arrow
import click
import orjson

from crm_tui import clock
from crm_tui.domain.models import Contact, Thread
from crm_tui.env import Env
from crm_tui.store.repository import Locked, Store
from crm_tui.store.storage import StoreError

# Exit codes: 0 ok, 1 unexpected failure, 2 bad usage / bad data, 3 another crm-tui kept
# the data locked for a whole save's wait (the lock is held only while saving).
EXIT_USAGE = 2
EXIT_LOCKED = 3
# One-shot subcommands wait this long for another crm-tui to finish a save.
WRITE_WAIT_SECONDS = 10.0


@contextlib.contextmanager
def open_store(env: Env, write: bool = True, keep_first_screen: bool = False) -> Iterator[Store]:
    """Open the store for one command. Errors become clear messages and exit codes.
    (What a command changes is named for undo by the service it calls, or by the command
    with ``store.change``.) ``keep_first_screen``: after a save, keep the TUI's first
    screen even if no TUI kept it yet (an import or a restore: the next start is the first
    one on that data, and it paints at once)."""
    try:
        store = Store.open(
            env.paths.data,
            readonly=not write,
            wait=WRITE_WAIT_SECONDS if write else 0.0,
            today=env.now,
        )
    except Locked as exc:
        fail(f"{exc}", EXIT_LOCKED)
    except StoreError as exc:
        fail(str(exc))
    generation = store.generation
    store.write_wait = WRITE_WAIT_SECONDS
    try:
        for line in store.recovered:
            click.echo(f"note: {line}", err=True)
        yield store
        if write and store.generation != generation:
            _refresh_reminders(store, env)
            _refresh_first_screen(store, env, always=keep_first_screen)
    except Locked as exc:
        fail(f"{exc}", EXIT_LOCKED)
    except StoreError as exc:
        fail(str(exc))
    finally:
        try:
            store.close()
        except StoreError as exc:
            fail(str(exc))
        for line in store.warnings:
            click.echo(f"crm-tui: warning: {line}", err=True)


def _refresh_first_screen(store: Store, env: Env, always: bool) -> None:
    """The TUI's next start paints the rows it kept at once, if they still match the data
    (crm_tui/ui/first_screen.py): after this save they match again. (Textual is not loaded
    for it: the row model is plain Python.)"""
    from crm_tui.ui import first_screen

    if always:
        first_screen.keep(env.paths, store, env.settings, env.now, days=first_screen.DAYS_AHEAD)
    else:
        first_screen.refresh_if_kept(env.paths, store, env.settings, env.now)


def _refresh_reminders(store: Store, env: Env) -> None:
    """`[sources] reminders`: every write re-exports the follow-ups to the user's calendar."""
    if not env.settings.sources.reminders:
        return
    from crm_tui.services import reminders

    result = reminders.refresh(store, env.settings, env.now)
    for problem in result.problems if result else ():
        click.echo(f"crm-tui: warning: {problem}", err=True)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(f"crm-tui: {message}", err=True)
    sys.exit(code)


pass_env = click.make_pass_decorator(Env, ensure=False)


# Set by a command whose process should end without the interpreter's teardown (see
# exit_quickly_after); read by crm_tui.cli.main, the console script only.
_quick_exit = False
# True in the console script's own process (crm_tui.cli.main), not in-process callers.
_console_script = False


def console_script() -> None:
    global _console_script
    _console_script = True


def freeze_what_exists() -> None:
    """In the console script's process: everything alive now (the modules imported, the
    store's records) is kept out of the cyclic garbage collector's sight for the rest of
    the command (``gc.freeze``). It lives until the process ends anyway; otherwise the
    first full collection during a refresh's fetching re-scanned all of it (40-60 ms of
    the main process's CPU), and the forked parse workers would do the same in their turn.
    Not in-process (tests): freezing there would keep a session's garbage cycles for good."""
    if _console_script:
        import gc

        gc.freeze()


def exit_quickly_after() -> None:
    """Ask for this process to end, once the command is done, without tearing the
    interpreter down: what Python does at exit after the atexit handlers (collecting
    the garbage cycles, freeing every object and module one by one) took ~0.1 s of wall
    time after a first refresh of 50 feeds, 5% of the whole command, for nothing. Only
    the console script acts on it (:func:`leave`): a command run in-process (tests,
    CliRunner) ends as usual."""
    global _quick_exit
    _quick_exit = True


def quick_exit_asked() -> bool:
    return _quick_exit


def leave(code: object) -> NoReturn:
    """End the process with ``code`` (a SystemExit's) as Python would, minus the teardown:
    other threads are waited for (a process pool's manager thread reaps its workers), the
    atexit handlers run (a --demo home is removed, multiprocessing's finalizers), the
    standard streams are flushed; then ``os._exit``. Everything the command saved is
    already on disk (the store writes through fsync and rename, and closes its files)."""
    import atexit
    import os
    import threading

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): printed, status 1, as Python does
        print(code, file=sys.stderr)
        status = 1
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not current and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            status = status or 120  # what Python's own exit reports for an unflushable stdout
    os._exit(status)


def resolve_contact(store: Store, query: str) -> Contact:
    """A contact by id or by a name matching exactly one; otherwise exit 2 with candidates."""
    found = store.find_contacts(query)
    if len(found) == 1:
        return found[0]
    if not found:
        fail(f"no contact matches {query!r} (try `crm-tui list`)")
    lines = "\n".join(f"  {c.id}\t{c.name}" + (f" ({c.company})" if c.company else "") for c in found[:20])
    more = f"\n  ... and {len(found) - 20} more" if len(found) > 20 else ""
    fail(f"{query!r} matches {len(found)} contacts; use an id:\n{lines}{more}")


def resolve_thread(store: Store, query: str) -> Thread:
    thread = store.thread(query.strip())
    if thread is None:
        fail(f"no thread {query!r} (try `crm-tui thread list`)")
    return thread


def parse_when(value: str | None, now: arrow.Arrow, what: str = "--at") -> arrow.Arrow:
    """An ISO date or date-time from the command line, in the user's zone; default now."""
    if not value:
        return now
    from crm_tui.domain import validate

    if "T" not in value and " " not in value and (problem := validate.iso_date(value)):
        fail(f"{what}: {problem}")
    try:
        moment = arrow.get(value)
    except (arrow.parser.ParserError, ValueError, TypeError):
        fail(f"{what} {value!r} is not an ISO-8601 date or date-time (e.g. 2026-03-02T10:00)")
    if "T" not in value and " " not in value:
        return arrow.get(moment.date(), now.tzinfo)
    if clock._HAS_OFFSET.search(value):
        return moment
    return arrow.get(moment.naive, tzinfo=now.tzinfo)


def check(problem: str | None) -> None:
    """Exit 2 with a validator's message (crm_tui.domain.validate), if it found one."""
    if problem:
        fail(problem)


def touch_moment(value: str | None, now: arrow.Arrow) -> arrow.Arrow:
    """A touch's --at: refused more than a day ahead, warned about before 1990."""
    from crm_tui.domain import validate

    moment = parse_when(value, now)
    check(validate.touch_time(moment, now))
    question = validate.touch_time_unusual(moment)
    if question:
        click.echo(f"crm-tui: warning: {question}", err=True)
    return moment


def echo_json(data: Any) -> None:
    click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
