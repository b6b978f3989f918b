"""The Articles screen (placeholder body; the real screen is being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class ArticlesScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Articles", markup=False)
        yield Footer()
