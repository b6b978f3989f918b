"""The Contact screen: fields, open threads, touches per month, timeline, notes, articles."""

from __future__ import annotations

import arrow
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Header, Label, Sparkline, Static

from crm_tui.config import Settings
from crm_tui.domain.cadence import next_meeting
from crm_tui.domain.models import Article, Contact, Suggestion, Thread, Touch
from crm_tui.services import actions
from crm_tui.services.actions import TouchEntry
from crm_tui.store.repository import Store
from crm_tui.ui import format as fmt
from crm_tui.ui.context import Change, writes
from crm_tui.ui.screens.base import CrmScreen
from crm_tui.ui.widgets.banner import ReadOnlyBanner
from crm_tui.ui.widgets.footer import KeyFooter
from crm_tui.ui.widgets.suggested import SuggestedArticles
from crm_tui.ui.widgets.timeline import Timeline

MONTHS = 12


class ContactScreen(CrmScreen):
    """One contact. Pushed on top of the current mode by ``app.open_contact``."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="contact.back"),
        Binding("e", "edit", "Edit", id="contact.edit"),
        Binding("l", "log_touch", "Log touch", id="contact.log",
                tooltip="Log a touch: a message, call or meeting, either way"),
        Binding("o", "open_thread", "Thread", id="contact.thread",
                tooltip="Open a thread: interview, application, invoice"),
        Binding("c", "close_thread", "Close thread", id="contact.close_thread",
                tooltip="Close a thread: got the offer, paid, moved on..."),
        Binding("t", "timeline", "Timeline", id="contact.timeline",
                tooltip="Move through the touches: Enter edits one, Delete removes it"),
        Binding("n", "add_note", "Note", id="contact.note"),
        Binding("m", "compose", "Compose", id="contact.compose"),
        Binding("s", "share", "Share", id="contact.share", tooltip="Share the top suggested article"),
        Binding("a", "articles", "Articles", id="contact.articles",
                tooltip="Move through the suggested articles: Enter or s shares one"),
        Binding("b", "follow_blog", "Blog", id="contact.blog",
                tooltip="Follow their blog or newsletter: paste its address"),
        Binding("D", "delete", "Delete", id="contact.delete"),
    ]

    def __init__(self, contact_id: str) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.articles: list[Article] = []
        self.suggestions: list[Suggestion] = []

    def compose(self) -> ComposeResult:
        yield ReadOnlyBanner()
        yield Header()
        with VerticalScroll(id="contact-body"):
            yield Static(id="fields")
            yield Label("Open threads", classes="section-title")
            yield Static(id="threads")
            yield Label("Touches per month, last 12 months", classes="section-title")
            with Horizontal(classes="spark-row"):
                yield Label("out", classes="spark-label")
                yield Sparkline([], id="spark-out")
            with Horizontal(classes="spark-row"):
                yield Label("in", classes="spark-label")
                yield Sparkline([], id="spark-in")
            yield Static(id="months", classes="months")
            yield Label("Timeline  (t, then Enter edits a touch, Delete removes it)",
                        classes="section-title")
            yield Timeline(id="timeline")
            yield Static(id="timeline-more", classes="dim")
            yield Label("Notes", classes="section-title")
            yield Static(id="notes")
            yield Label("Suggested articles  (a, then Enter or s shares one)", classes="section-title")
            yield SuggestedArticles(id="suggested")
            yield Static(Content("Nothing to suggest (add feeds on the Feeds screen, 4)."),
                         id="suggested-none", classes="muted")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()

    def wants(self, change: Change) -> bool:
        # Its threads name other people (interviewers, an introducer): a thread change is
        # always worth a look; otherwise only this contact's own changes.
        return change.touches_contact(self.contact_id) or change.touches_table("threads", "articles")

    def data_changed(self, change: Change) -> None:
        self.load()

    @property
    def contact(self) -> Contact | None:
        return self.store.contact(self.contact_id)

    # ------------------------------------------------------------------ drawing
    def load(self) -> None:
        contact = self.contact
        if contact is None:  # deleted meanwhile
            self.dismiss() if self.is_current else None
            return
        store, now = self.store, self.now
        self.sub_title = fmt.one_line(contact.name)
        self.suggestions = _for_contact(store, self.settings, now, contact.id)
        threads = store.threads(contact_id=contact.id, open_only=True)
        touches = store.touches(contact_ids=[contact.id])
        blogs = [f.title or f.url for f in store.feeds() if f.contact_id == contact.id]
        self.query_one("#fields", Static).update(_fields(contact, self.suggestions, now, blogs))
        self.query_one("#threads", Static).update(_threads(store, threads, self.suggestions, now))
        outs, ins, labels = _monthly(touches, now)
        self.query_one("#spark-out", Sparkline).data = outs
        self.query_one("#spark-in", Sparkline).data = ins
        axis = "".join(label[0].ljust(3) for label in labels)
        self.query_one("#months", Static).update(
            Content(f"{axis}  {labels[0]} to {labels[-1]}: {sum(outs)} out, {sum(ins)} in")
        )
        timeline = self.query_one("#timeline", Timeline)
        timeline.show(store, touches, now)
        timeline.display = bool(touches)
        more = self.query_one("#timeline-more", Static)
        more.update(Content(
            "No touches yet (l logs one)." if not touches
            else f"... {timeline.older} older touches not shown" if timeline.older else ""))
        more.display = not touches or bool(timeline.older)
        notes = fmt.inert(contact.notes) if contact.notes else "No notes yet (n adds one)."
        self.query_one("#notes", Static).update(Content(notes))
        self.articles = _suggested_articles(store, now, contact)
        self.query_one("#suggested", SuggestedArticles).show(self.articles)
        self.query_one("#suggested", SuggestedArticles).display = bool(self.articles)
        self.query_one("#suggested-none", Static).display = not self.articles

    # ------------------------------------------------------------------ actions
    def action_back(self) -> None:
        self.dismiss()

    @writes
    def action_edit(self) -> None:
        from crm_tui.ui.dialogs.contact_form import ContactForm

        contact = self.contact
        if contact is None:
            return

        def saved(edited: Contact | None) -> None:
            if edited is not None:
                self.ctx.write(lambda: self.store.update_contact(edited), f"Saved {edited.name}",
                               self._change("contacts"), label=f"edit of {fmt.one_line(edited.name)}")

        self.app.push_screen(ContactForm(contact, self.now), saved)

    @writes
    def action_log_touch(self) -> None:
        from crm_tui.ui.dialogs.log_touch import LogTouchDialog

        contact = self.contact
        if contact is None:
            return
        threads = self.store.threads(contact_id=contact.id, open_only=True)

        def logged(entry: TouchEntry | None) -> None:
            if entry is not None:
                self.ctx.write(lambda: actions.log_entry(self.store, entry), "Touch logged",
                               self._change("contacts", "touches", "threads"))

        self.app.push_screen(LogTouchDialog(contact, threads, self.suggestions, self.now), logged)

    @writes
    def action_open_thread(self) -> None:
        from crm_tui.ui.dialogs.thread_form import ThreadForm

        contact = self.contact
        if contact is None:
            return

        def opened(thread: Thread | None) -> None:
            if thread is not None:
                people = {contact.id, *thread.interviewers, *([thread.via] if thread.via else [])}
                self.ctx.write(lambda: self.store.add_thread(thread), f"Opened a {thread.kind} thread",
                               Change.of("threads", contacts=people),
                               label=f"opening {fmt.one_line(contact.name)}'s {thread.kind}")

        self.app.push_screen(ThreadForm(contact, self.now, self.store.find_contacts,
                                        self.settings.cadence.invoice_terms_days), opened)

    @writes
    def action_close_thread(self) -> None:
        from crm_tui.ui.dialogs.close_thread import CloseThreadForm

        contact = self.contact
        if contact is None:
            return
        threads = self.store.threads(contact_id=contact.id, open_only=True)
        if not threads:
            self.notify("No open thread to close.", severity="warning")
            return

        def chosen(answer: tuple[str, str] | None) -> None:
            if answer is not None:
                thread_id, reason = answer
                self.ctx.write(lambda: actions.close_thread(self.store, thread_id, self.now, reason),
                               f"Thread closed: {reason}", self._change("threads"))

        self.app.push_screen(CloseThreadForm(contact, threads), chosen)

    def action_timeline(self) -> None:
        timeline = self.query_one("#timeline", Timeline)
        if timeline.row_count:
            timeline.focus()
            timeline.scroll_visible()
        else:
            self.notify("No touches yet (l logs one).", severity="warning")

    @on(Timeline.EditTouch)
    def _edit_touch(self, event: Timeline.EditTouch) -> None:
        from crm_tui.services import touch_edits
        from crm_tui.ui.dialogs.touch_form import TouchForm

        contact = self.contact
        touch = self.store.touch(event.touch_id)
        if contact is None or touch is None or self.ctx.refuse_if_readonly():
            return
        threads = self.store.threads(contact_id=contact.id)

        def edited(edit: touch_edits.TouchEdit | None) -> None:
            if edit is not None:
                self.ctx.write(lambda: touch_edits.edit_touch(self.store, touch.id, edit, self.now),
                               "Touch saved", self._change("contacts", "touches", "shares"),
                               expected=(touch_edits.EditError,))

        self.app.push_screen(TouchForm(touch, contact, threads, self.now), edited)

    @on(Timeline.DeleteTouch)
    def _delete_touch(self, event: Timeline.DeleteTouch) -> None:
        from crm_tui.services import touch_edits
        from crm_tui.ui.dialogs.confirm import ConfirmDialog

        touch = self.store.touch(event.touch_id)
        if touch is None or self.ctx.refuse_if_readonly():
            return
        what = touch_edits.describe(self.store, touch)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.ctx.write(lambda: touch_edits.delete_touch(self.store, touch.id), f"Deleted {what}",
                               self._change("contacts", "touches"))

        self.app.push_screen(ConfirmDialog("Delete this touch?", f"{what[0].upper()}{what[1:]} (u undoes it).",
                                           confirm="Delete"), confirmed)

    @writes
    def action_add_note(self) -> None:
        from crm_tui.ui.dialogs.note import NoteDialog

        contact = self.contact
        if contact is None:
            return

        def added(text: str | None) -> None:
            if not text:
                return
            stamp = self.now.format("YYYY-MM-DD")
            entry = f"{stamp}: {text}"

            def save() -> Contact:
                contact.notes = f"{contact.notes}\n\n{entry}" if contact.notes else entry
                return self.store.update_contact(contact)

            self.ctx.write(save, "Note added", self._change("contacts"),
                           label=f"note on {fmt.one_line(contact.name)}")

        self.app.push_screen(NoteDialog(contact), added)

    @writes
    def action_compose(self, article: Article | None = None) -> None:
        contact = self.contact
        if contact is None:
            return
        suggestion = next((s for s in self.suggestions if s.status != "closed"), None)
        self.compose_message(contact, suggestion, article)

    @writes
    def action_share(self) -> None:
        if not self.articles:
            self.notify("No suggested article for this contact.", severity="warning")
            return
        self.action_compose(self.articles[0])

    def action_articles(self) -> None:
        """Focus the suggested articles: the cursor moves through them, Enter shares one."""
        listed = self.query_one("#suggested", SuggestedArticles)
        if listed.row_count:
            listed.focus()
            listed.scroll_visible()
        else:
            self.notify("No suggested article for this contact.", severity="warning")

    @on(SuggestedArticles.Share)
    def _share_article(self, event: SuggestedArticles.Share) -> None:
        article = next((a for a in self.articles if a.id == event.article_id), None)
        if article is not None and not self.ctx.refuse_if_readonly():
            self.action_compose(article)

    @writes
    def action_follow_blog(self) -> None:
        """Their blog or newsletter: paste its address; the feed is found and tied to them."""
        from crm_tui.ui.dialogs.feed_add import feed_add_dialog
        from crm_tui.ui.follow import subscribe

        contact = self.contact
        if contact is None:
            return
        known = {f.url for f in self.store.feeds()}
        contact_id = contact.id

        def pasted(location: str | None) -> None:
            if location:
                self.run_worker(subscribe(self, location, contact_id), group="feed-add", exclusive=True)

        self.app.push_screen(
            feed_add_dialog(known, f"Follow {fmt.one_line(contact.name)}'s blog or newsletter: its address"), pasted
        )

    @writes
    def action_delete(self) -> None:
        from crm_tui.ui.dialogs.confirm import ConfirmDialog

        contact = self.contact
        if contact is None:
            return
        count = contact.touch_count

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            if self.ctx.write(lambda: self.store.delete_contact(contact.id), "Contact deleted",
                              Change.everything(), label=f"deleting {fmt.one_line(contact.name)}"):
                self.dismiss()

        self.app.push_screen(
            ConfirmDialog(
                f"Delete {fmt.one_line(contact.name)}?",
                f"This removes the contact with its {count} touches, threads and shares "
                "(u undoes it).",
                confirm="Delete",
            ),
            confirmed,
        )


    def _change(self, *tables: str) -> Change:
        return Change.of(*tables, contacts={self.contact_id})


# ---------------------------------------------------------------------- pure helpers
class _Lines:
    """Builds a Content from (text, style) parts: text is never parsed as markup, and
    styles may use theme variables ($text-error...), so every theme colours it."""

    def __init__(self, text: str = "", style: str = "") -> None:
        self.parts: list[tuple[str, str]] = []
        if text:
            self.append(text, style)

    def append(self, text: str, style: str = "") -> None:
        self.parts.append((text, style))

    def content(self) -> Content:
        return Content.assemble(*self.parts).rstrip()


def _for_contact(store: Store, settings: Settings, now: arrow.Arrow, contact_id: str) -> list[Suggestion]:
    from crm_tui.services import engine

    return engine.for_contact(store, settings, now, contact_id)


def _fields(contact: Contact, suggestions: list[Suggestion], now: arrow.Arrow,
            blogs: list[str] | None = None) -> Content:
    text = _Lines()
    text.append(fmt.one_line(contact.name), style="bold")
    role = " / ".join(x for x in (fmt.one_line(contact.company), fmt.one_line(contact.role)) if x)
    if role:
        text.append(f"   {role}")
    text.append("\n")
    rows = [
        ("email", ", ".join(contact.emails)),
        ("phone", contact.phone),
        ("linkedin", contact.linkedin),
        ("tier", contact.tier + (f", every {contact.every} days" if contact.every else "")),
        ("tags", ", ".join(contact.tags)),
        ("interests", ", ".join(contact.interests)),
        ("birthday", _birthday(contact, now)),
        ("last touch", fmt.ago(contact.last_touch, now) + _touches(contact.touch_count)),
        ("blog", ", ".join(blogs or [])),  # their blog / newsletter: feeds with their contact_id
    ]
    if contact.snoozed_until:
        rows.append(("snoozed", f"until {contact.snoozed_until}"))
    meeting = next_meeting(contact, now.datetime)
    if meeting is not None:
        rows.append(("calendar",
                     "next meeting " + fmt.meeting(meeting[0].isoformat(), meeting[1], now)))
    for label, value in rows:
        if value:
            text.append(f"{label:>10}  ", style="dim")
            text.append(fmt.one_line(value))
            text.append("\n")
    keep = next((s for s in suggestions if s.kind == "keep-in-touch"), None)
    if keep is not None:
        text.append(f"{'next':>10}  ", style="dim")
        text.append(
            f"{fmt.step_label(keep.step)}, {fmt.step_when(keep.status, keep.overdue_days, keep.due, now)}"
            f" ({keep.status})",
            style=_status_style(keep.status),
        )
    return text.content()


def _birthday(contact: Contact, now: arrow.Arrow) -> str:
    """'1986-03-04, next Wed 4 Mar (in 2 d, turns 40)'."""
    upcoming = fmt.next_birthday(contact.birthday, now)
    return f"{contact.birthday}, next {upcoming}" if upcoming else contact.birthday


def _touches(count: int) -> str:
    return f" ({count} touch{'' if count == 1 else 'es'} in all)"


def _status_style(status: str) -> str:
    # Theme variables, like the Contacts table: every theme colours urgency its own way.
    return {"overdue": "bold $text-error", "due": "$text-warning", "waiting": "dim"}.get(status, "")


def _threads(store: Store, threads: list[Thread], suggestions: list[Suggestion], now: arrow.Arrow) -> Content:
    if not threads:
        return _Lines("No open threads (o opens one: interview, application, invoice).", "dim").content()
    text = _Lines()
    for thread in threads:
        started = arrow.get(thread.at).format("YYYY-MM-DD")
        what = thread.role or thread.label or thread.note
        text.append(f"{thread.kind:<12}", style="bold")
        text.append(fmt.one_line(what)[:40].ljust(42))
        text.append(f"since {started}  ")
        step = next((s for s in suggestions if s.thread_id == thread.id), None)
        if step is not None:
            text.append(
                f"next: {fmt.step_label(step.step)}, "
                f"{fmt.step_when(step.status, step.overdue_days, step.due, now)}",
                style=_status_style(step.status),
            )
        elif thread.decision_by:
            text.append(f"decision by {thread.decision_by}", style="dim")
        text.append("\n")
    return text.content()


def _monthly(touches: list[Touch], now: arrow.Arrow) -> tuple[list[int], list[int], list[str]]:
    """Touches out and in per calendar month, the last 12 months (oldest first)."""
    first = now.floor("month").shift(months=-(MONTHS - 1))
    months = [first.shift(months=i) for i in range(MONTHS)]
    index = {(m.year, m.month): i for i, m in enumerate(months)}
    outs, ins = [0] * MONTHS, [0] * MONTHS
    for t in touches:
        at = arrow.get(t.at).to(now.tzinfo)
        slot = index.get((at.year, at.month))
        if slot is not None:
            (ins if t.direction == "in" else outs)[slot] += 1
    return outs, ins, [m.format("MMM YYYY") for m in months]  # "Apr 2025" ... "Mar 2026"


def _suggested_articles(store: Store, now: arrow.Arrow, contact: Contact) -> list[Article]:
    from crm_tui.feeds.rank import ranker

    return [article for article, _ in ranker(store, now).for_contact(contact, k=5)]
