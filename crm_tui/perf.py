"""Performance helpers shared by the store, the engine and the UI."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many long-lived objects at once.

    Loading 10,000 contacts or computing 10,000 suggestions creates objects none of which
    is garbage; the collector would rescan all of them again and again (it doubled the
    store's open time). Reference counting still frees everything as usual.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
