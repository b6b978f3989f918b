"""Editing a contact compares its touch summary with the stored one without building every
contact's summary (10,000 for one snooze), and the summaries stay what the touches say."""

from __future__ import annotations

import dataclasses

from crm_tui.domain.models import Contact, Touch
from crm_tui.store.repository import Store


def test_an_edit_builds_no_summaries_and_keeps_them_right(paths, now) -> None:
    with Store.open(paths.data, today=now) as store:
        people = [store.add_contact(Contact(name=f"P{i}")) for i in range(30)]
        store.log_touch(Touch(contact_id=people[3].id, at=now.shift(days=-2).isoformat(), direction="in"))
    with Store.open(paths.data, today=now) as store:
        summaries = store._tables["summaries"]
        assert summaries._records is None  # (start-up reads them from the parsed file)
        generation = store.generation
        three = store.contact(people[3].id)
        assert three is not None and three.touch_count == 1
        store.update_contact(dataclasses.replace(three, tier="close"))
        store.update_contact(dataclasses.replace(store.contact(people[5].id), tier="close"))
        assert summaries._records is None  # compared as stored: nothing built
        assert summaries.storage.writes == 0  # and nothing to write: unchanged
        assert store.generation == generation + 2
        # A stale copy of a contact (its summary before a touch) keeps the store's summary.
        stale = store.contact(people[7].id)
        store.log_touch(Touch(contact_id=people[7].id, at=now.isoformat(), direction="out"))
        store.update_contact(dataclasses.replace(stale, role="CTO"))
    with Store.open(paths.data, readonly=True) as store:
        assert store.contact(people[3].id).touch_count == 1
        assert store.contact(people[3].id).tier == "close"
        seven = store.contact(people[7].id)
        assert seven.touch_count == 1 and seven.last_out == now.isoformat() and seven.role == "CTO"
        assert [c.touch_count for c in store.contacts()].count(0) == 28
