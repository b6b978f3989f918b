"""Settings: ``config.toml`` in the config folder, every value optional, defaults below.

The file is read with tomllib. A broken file never stops the program: the defaults are used
and the problem is reported (``Settings.problems``) so the UI and CLI can show it.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field
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
    daily_keep_in_touch: int = 10
    """At most this many keep-in-touch, rekindle and congratulate steps on Today, the most
    urgent first; the rest wait for later days (0: no limit). Time-critical and thread
    steps are never held back. Keeps a big import from flooding the list."""

    def interval(self, tier: str) -> int:
        return int(getattr(self, tier, self.casual))


@dataclass
class MeSettings:
    name: str = ""
    """Your name, used to sign messages."""
    signature: str = ""
    """A signature block appended to emails (may be several lines)."""
    emails: list[str] = field(default_factory=list)
    """All your own email addresses: mail from or to them is a touch (``crm-tui sync``), a
    meeting you declined is not."""


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
    refresh_minutes: int = 60
    """While the TUI is open, feeds are refreshed quietly this often (0: only when asked)."""
    parse_seconds: float = 20.0
    """Longest time one feed body may take to parse; past it, that feed fails with an error."""


@dataclass
class SourcesSettings:
    """Where touches come from without typing (``crm-tui sync``). One section for every
    kind of source: each kind reads its own keys here."""

    mail: list[str] = field(default_factory=list)
    """Maildirs, folders of Maildirs and mbox files (``~`` expanded)."""
    keep_subjects: bool = True
    """Keep a mail's subject as the touch's note; false keeps no text from mail at all."""
    sync_on_start: bool = False
    """Sync the sources in the background when the TUI starts."""
    max_header_bytes: int = 256 * 1024
    """A message's header block is read up to this size; a longer one is skipped."""
    calendars: list[str] = field(default_factory=list)
    """`.ics` files and folders of them (vdirs) read by `crm-tui sync`; `~` is expanded."""
    calendar_days: int = 730
    """Look-back window: meetings older than this many days are not read (nor expanded)."""
    max_attendees: int = 10
    """A meeting with more attendees than this is not a personal touch (an all-hands)."""
    reminders: str = ""
    """A folder (vdir) or `.ics` file re-exported after every change: follow-ups in your
    calendar (vdirsyncer can push it to a CalDAV server). Empty: off."""


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
    sources: SourcesSettings = field(default_factory=SourcesSettings)
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


_SECTIONS = {"cadence": CadenceSettings, "me": MeSettings, "feeds": FeedSettings, "ui": UiSettings,
             "sources": SourcesSettings}


def load(path: Path) -> Settings:
    """Settings from ``path``; defaults for whatever is missing or wrong."""
    settings = Settings(templates_file=path.with_name("templates.toml"))
    if not path.exists():
        return settings
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        settings.problems.append(f"{path}: {exc}; using the defaults")
        return settings
    from crm_tui import config_check  # every setting's type and range (see there)

    config_check.apply(path, text, raw, settings, _SECTIONS)
    return settings


def save(settings: Settings, path: Path) -> None:
    """Write the settings atomically (temp file + replace)."""
    import tomli_w  # only when saving (a theme change): not a start-up import

    from crm_tui.interop.private_file import write_private

    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, tomli_w.dumps(settings.to_toml_dict()).encode("utf-8"))  # (the signature)
