"""Shared fixtures of the sources tests."""

from __future__ import annotations

import pytest

from crm_tui.config import Settings


@pytest.fixture
def settings() -> Settings:
    """Settings whose `[me] emails` is me@example.com (the address the test calendars use)."""
    s = Settings()
    s.me.emails = ["me@example.com"]
    return s
