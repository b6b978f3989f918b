"""config.toml: every setting has a range; wrong values are named with their line and the
default is used; unknown keys and sections are reported; nothing crashes."""

from __future__ import annotations

from dataclasses import fields

import pytest

from crm_tui import config, config_check


def load(tmp_path, text: str) -> config.Settings:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return config.load(path)


def test_every_numeric_and_text_setting_has_a_range():
    missing = [
        f"{section}.{f.name}"
        for section, cls in config._SECTIONS.items()
        for f in fields(cls)
        if f"{section}.{f.name}" not in config_check.RANGES
    ]
    assert missing == [], "give these settings a range in crm_tui/config_check.py"


@pytest.mark.parametrize(
    ("line", "name", "default", "why"),
    [
        ("close = 99999999999999999999", "cadence.close", 14, "out of range (1 to 3,650 days)"),
        ("close = 0", "cadence.close", 14, "out of range"),
        ("close = 14.5", "cadence.close", 14, "whole number"),
        ("close = inf", "cadence.close", 14, "finite number"),
        ("close = true", "cadence.close", 14, "must be a number"),
        ("close = \"14\"", "cadence.close", 14, "must be a number"),
        ("min_gap_days = -1", "cadence.min_gap_days", 7, "out of range"),
        ("invoice_reminder_days = 30", "cadence.invoice_reminder_days", 14, "14 to 21 days"),
    ],
)
def test_a_wrong_cadence_value_is_named_with_its_line_and_the_default_used(tmp_path, line, name, default, why):
    settings = load(tmp_path, f"# my settings\n[cadence]\nactive = 20\n{line}\n")
    (problem,) = settings.problems
    assert "line 4" in problem and name in problem and why in problem
    assert problem.endswith(f"using {default!r}")
    assert getattr(settings.cadence, name.split(".")[1]) == default
    assert settings.cadence.active == 20  # the good values around it are kept
    # ... and the rules can run with what was loaded (no OverflowError later either).
    assert settings.cadence.interval("close") == settings.cadence.close


@pytest.mark.parametrize(
    ("line", "key", "default"),
    [
        ("retention_days = 99999999", "retention_days", 90),
        ("max_bytes = 1e30", "max_bytes", 10 * 1024 * 1024),
        ("timeout = inf", "timeout", 15.0),
        ("timeout = nan", "timeout", 15.0),
        ("timeout = -inf", "timeout", 15.0),
        ("timeout = 0", "timeout", 15.0),
        ("concurrency = 0", "concurrency", 64),
    ],
)
def test_feed_limits_cannot_be_removed_or_overflow(tmp_path, line, key, default):
    settings = load(tmp_path, f"[feeds]\n{line}\n")
    assert getattr(settings.feeds, key) == default
    (problem,) = settings.problems
    assert "line 2" in problem and f"feeds.{key}" in problem


def test_good_values_are_taken_with_their_type(tmp_path):
    settings = load(tmp_path, "[feeds]\ntimeout = 30\nmax_per_feed = 50.0\n[cadence]\nclose = 21\n")
    assert settings.problems == []
    assert settings.feeds.timeout == 30.0 and isinstance(settings.feeds.timeout, float)
    assert settings.feeds.max_per_feed == 50 and isinstance(settings.feeds.max_per_feed, int)
    assert settings.cadence.close == 21


def test_unknown_keys_and_sections_are_reported_with_their_lines(tmp_path):
    settings = load(tmp_path, '[cadence]\nclose = 10\nclsoe = 12\n\n[feed]\ntimeout = 3\n[keys]\n"today.done" = "d"\n')
    assert settings.cadence.close == 10 and settings.keys == {"today.done": "d"}
    assert len(settings.problems) == 2
    assert "line 3" in settings.problems[0] and "unknown setting cadence.clsoe" in settings.problems[0]
    assert "line 5" in settings.problems[1] and "unknown section [feed]" in settings.problems[1]


def test_text_settings_are_bounded_and_typed(tmp_path):
    settings = load(tmp_path, f'[me]\nname = 42\nsignature = "{"x" * 3000}"\n[keys]\n"a.b" = 3\n')
    assert settings.me.name == "" and settings.me.signature == "" and settings.keys == {}
    assert len(settings.problems) == 3
    assert "me.name = 42 must be text" in settings.problems[0]
    assert "longer than 2,000 characters" in settings.problems[1]


def test_dotted_keys_at_the_top_are_found_too(tmp_path):
    settings = load(tmp_path, 'cadence.close = 0\n')
    (problem,) = settings.problems
    assert "line 1" in problem and "cadence.close" in problem


def test_the_cli_shows_the_problems_and_runs(run_cli, paths):
    paths.config.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text("[cadence]\nclose = 99999999999999999999\n", encoding="utf-8")
    result = run_cli("today")
    assert result.exit_code == 0
    assert "line 2: cadence.close = 99999999999999999999 is out of range" in result.output


def test_saved_config_is_private(tmp_path):
    path = tmp_path / "config.toml"
    settings = config.Settings()
    settings.me.signature = "Sam"
    config.save(settings, path)
    assert path.stat().st_mode & 0o777 == 0o600


def test_lists_of_addresses_and_paths(tmp_path):
    ok = load(tmp_path, '[me]\nemails = ["sam@example.com", "s@work.example"]\n[sources]\nmail = ["~/Mail"]\n')
    assert ok.me.emails == ["sam@example.com", "s@work.example"] and ok.sources.mail == ["~/Mail"]
    assert not ok.problems
    bad = load(tmp_path, '[me]\nemails = "sam@example.com"\n[sources]\nmail = [1, 2]\nsync_on_start = 1\n')
    assert bad.me.emails == [] and bad.sources.mail == [] and bad.sources.sync_on_start is False
    assert len(bad.problems) == 3 and all("line" in p for p in bad.problems)
    assert "must be a list of text" in bad.problems[0]
