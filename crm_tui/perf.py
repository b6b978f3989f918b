"""Performance helpers shared by the store, the engine and the UI."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused(keep: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector while building many long-lived objects at once.

    Loading 10,000 contacts or computing 10,000 suggestions creates objects none of which
    is garbage; the collector would rescan all of them again and again (it doubled the
    store's open time). Reference counting still frees everything as usual.

    ``keep=True`` is for the one big load of a long-lived process (the TUI opening the
    store): everything built so far is moved out of the collector's sight for good
    (``gc.freeze``). Otherwise the first collections after the pause would scan those
    objects anyway, and every full collection would rescan them for the whole session:
    at 10,000 contacts that was 0.1 s of a 0.9 s start-up. Frozen objects are still freed
    by reference counting; only garbage cycles among them would be kept, so one-shot
    commands and tests (many stores in one process) leave it off.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
        if collecting:
            gc.enable()


_startup_paused = False


def pause_gc_for_startup() -> None:
    """Pause the cyclic collector from the TUI's first import until its first frame.

    Start-up (importing Textual and our modules, loading the store, building the first
    screen) creates hundreds of thousands of objects and almost no garbage; the collector's
    passes over them were ~25 ms of the time to the first frame. :func:`resume_gc` undoes
    this (the app calls it once the first frame is shown).
    """
    global _startup_paused
    if gc.isenabled():
        gc.disable()
        _startup_paused = True


def resume_gc(freeze: bool = True) -> None:
    """End :func:`pause_gc_for_startup`: what start-up built is kept out of later scans
    (``gc.freeze``, as for the store's records) and collection goes on as usual.
    Does nothing when start-up did not pause it (tests that make the app directly).
    ``freeze=False`` when start-up failed: nothing is kept."""
    global _startup_paused
    if _startup_paused:
        _startup_paused = False
        if freeze:
            gc.freeze()
        gc.enable()
