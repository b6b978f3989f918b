"""The library of message templates: the defaults in ``templates.toml`` and the user's own.

The defaults live in ``templates.toml`` beside this module. Users add or replace variants
in ``templates.toml`` in their config folder, with the same format::

    # optional, before any table: steps whose default variants are dropped entirely
    replace = ["thank-you"]

    [[thank-you]]                   # one array of tables per step (see models.STEPS)
    id = "mine"                     # a variant with the id of a default replaces it
    channel = "email"               # or a list: ["linkedin", "message"]; also "call"
    subject = "Thanks, {first_name}"  # email only (required there)
    requires = ["position"]         # optional: skip this variant unless these are known
    when = ["later-reminder"]       # optional: payment reminders, "first-reminder" or this
    body = '''
    Hi {first_name},
    ...
    '''

User variants come before the defaults of their step, so the first one that fits is the
one a composer opens with.


The syntax of a template's text is :mod:`crm_tui.domain.template_syntax`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from crm_tui.domain.models import STEPS
from crm_tui.domain.template_syntax import VARIABLES, TemplateError, parse

DEFAULTS_FILE = Path(__file__).with_name("templates.toml")

# Channels a template can be written for. "meeting" and "other" borrow from the others.
TEMPLATE_CHANNELS: tuple[str, ...] = ("email", "linkedin", "message", "call")
CONDITIONS: tuple[str, ...] = ("first-reminder", "later-reminder")


# ------------------------------------------------------------------------------ library
@dataclass(frozen=True)
class Variant:
    step: str
    id: str
    channels: tuple[str, ...]
    body: str
    subject: str = ""
    requires: tuple[str, ...] = ()
    when: tuple[str, ...] = ()
    source: str = "default"

    @property
    def parsed_body(self) -> tuple[Any, ...]:
        return _parsed(self.body)

    @property
    def parsed_subject(self) -> tuple[Any, ...]:
        return _parsed(self.subject)


@lru_cache(maxsize=1024)
def _parsed(text: str) -> tuple[Any, ...]:
    return parse(text)


@dataclass
class Library:
    """Variants per step, in preference order."""

    steps: dict[str, list[Variant]] = field(default_factory=dict)

    def variants(self, step: str) -> list[Variant]:
        return list(self.steps.get(step, []))


def _header_lines(text: str) -> dict[str, list[int]]:
    """Line numbers (1-based) of every ``[[step]]`` header, per step, in order."""
    found: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"\s*\[\[\s*\"?([A-Za-z0-9_-]+)\"?\s*\]\]", line)
        if match:
            found.setdefault(match.group(1), []).append(number)
    return found


def _as_list(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise TemplateError(f"{what} must be a string or a list of strings")


def _variant(step: str, index: int, raw: Any, source: str) -> Variant:
    if not isinstance(raw, dict):
        raise TemplateError("each variant must be a table ([[step]])")
    unknown = set(raw) - {"id", "channel", "subject", "body", "requires", "when"}
    if unknown:
        raise TemplateError(f"unknown key(s): {', '.join(sorted(unknown))}")
    body = raw.get("body")
    if not isinstance(body, str) or not body.strip():
        raise TemplateError("a variant needs a non-empty body")
    channels = _as_list(raw.get("channel", "email"), "channel")
    bad = [c for c in channels if c not in TEMPLATE_CHANNELS]
    if bad:
        raise TemplateError(f"channel {bad[0]!r} is not one of {', '.join(TEMPLATE_CHANNELS)}")
    subject = raw.get("subject", "")
    if not isinstance(subject, str):
        raise TemplateError("subject must be a string")
    if "email" in channels and not subject.strip():
        raise TemplateError("an email variant needs a subject")
    requires = _as_list(raw.get("requires", []), "requires")
    for name in requires:
        if name not in VARIABLES:
            raise TemplateError(f"requires an unknown variable {name!r}")
    when = _as_list(raw.get("when", []), "when")
    for flag in when:
        if flag not in CONDITIONS:
            raise TemplateError(f"when {flag!r} is not one of {', '.join(CONDITIONS)}")
    ident = raw.get("id", f"{source}-{index + 1}")
    if not isinstance(ident, str) or not ident:
        raise TemplateError("id must be a non-empty string")
    parse(body)  # raises on unknown variables or unbalanced brackets
    parse(subject)
    return Variant(step, ident, channels, body.strip("\n"), subject.strip(), requires, when, source)


def parse_library(text: str, source: str) -> tuple[dict[str, list[Variant]], list[str], list[str]]:
    """TOML text -> (variants per step, steps to replace, problems). Raises tomllib errors."""
    raw = tomllib.loads(text)
    lines = _header_lines(text)
    steps: dict[str, list[Variant]] = {}
    problems: list[str] = []
    replace_steps: list[str] = []
    for key, value in raw.items():
        if key == "replace":
            try:
                replace_steps = list(_as_list(value, "replace"))
            except TemplateError as exc:
                problems.append(f"{source}: {exc}")
            for step in replace_steps:
                if step not in STEPS:
                    problems.append(f"{source}: replace: unknown step {step!r}")
            continue
        where = lines.get(key, [])
        if key not in STEPS:
            at = f" line {where[0]}" if where else ""
            problems.append(f"{source}:{at}: unknown step {key!r} (steps: {', '.join(STEPS)})")
            continue
        if not isinstance(value, list):
            problems.append(f"{source}: {key} must be written [[{key}]] (an array of tables)")
            continue
        for index, item in enumerate(value):
            at = f" line {where[index]}" if index < len(where) else ""
            try:
                steps.setdefault(key, []).append(_variant(key, index, item, source))
            except TemplateError as exc:
                problems.append(f"{source}:{at}: [[{key}]] variant {index + 1}: {exc}; skipped")
    return steps, replace_steps, problems


@lru_cache(maxsize=1)
def default_library() -> Library:
    steps, _, problems = parse_library(DEFAULTS_FILE.read_text(encoding="utf-8"), "default")
    if problems:  # a bug in the shipped file: fail loudly in tests, not silently for users
        raise TemplateError("; ".join(problems))
    return Library(steps)


def merge(base: Library, user: dict[str, list[Variant]], replace_steps: Iterable[str]) -> Library:
    """User variants first; a user variant replaces a default with the same id."""
    merged: dict[str, list[Variant]] = {}
    drop = set(replace_steps)
    for step in STEPS:
        mine = user.get(step, [])
        ids = {v.id for v in mine}
        defaults = [] if step in drop and mine else [v for v in base.variants(step) if v.id not in ids]
        merged[step] = [*mine, *defaults]
    return Library(merged)


def cached_library(path: Path | None) -> tuple[Library, list[str]]:
    """:func:`load_library`, re-read only when the file changes (previews call it per row)."""
    try:
        stat = path.stat() if path is not None else None
    except OSError:
        stat = None
    key = (str(path), stat.st_mtime_ns if stat else None, stat.st_size if stat else None)
    return _cached_library(key)


@lru_cache(maxsize=8)
def _cached_library(key: tuple[str, int | None, int | None]) -> tuple[Library, list[str]]:
    return load_library(Path(key[0]) if key[1] is not None else None)


def load_library(path: Path | None) -> tuple[Library, list[str]]:
    """The defaults plus the user's ``templates.toml`` at ``path`` (if it exists).

    Never raises for a bad user file: problems name the file and line, and the defaults
    are used (for a TOML syntax error, all of them; for one bad variant, that one is skipped).
    """
    base = default_library()
    if path is None or not path.exists():
        return base, []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return base, [f"{path}: cannot be read ({exc}); using the default templates"]
    try:
        user, replace_steps, problems = parse_library(text, str(path))
    except tomllib.TOMLDecodeError as exc:
        return base, [f"{path}: {exc}; using the default templates"]
    return merge(base, user, replace_steps), problems

