"""Pilot tests of the message composer: from Today, from a contact, sharing an article."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import arrow
import pytest
from textual.app import App
from textual.widgets import Button, DataTable, Input, Static, TextArea

from crm_tui import config
from crm_tui.domain.models import Article, Contact, Feed, Suggestion, Thread, Touch
from crm_tui.paths import Paths
from crm_tui.services import actions
from crm_tui.store.repository import Store
from crm_tui.ui.dialogs.compose import ComposeDialog, SentMessage

SIZE = (120, 40)


def seed(paths: Paths, now: arrow.Arrow) -> dict[str, str]:
    """Dana: interviewed today (thank-you due). Ravi: no email, keep-in-touch overdue."""
    paths.config.mkdir(parents=True, exist_ok=True)
    settings = config.Settings()
    settings.me.name = "Sam Rivera"
    settings.me.signature = "Sam Rivera\nsam@example.com"
    config.save(settings, paths.config_file)
    with Store.open(paths.data, today=now) as store:
        dana = store.add_contact(Contact(name="Dana Whitfield", emails=["dana@tidemark.example"],
                                         company="Tidemark Bank", tier="active"))
        ravi = store.add_contact(Contact(name="Ravi Menon", company="Solvane Energy", tier="close",
                                         linkedin="https://linkedin.example/ravi",
                                         last_in="2026-02-01T10:00:00+00:00", touch_count=1))
        thread = store.add_thread(Thread(contact_id=dana.id, kind="interview",
                                         at="2026-03-02T10:00:00+00:00", role="Data Engineer"))
        feed = store.add_feed(Feed(url="/tmp/none.xml", title="Blog"))
        article = store.add_article(Article(feed_id=feed.id, title="Grid batteries & you",
                                            link="https://blog.example/grid?x=1&y=2"))
    return {"dana": dana.id, "ravi": ravi.id, "thread": thread.id, "article": article.id}


@pytest.fixture
def data(empty_paths: Paths, now: arrow.Arrow) -> dict[str, str]:
    return seed(empty_paths, now)


def files(paths: Paths) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(Path(paths.data).glob("*.json"))}


async def open_from_today(pilot: Any, contact_id: str, step: str) -> ComposeDialog:
    await pilot.press("2")
    await pilot.pause()
    screen = pilot.app.screen
    table = screen.query_one("#today-list", DataTable)
    for _ in range(table.row_count):
        s = screen.current()
        if s and s.contact_id == contact_id and s.step == step:
            break
        await pilot.press("down")
    else:
        raise AssertionError(f"{contact_id} {step} not in today's list")
    await pilot.press("enter")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, ComposeDialog)
    return dialog


def body(dialog: ComposeDialog) -> str:
    return dialog.query_one("#compose-body", TextArea).text


def label(dialog: ComposeDialog, widget_id: str) -> str:
    return str(dialog.query_one(widget_id, Static).render())


async def type_at_end(pilot: Any, dialog: ComposeDialog, text: str) -> None:
    area = dialog.query_one("#compose-body", TextArea)
    area.focus()
    area.move_cursor(area.document.end)
    await pilot.press(*["space" if ch == " " else ch for ch in text])
    await pilot.pause()


async def test_today_composer_cycle_edit_copy_and_mark_sent(make_app, empty_paths, data) -> None:
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_from_today(pilot, data["dana"], "thank-you")
        first = body(dialog)
        assert first.startswith(("Hi Dana,", "Hello Dana,"))
        assert "Sam Rivera" in first
        assert dialog.query_one("#compose-subject", Input).value.startswith(("Thank you", "Great"))
        assert label(dialog, "#compose-variant").startswith("variant 1 of ")

        await pilot.press("ctrl+n")
        await pilot.pause()
        assert body(dialog) != first and label(dialog, "#compose-variant").startswith("variant 2 of ")

        await type_at_end(pilot, dialog, " PS see you soon")
        assert body(dialog).endswith("PS see you soon")

        await pilot.press("ctrl+c")
        await pilot.pause()
        # The body only (issue 17): no "Subject:" line pasted into a chat.
        assert not app.clipboard.startswith("Subject: ")
        assert app.clipboard == body(dialog) and app.clipboard.endswith("PS see you soon")
        subject = dialog.edited().subject
        assert subject
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.clipboard == subject
        assert app.store.touches(contact_ids={data["dana"]}) == []  # copying logs nothing

        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ComposeDialog)
        (touch,) = app.store.touches(contact_ids={data["dana"]})
        assert (touch.step, touch.thread_id, touch.direction, touch.channel) == (
            "thank-you", data["thread"], "out", "email")
        assert "PS see you soon" in touch.note  # the edited text, not the template
        assert (data["dana"], "thank-you") not in {
            (s.contact_id, s.step) for s in app.screen.suggestions.values()}


async def test_cycling_variants_and_channels_keeps_what_was_typed(make_app, empty_paths, data) -> None:
    from crm_tui.ui.dialogs.compose import CHANNELS

    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_from_today(pilot, data["dana"], "thank-you")
        variants = dialog.draft.variants
        assert variants >= 2
        await type_at_end(pilot, dialog, " PS one")
        typed = body(dialog)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert "PS one" not in body(dialog)  # the next template, untouched
        for _ in range(variants - 1):  # round the variants, back to the first
            await pilot.press("ctrl+n")
            await pilot.pause()
        assert label(dialog, "#compose-variant").startswith("variant 1 of ")
        assert body(dialog) == typed
        for _ in range(len(CHANNELS)):  # round the channels, back to email
            await pilot.press("ctrl+l")
            await pilot.pause()
            if dialog.channel != "email":
                assert "PS one" not in body(dialog)
        assert dialog.channel == "email" and body(dialog) == typed
        await pilot.press("ctrl+s")
        await pilot.pause()
        (touch,) = app.store.touches(contact_ids={data["dana"]})
        assert "PS one" in touch.note


async def test_undo_redo_and_copying_a_selection_in_the_text(make_app, empty_paths, data) -> None:
    from textual.widgets.text_area import Selection

    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_from_today(pilot, data["dana"], "thank-you")
        await type_at_end(pilot, dialog, "xyz")
        typed = body(dialog)
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert not body(dialog).endswith("xyz")
        await pilot.press("ctrl+y")  # the text area's redo, not a copy
        await pilot.pause()
        assert body(dialog) == typed and app.clipboard == ""
        area = dialog.query_one("#compose-body", TextArea)
        area.selection = Selection((0, 0), (0, 3))
        await pilot.press("ctrl+c")  # with a selection: just that
        await pilot.pause()
        assert app.clipboard == typed[:3]
        area.selection = Selection.cursor(area.document.end)
        await pilot.press("ctrl+c")  # nothing selected: the whole body
        await pilot.pause()
        assert not app.clipboard.startswith("Subject: ") and app.clipboard.endswith("xyz")


async def test_cancel_logs_nothing(make_app, empty_paths, data) -> None:
    before = files(empty_paths)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_from_today(pilot, data["dana"], "thank-you")
        await type_at_end(pilot, dialog, "edited")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ComposeDialog)
        assert app.store.touches() == []
        assert app.store.shares() == []
    assert files(empty_paths) == before


async def test_channel_change_drops_the_subject_and_logs_that_channel(make_app, empty_paths, data) -> None:
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_from_today(pilot, data["dana"], "thank-you")
        email_body = body(dialog)
        await pilot.press("ctrl+l")  # email -> call (next in CHANNELS)
        await pilot.pause()
        await pilot.press("ctrl+l")  # call -> linkedin
        await pilot.pause()
        assert dialog.channel == "linkedin"
        assert not dialog.query_one("#compose-subject", Input).display
        assert body(dialog) != email_body and "\n\nBest" not in body(dialog)
        await pilot.press("ctrl+s")
        await pilot.pause()
        (touch,) = app.store.touches(contact_ids={data["dana"]})
        assert touch.channel == "linkedin" and not touch.note.startswith("Subject:")


class Host(App[None]):
    """A bare app that only shows the composer (for the dialog on its own)."""

    def __init__(self, dialog_args: dict[str, Any], paths: Paths | None = None) -> None:
        super().__init__()
        self.dialog_args = dialog_args
        if paths is not None:
            self.dialog_args["templates_file"] = paths.templates_file
        self.results: list[Touch | None] = []
        self.opened: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(ComposeDialog(**self.dialog_args), self.log_sent)

    def log_sent(self, sent: SentMessage | None) -> None:
        """What the screens do with the composer's result (CrmScreen.compose_message)."""
        store = self.dialog_args["store"]
        self.results.append(None if sent is None else actions.mark_sent(
            store, sent.suggestion, sent.recipient_id, self.dialog_args["now"], sent.channel,
            sent.note, sent.article_id))

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        self.opened.append(url)


@pytest.fixture
def opened_store(empty_paths: Paths, now: arrow.Arrow, data: dict[str, str]):
    with Store.open(empty_paths.data, today=now) as store:
        yield store


def args(store: Store, now: arrow.Arrow, contact_id: str, **extra: Any) -> dict[str, Any]:
    settings = config.Settings()
    settings.me.name = "Sam Rivera"
    return {"store": store, "settings": settings, "now": now, "contact": store.contact(contact_id),
            **extra}


async def test_open_in_mail_client_uses_the_edited_text(opened_store, now, data, monkeypatch) -> None:
    app = Host(args(opened_store, now, data["dana"]))
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: app.opened.append(url) or True)
    async with app.run_test(size=SIZE) as pilot:
        dialog = app.screen
        assert dialog.query_one("#compose-mail", Button).display
        dialog.query_one("#compose-subject", Input).value = "Re: chat & next steps?"
        dialog.query_one("#compose-body", TextArea).load_text("Hi Dana,\nZoë says thanks")
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        (url,) = app.opened
        assert url == ("mailto:dana@tidemark.example?subject=Re%3A%20chat%20%26%20next%20steps%3F"
                       "&body=Hi%20Dana%2C%0D%0AZo%C3%AB%20says%20thanks")
        assert app.results == [] and opened_store.touches() == []
        assert "Opened in your mail client" in str(list(app._notifications)[-1].message)


async def test_says_so_when_nothing_can_open_the_mail(opened_store, now, data, monkeypatch) -> None:
    app = Host(args(opened_store, now, data["dana"]))
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: False)  # no browser, no mailer
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        last = str(list(app._notifications)[-1].message)
        assert "Nothing here could open a mail client" in last and "Opened" not in last


async def test_escape_asks_before_throwing_away_a_typed_message(opened_store, now, data) -> None:
    from crm_tui.ui.dialogs.confirm import ConfirmDialog

    app = Host(args(opened_store, now, data["dana"]))
    async with app.run_test(size=SIZE) as pilot:
        dialog = app.screen
        await pilot.press("escape")  # untouched draft: closes at once
        await pilot.pause()
        assert app.results == [None]
        app.push_screen(ComposeDialog(**app.dialog_args), app.results.append)
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#compose-body", TextArea).load_text("Hi Dana, my own words")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is dialog and body(dialog) == "Hi Dana, my own words"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.results == [None, None]


async def test_no_email_means_no_mail_action(opened_store, now, data) -> None:
    app = Host(args(opened_store, now, data["ravi"]))
    async with app.run_test(size=SIZE) as pilot:
        dialog = app.screen
        assert dialog.channel == "linkedin"  # Ravi has a LinkedIn profile, no email
        assert not dialog.query_one("#compose-mail", Button).display
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.opened == []


async def test_share_article_logs_touch_and_share(opened_store, now, data) -> None:
    article = opened_store.article(data["article"])
    app = Host(args(opened_store, now, data["ravi"], article=article))
    async with app.run_test(size=SIZE) as pilot:
        dialog = app.screen
        assert "Grid batteries & you" in body(dialog)
        assert "https://blog.example/grid?x=1&y=2" in body(dialog)
        await pilot.press("ctrl+s")
        await pilot.pause()
    (touch,) = app.results
    assert touch is not None and touch.article_id == data["article"]
    (share,) = opened_store.shares(contact_id=data["ravi"])
    assert share.article_id == data["article"] and share.touch_id == touch.id


async def test_warnings_on_top_and_word_count_flag(opened_store, now, data) -> None:
    s = Suggestion(contact_id=data["dana"], contact="Dana Whitfield", step="follow-up-2",
                   status="due", due="2026-03-02", reason="", kind="interview",
                   thread_id=data["thread"], warnings=["2 follow-ups unanswered: consider waiting"],
                   recipient_id=data["dana"])
    app = Host(args(opened_store, now, data["dana"], suggestion=s))
    async with app.run_test(size=SIZE) as pilot:
        dialog = app.screen
        assert "2 follow-ups unanswered" in label(dialog, "#compose-warnings")
        words = dialog.query_one("#compose-words", Static)
        assert not words.has_class("over-limit")
        dialog.query_one("#compose-body", TextArea).load_text("word " * 121)
        await pilot.pause()
        assert words.has_class("over-limit") and "121 words" in str(words.render())
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")  # discard the typed text (issue 13: escape asks first)
        await pilot.pause()
    assert app.results == [None] and opened_store.touches() == []


async def test_broken_templates_file_is_reported_not_fatal(opened_store, now, data, empty_paths) -> None:
    empty_paths.templates_file.write_text("[[thank-you]]\nbody = \n", encoding="utf-8")
    app = Host(args(opened_store, now, data["dana"]), paths=empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        dialog = app.screen
        await pilot.pause()
        problems = label(dialog, "#compose-problems")
        assert "templates.toml" in problems and "line 2" in problems
        assert body(dialog).startswith(("Hi Dana", "Hello Dana"))


async def test_hostile_name_is_shown_as_written(opened_store, now) -> None:
    contact = opened_store.add_contact(Contact(name="[bold]Eve[/] $x"))
    app = Host(args(opened_store, now, contact.id))
    async with app.run_test(size=SIZE):
        title = label(app.screen, "#compose-title")
        assert "[bold]Eve[/] $x" in title


async def test_without_a_name_the_composer_asks_for_it_once(opened_store, now, data, empty_paths) -> None:
    from crm_tui import config as config_module

    dialog_args = args(opened_store, now, data["dana"])
    dialog_args["settings"].me.name = ""
    app = Host(dialog_args, paths=empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        dialog = app.screen
        ask = dialog.query_one("#compose-me", Input)
        assert ask.display
        assert body(dialog).rstrip().endswith("regards,")  # the bare sign-off it fixes
        ask.focus()
        await pilot.press(*"Sam Rivera", "enter")
        await pilot.pause()
        assert not ask.display
        assert body(dialog).rstrip().endswith("Sam Rivera")
    assert config_module.load(empty_paths.config_file).me.name == "Sam Rivera"


async def test_with_a_name_nothing_is_asked(opened_store, now, data) -> None:
    app = Host(args(opened_store, now, data["dana"]))
    async with app.run_test(size=SIZE):
        assert not app.screen.query_one("#compose-me", Input).display
