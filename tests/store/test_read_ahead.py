"""Touch files read ahead (the TUI does it between frames after start-up): the same
touches afterwards, a later save seen, another process's save seen after a refresh."""

from __future__ import annotations

from crm_tui.domain.models import Contact, Touch
from crm_tui.store.repository import Store


def _seed(paths, now) -> list[str]:
    with Store.open(paths.data, today=now) as store:
        ids = []
        for i in range(3):
            c = store.add_contact(Contact(name=f"P{i}", created_at=now.shift(days=-400).isoformat()))
            ids.append(c.id)
            for months in (1, 2, 5):
                store.log_touch(Touch(contact_id=c.id, at=now.shift(months=-months, days=-i).isoformat(),
                                      direction="out", note=f"{i}-{months}"))
        return ids


def test_read_ahead_changes_nothing_but_when_files_are_read(paths, now) -> None:
    ids = _seed(paths, now)
    with Store.open(paths.data, today=now) as cold:
        expected = {cid: [t.note for t in cold.touches(contact_ids=[cid])] for cid in ids}
    with Store.open(paths.data, today=now) as store:
        months = list(store.read_ahead())
        assert months == store.touch_months() and len(months) >= 3
        assert list(store.read_ahead()) == []  # once
        assert {cid: [t.note for t in store.touches(contact_ids=[cid])] for cid in ids} == expected
        store.log_touch(Touch(contact_id=ids[0], at=now.shift(hours=-1).isoformat(), direction="in",
                              note="new"))
        assert [t.note for t in store.touches(contact_ids=[ids[0]])][-1] == "new"
        with Store.open(paths.data, today=now) as other:  # another process
            other.log_touch(Touch(contact_id=ids[1], at=now.shift(hours=-2).isoformat(),
                                  direction="in", note="elsewhere"))
        assert store.changed_elsewhere()
        store.refresh()
        assert [t.note for t in store.touches(contact_ids=[ids[1]])][-1] == "elsewhere"
