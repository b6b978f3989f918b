"""Today: who to ping, most urgent first, with the suggested message and an article to share.

The list comes from the engine; every key acts on the highlighted suggestion through
`crm_tui.services.actions` and then reloads, so what is shown is always what the store holds.
Previews (draft and best article) are computed for the highlighted row only: drafting
every row up front would make opening the screen cost grow with the list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import arrow
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Header, Static

from crm_tui.domain import birthdays, cadence
from crm_tui.domain.cadence import next_meeting
from crm_tui.domain.drafts import Draft
from crm_tui.domain.models import Article, Contact, Suggestion
from crm_tui.feeds.rank import built_ranker, ranker
from crm_tui.services import actions, engine
from crm_tui.services.drafting import draft_for
from crm_tui.ui import format as fmt
from crm_tui.ui.article_matches import ranker_in_thread
from crm_tui.ui.context import Change, writes
from crm_tui.ui.dialogs.reply import ReplyAnswer, ReplyDialog
from crm_tui.ui.dialogs.snooze import SnoozeDialog
from crm_tui.ui.format import STEP_WIDTH, inert, one_line, step_label, step_short
from crm_tui.ui.screens.base import CrmScreen, cursor_key, restore_cursor
from crm_tui.ui.widgets.columns import Col
from crm_tui.ui.widgets.footer import KeyFooter
from crm_tui.ui.widgets.today_table import TodayTable

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp

PREVIEW_LINES = 8
FIRST_ROWS = 60  # rows added before the first frame (a tall terminal's screenful)
CHUNK_ROWS = 1000  # then this many per step, between frames
# A birthday this close is worth a line in the detail of any step with the person.
BIRTHDAY_SOON_DAYS = 14
# Narrow terminals: the reason goes first (the detail pane says it in full), then names
# narrow; the step is never cut (short names, see format.step_short).
COLUMNS = (
    ("When", Col("when", 8, 8)),
    ("Contact", Col("contact", 16, 15, shrink=1)),
    ("Step", Col("step", STEP_WIDTH, STEP_WIDTH)),
    ("Reason", Col("reason", 21, 12, flex=True, drop=0)),
)


def _cell(value: str, style: str = "") -> Text:
    """A table cell that shows untrusted text as it is: no markup, no escape sequences."""
    return Text(one_line(value), style=style, no_wrap=True, overflow="ellipsis")


def _plain(value: str) -> Content:
    return Content(inert(value))


def row_key(s: Suggestion) -> str:
    return "|".join((s.contact_id, s.thread_id or "", s.step, s.recipient_id or ""))


def when_label(s: Suggestion) -> Text:
    if s.status == "overdue" and s.overdue_days:
        days = s.overdue_days  # compact so it fits the column; the detail pane has the exact days
        late = f"{days}d" if days < 100 else f"{days // 7}w" if days < 730 else f"{days // 365}y"
        return Text(f"{late} late", style="bold red")
    return Text("today", style="green")


def next_label(s: Suggestion, now: arrow.Arrow) -> str:
    """ "Nobody to ping today. Next: Dana on Thursday" (a date when it is further away)."""
    first = s.contact.split()[0] if s.contact.strip() else s.contact
    day = arrow.get(s.due, tzinfo=now.tzinfo)
    days = (day.date() - now.date()).days
    if days <= 1:
        when = "tomorrow" if days == 1 else "today"
        return f"Nobody to ping today. Next: {first} {when}"
    when = day.format("dddd") if days < 7 else day.format("dddd D MMMM")
    return f"Nobody to ping today. Next: {first} on {when}"


class TodayScreen(CrmScreen):
    """The engine's ranked list of who to ping today."""

    TITLE = "Today"
    BINDINGS = [
        Binding("enter", "compose", "Compose", id="today.compose"),
        Binding("d", "done", "Done", id="today.done", tooltip="Mark the step done (logs it)"),
        Binding("s", "snooze", "Snooze", id="today.snooze"),
        Binding("x", "skip", "Skip", id="today.skip", tooltip="Skip today (back tomorrow)"),
        Binding("m", "move_on", "Move on", id="today.move_on", tooltip="Close the thread"),
        Binding("a", "share_article", "Share", id="today.share_article",
                tooltip="Compose with the suggested article"),
        Binding("r", "reply", "Reply", id="today.reply", tooltip="Log that they replied"),
        Binding("c", "open_contact", "Open the contact", show=False, id="today.contact"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.suggestions: dict[str, Suggestion] = {}
        self._previews: dict[str, tuple[Draft | None, tuple[Article, list[str]] | None]] = {}
        self.filling = False  # rows past the first screenfuls are still being added
        self.ranking = False  # the article ranker is being built in a thread
        self._fill_token = 0

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="today-body"):
            yield TodayTable(cursor_type="row", zebra_stripes=True, id="today-list")
            with VerticalScroll(id="today-detail"):
                yield Static("", id="today-reason", markup=False)
                yield Static("", id="today-warnings", markup=False)
                yield Static("", id="today-message", markup=False)
                yield Static("", id="today-article", markup=False)
        yield Static("", id="today-more", markup=False)
        yield Static("", id="today-empty", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#today-list", TodayTable)
        for label, spec in COLUMNS:
            table.add_column(label, key=spec.key, width=spec.ideal)
        table.fit_columns([spec for _, spec in COLUMNS])
        self.reload()

    # -------------------------------------------------------------------- data
    def reload(self) -> None:
        """Reload the list from the engine, keeping the cursor on the same suggestion."""
        table = self.query_one("#today-list", DataTable)
        current = self.current_key()
        rows, held = engine.today_within_budget(self.store, self.settings, self.now)
        more = self.query_one("#today-more", Static)
        more.display = bool(held)
        more.update(f"… {cadence.held_back_line(held)}" if held else "")
        self.suggestions = {row_key(s): s for s in rows}
        self._previews.clear()
        old_row = table.cursor_row
        table.clear()
        keys = list(self.suggestions)
        # The first rows now (enough to show the cursor's), the others a chunk at a time
        # after the frame: a table of thousands of rows would hold the screen for seconds.
        at = keys.index(current) if current in self.suggestions else 0
        first = max(FIRST_ROWS, at + FIRST_ROWS)
        self._fill_token += 1
        self._add_rows(keys[:first])
        self.filling = len(keys) > first
        if self.filling:
            self.call_after_refresh(self._fill_more, self._fill_token, first)
        empty = not self.suggestions
        self.query_one("#today-body").display = not empty
        self.query_one("#today-empty").display = empty
        if empty:
            upcoming = engine.next_due(self.store, self.settings, self.now)
            self.query_one("#today-empty", Static).update(
                next_label(upcoming, self.now) if upcoming else "Nobody to ping today."
            )
            return
        restore_cursor(table, list(self.suggestions), current, old_row)
        self.show_detail()

    def _add_rows(self, keys: list[str]) -> None:
        table = self.query_one("#today-list", DataTable)
        for key in keys:
            s = self.suggestions[key]
            table.add_row(
                when_label(s), _cell(s.contact, "bold"), _cell(step_short(s.step)), _cell(s.reason), key=key
            )

    def _fill_more(self, token: int, start: int) -> None:
        """Add the next chunk of rows, unless the list was reloaded since."""
        if token != self._fill_token:
            return
        keys = list(self.suggestions)
        self._add_rows(keys[start:start + CHUNK_ROWS])
        if start + CHUNK_ROWS < len(keys):
            self.set_timer(0.001, lambda: self._fill_more(token, start + CHUNK_ROWS))
        else:
            self.filling = False

    def data_changed(self, change: Change) -> None:
        """A change to a few named contacts patches their rows; anything else reloads.

        The engine is run for those contacts only (``engine.today_for``): at 10,000
        contacts a full reload costs the whole engine and a table of thousands of rows,
        for an action that removed one.
        """
        if change.tables is not None and change.tables <= {"articles", "feeds", "dismissals"}:
            self._previews.clear()  # only the article previews may differ
            self.show_detail()
            return
        if change.contact_ids is None or not self.suggestions or self.filling:
            self.reload()
            return
        affected, fresh = engine.today_for(self.store, self.settings, self.now,
                                           set(change.contact_ids))
        if not self._patch(affected, fresh):
            self.reload()

    def _patch(self, affected: set[str], fresh: list[Suggestion]) -> bool:
        """Replace the rows of ``affected`` by ``fresh`` in place; False when the order of
        the list would change (new rows or new ranks: the caller reloads instead)."""
        new = {row_key(s): s for s in fresh}
        old = {key: s for key, s in self.suggestions.items() if s.contact_id in affected}
        if any(key not in old or old[key].rank != s.rank for key, s in new.items()):
            return False
        if self.settings.cadence.daily_keep_in_touch and any(
            s.step in cadence.BUDGETED for key, s in old.items() if key not in new
        ):
            return False  # a budgeted step gone: the next one waiting takes its place
        table = self.query_one("#today-list", DataTable)
        for key in old:
            self._previews.pop(key, None)
            if key not in new:
                del self.suggestions[key]
                table.remove_row(key)
        for key, s in new.items():
            self.suggestions[key] = s
            table.update_cell(key, "when", when_label(s))
            table.update_cell(key, "reason", _cell(s.reason))
        if not self.suggestions:
            self.reload()  # the empty state says who is next
            return True
        self.show_detail()
        return True

    def current_key(self) -> str | None:
        return cursor_key(self.query_one("#today-list", DataTable))

    def current(self) -> Suggestion | None:
        key = self.current_key()
        return self.suggestions.get(key) if key else None

    def contact_of(self, s: Suggestion) -> Contact | None:
        return self.store.contact(s.contact_id)

    def preview(self, s: Suggestion, wait: bool = False
                ) -> tuple[Draft | None, tuple[Article, list[str]] | None]:
        """(draft, best article with why it suits them) for one suggestion, computed once
        per reload. The article needs the ranker, which indexes every article (about half a
        second at 5,000): unless ``wait``, it is built in a thread the first time and the
        article is left out until then."""
        key = row_key(s)
        if key not in self._previews:
            contact = self.recipient_of(s)
            draft = None
            best = None
            if contact is not None:
                draft = draft_for(self.store, self.settings, self.now, contact, suggestion=s)
                rank = ranker(self.store, self.now) if wait else built_ranker(self.store, self.now)
                if rank is None:  # built in a thread; the preview is shown again then
                    self._build_ranker()
                    return draft, None
                found = rank.for_contact(contact, k=1)
                best = (found[0][0], rank.reasons(found[0][0], contact)) if found else None
            self._previews[key] = (draft, best)
        return self._previews[key]

    def _build_ranker(self) -> None:
        if self.ranking:
            return
        self.ranking = True
        store, now = self.store, self.now
        articles, feeds = store.articles(), store.feeds()

        def build() -> None:  # (waits for, and uses, one the work ahead is building)
            ranker_in_thread(store, now, articles, feeds)
            try:
                self.app.call_from_thread(self._ranker_ready)
            except RuntimeError:  # the app closed meanwhile
                pass

        self.run_worker(build, thread=True, group="today-ranker")

    def _ranker_ready(self) -> None:
        self.ranking = False
        self._previews.clear()
        self.show_detail()

    # ------------------------------------------------------------------ detail
    @on(DataTable.RowHighlighted, "#today-list")
    def _highlighted(self) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        s = self.current()
        reason = self.query_one("#today-reason", Static)
        warnings = self.query_one("#today-warnings", Static)
        message = self.query_one("#today-message", Static)
        article = self.query_one("#today-article", Static)
        if s is None:
            for widget in (reason, warnings, message, article):
                widget.update("")
            return
        late = s.overdue_days
        due = f"overdue by {late} day{'s' if late != 1 else ''}" if s.status == "overdue" else "due today"
        reason.update(
            Content.assemble(
                Content.from_markup("[b]$name[/b]  ·  $step  ·  ", name=inert(s.contact), step=step_label(s.step)),
                due,
                "\n",
                _plain(s.reason),
                *self._calendar_lines(s),
            )
        )
        warnings.update(
            Content("\n").join(
                Content.from_markup("[$warning]⚠ $text[/]", text=inert(w))
                for w in s.warnings
            )
            if s.warnings
            else ""
        )
        warnings.display = bool(s.warnings)
        draft, best = self.preview(s)
        if draft is None:
            message.update("")
        else:
            body = "\n".join(draft.body.splitlines()[:PREVIEW_LINES])
            parts: list[Any] = [("Suggested message", "bold"), f"  ({draft.channel})\n"]
            if draft.subject:
                parts += [("Subject: ", "italic"), inert(draft.subject), "\n"]
            parts.append(inert(body))
            if len(draft.body.splitlines()) > PREVIEW_LINES:
                parts.append("\n…")
            message.update(Content.assemble(*parts))
        if best is None:
            missing = "finding one…" if self.ranking else "none matches yet"
            article.update(Content.assemble(("Article to share", "bold"), "\n" + missing))
        else:
            item, why = best
            parts = [("Article to share", "bold"), "  (a)\n", inert(item.title)]
            if why:
                parts += ["\n", ("match: " + inert(", ".join(why)), "dim")]
            article.update(Content.assemble(*parts))

    def _calendar_lines(self, s: Suggestion) -> list[Any]:
        """The person's next meeting and a birthday soon, from the calendars and the card."""
        contact = self.recipient_of(s)
        if contact is None:
            return []
        lines: list[Any] = []
        meeting = next_meeting(contact, self.now.datetime)
        if meeting is not None:
            lines += ["\n", ("next meeting ", "dim"),
                      inert(fmt.meeting(meeting[0].isoformat(), meeting[1], self.now))]
        if contact.birthday and s.step != "birthday":
            day = birthdays.next_on(contact.birthday, self.now.date())
            if day is not None and (day - self.now.date()).days <= BIRTHDAY_SOON_DAYS:
                lines += ["\n", ("birthday ", "dim"), fmt.next_birthday(contact.birthday, self.now)]
        return lines

    # ----------------------------------------------------------------- actions
    def _act(self, s: Suggestion, change: Callable[[], Any], done: str) -> bool:
        """One write through the context, about the people of ``s``."""
        people = {s.contact_id, s.recipient_id or s.contact_id}
        return self.ctx.write(change, done, Change.of("contacts", "touches", "threads", contacts=people)).ok

    def _selected(self) -> Suggestion | None:
        s = self.current()
        if s is None:
            self.notify("Nobody selected", severity="warning")
        return s

    def recipient_of(self, s: Suggestion) -> Contact | None:
        """Who the message goes to: the interviewer for a thank-you, else the contact."""
        return self.store.contact(s.recipient_id or s.contact_id)

    def action_open_contact(self) -> None:
        """The highlighted step's contact: their page, timeline and threads."""
        s = self._selected()
        if s is not None:
            cast("CrmApp", self.app).open_contact(s.contact_id)

    @writes
    def action_compose(self) -> None:
        s = self._selected()
        if s is not None:
            self._open_composer(s)

    @on(DataTable.RowSelected, "#today-list")
    async def _row_selected(self) -> None:
        await self.run_action("compose")  # through the app's write guard, like the key

    def _open_composer(self, s: Suggestion, article: Article | None = None) -> None:
        contact = self.recipient_of(s)
        if contact is not None:
            self.compose_message(contact, suggestion=s, article=article)

    @writes
    def action_done(self) -> None:
        s = self._selected()
        if s is not None:
            self._act(
                s,
                lambda: actions.done(self.store, s, self.now),
                f"Done: {one_line(s.contact)}, {step_label(s.step)}",
            )

    @writes
    def action_snooze(self) -> None:
        s = self._selected()
        contact = self.contact_of(s) if s else None
        if s is None or contact is None:
            return

        def chosen(until: str | None) -> None:
            if until:
                self._act(
                    s,
                    lambda: actions.snooze(self.store, s.contact_id, until, self.now),
                    f"Snoozed {one_line(s.contact)} until {until}",
                )

        self.app.push_screen(SnoozeDialog(contact.name, contact.snooze_count, self.now), chosen)

    @writes
    def action_skip(self) -> None:
        s = self._selected()
        if s is not None:
            self._act(
                s,
                lambda: actions.skip_today(self.store, s.contact_id, self.now),
                f"Skipped {one_line(s.contact)} for today",
            )

    @writes
    def action_move_on(self) -> None:
        s = self._selected()
        if s is None:
            return
        if not s.thread_id:
            self.notify(
                "Move on closes an interview, application or invoice; "
                "this is keep-in-touch: snooze (s) or skip (x) instead",
                severity="warning",
            )
            return
        thread = self.store.thread(s.thread_id)
        # The thread's owner: the row may name someone else (the connection to ask).
        whose = one_line(actions.thread_words(self.store, thread)) if thread else f"{one_line(s.contact)}'s {s.kind}"
        self._act(
            s,
            lambda: actions.move_on(self.store, s.thread_id or "", self.now),
            f"Moved on: {whose} is closed",
        )

    @writes
    def action_share_article(self) -> None:
        s = self._selected()
        if s is None:
            return
        _draft, best = self.preview(s, wait=True)
        if best is None:
            self.notify("No article matches this contact yet", severity="warning")
            return
        self._open_composer(s, article=best[0])

    @writes
    def action_reply(self) -> None:
        s = self._selected()
        if s is None:
            return
        kind = s.kind if s.thread_id else None
        who = s.recipient_id or s.contact_id
        person = self.store.contact(who)
        name = person.name if person is not None else s.contact

        def answered(answer: ReplyAnswer | None) -> None:
            if answer is not None:
                self._act(
                    s,
                    lambda: actions.reply(
                        self.store, who, self.now, thread_id=s.thread_id,
                        outcome=answer.outcome, note=answer.note, channel=answer.channel,
                    ),
                    f"Reply from {one_line(name)} logged",
                )

        self.app.push_screen(ReplyDialog(name, kind, s.channel), answered)
