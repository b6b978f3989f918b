"""Ready-to-send messages for every step of the engine: a step's context in, a draft out.

Pure domain code: no textual, no tinydb, no clock (``now`` is in the context). The
templates come from :mod:`crm_tui.domain.template_library`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import arrow

from crm_tui.domain.models import STEPS, Article, Contact, JobChange, Thread
from crm_tui.domain.template_library import Library, Variant, default_library
from crm_tui.domain.template_syntax import VARIABLES, render

WORD_LIMIT = 120

# Where to look when a step has no variant written for the chosen channel.
_FALLBACK: dict[str, tuple[str, ...]] = {
    "email": ("email", "message", "linkedin"),
    "linkedin": ("linkedin", "message", "email"),
    "message": ("message", "linkedin", "email"),
    "call": ("call", "message", "linkedin", "email"),
    "meeting": ("message", "linkedin", "email"),
    "other": ("email", "message", "linkedin"),
}



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
    # The thread's talking points ("what we discussed"); never a note (see services.drafting).
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
        "birthday": "Happy birthday!",
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
