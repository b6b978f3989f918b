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


def test_logging_into_a_month_does_not_build_it_and_what_it_logged_is_seen(paths, now) -> None:
    """log_touches appends to a month's parsed document (a calendar sync adds 46,000 touches
    to months holding 100,000): the month's touches are built from that document, the new
    ones included, when asked for; an undo, an error in the batch and a reopen all agree."""
    ids = _seed(paths, now)
    month_at = now.shift(months=-2, hours=3).isoformat()
    with Store.open(paths.data, today=now) as cold:
        before = {t.id for t in cold.touches()}
    with Store.open(paths.data, today=now) as store:
        with store.change("meetings"):
            logged = store.log_touches([Touch(contact_id=cid, at=month_at, direction="in", note=f"m{n}",
                                              source="calendar", key=f"u{n}|single")
                                        for n, cid in enumerate(ids)])
        month = store._month_of(month_at)
        assert not store._shards[month].loaded  # appended to, never built
        assert {t.id for t in store.touches(contact_ids=ids)} == before | {t.id for t in logged}
        assert store.touch(logged[0].id).note == "m0"  # (builds it now, edits included)
        assert [k[4] for k in store.keyed_touches("calendar", now.shift(months=-3).isoformat())] == [
            "u0|single", "u1|single", "u2|single"]
        assert store.contact(ids[2]).touch_count == 4
        # An error part way through a batch drops every touch of it, as before.
        try:
            store.log_touches([Touch(contact_id=ids[0], at=month_at, note="kept?"),
                               Touch(contact_id="c999", at=month_at, note="nobody")])
        except KeyError:
            pass
        assert "kept?" not in {t.note for t in store.touches()}
    with Store.open(paths.data, today=now) as reopened:
        assert reopened.recovered == []
        assert {t.id for t in reopened.touches()} == before | {t.id for t in logged}
        assert reopened.contact(ids[2]).touch_count == 4
        assert reopened.undo() == "meetings"
        assert {t.id for t in reopened.touches()} == before
    with Store.open(paths.data, today=now) as again:
        assert {t.id for t in again.touches()} == before and again.contact(ids[2]).touch_count == 3
