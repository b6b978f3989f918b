"""Ready-to-send messages for every step of the engine: templates, variables, rendering.

Pure domain code: no textual, no tinydb, no clock (``now`` is in the context).

Templates
---------
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

Syntax
------
``{name}`` inserts a value (only the names in :data:`VARIABLES`; there is no attribute or
index access, templates are never given to ``str.format``). A sentence (text up to ``.``,
``!`` or ``?`` followed by a space, or a line) that uses a value that is missing is left
out. ``[ ... ]`` marks a smaller optional part, left out alone when one of its values is
missing (it may span lines and nest). ``{{``, ``}}``, ``[[`` and ``]]`` write a literal
brace or bracket. So a missing value never leaks into the text: no ``{company}``, no
``at .``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import arrow

from crm_tui.domain.models import STEPS, Article, Contact, JobChange, Thread

WORD_LIMIT = 120
DEFAULTS_FILE = Path(__file__).with_name("templates.toml")

# Channels a template can be written for. "meeting" and "other" borrow from the others.
TEMPLATE_CHANNELS: tuple[str, ...] = ("email", "linkedin", "message", "call")
# Where to look when a step has no variant written for the chosen channel.
_FALLBACK: dict[str, tuple[str, ...]] = {
    "email": ("email", "message", "linkedin"),
    "linkedin": ("linkedin", "message", "email"),
    "message": ("message", "linkedin", "email"),
    "call": ("call", "message", "linkedin", "email"),
    "meeting": ("message", "linkedin", "email"),
    "other": ("email", "message", "linkedin"),
}

VARIABLES: dict[str, str] = {
    "first_name": "the recipient's first name",
    "name": "the recipient's full name",
    "company": "the recipient's company",
    "role": "the recipient's own role or title",
    "my_name": "your name (config: [me] name)",
    "sign": "your signature block, or your name when there is none",
    "position": "the role interviewed or applied for (the thread's role)",
    "interview_date": "the interview day, e.g. Monday 2 March",
    "interview_when": "'today', 'yesterday' or 'on Monday 2 March'",
    "decision_date": "the decision date they gave, e.g. Friday 13 March",
    "applied_date": "the day the application was sent",
    "discussed": "the first of the talking points written on the thread (never a note)",
    "points": "up to three '- ' bullet lines from the thread's talking points",
    "article_title": "the shared article's title",
    "article_link": "the shared article's link",
    "invoice_label": "the invoice's label or number",
    "invoice_amount": "the invoice's amount, as written",
    "invoice_age": "days since the invoice was sent (a number)",
    "invoice_date": "the day the invoice was sent",
    "new_company": "their new company (from a job change)",
    "new_role": "their new role (from a job change)",
}
CONDITIONS: tuple[str, ...] = ("first-reminder", "later-reminder")


class TemplateError(ValueError):
    """A template that cannot be used (unknown variable, unbalanced brackets...)."""


# ------------------------------------------------------------------------------ parsing
@dataclass(frozen=True)
class _Var:
    name: str


@dataclass(frozen=True)
class _Opt:
    parts: tuple[Any, ...]  # str | _Var | _Opt


_TOKENS = re.compile(r"\{\{|\}\}|\[\[|\]\]|\{([A-Za-z_][A-Za-z0-9_]*)\}|[\[\]{}]")


def parse(template: str) -> tuple[Any, ...]:
    """Template text -> a tree of str, _Var and _Opt. Raises TemplateError."""
    stack: list[list[Any]] = [[]]
    pos = 0
    for match in _TOKENS.finditer(template):
        if match.start() > pos:
            stack[-1].append(template[pos:match.start()])
        pos = match.end()
        token = match.group(0)
        if token in ("{{", "}}", "[[", "]]"):
            stack[-1].append(token[0])
        elif match.group(1):
            name = match.group(1)
            if name not in VARIABLES:
                raise TemplateError(f"unknown variable {{{name}}}")
            stack[-1].append(_Var(name))
        elif token == "[":
            stack.append([])
        elif token == "]":
            if len(stack) == 1:
                raise TemplateError("a ']' closes nothing (write ']]' for a bracket)")
            parts = stack.pop()
            stack[-1].append(_Opt(tuple(parts)))
        else:
            raise TemplateError(f"a lone {token!r} (write {token * 2!r} for a brace, {{name}} for a value)")
    if len(stack) > 1:
        raise TemplateError("a '[' is never closed (write '[[' for a bracket)")
    if pos < len(template):
        stack[0].append(template[pos:])
    return tuple(stack[0])


def variables_of(parts: Iterable[Any]) -> set[str]:
    found: set[str] = set()
    for part in parts:
        if isinstance(part, _Var):
            found.add(part.name)
        elif isinstance(part, _Opt):
            found |= variables_of(part.parts)
    return found


def _render_parts(parts: Iterable[Any], values: Mapping[str, str]) -> str | None:
    """The parts as text, or None when a value they need (outside an optional) is missing."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            if part.startswith(".") and out and out[-1].endswith((".", "!", "?")):
                part = part[1:]  # "Acme, Inc." then the sentence's own full stop: one
            out.append(part)
        elif isinstance(part, _Var):
            value = values.get(part.name, "")
            if not value:
                return None
            out.append(value)
        else:
            inner = _render_parts(part.parts, values)
            out.append(inner or "")
    return "".join(out)


_SENTENCE_END = re.compile(r"(?<=[.!?])[ \t]+")


def _units(parts: tuple[Any, ...]) -> list[list[list[Any]]]:
    """Top-level parts split into lines, and each line into sentences."""
    lines: list[list[list[Any]]] = [[[]]]
    for part in parts:
        if not isinstance(part, str):
            lines[-1][-1].append(part)
            continue
        for i, line_text in enumerate(part.split("\n")):
            if i:
                lines.append([[]])
            for j, sentence in enumerate(_SENTENCE_END.split(line_text)):
                if j:
                    lines[-1].append([])
                if sentence:
                    lines[-1][-1].append(sentence)
    return lines


def render(template: str | tuple[Any, ...], values: Mapping[str, str]) -> str:
    """Fill a template; sentences and optional parts whose values are missing are left out."""
    parts = parse(template) if isinstance(template, str) else template
    out_lines: list[str] = []
    for line in _units(parts):
        if not any(line):
            out_lines.append("")  # a blank line written in the template: a paragraph break
            continue
        kept = [text for unit in line if unit and (text := _render_parts(unit, values))]
        text = " ".join(t.strip(" \t") for t in kept if t.strip(" \t"))
        if text.strip():
            out_lines.append(text.rstrip())
    body = "\n".join(line.rstrip() for line in "\n".join(out_lines).split("\n"))
    body = re.sub(r"[ \t]{2,}", " ", body)
    body = re.sub(r"\n{3,}", "\n\n", body)
    return body.strip("\n").strip()


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


def shareable_link(url: str) -> str:
    """The link as it goes into a message: without the feed's ``utm_*`` tracking tags
    (a note to a friend should not report back to a newsletter). Other parameters stay."""
    parts = urlsplit(url)
    if "utm_" not in parts.query.lower():
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("utm_")]
    return urlunsplit(parts._replace(query=urlencode(kept)))


# ------------------------------------------------------------------------------ context
@dataclass
class MessageContext:
    """Everything a message may mention. Missing values are empty strings / None."""

    contact: Contact
    step: str
    channel: str = "email"
    thread: Thread | None = None
    article: Article | None = None
    recipient: Contact | None = None  # who the message goes to, when not `contact`
    # The thread's talking points ("what we discussed"); never a note (see drafting).
    last_note: str = ""
    me_name: str = ""
    signature: str = ""
    now: arrow.Arrow | None = None
    job_change: JobChange | None = None
    reminder_number: int = 1  # payment reminders: 1 for the first, 2 for the next...
    warnings: list[str] = field(default_factory=list)  # the engine's pester-guard warnings

    @property
    def to(self) -> Contact:
        return self.recipient or self.contact


@dataclass
class Draft:
    subject: str
    body: str
    channel: str
    step: str
    variant: int  # 0-based index among the variants that fit
    variants: int  # how many fit (the composer cycles through them)
    words: int
    warnings: list[str] = field(default_factory=list)
    variant_id: str = ""
    hint: str = ""  # e.g. for move-on: sending nothing is fine too

    @property
    def over_limit(self) -> bool:
        return self.words > WORD_LIMIT


def day(value: str | None, now: arrow.Arrow | None) -> str:
    """An ISO date or date-time as 'Monday 2 March' (with the year when not this year)."""
    if not value:
        return ""
    try:
        moment = arrow.get(value)
    except (arrow.parser.ParserError, ValueError, TypeError):
        return ""
    if now is not None and "T" in value:
        moment = moment.to(now.tzinfo)
    text = moment.format("dddd D MMMM")
    if now is not None and moment.year != now.year:
        text += f" {moment.year}"
    return text


def _when(value: str | None, now: arrow.Arrow | None) -> str:
    if not value or now is None:
        return ""
    try:
        moment = arrow.get(value)
    except (arrow.parser.ParserError, ValueError, TypeError):
        return ""
    if "T" in value:
        moment = moment.to(now.tzinfo)
    delta = (now.date() - moment.date()).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "yesterday"
    return f"on {day(value, now)}"


def _one_line(text: str, max_words: int = 20) -> str:
    """The first line of a note, short, without trailing punctuation (templates add it)."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    words = first.split()
    if len(words) > max_words:
        first = " ".join(words[:max_words]) + "…"
    return first.rstrip(" .;:,!?")


def bullet_points(note: str, limit: int = 3) -> list[str]:
    """Up to ``limit`` short points from a note: its lines, else its sentences."""
    lines = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip() for line in note.splitlines()]
    items = [line for line in lines if line]
    if len(items) <= 1:
        items = [s.strip() for s in re.split(r"(?<=[.!?;])\s+", " ".join(items)) if s.strip()]
    points = []
    for item in items[:limit]:
        item = item.rstrip(" .;,")
        words = item.split()
        if len(words) > 18:
            item = " ".join(words[:18]) + "…"
        if item:
            points.append(item)
    return points


def values_for(ctx: MessageContext) -> dict[str, str]:
    """The variables of a context; missing values are empty strings."""
    to = ctx.to
    thread = ctx.thread
    now = ctx.now
    values = {name: "" for name in VARIABLES}
    values["first_name"] = to.first_name
    values["name"] = to.name.strip()
    values["company"] = to.company or ctx.contact.company
    if thread is not None and thread.kind == "application" and ctx.contact.company:
        # Asking an internal connection: the company is the one applied to.
        values["company"] = ctx.contact.company
    values["role"] = to.role
    values["my_name"] = ctx.me_name.strip()
    values["sign"] = ctx.signature.strip() or ctx.me_name.strip()
    note = ctx.last_note.strip()
    values["discussed"] = _one_line(note)
    points = bullet_points(note)
    values["points"] = "\n".join(f"- {p}" for p in points)
    if thread is not None:
        values["position"] = thread.role.strip()
        if thread.kind == "interview":
            values["interview_date"] = day(thread.at, now)
            values["interview_when"] = _when(thread.at, now)
            values["decision_date"] = day(thread.decision_by, now)
        elif thread.kind == "application":
            values["applied_date"] = day(thread.at, now)
        elif thread.kind == "invoice":
            values["invoice_label"] = thread.label.strip()
            values["invoice_amount"] = thread.amount.strip()
            values["invoice_date"] = day(thread.at, now)
            if now is not None:
                try:
                    age = (now.date() - arrow.get(thread.at).to(now.tzinfo).date()).days
                except (arrow.parser.ParserError, ValueError, TypeError):
                    age = -1
                if age > 0:
                    values["invoice_age"] = str(age)
    if ctx.article is not None:
        values["article_title"] = ctx.article.title.strip()
        values["article_link"] = shareable_link(ctx.article.link.strip())
    if ctx.job_change is not None:
        values["new_company"] = ctx.job_change.company.strip()
        values["new_role"] = ctx.job_change.role.strip()
    elif ctx.step == "congratulate":
        values["new_company"] = to.company
        values["new_role"] = to.role
    # Values are single lines (the signature and the bullet list excepted): a stray newline
    # from an import must not break a sentence apart.
    for name, value in values.items():
        if name not in ("sign", "points"):
            values[name] = " ".join(value.split())
    return values


def _flags(ctx: MessageContext) -> set[str]:
    return {"first-reminder" if ctx.reminder_number <= 1 else "later-reminder"}


def fitting(ctx: MessageContext, library: Library | None = None) -> tuple[str, list[Variant]]:
    """(template channel used, the variants that fit this context, best first)."""
    library = library or default_library()
    values = values_for(ctx)
    flags = _flags(ctx)
    every = library.variants(ctx.step)
    usable = [
        v for v in every
        if all(values.get(name) for name in v.requires) and set(v.when) <= flags
    ]
    for channel in _FALLBACK.get(ctx.channel, ("email",)):
        chosen = [v for v in usable if channel in v.channels]
        if chosen:
            return channel, chosen
    return ctx.channel, []


_HINTS = {
    "move-on": "Optional: sending nothing and just closing the thread is fine too.",
    "final-call": "A phone call: use this as a script, then log it.",
}


def draft(ctx: MessageContext, variant: int = 0, library: Library | None = None) -> Draft:
    """The message for ``ctx`` using the ``variant``-th fitting variant (wraps around)."""
    if ctx.step not in STEPS:
        raise ValueError(f"unknown step {ctx.step!r}; steps: {', '.join(STEPS)}")
    template_channel, variants = fitting(ctx, library)
    warnings = list(ctx.warnings)
    if not variants:
        warnings.append(f"No template fits the step {ctx.step!r}; write the message yourself.")
        body = f"Hi {ctx.to.first_name}," if ctx.to.first_name else ""
        return Draft("", body, ctx.channel, ctx.step, 0, 0, word_count(body), warnings,
                     hint=_HINTS.get(ctx.step, ""))
    index = variant % len(variants)
    chosen = variants[index]
    values = values_for(ctx)
    body = render(chosen.parsed_body, values)
    subject = ""
    if template_channel == "email" and ctx.channel in ("email", "other"):
        subject = render(chosen.parsed_subject, values) if chosen.subject else ""
        if not subject:
            subject = _fallback_subject(ctx.step)
    return Draft(subject, body, ctx.channel, ctx.step, index, len(variants), word_count(body),
                 warnings, chosen.id, _HINTS.get(ctx.step, ""))


def _fallback_subject(step: str) -> str:
    return {
        "thank-you": "Thank you",
        "payment-reminder": "Invoice reminder",
        "congratulate": "Congratulations!",
    }.get(step, "Hello")


# ------------------------------------------------------------------------------ output
_WORD = re.compile(r"\S+")


def word_count(text: str) -> int:
    """Words as a reader counts them: runs of non-space holding a letter or digit."""
    return sum(1 for token in _WORD.findall(text) if any(ch.isalnum() for ch in token))


def mailto_url(to: str, subject: str, body: str) -> str:
    """A ``mailto:`` URL (RFC 6068): every reserved byte percent-encoded, CRLF line ends."""
    def encode(value: str) -> str:
        value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
        return quote(value, safe="")

    address = quote(to.strip(), safe="@")
    query = []
    if subject:
        query.append(f"subject={encode(subject)}")
    if body:
        query.append(f"body={encode(body)}")
    return f"mailto:{address}" + (f"?{'&'.join(query)}" if query else "")


def with_text(current: Draft, subject: str, body: str) -> Draft:
    """The draft after the user's edits (what gets copied or sent)."""
    return replace(current, subject=subject, body=body, words=word_count(body))


def as_text(d: Draft) -> str:
    """Subject (emails) and body, as copied to the clipboard or printed."""
    return f"Subject: {d.subject}\n\n{d.body}" if d.subject else d.body
