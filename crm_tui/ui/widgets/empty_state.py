"""What the Contacts screen shows on the first run, instead of an empty table."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

WELCOME = """\
Welcome to crm-tui. You have no contacts yet.

  a     add a contact by hand
  i     import contacts from a file:
          LinkedIn  Connections.csv (Settings > Data privacy > Get a copy)
          Google    contacts.csv (contacts.google.com > Export > Google CSV)
          vCard     .vcf from any address book (Apple, Outlook, Thunderbird)

From the command line:  crm-tui import linkedin ~/Downloads/Connections.csv
Try the demo first?     crm-tui --demo

ctrl+p finds any action, ? lists every key.
"""


class EmptyState(Vertical):
    DEFAULT_CSS = """
    EmptyState { height: 1fr; align: center middle; }
    EmptyState > Static {
        width: auto; max-width: 100; height: auto; padding: 1 2;
        border: round $primary; background: $surface;
        /* Its own colour, not the inherited one: Textual caches a widget's visual style
           by the widget's own styles, and this text can be measured at start-up before
           the theme reaches the screen (it then stayed transparent: invisible text). */
        color: $foreground;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(WELCOME, markup=False)
