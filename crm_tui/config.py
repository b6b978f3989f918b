"""Settings: ``config.toml`` in the config folder, every value optional, defaults below.

The file is read with tomllib. A broken file never stops the program: the defaults are used
and the problem is reported (``Settings.problems``) so the UI and CLI can show it.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any


@dataclass
class CadenceSettings:
    close: int = 14
    """Keep-in-touch interval (days) for the `close` tier."""
    active: int = 30
    """Keep-in-touch interval (days) for the `active` tier."""
    casual: int = 90
    """Keep-in-touch interval (days) for the `casual` tier."""
    dormant: int = 180
    """Keep-in-touch interval (days) for the `dormant` tier."""
    min_gap_days: int = 7
    """Pester guard: no outbound touch sooner than this after the last one (rule 16)."""
    followup_business_days: int = 3
    """First interview follow-up: this many business days after the decision date (rule 7)."""
    followup_no_decision_days: int = 7
    """First interview follow-up when no decision date was given: days after the interview."""
    second_followup_after_decision_days: int = 7
    """Second follow-up after the first, when a decision date was given and passed (rule 8)."""
    second_followup_days: int = 14
    """Second follow-up after the first, otherwise (rule 8)."""
    application_followup_days: int = 7
    """The one follow-up on an application, days after applying (rule 12)."""
    invoice_terms_days: int = 30
    """Default payment term of an invoice (rule 14)."""
    invoice_reminder_days: int = 14
    """Days between payment reminders, 14 to 21 (rule 15)."""

    def interval(self, tier: str) -> int:
        return int(getattr(self, tier, self.casual))


@dataclass
class MeSettings:
    name: str = ""
    """Your name, used to sign messages."""
    signature: str = ""
    """A signature block appended to emails (may be several lines)."""


@dataclass
class FeedSettings:
    timeout: float = 15.0
    """Connect and read timeout per request, seconds."""
    max_bytes: int = 10 * 1024 * 1024
    """Largest feed body accepted; larger is an error for that feed."""
    concurrency: int = 64
    """Feeds fetched at once. Each request is a socket waiting on a server, not a thread, and
    ``per_host`` keeps any one site from more than a few at a time, so a desktop can afford many:
    with 50 feeds, 16 at once means 4 rounds of the slowest server's latency, 64 one."""
    per_host: int = 6
    """Requests at once to one host over HTTP/1.1 (6, as browsers do); a host answering
    over HTTP/2 gets more streams on its one connection."""
    retention_days: int = 90
    """Articles older than this are purged (never ones shared with someone)."""
    max_per_feed: int = 200
    """At most this many articles are kept per feed."""


@dataclass
class UiSettings:
    theme: str = "textual-dark"
    """The Textual theme; remembered when changed in the app."""


@dataclass
class Settings:
    cadence: CadenceSettings = field(default_factory=CadenceSettings)
    me: MeSettings = field(default_factory=MeSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    keys: dict[str, str] = field(default_factory=dict)
    """Binding id -> keys (comma separated), e.g. ``"today.done" = "d,ctrl+d"``."""
    problems: list[str] = field(default_factory=list)
    """What was wrong with the file (not saved)."""
    templates_file: Path | None = None
    """The user's templates.toml beside the config file (not saved)."""

    def to_toml_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("problems")
        data.pop("templates_file")
        return data


_SECTIONS = {"cadence": CadenceSettings, "me": MeSettings, "feeds": FeedSettings, "ui": UiSettings}


def load(path: Path) -> Settings:
    """Settings from ``path``; defaults for whatever is missing or wrong."""
    settings = Settings(templates_file=path.with_name("templates.toml"))
    if not path.exists():
        return settings
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        settings.problems.append(f"{path}: {exc}; using the defaults")
        return settings
    for name, cls in _SECTIONS.items():
        section = raw.get(name, {})
        if not isinstance(section, dict):
            settings.problems.append(f"{path}: [{name}] must be a table")
            continue
        target = getattr(settings, name)
        known = {f.name: f for f in fields(cls)}
        for key, value in section.items():
            if key not in known:
                settings.problems.append(f"{path}: unknown setting {name}.{key}")
                continue
            default = getattr(target, key)
            if isinstance(default, bool) or not isinstance(value, (int, float, str)):
                ok = type(value) is type(default)
            elif isinstance(default, (int, float)) and not isinstance(default, bool):
                ok = isinstance(value, (int, float)) and not isinstance(value, bool)
                value = type(default)(value) if ok else value
            else:
                ok = isinstance(value, type(default))
            if ok and isinstance(value, (int, float)) and value < 0:
                ok = False
            if not ok:
                settings.problems.append(f"{path}: {name}.{key} = {value!r} is not valid")
                continue
            setattr(target, key, value)
    keys = raw.get("keys", {})
    if isinstance(keys, dict):
        settings.keys = {str(k): str(v) for k, v in keys.items()}
    if not 14 <= settings.cadence.invoice_reminder_days <= 21:
        settings.problems.append(
            f"{path}: cadence.invoice_reminder_days must be 14 to 21; using 14"
        )
        settings.cadence.invoice_reminder_days = 14
    return settings


def save(settings: Settings, path: Path) -> None:
    """Write the settings atomically (temp file + replace)."""
    import tomli_w  # only when saving (a theme change): not a start-up import

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(settings.to_toml_dict()), encoding="utf-8")
    tmp.replace(path)
