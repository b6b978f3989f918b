"""Feeds: the subscriptions, when each was last fetched, how it went; refresh (all or one),
add, import, rename, remove. The highlighted feed's whole error shows under the list.

Refreshing runs in an async worker (one at a time: exclusive, group "feeds"); the feeds
service reports each feed's progress and the row's status cell follows it live.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Header, Static

from crm_tui.domain.models import Feed
from crm_tui.feeds import newsboat, opml
from crm_tui.feeds.links import is_web
from crm_tui.services import feeds as service
from crm_tui.store.storage import StoreError
from crm_tui.ui.context import Change, writes
from crm_tui.ui.dialogs.confirm import ConfirmDialog
from crm_tui.ui.dialogs.feed_add import feed_add_dialog
from crm_tui.ui.dialogs.feed_rename import FeedRenameDialog
from crm_tui.ui.dialogs.opml_import import opml_import_dialog
from crm_tui.ui.follow import subscribe
from crm_tui.ui.format import ago, inert, one_line
from crm_tui.ui.screens.base import CrmScreen, cursor_key, restore_cursor
from crm_tui.ui.widgets.columns import Col
from crm_tui.ui.widgets.footer import KeyFooter
from crm_tui.ui.widgets.row_table import RowTable

# Status -> (label, style) for the status cell; live states come from the service's progress.
STATES: dict[str, tuple[str, str]] = {
    "fetching": ("fetching…", "italic $accent"),
    "updated": ("updated", "green"),
    "not-modified": ("not modified", "dim"),
    "failed": ("failed", "bold red"),
    "disabled": ("disabled", "dim"),
    "": ("never fetched", "dim"),
}


def _cell(value: str, style: str = "") -> Text:
    return Text(one_line(value), style=style, no_wrap=True, overflow="ellipsis")


def status_cell(state: str, detail: str = "") -> Text:
    label, style = STATES.get(state, (state, ""))
    if style.startswith("italic $"):  # rich styles know no theme variables
        style = "italic cyan"
    return _cell(f"{label} {detail}".strip(), style)


def location_label(url: str) -> str:
    """A web feed's URL without the scheme; a local file by its name (the folder is noise)."""
    if is_web(url):
        return url.split("://", 1)[1]
    return f"file {Path(url).name}"


# Narrow terminals: the error goes first (shown whole under the list), then the location.
COLUMNS = (
    ("Feed", Col("title", 26, 16, shrink=2)),
    ("Location", Col("url", 30, 16, shrink=1, drop=1)),
    ("Last fetch", Col("fetched", 12, 12)),
    ("Status", Col("status", 16, 13, shrink=0)),
    ("Articles", Col("count", 8, 8)),
    ("Error", Col("error", 20, 12, flex=True, drop=0)),
)


class FeedsScreen(CrmScreen):
    """The feed subscriptions."""

    TITLE = "Feeds"
    BINDINGS = [
        Binding("r", "refresh_feeds", "Refresh all", id="feeds.refresh"),
        Binding("f", "refresh_feed", "Fetch one", id="feeds.refresh_one",
                tooltip="Refresh the selected feed now"),
        Binding("e", "rename_feed", "Rename", id="feeds.rename"),
        Binding("a", "add_feed", "Add", id="feeds.add"),
        Binding("i", "import_opml", "Import OPML", id="feeds.import_opml"),
        Binding("delete", "remove_feed", "Remove", id="feeds.remove"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.refreshing = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield RowTable(cursor_type="row", zebra_stripes=True, id="feeds-list")
        yield Static("", id="feeds-detail", markup=False)
        yield Static("", id="feeds-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#feeds-list", RowTable)
        for label, spec in COLUMNS:
            table.add_column(label, key=spec.key, width=spec.ideal)
        table.fit_columns([spec for _, spec in COLUMNS])
        self.reload()

    def wants(self, change: Change) -> bool:
        # Mid-refresh the live states would be overwritten; the refresh reloads at its end.
        return change.touches_table("feeds", "articles") and not self.refreshing

    # -------------------------------------------------------------------- data
    def reload(self) -> None:
        table = self.query_one("#feeds-list", DataTable)
        current = self.current_id()
        feeds = self.store.feeds()
        counts: dict[str, int] = {}
        for article in self.store.articles():
            counts[article.feed_id] = counts.get(article.feed_id, 0) + 1
        old_row = table.cursor_row
        table.clear()
        for feed in feeds:
            table.add_row(*self._row(feed, counts.get(feed.id, 0)), key=feed.id)
        if feeds:
            restore_cursor(table, [f.id for f in feeds], current, old_row)
        self.show_detail()
        failing = sum(1 for f in feeds if f.last_status == "failed")
        status = self.query_one("#feeds-status", Static)
        if not feeds:
            status.update("No feeds yet: a adds one (URL or file), i imports an OPML file.")
        else:
            status.update(
                f"{len(feeds)} feeds, {sum(counts.values())} articles"
                + (f", {failing} failing" if failing else "")
                + ". r refreshes all."
            )

    def _row(self, feed: Feed, count: int) -> list[Text]:
        state = feed.last_status if feed.enabled else "disabled"
        return [
            _cell(feed.title or "(untitled)", "bold"),
            _cell(location_label(feed.url), "dim"),
            _cell(ago(feed.last_fetched, self.now)),
            status_cell(state),
            Text(str(count), justify="right"),
            _cell(feed.last_error or feed.warning or "", "red" if feed.last_error else "yellow"),
        ]

    def current_id(self) -> str | None:
        return cursor_key(self.query_one("#feeds-list", DataTable))

    @on(DataTable.RowHighlighted, "#feeds-list")
    def show_detail(self) -> None:
        """The highlighted feed's whole error (or warning) and location, wrapped."""
        feed_id = self.current_id()
        feed = self.store.feed(feed_id) if feed_id else None
        detail = self.query_one("#feeds-detail", Static)
        problem = (feed.last_error or feed.warning) if feed else None
        detail.display = bool(problem)
        if feed is not None and problem:
            what = "Error" if feed.last_error else "Warning"
            detail.update(Content.assemble((f"{what}: ", "bold"), inert(problem), "\n",
                                           (inert(feed.url), "dim")))

    # ----------------------------------------------------------------- refresh
    @writes
    def action_refresh_feeds(self) -> None:
        if self.refreshing:
            self.notify("Already refreshing", severity="warning")
            return
        if not self.store.feeds():
            self.notify("No feeds to refresh: press a to add one", severity="warning")
            return
        self.refresh_all()

    @writes
    def action_refresh_feed(self) -> None:
        feed = self._selected()
        if feed is None:
            return
        if self.refreshing:
            self.notify("Already refreshing", severity="warning")
            return
        self.refresh_all([feed.id])

    def _selected(self) -> Feed | None:
        feed_id = self.current_id()
        feed = self.store.feed(feed_id) if feed_id else None
        if feed is None:
            self.notify("No feed selected", severity="warning")
        return feed

    def show_progress(self, feed_id: str, state: str, detail: str) -> None:
        table = self.query_one("#feeds-list", DataTable)
        if feed_id in table.rows:
            table.update_cell(feed_id, "status", status_cell(state))
            if state == "failed":
                table.update_cell(feed_id, "error", _cell(detail, "red"))

    @work(exclusive=True, group="feeds")
    async def refresh_all(self, feed_ids: list[str] | None = None) -> None:
        """Every feed, or ``feed_ids`` only."""
        def progress(event: service.ProgressEvent) -> None:
            # The service reports from the event loop (parsing happens elsewhere, reporting
            # does not), so the table can be updated directly.
            self.show_progress(event.feed_id, event.state, event.detail)

        self.refreshing = True
        self.query_one("#feeds-status", Static).update("Refreshing…")
        try:
            summary = await service.refresh(self.store, self.settings, self.now, progress=progress,
                                            feed_ids=feed_ids)
        except StoreError as exc:
            self.notify(str(exc), title="Refresh not saved", severity="error", markup=False)
            self.reload()
            return
        except Exception as exc:
            self.notify(f"{type(exc).__name__}: {exc}", title="Refresh failed",
                        severity="error", markup=False)
            self.reload()
            return
        finally:
            self.refreshing = False
        self.notify(summary.line(), title="Feeds refreshed", markup=False)
        self.reload()
        self.ctx.publish(Change.of("feeds", "articles"))

    # ------------------------------------------------------------ add / remove
    @writes
    def action_add_feed(self) -> None:
        known = {f.url for f in self.store.feeds()}

        def added(location: str | None) -> None:
            if location:
                self.run_worker(subscribe(self, location), group="feed-add", exclusive=True)

        self.app.push_screen(feed_add_dialog(known), added)

    @writes
    def action_import_opml(self) -> None:
        def chosen(path: str | None) -> None:
            if not path:
                return
            if newsboat.looks_like_urls_file(Path(path)):
                self._import_newsboat(Path(path))
                return
            written = self.ctx.write(lambda: opml.import_opml(self.store, Path(path), self.now),
                                     changed=Change.of("feeds"), expected=(opml.OpmlError,), label="OPML import")
            result = written.value
            if result is not None:
                self.notify(
                    f"{len(result.added)} added, {len(result.skipped)} already subscribed, "
                    f"{len(result.rejected)} refused (not http/https). r fetches them.",
                    title="OPML imported",
                    markup=False,
                )

        self.app.push_screen(opml_import_dialog(), chosen)

    def _import_newsboat(self, path: Path) -> None:
        written = self.ctx.write(lambda: newsboat.import_newsboat(self.store, path, self.now),
                                 changed=Change.of("feeds"), expected=(newsboat.NewsboatError,))
        result = written.value
        if result is not None:
            self.notify(
                f"{len(result.added)} added, {len(result.skipped)} already subscribed, "
                f"{result.queries} query feeds skipped, {len(result.rejected)} refused. r fetches them.",
                title="newsboat urls imported",
                markup=False,
            )

    @writes
    def action_rename_feed(self) -> None:
        feed = self._selected()
        if feed is None:
            return

        def renamed(title: str | None) -> None:
            if title and title != feed.title:
                self.ctx.write(lambda: self.store.update_feed(replace(feed, title=title)),
                               f"Renamed to {title}", Change.of("feeds"),
                               label=f"renaming a feed to {title}")

        self.app.push_screen(FeedRenameDialog(feed), renamed)

    @writes
    def action_remove_feed(self) -> None:
        feed = self._selected()
        if feed is None:
            return
        name = one_line(feed.title or feed.url)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.ctx.write(lambda: self.store.delete_feed(feed.id), f"Removed {name}",
                               Change.of("feeds", "articles"))

        self.app.push_screen(
            ConfirmDialog(
                "Remove this feed?",
                f"{name}\nIts articles go too, except those shared with someone.",
                confirm="Remove",
            ),
            confirmed,
        )
