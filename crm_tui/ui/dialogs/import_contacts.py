"""Import contacts: pick the kind and the file, preview what would change, confirm.

The preview is a dry run (nothing written), made in a worker thread: reading and matching
10,000 rows takes seconds, and the dialog stays responsive meanwhile (escape still
cancels). Confirming writes the previewed plan in one store batch (re-previewing first if
anything was saved since) and dismisses with the :class:`PreparedImport` for the caller to
write (None when cancelled). Names and messages from the file are shown as plain text, never as markup.
"""

from __future__ import annotations

from pathlib import Path

import arrow
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Label, Select, Static

from crm_tui.domain.models import TIERS
from crm_tui.interop import ImportReport, InteropError
from crm_tui.interop.merge import Plan
from crm_tui.services.importer import PreparedImport, prepare
from crm_tui.store.repository import Store
from crm_tui.store.storage import StoreError
from crm_tui.ui.dialogs.base import CrmDialog

KIND_CHOICES: list[tuple[str, str]] = [
    ("LinkedIn Connections.csv", "linkedin"),
    ("Google Contacts CSV", "google"),
    ("vCard (.vcf file or folder)", "vcard"),
]
PLACEHOLDERS = {
    "linkedin": "~/Downloads/Connections.csv",
    "google": "~/Downloads/contacts.csv",
    "vcard": "~/Downloads/contacts.vcf  or a folder of .vcf files",
}
# The preview lists at most this many records (a 10,000-row file is summarised).
PREVIEW_LINES = 200


# The tier of the new contacts: "" lets the importer choose (dormant for LinkedIn, where
# most connections are people met once; casual otherwise).
TIER_CHOICES = [("default (LinkedIn: dormant)", "")] + [(tier, tier) for tier in TIERS]


def check_path(kind: str, value: str) -> Path:
    """The path to import, or ValueError saying what is wrong with it."""
    if not value.strip():
        raise ValueError("Type the path of the file to import")
    path = Path(value.strip()).expanduser()
    if kind == "vcard" and path.is_dir():
        return path
    if path.is_dir():
        raise ValueError(f"{path} is a folder; give the exported file")
    if not path.is_file():
        raise ValueError(f"No such file: {path}")
    return path


class ImportDialog(CrmDialog[PreparedImport | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="import.cancel"),
        Binding("ctrl+s", "confirm", "Import", id="import.confirm", priority=True),
    ]

    def __init__(self, store: Store, now: arrow.Arrow) -> None:
        super().__init__(id="import-contacts")
        self.store = store
        self.now = now
        self.previewed: tuple[str, Path] | None = None  # what the preview is about
        self.report: ImportReport | None = None
        self.plan: Plan | None = None
        self.generation = -1  # the store's generation the plan was made from
        self.asked = 0  # numbers preview requests: a stale worker's answer is dropped
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label("Import contacts", classes="dialog-title")
            yield Label("Kind", classes="field-label")
            yield Select(KIND_CHOICES, value="linkedin", allow_blank=False, id="import-kind")
            yield Label("New contacts: keep-in-touch tier, and tags", classes="field-label")
            with Horizontal(classes="import-options"):
                yield Select(TIER_CHOICES, value="", allow_blank=False, id="import-tier", compact=True)
                yield Input(placeholder="tags, comma separated", id="import-tags", compact=True)
            yield Label("File", classes="field-label")
            yield Input(placeholder=PLACEHOLDERS["linkedin"], id="import-path")
            yield Static("", id="import-feedback", markup=False)
            # Not a tab stop: tab from the path goes straight to the buttons (the preview is
            # capped at PREVIEW_LINES, so there is nothing to scroll to by keyboard).
            with VerticalScroll(id="import-preview-box", can_focus=False):
                yield Static("", id="import-preview", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Preview", id="import-do-preview")
                yield Button("Import", variant="primary", id="import-do-confirm", disabled=True)
                yield Button("Cancel", id="import-do-cancel")

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()

    @property
    def kind(self) -> str:
        return str(self.query_one("#import-kind", Select).value)

    def _feedback(self, text: str, invalid: bool) -> None:
        feedback = self.query_one("#import-feedback", Static)
        feedback.update(Content(text))
        feedback.set_class(invalid, "-invalid")

    def _forget_preview(self) -> None:
        self.asked += 1  # a preview still being made is for something else now
        self._set_busy(False)
        self.previewed = None
        self.report = None
        self.plan = None
        self.query_one("#import-preview", Static).update("")
        self.query_one("#import-do-confirm", Button).disabled = True

    @on(Select.Changed, "#import-kind")
    def _kind_changed(self) -> None:
        self.query_one("#import-path", Input).placeholder = PLACEHOLDERS[self.kind]
        self._forget_preview()

    @property
    def tier(self) -> str | None:
        return str(self.query_one("#import-tier", Select).value) or None

    @property
    def tags(self) -> list[str]:
        return [t.strip() for t in self.query_one("#import-tags", Input).value.split(",") if t.strip()]

    @on(Select.Changed, "#import-tier")
    @on(Input.Changed, "#import-tags")
    def _options_changed(self) -> None:
        if self.previewed is not None or self.busy:
            self._forget_preview()  # the preview was made with the other tier or tags
            self._feedback("Enter to preview", False)

    @on(Input.Changed, "#import-path")
    def _path_changed(self, event: Input.Changed) -> None:
        self._forget_preview()
        if not event.value.strip():
            self._feedback("", False)
            return
        try:
            check_path(self.kind, event.value)
        except ValueError as exc:
            self._feedback(str(exc), True)
        else:
            self._feedback("Enter to preview", False)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        box = self.query_one("#import-preview-box")
        box.loading = busy
        box.set_class(busy, "-busy")
        self.query_one("#import-do-preview", Button).disabled = busy

    @on(Input.Submitted, "#import-path")
    @on(Button.Pressed, "#import-do-preview")
    def action_preview(self) -> None:
        kind = self.kind
        try:
            path = check_path(kind, self.query_one("#import-path", Input).value)
        except ValueError as exc:
            self._forget_preview()
            self._feedback(str(exc), True)
            return
        self._forget_preview()
        self._set_busy(True)
        self._feedback(f"Reading {path.name} and matching it with your contacts...", False)
        self._prepare(self.asked, kind, path, self.tier, self.tags)

    @work(thread=True, exclusive=True, group="import-preview")
    def _prepare(self, asked: int, kind: str, path: Path, tier: str | None = None,
                 tags: list[str] | None = None) -> None:
        # Only reads the store; the dialog is modal, so nothing writes meanwhile (and if
        # something did, confirm sees the generation change and previews again).
        generation = self.store.generation
        outcome: tuple[Plan, ImportReport] | Exception
        try:
            outcome = prepare(self.store, kind, path, self.now, tier=tier, tags=tags or [])
        except (ValueError, InteropError, StoreError, OSError) as exc:
            outcome = exc
        if self.asked == asked and self.is_attached:
            self.app.call_from_thread(self._prepared, asked, kind, path, generation, outcome)

    def _prepared(
        self,
        asked: int,
        kind: str,
        path: Path,
        generation: int,
        outcome: tuple[Plan, ImportReport] | Exception,
    ) -> None:
        if asked != self.asked or not self.is_attached:
            return  # the path or kind changed, or the dialog closed, while it was read
        self._set_busy(False)
        if isinstance(outcome, Exception):
            self._feedback(str(outcome), True)
            return
        self.plan, self.report = outcome
        self.previewed = (kind, path)
        self.generation = generation
        lines = self.report.lines()
        shown = lines[: PREVIEW_LINES + 1]
        if len(lines) > len(shown):
            shown.append(f"  ... and {len(lines) - len(shown)} more")
        self.query_one("#import-preview", Static).update(Content("\n".join(shown)))
        can_import = self.report.changed
        self.query_one("#import-do-confirm", Button).disabled = not can_import
        self._feedback("ctrl+s to import" if can_import else "Nothing to import: everything is already here", False)

    @on(Button.Pressed, "#import-do-confirm")
    def action_confirm(self) -> None:
        if self.busy:
            self._feedback("Still reading the file; ctrl+s again when the preview shows", False)
            return
        if self.previewed is None or self.plan is None or self.report is None or not self.report.changed:
            self._feedback("Preview first (Enter)", True)
            return
        if self.store.generation != self.generation:
            self.action_preview()  # a plan made from older data could undo what was saved
            self._feedback("Your data changed since the preview: previewing again...", False)
            return
        count = len(self.report.added) + len(self.report.updated)
        self._feedback(f"Importing {count:,} contacts...", False)
        self.query_one("#import-do-confirm", Button).disabled = True
        self.call_after_refresh(self._hand_over)  # the line above shows before the write

    def _hand_over(self) -> None:
        """Dismiss with the previewed plan (not awaited: this runs in our own queue)."""
        if self.plan is not None and self.report is not None:
            self.dismiss(PreparedImport(self.plan, self.report, self.generation))

    @on(Button.Pressed, "#import-do-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
