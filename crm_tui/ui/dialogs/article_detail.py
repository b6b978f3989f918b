"""One article: its cleaned summary, its link and who it suits. Read-only; keys say what next."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from crm_tui.domain.models import Article, Contact
from crm_tui.ui.dialogs.base import CrmDialog
from crm_tui.ui.format import inert
from crm_tui.ui.widgets.footer import KeyFooter

# What the dialog hands back: the next step the user picked from here.
SHARE = "share"
OPEN = "open"


class ArticleDetailDialog(CrmDialog[str | None]):
    """Returns SHARE or OPEN when the user asks for it from here, else None."""


    BINDINGS = [
        Binding("escape", "close", "Close", id="article_detail.close"),
        Binding("s", "pick('share')", "Share", id="article_detail.share"),
        Binding("o", "pick('open')", "Open link", id="article_detail.open"),
    ]

    def __init__(
        self,
        article: Article,
        feed_title: str,
        published: str,
        matches: Sequence[tuple[Contact, Sequence[str]]],  # best first, with why
    ) -> None:
        super().__init__()
        self.article = article
        self.feed_title = feed_title
        self.published = published
        self.matches = list(matches)

    def compose(self) -> ComposeResult:
        a = self.article
        meta = " · ".join(inert(x) for x in (self.feed_title, self.published, a.author) if x)
        with Vertical(id="article-detail-box", classes="dialog-box"):
            yield Static(Content(inert(a.title)), id="article-detail-title")
            yield Static(Content(meta), id="article-detail-meta")
            with VerticalScroll(id="article-detail-scroll"):
                yield Static(
                    Content(inert(a.summary) or "(no summary in the feed)"),
                    id="article-detail-summary",
                )
            yield Static(
                Content.assemble(("Link: ", "bold"), inert(a.link) or "(none)"),
                id="article-detail-link",
            )
            if a.tags:
                yield Static(
                    Content.assemble(("Tags: ", "bold"), inert(", ".join(a.tags))),
                    id="article-detail-tags",
                )
            yield Static(self._matches(), id="article-detail-matches")
        yield KeyFooter()

    def _matches(self) -> Content:
        if not self.matches:
            return Content.assemble(("Best matches: ", "bold"), "nobody yet")
        names = ", ".join(
            f"{inert(c.name)} ({inert(', '.join(why))})" if why else inert(c.name) for c, why in self.matches
        )
        return Content.assemble(("Best matches: ", "bold"), names)

    def action_pick(self, what: str) -> None:
        self.dismiss(what)

    def action_close(self) -> None:
        self.dismiss(None)
