"""engine.suggestions keeps its last run while the store saves nothing within a minute."""

from __future__ import annotations

import arrow

from crm_tui import config
from crm_tui.domain.models import Contact, Touch
from crm_tui.services import engine
from crm_tui.store.repository import Store


def test_reused_until_a_save_or_the_next_minute(store: Store, now: arrow.Arrow, monkeypatch) -> None:
    settings = config.Settings()
    ada = store.add_contact(Contact(name="Ada", tier="close",
                                    created_at=now.shift(days=-100).isoformat()))
    runs: list[int] = []
    compute = engine.cadence.compute
    monkeypatch.setattr(engine.cadence, "compute", lambda *a: runs.append(1) or compute(*a))
    first = engine.suggestions(store, settings, now)
    assert engine.suggestions(store, settings, now.shift(seconds=20)) == first
    assert len(runs) == 1
    store.log_touch(Touch(contact_id=ada.id, at=now.isoformat(), direction="out"))
    after = engine.suggestions(store, settings, now)
    assert len(runs) == 2 and after != first
    engine.suggestions(store, settings, now.shift(minutes=1))
    assert len(runs) == 3
