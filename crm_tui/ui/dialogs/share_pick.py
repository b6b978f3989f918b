"""Pick a contact for an article: best matches first (with why), then everyone by name.

Used to share an article and to dismiss one for a contact. Typing filters the list; the
whole address book is never rendered at once (at most SHOWN rows), so 10k contacts stay quick.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.domain.models import Contact
from crm_tui.ui.dialogs.base import CrmDialog
from crm_tui.ui.format import inert

SHOWN = 200


def _label(contact: Contact, why: Sequence[str] | None) -> Content:
    """A contact; for a ranked match (``why`` not None), what makes the article suit them."""
    name = inert(contact.name)
    detail = inert(" · ".join(x for x in (contact.role, contact.company) if x))
    parts: list[str | tuple[str, str]] = [(name, "bold")]
    if detail:
        parts += ["  ", (detail, "dim")]
    if why is not None:
        parts += ["\n  ", ("match: " + inert(", ".join(why)) if why else "match", "$success")]
    return Content.assemble(*parts)


class SharePickDialog(CrmDialog[str | None]):
    """Returns the chosen contact id, or None when cancelled."""


    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="share_pick.cancel"),
        Binding("down", "focus_list", "To the list", show=False, id="share_pick.down"),
    ]

    def __init__(
        self,
        title: str,
        article_title: str,
        ranked: Sequence[tuple[Contact, Sequence[str]]],  # best first, with why (Ranker.reasons)
        everyone: Sequence[Contact],
        matches_only: bool = False,
    ) -> None:
        super().__init__()
        self.heading = title
        self.article_title = inert(article_title)
        self.ranked = list(ranked)
        ranked_ids = {c.id for c, _ in self.ranked}
        self.others = (
            []
            if matches_only
            else sorted(
                (c for c in everyone if c.id not in ranked_ids), key=lambda c: c.name.casefold()
            )
        )

    def compose(self) -> ComposeResult:
        with Vertical(id="share-pick-box", classes="dialog-box"):
            yield Static(
                Content.from_markup("[b]$heading[/b]\n$article", heading=self.heading,
                                    article=self.article_title),
                classes="dialog-title",
            )
            yield Input(placeholder="Type to filter by name, company or interest",
                        id="share-pick-filter")
            yield OptionList(id="share-pick-list")
            yield Static("", id="share-pick-hint", markup=False)

    def on_mount(self) -> None:
        self._fill("")
        if self.ranked:
            self.query_one(OptionList).focus()

    def _fill(self, query: str) -> None:
        needle = query.strip().casefold()

        def hit(c: Contact) -> bool:
            hay = " ".join([c.name, c.company, c.role, *c.interests, *c.tags]).casefold()
            return not needle or needle in hay

        options: list[Option | None] = []
        ranked = [(c, s) for c, s in self.ranked if hit(c)]
        options += [Option(_label(c, s), id=c.id) for c, s in ranked]
        others = [c for c in self.others if hit(c)]
        if ranked and others:
            options.append(None)
        options += [Option(_label(c, None), id=c.id) for c in others[:SHOWN]]
        option_list = self.query_one(OptionList)
        option_list.clear_options()
        option_list.add_options(options)
        if option_list.option_count:
            option_list.highlighted = 0
        hint = self.query_one("#share-pick-hint", Static)
        if not option_list.option_count:
            hint.update("Nobody matches; esc to cancel")
        elif len(others) > SHOWN:
            hint.update(f"{len(others) - SHOWN} more: type to narrow down")
        else:
            hint.update("enter to choose · esc to cancel")

    @on(Input.Changed, "#share-pick-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#share-pick-filter")
    def _submit_filter(self) -> None:
        option_list = self.query_one(OptionList)
        if option_list.highlighted is not None:
            option = option_list.get_option_at_index(option_list.highlighted)
            self.dismiss(option.id)

    @on(OptionList.OptionSelected, "#share-pick-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_focus_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
