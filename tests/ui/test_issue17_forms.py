"""Issue 17's form points: the thread form has what `crm-tui thread open` has, and the
log form shows the day it understood as you type."""

from __future__ import annotations

from typing import Any

from support import SIZE, SMALL
from textual.widgets import Static

from crm_tui.ui.dialogs.thread_form import ThreadForm


def _error(app: Any, name: str) -> str:
    widget = app.screen.query_one(f"#{name}-error", Static)
    return str(widget.render()) if widget.display else ""


async def _open_thread_form(app: Any, pilot: Any, contact_id: str) -> ThreadForm:
    app.open_contact(contact_id)
    await pilot.pause()
    await pilot.press("o")
    await pilot.pause()
    assert isinstance(app.screen, ThreadForm)
    return app.screen


async def test_an_interview_with_its_time_panel_and_decision_date(demo_app: Any) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        store = demo_app.store
        person, first, second = store.contacts()[:3]
        form = await _open_thread_form(demo_app, pilot, person.id)
        # Only the interview's fields show: no via, label, amount or terms.
        assert form.query_one("#interviewers").parent.display
        assert not form.query_one("#via").parent.display
        assert not form.query_one("#label").parent.display
        await pilot.click("#time")
        form.query_one("#time").value = ""
        await pilot.press(*"9:5")
        await pilot.pause()
        assert "10:00 or 14:30" in _error(demo_app, "time")
        await pilot.press("0")
        form.query_one("#at").value = "2026-02-26"
        form.query_one("#role").value = "Data lead"
        form.query_one("#decision_by").value = "2026-03-06"
        form.query_one("#interviewers").value = "Nobody Atall"
        await pilot.pause()
        assert "No contact is called" in _error(demo_app, "interviewers")
        form.query_one("#interviewers").value = f"{first.name}, {second.name.lower()}, {person.name}"
        await pilot.pause()
        assert _error(demo_app, "interviewers") == ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert demo_app.screen is not form
        (thread,) = [t for t in store.threads(contact_id=person.id) if t.role == "Data lead"]
        assert (thread.kind, thread.at[:16], thread.decision_by) == ("interview", "2026-02-26T09:50",
                                                                      "2026-03-06")
        assert thread.interviewers == [first.id, second.id]  # not the contact themself


async def test_an_application_via_a_connection(demo_app: Any) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        store = demo_app.store
        person, friend = store.contacts()[:2]
        form = await _open_thread_form(demo_app, pilot, person.id)
        form.query_one("#kind").value = "application"
        await pilot.pause()
        assert form.query_one("#via").parent.display
        assert not form.query_one("#interviewers").parent.display
        form.query_one("#via").value = person.name
        await pilot.pause()
        assert "other than the thread's contact" in _error(demo_app, "via")
        form.query_one("#via").value = friend.name
        form.query_one("#role").value = "Analyst"
        await pilot.press("ctrl+s")
        await pilot.pause()
        (thread,) = [t for t in store.threads(contact_id=person.id) if t.role == "Analyst"]
        assert (thread.kind, thread.via, thread.decision_by) == ("application", friend.id, None)


async def test_an_invoice_with_its_label_and_terms(demo_app: Any) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        store = demo_app.store
        person = store.contacts()[0]
        form = await _open_thread_form(demo_app, pilot, person.id)
        form.query_one("#kind").value = "invoice"
        await pilot.pause()
        assert form.query_one("#label").parent.display and not form.query_one("#role").parent.display
        assert form.query_one("#terms").value == "30"  # the config's default
        form.query_one("#label").value = "INV-2026-100"
        form.query_one("#amount").value = "1,200 EUR"
        form.query_one("#terms").value = "400"
        await pilot.pause()
        assert "0 to 365" in _error(demo_app, "terms")
        form.query_one("#terms").value = "14"
        form.query_one("#decision_by").value = "garbage"  # hidden: another kind's field
        await pilot.press("ctrl+s")
        await pilot.pause()
        (thread,) = [t for t in store.threads(contact_id=person.id) if t.label == "INV-2026-100"]
        assert (thread.kind, thread.amount, thread.terms, thread.decision_by, thread.role) == (
            "invoice", "1,200 EUR", 14, None, "")


async def test_the_log_form_reads_the_day_back_as_you_type(demo_app: Any) -> None:
    from crm_tui.ui.dialogs.log_touch import LogTouchDialog

    async with demo_app.run_test(size=SMALL) as pilot:
        contact = demo_app.store.contacts()[0]
        before = {t.id for t in demo_app.store.touches(contact_ids=[contact.id])}
        demo_app.open_contact(contact.id)
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        form = demo_app.screen
        assert isinstance(form, LogTouchDialog)

        def said() -> str:
            return str(form.query_one("#when-feedback", Static).render())

        assert said() == "Monday 2 March 2026, 18:00"  # the pinned clock
        await pilot.click("#when")
        form.query_one("#when").value = ""
        await pilot.press(*"fri")
        await pilot.pause()
        assert said() == "Friday 27 February 2026, 18:00"  # the last Friday
        await pilot.press("x")
        await pilot.pause()
        assert said() == "" and "A date like" in _error(demo_app, "when")
        form.query_one("#when").value = "yesterday"
        await pilot.pause()
        assert said() == "Sunday 1 March 2026, 18:00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert demo_app.screen is not form
        new = [t for t in demo_app.store.touches(contact_ids=[contact.id]) if t.id not in before]
        assert [t.at[:16] for t in new] == ["2026-03-01T18:00"]


async def test_the_contacts_suggested_articles_are_a_list_that_shares(demo_app: Any) -> None:
    """a moves into the suggested articles; j and Enter share the second one (the composer
    with that article); marking it sent logs the share."""
    from crm_tui.ui.dialogs.compose import ComposeDialog
    from crm_tui.ui.widgets.suggested import SuggestedArticles

    async with demo_app.run_test(size=SIZE) as pilot:
        contact = demo_app.store.contacts()[0]
        demo_app.open_contact(contact.id)
        await pilot.pause()
        screen = demo_app.screen
        listed = screen.query_one("#suggested", SuggestedArticles)
        assert listed.row_count == len(screen.articles) >= 2
        await pilot.press("a")
        await pilot.pause()
        assert demo_app.focused is listed
        await pilot.press("j", "enter")
        await pilot.pause()
        composer = demo_app.screen
        assert isinstance(composer, ComposeDialog)
        second = screen.articles[1]
        assert composer.article is not None and composer.article.id == second.id
        await pilot.press("escape")
        await pilot.pause()
        if demo_app.screen is not screen:  # asked before discarding the draft
            await pilot.press("y")
            await pilot.pause()
        assert demo_app.screen is screen and demo_app.focused is listed
        first = screen.articles[0].id
        await pilot.press("k", "s")  # s shares the highlighted one too
        await pilot.pause()
        composer = demo_app.screen
        assert isinstance(composer, ComposeDialog) and composer.article.id == first
        await pilot.press("ctrl+s")  # mark sent
        await pilot.pause()
        assert [s.article_id for s in demo_app.store.shares(contact.id)] == [first]
        assert first not in [a.id for a in screen.articles]  # shared: no longer suggested
