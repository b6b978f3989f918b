"""The footer every screen uses: the screen's keys on one line, drawn by one widget.

While a dialog is open over the screen, the footer shows the dialog's keys instead.

Textual's Footer builds a widget per key and rebuilds them all whenever the bindings change
(twice as a screen opens: once mounted, once focused). With a dozen keys that was 50 ms
of a 0.8 s start-up at 10,000 contacts, and paid again on every screen switch. This one
keeps the same look (the theme's footer colours, `key description` pairs, the command
palette key on the right), recomputes a line of text when the bindings change, and maps
a click back to its key.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

# Bindings (by id) shown on the right whatever the width: the list of every key (`?`).
PINNED = frozenset({"app.help"})


class KeyFooter(Widget, can_focus=False):
    """The current screen's shown bindings, one `key description` pair per action."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"footer-key--key", "footer-key--description"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-foreground;
        text-wrap: nowrap;
        text-overflow: clip;
        pointer: pointer;
    }
    KeyFooter > .footer-key--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyFooter > .footer-key--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        # (key to press, shown key, description, enabled) for the left side and the palette.
        self._items: list[tuple[str, str, str, bool]] | None = None
        self._pinned: list[tuple[str, str, str, bool]] = []  # `? Keys` and the palette
        self._spans: list[tuple[int, int, str]] = []  # x from, x to, key: for clicks

    def on_mount(self) -> None:
        self._source: Screen[Any] = self.screen  # whose keys are shown
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.app.screen_change_signal.subscribe(self, self._screen_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)
        self.app.screen_change_signal.unsubscribe(self)
        if self._source is not self.screen:
            self._source.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        self._items = None
        self.refresh()

    def _screen_changed(self, active: Screen[Any]) -> None:
        """A dialog over this screen shows its own keys here: they are the ones that work
        while it is open (this screen's would only type into the dialog's fields)."""
        own = self.screen
        stack = self.app.screen_stack
        source = active if isinstance(active, ModalScreen) and own in stack[:-1] else own
        if source is self._source:
            return
        if self._source is not own:
            self._source.bindings_updated_signal.unsubscribe(self)
        if source is not own:
            source.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._source = source
        self._bindings_changed(source)

    def _collect(self) -> None:
        app = self.app
        active = self._source.active_bindings
        items: list[tuple[str, str, str, bool]] = []
        pinned: list[tuple[str, str, str, bool]] = []
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in active.values():
            if not binding.show or binding.action in seen:
                continue  # one entry per action, as Textual's Footer shows them
            seen.add(binding.action)
            item = (binding.key, app.get_key_display(binding), binding.description, enabled)
            # The key that lists every key is pinned on the right, with the palette: it
            # is what a footer too narrow for the rest points to.
            (pinned if binding.id in PINNED else items).append(item)
        self._items = items
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
            pinned.append((binding.key, app.get_key_display(binding), binding.description, enabled))
        self._pinned = pinned

    def render(self) -> Text:
        if self._items is None:
            self._collect()
        key_style = self.get_component_rich_style("footer-key--key")
        description_style = self.get_component_rich_style("footer-key--description")
        dim = Style(dim=True)
        width = self.size.width
        right: list[tuple[Text, str]] = []
        for index, (key, shown, description, enabled) in enumerate(self._pinned):
            pair = Text.assemble(
                ("▏" if index == len(self._pinned) - 1 else " ", description_style),
                (f"{shown}", key_style), (f" {description} ", description_style),
            )
            if not enabled:
                pair.stylize(dim)
            right.append((pair, key))
        room = max(0, width - sum(pair.cell_len for pair, _ in right))
        line = Text()
        self._spans = []
        for key, shown, description, enabled in self._items or []:
            pair = Text.assemble((f" {shown} ", key_style), (f"{description} ", description_style))
            if line.cell_len + pair.cell_len > room:
                break  # the rest would not fit: `?` lists every key
            if not enabled:
                pair.stylize(dim)
            start = line.cell_len
            line.append_text(pair)
            self._spans.append((start, line.cell_len, key))
        if right:
            line.append(" " * (room - line.cell_len))
        for pair, key in right:
            start = line.cell_len
            line.append_text(pair)
            self._spans.append((start, line.cell_len, key))
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key.split(",")[0])
                return

    def on_resize(self) -> None:
        self.refresh()

