"""Articles: recent articles across feeds, newest first, with the contacts they suit best.

Keys act on the highlighted article: read it, share it with someone (a picker ranked by
match, then the composer), open its link (http/https only), or dismiss it for a contact.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import arrow
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Header, Static

from crm_tui.domain.models import Article, Contact, Dismissal
from crm_tui.feeds.links import safe_to_open
from crm_tui.ui.article_matches import Matches, depends_on
from crm_tui.ui.kept_matches import RECENT, TOP, published_of

__all__ = ["RECENT", "TOP", "ArticlesScreen", "published_of"]
from crm_tui.ui.context import Change, writes
from crm_tui.ui.dialogs.article_detail import OPEN, SHARE, ArticleDetailDialog
from crm_tui.ui.dialogs.share_pick import SharePickDialog
from crm_tui.ui.format import inert, one_line
from crm_tui.ui.screens.base import CrmScreen, cursor_key, restore_cursor
from crm_tui.ui.widgets.article_table import ArticleTable
from crm_tui.ui.widgets.columns import Col
from crm_tui.ui.widgets.footer import KeyFooter

# The list shows this many of the newest articles (retention keeps the store bounded too).
PICKER_TOP = 15  # ranked contacts offered first in the share picker
# Narrow terminals: the matches narrow, then go (the detail pane lists them); the title
# takes the room left.
COLUMNS = (
    ("When", Col("published", 10, 10)),
    ("Title", Col("title", 30, 24, flex=True, shrink=1)),
    ("Best matches", Col("matches", 18, 12, drop=0)),
)


def _cell(value: str, style: str = "") -> Text:
    return Text(one_line(value), style=style, no_wrap=True, overflow="ellipsis")


def _names(best: list[tuple[Contact, float]]) -> str:
    """The best matches' first names; two of the same first name ("Jon, Zane, Jon") are
    told apart by the next word's initial ("Jon Z., Zane, Jon P."), else in full."""
    names = [c.first_name or c.name for c, _ in best]
    for _ in range(2):
        seen = [name for name in names if names.count(name) > 1]
        if not seen:
            break
        names = [_longer(c, name) if name in seen else name for (c, _), name in zip(best, names, strict=True)]
    return ", ".join(names) or "-"


def _longer(contact: Contact, shown: str) -> str:
    """The next form of a contact's name after ``shown``: "Jon" -> "Jon Z." -> "Jon Zeller"."""
    words = contact.name.split()
    if shown == contact.first_name and len(words) > 1:
        return f"{words[0]} {words[1][0]}."
    return contact.name


def short_date(moment: str, now: arrow.Arrow) -> str:
    """'today', 'yesterday', else 'Fri 20 Feb': fits a narrow column and reads at a glance."""
    if not moment:
        return ""
    try:  # what the store writes (ISO): 50x cheaper than arrow, 300 rows at a time
        parsed = datetime.fromisoformat(moment)
        day = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(now.tzinfo)
    except ValueError:
        day = arrow.get(moment).to(now.tzinfo).datetime
    days = (now.date() - day.date()).days
    return {0: "today", 1: "yesterday"}.get(days) or f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp

FINDING = "…"  # the matches column while they are worked out


class ArticlesScreen(CrmScreen):
    """Recent articles with their best-matching contacts."""

    TITLE = "Articles"
    BINDINGS = [
        Binding("enter", "read", "Read", id="articles.read"),
        Binding("s", "share", "Share", id="articles.share", tooltip="Share with a contact"),
        Binding("o", "open_link", "Open link", id="articles.open"),
        Binding("x", "dismiss_for", "Not for…", id="articles.dismiss",
                tooltip="Dismiss for a contact: never suggested to them again"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.articles: dict[str, Article] = {}
        self.matches: dict[str, list[tuple[Contact, float]]] = {}
        self._rank: Any = None
        self._kept_reasons: dict[tuple[str, str], list[str]] | None = None
        self._why: dict[str, list[tuple[Contact, list[str]]]] = {}
        self.filling = False  # the best matches are being worked out in a thread
        self._token = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="articles-body"):
            yield ArticleTable(cursor_type="row", zebra_stripes=True, id="articles-list")
            with VerticalScroll(id="articles-detail"):
                yield Static("", id="articles-summary", markup=False)
                yield Static("", id="articles-matches", markup=False)
        yield Static(
            "No articles yet. Add feeds on the Feeds screen and refresh them.",
            id="articles-empty",
            markup=False,
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#articles-list", ArticleTable)
        for label, spec in COLUMNS:
            table.add_column(label, key=spec.key, width=spec.ideal)
        table.fit_columns([spec for _, spec in COLUMNS])
        self.reload()

    def wants(self, change: Change) -> bool:
        # Articles, and who suits them: a touch logged with someone (Today's done) changes
        # neither; a share or a "not for" does, and so does a change of unknown extent or
        # a contact's new interests (the app's matches saw it first: they are not fresh).
        matches = cast("CrmApp", self.app).article_matches
        return depends_on(change) or (bool(self.matches) and matches.fresh() is None)

    # -------------------------------------------------------------------- data
    def _ranker(self) -> Any:
        from crm_tui.feeds.rank import ranker  # numpy and bm25s: not for the kept matches

        return ranker(self.store, self.now)

    def reload(self) -> None:
        """The newest articles at once; their best matches as soon as they are worked out
        (in a thread at 10,000 contacts: see crm_tui/ui/article_matches.py)."""
        table = self.query_one("#articles-list", DataTable)
        current = self.current_id()
        self._token += 1
        token = self._token
        matches = cast("CrmApp", self.app).article_matches
        found = matches.fresh()
        recent = found.recent if found is not None else sorted(
            self.store.articles(), key=published_of, reverse=True)[:RECENT]
        self._why = {}
        self.articles = {a.id: a for a in recent}
        self.matches = {}
        old_row = table.cursor_row
        table.clear()
        for a in recent:
            table.add_row(
                _cell(short_date(published_of(a), self.now), "dim"),
                _cell(a.title, "bold"),
                _cell(_names(found.best.get(a.id, [])) if found is not None else FINDING),
                key=a.id,
            )
        empty = not recent
        self.query_one("#articles-body").display = not empty
        self.query_one("#articles-empty").display = empty
        if not empty:
            restore_cursor(table, list(self.articles), current, old_row)
        self.filling = not empty
        if not empty and not matches.request(lambda m: self._show_matches(m, token)):
            self.show_detail()  # "finding them…" until they come

    def _show_matches(self, found: Matches, token: int) -> None:
        if token != self._token or not self.is_attached:
            return
        self.filling = False
        self._rank = found.rank
        self._kept_reasons = found.reasons if found.rank is None else None
        self.matches = found.best
        self._why = {}
        if [a.id for a in found.recent] != list(self.articles):  # the articles changed
            self.reload()
            return
        table = self.query_one("#articles-list", DataTable)
        for a in found.recent:
            cell = _names(found.best.get(a.id, []))
            if str(table.get_cell(a.id, "matches")) != cell:
                table.update_cell(a.id, "matches", _cell(cell))
        self.show_detail()

    def current_id(self) -> str | None:
        return cursor_key(self.query_one("#articles-list", DataTable))

    def current(self) -> Article | None:
        article_id = self.current_id()
        return self.articles.get(article_id) if article_id else None

    def feed_title(self, article: Article) -> str:
        feed = self.store.feed(article.feed_id)
        return (feed.title or feed.url) if feed else ""

    # ------------------------------------------------------------------ detail
    @on(DataTable.RowHighlighted, "#articles-list")
    def _highlighted(self) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        article = self.current()
        summary = self.query_one("#articles-summary", Static)
        matches = self.query_one("#articles-matches", Static)
        if article is None:
            summary.update("")
            matches.update("")
            return
        lines = inert(article.summary).splitlines()
        text = "\n".join(lines[:12]) + ("\n…" if len(lines) > 12 else "")
        summary.update(
            Content.assemble(
                (inert(article.title), "bold"),
                "\n",
                (" · ".join(inert(x) for x in (self.feed_title(article), article.author) if x), "dim"),
                "\n\n",
                text or "(no summary)",
            )
        )
        found = self.why(article.id)
        parts: list[Any] = [("Best matches", "bold")]
        if self.filling:
            parts.append("\nfinding them…")
        elif not found:
            parts.append("\nnobody yet")
        for contact, reasons in found:
            parts += ["\n", (inert(contact.name), "bold")]
            if reasons:
                parts += ["  ", (inert(", ".join(reasons)), "dim")]
        matches.update(Content.assemble(*parts))

    def why(self, article_id: str) -> list[tuple[Contact, list[str]]]:
        """An article's best matches, each with why it suits them (their interests, tags,
        company...), not a raw score: worked out when the article is first shown."""
        found = self._why.get(article_id)
        if found is None:
            if self.filling:
                return []  # not worked out yet (nothing kept: asked again once they are)
            article = self.articles.get(article_id)
            matches = self.matches.get(article_id, [])
            kept = self._kept_reasons
            found = [(c, kept[(article_id, c.id)] if kept is not None else self._rank.reasons(article, c))
                     for c, _ in matches] if article else []
            self._why[article_id] = found
        return found

    # ----------------------------------------------------------------- actions
    def _selected(self) -> Article | None:
        article = self.current()
        if article is None:
            self.notify("No article selected", severity="warning")
        return article

    @on(DataTable.RowSelected, "#articles-list")
    def _row_selected(self) -> None:
        self.action_read()

    def action_read(self) -> None:
        article = self._selected()
        if article is None:
            return
        published = published_of(article)
        when = arrow.get(published).to(self.now.tzinfo).format("YYYY-MM-DD") if published else ""

        def next_step(choice: str | None) -> None:
            if choice == SHARE:
                self.call_later(self.run_action, "share")  # through the app's write guard
            elif choice == OPEN:
                self.action_open_link()

        self.app.push_screen(
            ArticleDetailDialog(
                article, self.feed_title(article), when, self.why(article.id)
            ),
            next_step,
        )

    def action_open_link(self) -> None:
        article = self._selected()
        if article is None:
            return
        if not safe_to_open(article.link):
            self.notify(
                "This article has no web link to open (only http and https are opened)",
                severity="warning",
            )
            return
        self.app.open_url(article.link)
        self.notify(f"Opening {one_line(article.link)}", markup=False)

    @writes
    def action_share(self) -> None:
        self._pick_contact("Share with…", self._open_composer)

    def _pick_contact(self, title: str, then: Callable[[Contact, Article], None]) -> None:
        """Ask which contact (ranked by match for the selected article), then call ``then``."""
        article = self._selected()
        if article is None:
            return
        contacts = self.store.contacts()
        rank = self._ranker()
        ranked = [(c, rank.reasons(article, c)) for c, _ in rank.for_article(article, contacts, k=PICKER_TOP)]

        def picked(contact_id: str | None) -> None:
            contact = self.store.contact(contact_id) if contact_id else None
            if contact is not None:
                then(contact, article)

        self.app.push_screen(SharePickDialog(title, article.title, ranked, contacts), picked)

    def _open_composer(self, contact: Contact, article: Article) -> None:
        # Marking it sent logs the touch with the article (actions.done records the Share).
        self.compose_message(contact, article=article,
                             sent_text=f"Shared with {inert(contact.name)}: logged as a touch")

    @writes
    def action_dismiss_for(self) -> None:
        self._pick_contact("Not for…", self._dismiss)

    def _dismiss(self, contact: Contact, article: Article) -> None:
        dismissal = Dismissal(article_id=article.id, contact_id=contact.id, at=self.now.isoformat())
        self.ctx.write(
            lambda: self.store.add_dismissal(dismissal),
            f"Not suggested to {one_line(contact.name)} again",
            Change.of("dismissals", contacts={contact.id}),
        )

