"""The Today list's "When" column stays within its width however late a step is."""

from __future__ import annotations

import pytest

from crm_tui.domain.models import Suggestion
from crm_tui.ui.screens.today import when_label


@pytest.mark.parametrize(("days", "label"), [(0, "today"), (3, "3d late"), (99, "99d late"),
                                             (100, "14w late"), (729, "104w late"), (1988, "5y late")])
def test_when_label(days, label):
    s = Suggestion(contact_id="c1", contact="A", step="keep-in-touch",
                   status="overdue" if days else "due", due="2026-03-02", reason="", overdue_days=days)
    text = when_label(s).plain
    assert text == label and len(text) <= 9
