"""The `?` screen: every key of the screen underneath, with its description and id."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    """Lists the active bindings of ``screen``: keys, what they do, the id to rebind them."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.target = screen
        self.rows: list[tuple[str, str, str]] = []  # (keys, description, id) as shown

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, pad_edge=False)
        table.add_column(Text("Key"), style="bold", no_wrap=True)
        table.add_column(Text("Action"), ratio=1)
        table.add_column(Text("Id (config.toml [keys])"), style="dim", no_wrap=True)
        seen: set[tuple[str, str]] = set()
        named: list[Binding] = []
        other: list[Binding] = []
        for key, active in self.target.active_bindings.items():
            binding = active.binding
            if not binding.description:
                continue
            marker = (binding.id or binding.action, key)
            if marker in seen:
                continue
            seen.add(marker)
            (named if binding.id else other).append(binding)
        for binding in named + other:  # the app's own keys first, then the widgets' ones
            shown = self.app.get_key_display(binding)
            self.rows.append((shown, binding.description, binding.id or ""))
            table.add_row(Text(shown), Text(binding.tooltip or binding.description),
                          Text(binding.id or ""))
        title = getattr(self.target, "sub_title", "") or type(self.target).__name__.removesuffix("Screen")
        with VerticalScroll():
            yield Static(Text(f"Keys: {title}", style="bold"))
            yield Static(table)
            yield Static(
                Text(
                    "Rebind a key in config.toml, e.g.\n[keys]\n\"contacts.filter\" = \"slash,f\"\n"
                    "ctrl+p opens the command palette: any contact by name, every action.",
                    style="dim",
                )
            )
