"""The Contact screen: what it shows, and its keys (log, note, thread, edit, delete)."""

from __future__ import annotations

import arrow
from support import SIZE

from crm_tui.domain.models import Contact, Thread, Touch
from crm_tui.store.repository import Store
from crm_tui.ui.dialogs.confirm import ConfirmDialog
from crm_tui.ui.screens.contact import ContactScreen, _monthly
from crm_tui.ui.screens.contacts import ContactsScreen


def _one(paths, now: arrow.Arrow) -> str:
    with Store.open(paths.data, today=now) as store:
        c = store.add_contact(Contact(name="Dana Kim", company="Larkspur Analytics",
                                      emails=["dana@example.com"], tier="active",
                                      created_at=now.shift(days=-300).isoformat()))
        store.log_touch(Touch(contact_id=c.id, at=now.shift(days=-50).isoformat(),
                              direction="out", note="Sent the deck"))
        store.log_touch(Touch(contact_id=c.id, at=now.shift(days=-20).isoformat(),
                              direction="in", channel="call", note="Called back"))
        store.add_thread(Thread(contact_id=c.id, kind="interview",
                                at=now.shift(days=-6).isoformat(), role="Data Engineer",
                                decision_by=now.shift(days=-1).format("YYYY-MM-DD")))
        return c.id


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def _open(app, pilot, contact_id: str) -> None:
    app.open_contact(contact_id)
    await pilot.pause()
    assert isinstance(app.screen, ContactScreen)


async def test_shows_fields_threads_timeline(make_app, empty_paths, now) -> None:
    cid = _one(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, cid)
        assert "dana@example.com" in _text(app, "#fields")
        assert "interview" in _text(app, "#threads") and "Data Engineer" in _text(app, "#threads")
        timeline = app.screen.query_one("#timeline").plain()
        # newest first, with direction and channel
        assert timeline.index("Called back") < timeline.index("Sent the deck")
        assert "<- in" in timeline and "call" in timeline


def test_monthly_counts_last_twelve_months(now) -> None:
    touches = [
        Touch(contact_id="c1", at=now.shift(hours=-2).isoformat(), direction="out"),
        Touch(contact_id="c1", at=now.shift(hours=-3).isoformat(), direction="in"),
        Touch(contact_id="c1", at=now.shift(months=-2).isoformat(), direction="out"),
        Touch(contact_id="c1", at=now.shift(months=-13).isoformat(), direction="out"),
    ]
    outs, ins, labels = _monthly(touches, now)
    assert len(outs) == len(ins) == 12
    assert labels[-1] == "Mar 2026" and labels[0] == "Apr 2025"
    assert outs[-1] == 1 and ins[-1] == 1 and outs[-3] == 1 and sum(outs) == 2


async def test_log_touch_reaches_the_store(make_app, empty_paths, now) -> None:
    cid = _one(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, cid)
        await pilot.press("l")
        await pilot.pause()
        app.screen.query_one("#note").text = "Lunch at the usual place"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ContactScreen)
        touches = app.store.touches(contact_ids=[cid])
        assert touches[-1].note == "Lunch at the usual place"
        assert touches[-1].direction == "out"
        assert "Lunch at the usual place" in app.screen.query_one("#timeline").plain()


async def test_log_a_reply_goes_through_actions(make_app, empty_paths, now) -> None:
    cid = _one(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, cid)
        await pilot.press("l")
        await pilot.pause()
        app.screen.query_one("#direction").value = "in"
        app.screen.query_one("#outcome").value = "asked"
        await pilot.press("ctrl+s")
        await pilot.pause()
        last = app.store.touches(contact_ids=[cid])[-1]
        assert (last.direction, last.outcome) == ("in", "asked")
        # the only open thread gets the reply
        assert last.thread_id == app.store.threads(contact_id=cid)[0].id


async def test_add_note_and_open_thread(make_app, empty_paths, now) -> None:
    cid = _one(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, cid)
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#note").text = "Likes climbing"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.store.contact(cid).notes == "2026-03-02: Likes climbing"
        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one("#kind").value = "invoice"
        app.screen.query_one("#label").value = "March workshop"
        app.screen.query_one("#amount").value = "1200 EUR"
        await pilot.press("ctrl+s")
        await pilot.pause()
        invoices = [t for t in app.store.threads(contact_id=cid) if t.kind == "invoice"]
        assert len(invoices) == 1 and invoices[0].label == "March workshop"
        assert "invoice" in _text(app, "#threads")


async def test_delete_asks_first(make_app, empty_paths, now) -> None:
    cid = _one(empty_paths, now)
    app = make_app(empty_paths)
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, cid)
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # no: nothing happens
        await pilot.pause()
        assert app.store.contact(cid) is not None
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.store.contact(cid) is None
        assert app.store.touches(contact_ids=[cid]) == []
        assert isinstance(app.screen, ContactsScreen)
        assert app.screen.query_one("#empty").display  # the last contact is gone
