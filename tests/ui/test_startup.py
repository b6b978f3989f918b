"""How `crm-tui` starts the app (crm_tui.cli.tui.make_app): the collector's start-up pause."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from support import SIZE, make_env

from crm_tui.cli.tui import make_app
from crm_tui.ui.widgets.contact_table import ContactTable


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


async def test_collector_paused_until_the_first_frame_then_freezes(demo_paths, now) -> None:
    gc.unfreeze()
    app = make_app(make_env(demo_paths, now))
    try:
        assert not gc.isenabled()  # paused through imports, the store's load, the first screen
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.screen.query_one(ContactTable).row_count > 0
            assert gc.isenabled()  # on again once the first frame is shown
            assert gc.get_freeze_count() > 0  # what start-up built is kept out of later scans
    finally:
        app.store.close()


def test_a_failed_start_leaves_the_collector_on(demo_paths, now) -> None:
    (demo_paths.data / "contacts.json").write_bytes(b"{not json")
    with pytest.raises(SystemExit):
        make_app(make_env(demo_paths, now))
    assert gc.isenabled()
