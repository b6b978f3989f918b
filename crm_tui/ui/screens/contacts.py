"""The Contacts screen (home): every contact, sorted by neglect, filtered as you type."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Size
from textual.widgets import Header, Input, Static

from crm_tui.domain.models import Suggestion
from crm_tui.ui.context import Change, writes
from crm_tui.ui.messages import ContactSelected
from crm_tui.ui.screens.base import CrmScreen
from crm_tui.ui.widgets.banner import ReadOnlyBanner
from crm_tui.ui.widgets.contact_rows import (
    SORTS,
    ContactRow,
    build_rows,
    match,
    next_steps,
    next_steps_for,
    sort_order,
)
from crm_tui.ui.widgets.contact_table import BIRTHDAY_COLUMNS, COLUMNS, ContactTable
from crm_tui.ui.widgets.empty_state import EmptyState
from crm_tui.ui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp
    from crm_tui.ui.first_screen import FirstScreen


class ContactsScreen(CrmScreen):
    """Home: a table of contacts; `/` filters, `t` picks a tag, n/d/c/l/b sort."""

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="contacts.filter"),
        Binding("t", "pick_tag", "Tag", id="contacts.tag"),
        Binding("l", "sort('last')", "Sort: last", show=False, id="contacts.sort_last"),
        Binding("n", "sort('name')", "Sort: name", show=False, id="contacts.sort_name"),
        Binding("d", "sort('due')", "Sort: due", show=False, id="contacts.sort_due"),
        Binding("c", "sort('company')", "Sort: company", show=False, id="contacts.sort_company"),
        Binding("b", "sort('birthday')", "Sort: birthday", show=False, id="contacts.sort_birthday"),
        Binding("a", "add_contact", "Add", id="contacts.add"),
        Binding("i", "import_contacts", "Import", id="contacts.import"),
        Binding("s", "sort_menu", "Sort", id="contacts.sort"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="contacts.clear"),
    ]

    AUTO_FOCUS = "#contacts-table"

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ContactRow] = []
        self.sort_by = "last"
        self.sort_reverse = False
        self.query_text = ""
        self.tag: str | None = None
        self._sorted: list[int] = []
        self._last_match: tuple[str, list[int]] = ("", [])
        self.steps_ready = False  # next steps computed (see load)
        self.last_filter_ms = 0.0  # the last filter keystroke's cost, for the bench

    def compose(self) -> ComposeResult:
        # The filter box and the first-run help are mounted when first needed: every
        # widget composed here is paid for before the first paint.
        yield ReadOnlyBanner()
        yield Header()
        yield Static("", id="contacts-status", markup=False)
        yield ContactTable(id="contacts-table")
        yield KeyFooter()

    def _filter_box(self) -> Input:
        """The filter input, mounted above the status line on first use."""
        found = self.query("#filter")
        if found:
            return found.first(Input)
        box = Input(placeholder="filter: name, company, tag, email", id="filter", compact=True)
        self.mount(box, before="#contacts-status")
        return box

    def _show_empty_state(self, show: bool) -> None:
        found = self.query(EmptyState)
        if found:
            found.first().display = show
        elif show:
            self.mount(EmptyState(id="empty"), after="#contacts-table")

    def on_mount(self) -> None:
        self.sub_title = "Contacts"
        if self.ctx.opened:
            self.load()
            return
        kept = cast("CrmApp", self.app).first_screen
        if kept is not None:
            self.show_kept(kept)
        else:  # a cold start's child is still working the rows out (ui/cold_start.py)
            self.query_one("#contacts-status", Static).update(Content("Opening your contacts…"))

    def show_kept(self, kept: FirstScreen) -> None:
        """The rows kept by the last run, or just worked out by a cold start's child (the
        store opens just after the first frame)."""
        table = self.query_one(ContactTable)
        table.show(cast("list[ContactRow]", kept.rows), list(range(len(kept.rows))))
        table.virtual_size = Size(0, kept.total + 1)  # the scrollbar as it will be
        self._update_status(kept.total, kept.total)

    def store_opened(self) -> None:
        """The store is open (after a first frame painted from the kept rows): the real
        rows replace them before any key is handled; every next step follows."""
        self.load()
        self.call_after_refresh(self._fill_steps)

    # ------------------------------------------------------------------ data
    def load(self) -> None:
        """(Re)build every row from the store; keep the cursor on the same contact.

        On the first load only the first screenful of rows gets its next steps before the
        first paint (the whole cadence engine is the slowest part of start-up at 10,000
        contacts); the others fill in right after it. Later reloads compute them at once.
        """
        contacts = self.store.contacts()
        table = self.query_one(ContactTable)
        keep = table.highlighted_id
        steps = self._next_steps() if self.steps_ready else {}
        self.rows = build_rows(contacts, steps, self.now)
        if self.steps_ready:  # a reload: the filter's text now, not on the next keystroke
            self._warm_filter()
        self._show_empty_state(not self.rows)
        table.display = bool(self.rows)
        self._resort()
        if not self.steps_ready:
            self._fill_first_screen()
        self._apply(keep)
        if not self.rows:
            self.steps_ready = True  # nothing to compute
        if self.steps_ready:
            self._keep_first_screen()

    @on(ContactTable.Painted)
    def _first_paint(self) -> None:
        # The first frame is on its way: give the terminal a moment to show it (a shorter
        # delay was measured to lose the race under tmux), then run the engine.
        self.set_timer(0.25, self._fill_steps)

    def _fill_first_screen(self) -> None:
        """Next steps for the rows the first frame shows, so it is complete: a screenful
        of contacts costs the engine a millisecond or two; everyone else follows after."""
        shown = [self.rows[i] for i in self._sorted[: max(1, self.app.size.height)]]
        steps = next_steps_for(self.store, self.settings, self.now, {row.id for row in shown})
        for row in shown:
            row.set_suggestion(steps.get(row.id))

    def _next_steps(self) -> dict[str, Suggestion]:
        return next_steps(self.store, self.settings, self.now)

    def _fill_steps(self) -> None:
        if self.steps_ready or not self.ctx.opened:
            return
        steps = self._next_steps()
        for row in self.rows:
            row.set_suggestion(steps.get(row.id))
        self.steps_ready = True
        self._keep_first_screen()
        if self.sort_by == "due":
            self._resort()
            self._apply(self.query_one(ContactTable).highlighted_id)
        self.query_one(ContactTable).refresh()
        self.call_after_refresh(self._warm)

    def _keep_first_screen(self) -> None:
        """Keep the first rows of the default order for the next start (ui/first_screen.py)."""
        from crm_tui.ui import first_screen

        default = self.sort_by == "last" and not self.sort_reverse
        order = self._sorted if default else sort_order(self.rows, "last", False)
        top = [self.rows[i] for i in order[: first_screen.ROWS]]
        now = top[0].now if top else self.now  # what the rows were computed for
        first_screen.keep(self.ctx.env.paths, self.store, self.settings, now, top, len(self.rows))

    def _warm(self) -> None:
        """The screen is complete: warm the filter, then what other screens will need."""
        from crm_tui.ui import warmup

        self._warm_filter()
        warmup.after_first_screen(cast("CrmApp", self.app))

    def _warm_filter(self) -> None:
        for row in self.rows:
            row.haystack  # noqa: B018 (computed and kept: the first keystroke filters at once)

    def _resort(self) -> None:
        self._sorted = sort_order(self.rows, self.sort_by, self.sort_reverse)
        table = self.query_one(ContactTable)
        table.columns = BIRTHDAY_COLUMNS if self.sort_by == "birthday" else COLUMNS
        self._forget_match()

    def _forget_match(self) -> None:
        self._last_match = ("", [])

    def _apply(self, keep: str | None = None) -> None:
        start = time.perf_counter()
        table = self.query_one(ContactTable)
        # While typing forward, search only the rows that matched the shorter query.
        previous, previous_exact = self._last_match
        within = previous_exact if previous and self.query_text.startswith(previous) else None
        exact, fuzzy = match(self.rows, self._sorted, self.query_text, self.tag, within)
        self._last_match = (self.query_text, exact)
        order = exact + fuzzy
        table.show(self.rows, order, keep=keep)
        self.last_filter_ms = (time.perf_counter() - start) * 1000
        self._update_status(len(order))

    def _update_status(self, shown: int, total: int | None = None) -> None:
        total = len(self.rows) if total is None else total
        if not total:
            self.query_one("#contacts-status", Static).update(Content("No contacts yet"))
            return
        noun = "contact" if total == 1 else "contacts"
        parts = [f"{shown} of {total} {noun}" if shown != total else f"{total} {noun}"]
        direction = " (reversed)" if self.sort_reverse else ""
        parts.append(f"sorted by {SORTS[self.sort_by]}{direction}")
        if self.tag:
            parts.append(f"tag: {self.tag}")
        if self.query_text:
            parts.append(f"filter: {self.query_text}")
        self.query_one("#contacts-status", Static).update(Content("  ·  ".join(parts)))

    def wants(self, change: Change) -> bool:
        return change.touches_table("contacts", "touches", "threads")

    def data_changed(self, change: Change) -> None:
        self.load()

    # ------------------------------------------------------------------ filter
    def action_filter(self) -> None:
        box = self._filter_box()
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        # The cursor goes to the best match, as in fzf or lazygit: "/name Enter Enter" opens
        # the first row shown, not a contact that was highlighted before and still matches
        # somewhere down the list. (Escape keeps the one you found, see action_clear_filter.)
        if event.value == self.query_text:  # cleared by Escape (action_clear_filter) already
            return
        self.query_text = event.value
        self._apply()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(ContactTable).focus()

    def action_clear_filter(self) -> None:
        boxes = self.query("#filter").results(Input)
        box = next(boxes, None)
        if not (self.query_text or self.tag or (box is not None and box.has_focus)):
            return
        keep = self.query_one(ContactTable).highlighted_id
        self.query_text = ""
        self.tag = None
        self._forget_match()
        if box is not None:
            box.value = ""
            box.display = False
        self.query_one(ContactTable).focus()
        self._apply(keep)

    def key_down(self) -> None:
        """Down from the filter box moves into the table."""
        if any(box.has_focus for box in self.query("#filter")):
            self.query_one(ContactTable).focus()

    def action_pick_tag(self) -> None:
        from crm_tui.ui.dialogs.tag_picker import TagPicker

        def chosen(tag: str | None) -> None:
            if tag is None:
                return
            self.tag = tag or None
            self._forget_match()
            self._apply(self.query_one(ContactTable).highlighted_id)

        self.app.push_screen(TagPicker(self.store.contacts(), self.tag), chosen)

    # ------------------------------------------------------------------ sort
    def action_sort_menu(self) -> None:
        """`s` cycles through the orders (l, n, d, c jump straight to one)."""
        names = list(SORTS)
        following = names[(names.index(self.sort_by) + 1) % len(names)]
        self.action_sort(following)

    def action_sort(self, by: str) -> None:
        if by == "due":
            self._fill_steps()
        if by == self.sort_by:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_by, self.sort_reverse = by, False
        keep = self.query_one(ContactTable).highlighted_id
        self._resort()
        self._apply(keep)

    # ------------------------------------------------------------------ actions
    @on(ContactSelected)
    def _open(self, event: ContactSelected) -> None:
        event.stop()
        cast("CrmApp", self.app).open_contact(event.contact_id)

    @writes
    async def action_add_contact(self) -> None:
        await self.app.run_action("add_contact")

    @writes
    async def action_import_contacts(self) -> None:
        await self.app.run_action("import_contacts")
