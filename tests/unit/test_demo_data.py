"""The bundled demo exercises every rule, whatever weekday it is started on."""

from __future__ import annotations

from pathlib import Path

import arrow
import orjson
import pytest

from crm_tui.config import Settings
from crm_tui.domain import cadence
from crm_tui.paths import resolve
from crm_tui.services import demo, engine
from crm_tui.store.repository import Store

ALL_STEPS = {
    "thank-you", "follow-up-1", "follow-up-2", "final-call", "move-on",
    "application-follow-up", "ask-connection", "payment-reminder", "keep-in-touch",
    "rekindle", "reply-requested", "graceful-close", "congratulate",
}
WEEKDAYS = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"]


def _suggestions(tmp_path: Path, day: str, time: str = "18:00:00") -> list:
    now = arrow.get(f"{day}T{time}+00:00")
    paths = resolve(tmp_path / day)
    demo.materialize(paths, now)
    with Store.open(paths.data, readonly=True) as store:
        return engine.suggestions(store, Settings(), now)


@pytest.mark.parametrize("day", WEEKDAYS)
def test_every_step_kind_is_due_on_every_weekday(tmp_path, day):
    found = _suggestions(tmp_path, day)
    today = cadence.who_to_ping(found)
    assert {s.step for s in today} >= ALL_STEPS
    assert 8 <= len(today) <= 25
    statuses = {s.status for s in found}
    assert {"due", "overdue", "waiting", "upcoming", "closed"} <= statuses


def test_demo_shows_a_snooze_a_recent_reply_and_a_closed_invoice(tmp_path):
    found = _suggestions(tmp_path, WEEKDAYS[0])
    by_name = {}
    for s in found:
        by_name.setdefault(s.contact, []).append(s)
    (victor,) = by_name["Victor Almeida"]
    assert victor.status == "waiting" and "snoozed 2 times" in victor.warnings
    assert any(s.status == "closed" and s.kind == "invoice" for s in by_name["Noor Haddad"])
    assert all(s.status == "closed" for s in by_name["Sofia Marino"] if s.kind == "application")
    (felix,) = by_name["Felix Wagner"]
    assert felix.status == "upcoming" and "they reached you" in felix.reason


def test_demo_morning_keeps_the_thank_you_due(tmp_path):
    today = cadence.who_to_ping(_suggestions(tmp_path, WEEKDAYS[2], "09:00:00"))
    assert {s.contact for s in today if s.step == "thank-you"} == {"Priya Raman", "Tomás Ferreira"}


def test_demo_file_is_well_formed():
    spec = orjson.loads((demo.data_dir() / "demo" / "demo.json").read_bytes())
    assert spec["me"]["name"] == "Sam Rivera"
    keys = [c["key"] for c in spec["contacts"]]
    assert len(keys) >= 40 and len(set(keys)) == len(keys)
    names = [c["name"] for c in spec["contacts"]]
    assert len(set(names)) == len(names)
    thread_keys = {t["key"] for t in spec["threads"]}
    for contact in spec["contacts"]:
        for touch in contact.get("touches", []):
            assert touch.get("note"), contact["key"]
            assert touch.get("thread") in (None, *thread_keys)
