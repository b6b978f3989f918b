"""A small data set for the calendar and birthday UI tests: meetings come from a real
calendar sync (crm_tui.sources.calendar) of a file written here, at the pinned clock
(Mon 2 Mar 2026 18:00 UTC)."""

from __future__ import annotations

from pathlib import Path

import arrow

from crm_tui.config import Settings
from crm_tui.domain.models import Contact, Thread, Touch
from crm_tui.paths import Paths
from crm_tui.sources import calendar
from crm_tui.store.repository import Store
from tests.sources.ics import event, write


def seed(paths: Paths, now: arrow.Arrow, folder: Path) -> dict[str, str]:
    ids: dict[str, str] = {}
    with Store.open(paths.data, today=now) as store:
        with store.batch():
            ada = store.add_contact(Contact(
                name="Ada Park", company="Acme", role="CTO", tier="close", emails=["ada@example.com"],
                birthday="1986-03-04"))
            ben = store.add_contact(Contact(name="Ben Ode", tier="active", emails=["ben@example.com"],
                                            birthday="--03-02"))
            cy = store.add_contact(Contact(name="Cy Lee", company="Tidemark", tier="casual",
                                           emails=["cy@example.com"]))
            dee = store.add_contact(Contact(name="Dee Moss", tier="casual", birthday="1990-07-19"))
            for contact, days in ((ada, 20), (ben, 10), (cy, 30), (dee, 5)):
                store.log_touch(Touch(contact_id=contact.id, at=now.shift(days=-days).isoformat(),
                                      note="coffee"))
            thread = store.add_thread(Thread(
                contact_id=cy.id, kind="interview", at=now.shift(days=-12).isoformat(),
                decision_by=now.shift(days=-8).format("YYYY-MM-DD"), role="Data engineer"))
            store.log_touch(Touch(contact_id=cy.id, at=now.shift(days=-12, hours=4).isoformat(),
                                  thread_id=thread.id, step="thank-you", note="thanks"))
        path = write(folder / "work.ics",
                     event("dinner", ":20260305T190000Z", summary="Dinner at Rosa's",
                           attendees=("ada@example.com",)),
                     event("coffee", ":20260310T083000Z", summary="Coffee",
                           attendees=("cy@example.com",)),
                     event("lunch", ":20260226T120000Z", summary="Lunch",
                           attendees=("ben@example.com",)))
        settings = Settings()
        settings.me.emails = ["me@example.com"]
        calendar.sync(store, [path], settings, now)
        ids.update(ada=ada.id, ben=ben.id, cy=cy.id, dee=dee.id, thread=thread.id)
    return ids
