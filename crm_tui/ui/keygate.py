"""Keys one at a time: a key is handed on only once the key before it has been handled.

Textual hands each key to the widget focused *when the app reads it*, and that widget
handles it later, in its own queue. Keys that arrive together (a fast typist, a paste of
keys, a slow SSH link) are therefore all handed to the same widget before the first one
has had its effect: ``/maya`` gave ``/`` to the table (which opens the filter box) and
``maya`` to the table too, where ``a`` opened "Add a contact"; ``s+3d⏎`` left the snooze
box empty. A key that opens a screen, a dialog or a box must deliver the keys after it
there, so the gate holds them back until the app has settled: every message queue of the
app and of the screen on top (which may be the one the key just opened) has handled what
it held, including the focus change.

Escape followed at once by another key has a second trap: both arrive in one read, and
the terminal parser takes them for one key, as a terminal sends Alt or Option with a key:
Escape+``3`` became "£" (macOS Option+3), Escape+``s`` became Alt+s. The app binds no
Alt or Option keys, so outside a text box (where "£" may well be meant) such a key is
split back into Escape and the key (:func:`unburst`), each handed on in turn.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from textual import events
from textual.app import App
from textual.keys import _character_to_key
from textual.widgets import Input

# Never hold a key back longer than this, whatever keeps the queues busy (a timer, a
# spinner): the gate serialises keys, it must not swallow them.
MAX_WAIT = 1.0
_ROUNDS = 25
# What Textual's parser makes of Escape and one of these keys read together (the macOS
# Option layer of its ANSI table): the character -> the key that followed the Escape.
_OPTION_OF = dict(zip("¡™£¢∞§¶•ªº–≠", "1234567890-=", strict=True))


class KeyGate:
    def __init__(self, app: App[Any], hold: Callable[[], bool] = lambda: False) -> None:
        """``hold``: while it says so, every key waits (the store is still being opened
        after a first frame painted from kept rows); :meth:`resume` hands them on."""
        self.app = app
        self._hold = hold
        self._busy = False
        self._pending: deque[events.Key] = deque()
        self._released: events.Key | None = None
        self._task: asyncio.Task[None] | None = None

    def admit(self, event: events.Key) -> bool:
        """True: handle ``event`` now. False: it waits behind the key being handled."""
        if event is self._released:
            self._released = None
            return True
        try:
            focused = self.app.focused
        except Exception:  # no screen yet
            focused = None
        split = unburst(event, focused)
        if self._hold():
            self._pending.extend(split or [event])
            self._busy = True
            return False
        if split:  # Escape and the key, in their turn (after any key already waiting)
            self._pending.extend(split)
            if not self._busy:
                self._busy = True
                self._release_next()
            return False
        if self._busy:
            self._pending.append(event)
            return False
        self._busy = True
        return True

    def handed_on(self) -> None:
        """The admitted key was handed to its widget: release the next when it settles."""
        self._task = asyncio.create_task(self._release_after_settling())

    async def _release_after_settling(self) -> None:
        try:
            await self._settle()
        finally:
            self._release_next()

    def resume(self) -> None:
        """The hold is over: hand on the keys that waited, in order."""
        self._release_next()

    def _release_next(self) -> None:
        if self._hold():
            return  # still busy: resume() goes on
        if self._pending and self.app.is_running:
            waiting = self._pending.popleft()
            self._released = events.Key(waiting.key, waiting.character)
            self.app.post_message(self._released)  # the gate stays busy for it
        else:
            self._pending.clear()
            self._busy = False

    def _nodes(self) -> list[Any]:
        try:
            screen = self.app.screen
        except Exception:
            return [self.app]
        return [self.app, *screen.walk_children(with_self=True)]

    async def _settle(self) -> None:
        deadline = time.monotonic() + MAX_WAIT
        for _ in range(_ROUNDS):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                await asyncio.wait_for(barrier(self._nodes()), remaining)
            except TimeoutError:
                return
            # Handling a key can post more messages (a bubbling key, a mount, a focus
            # change, a new screen): go round again until every queue is empty.
            if not any(node.message_queue_size for node in self._nodes()):
                return


def _text_box(widget: Any) -> bool:
    """An Input or a TextArea (not imported for this: if its module is not loaded, no
    widget is one; start-up does without it)."""
    text_area = sys.modules.get("textual.widgets._text_area")
    return isinstance(widget, Input) or (text_area is not None and isinstance(widget, text_area.TextArea))


def unburst(event: events.Key, focused: Any) -> list[events.Key] | None:
    """Escape and the key that the parser read as one Alt/Option key, or None for a key
    that is what it says (always in a text box: there "£" is typed)."""
    if _text_box(focused):
        return None
    character = _OPTION_OF.get(event.character or "")
    if character is None and event.key.startswith("alt+") and event.character:
        character = event.character
    if character is None or not character.isprintable():
        return None
    return [events.Key("escape", "\x1b"), events.Key(_character_to_key(character), character)]


async def barrier(nodes: list[Any]) -> None:
    """Return once every node has handled the messages it held when called."""
    left = len(nodes)
    done = asyncio.Event()

    def one_done() -> None:
        nonlocal left
        left -= 1
        if left <= 0:
            done.set()

    for node in nodes:
        if not node.call_later(one_done):
            one_done()
    await done.wait()
