"""Domain records: plain dataclasses, free of textual and tinydb.

Dates and times are kept as ISO-8601 strings with an offset (``at`` fields) or plain
ISO dates (``YYYY-MM-DD``, the ``*_by`` / ``*_until`` fields) so that records round-trip
through JSON unchanged. Code that computes with them parses them with arrow.

Ids are opaque strings assigned by the store (``c12`` contact, ``t3`` thread, ``f2`` feed,
``a57`` article, ``2026-15`` touch, ``s4`` share, ``d9`` dismissal).
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any, Literal, TypeVar

TIERS: tuple[str, ...] = ("close", "active", "casual", "dormant")
CHANNELS: tuple[str, ...] = ("email", "call", "linkedin", "meeting", "message", "other")
DIRECTIONS: tuple[str, ...] = ("out", "in")
THREAD_KINDS: tuple[str, ...] = ("interview", "application", "invoice")
# The implicit thread every contact has; never stored as a Thread record.
KEEP_IN_TOUCH = "keep-in-touch"

STEPS: tuple[str, ...] = (
    "thank-you",
    "follow-up-1",
    "follow-up-2",
    "final-call",
    "move-on",
    "application-follow-up",
    "ask-connection",
    "payment-reminder",
    "keep-in-touch",
    "rekindle",
    "reply-requested",
    "graceful-close",
    "congratulate",
    "share-article",
    "reply-received",
    "birthday",
    "their-post",
)
STATUSES: tuple[str, ...] = ("overdue", "due", "upcoming", "waiting", "closed")

# Outcome of an inbound touch (a reply): what the reply asked of us.
REPLY_ASKED = "asked"  # they asked for something: references, samples, a call...
REPLY_REJECTED = "rejected"  # they chose someone else
REPLY_PAID = "paid"  # invoice paid (closes the invoice thread)
REPLY_NOTED = "noted"  # just a reply: read and classified as nothing more
OUTCOMES: tuple[str, ...] = (REPLY_ASKED, REPLY_REJECTED, REPLY_PAID, REPLY_NOTED)
# Where a touch came from, when not typed: a synced mail is "mail".
SOURCE_MAIL = "mail"

T = TypeVar("T")


class _Layout:
    """What building a record from a dict needs to know about its dataclass."""

    __slots__ = ("factories", "names", "required")

    def __init__(self, cls: type) -> None:
        own = fields(cls)
        self.names = frozenset(f.name for f in own)
        self.required = frozenset(
            f.name for f in own if f.default is MISSING and f.default_factory is MISSING
        )
        self.factories = tuple(
            (f.name, f.default_factory) for f in own if f.default_factory is not MISSING
        )


_LAYOUTS: dict[type, _Layout] = {}


class Record:
    """Mixin: dict round trip that ignores unknown keys (forward compatible)."""

    id: str  # every record class declares it as its first field

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        """The record ``data`` describes; unknown keys are dropped, missing ones defaulted.

        Built without calling the dataclass ``__init__`` (none of the records has a
        ``__post_init__``): the store builds tens of thousands at start-up, and handing
        the record a copy of ``data`` as its ``__dict__`` takes under half the time.
        Raises TypeError, as ``__init__`` would, when a field without a default is missing.
        """
        layout = _LAYOUTS.get(cls)
        if layout is None:
            layout = _LAYOUTS[cls] = _Layout(cls)
        if not layout.names.issuperset(data):
            data = {k: v for k, v in data.items() if k in layout.names}
        if not layout.required.issubset(data):
            missing = ", ".join(sorted(layout.required.difference(data)))
            raise TypeError(f"{cls.__name__} is missing {missing}")
        values = dict(data)
        for name, factory in layout.factories:
            if name not in values:
                values[name] = factory()
        record = object.__new__(cls)
        # Fields with a plain default that ``data`` leaves out read it from the class,
        # where the dataclass put it (getattr, asdict, == and repr all see it).
        record.__dict__ = values
        return record


@dataclass
class JobChange(Record):
    """A change of company or position seen on a re-import (makes `congratulate` due)."""

    at: str
    company: str = ""
    role: str = ""
    prev_company: str = ""
    prev_role: str = ""
    congratulated: bool = False


@dataclass
class Contact(Record):
    name: str
    id: str = ""
    emails: list[str] = field(default_factory=list)  # every address; the first is the main one
    phone: str = ""
    company: str = ""
    role: str = ""
    tags: list[str] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    tier: str = "casual"
    every: int | None = None  # custom keep-in-touch interval in days; overrides the tier
    notes: str = ""
    linkedin: str = ""
    birthday: str = ""  # ISO date, or "--MM-DD" when the year is unknown
    created_at: str = ""
    # Summaries maintained by the store so start-up never reads every touch.
    last_in: str | None = None
    last_out: str | None = None
    touch_count: int = 0
    # Keep-in-touch actions
    snoozed_until: str | None = None  # ISO date; nothing is suggested before it
    snooze_count: int = 0
    skipped_on: str | None = None  # ISO date of a "skip today"
    job_changes: list[dict[str, Any]] = field(default_factory=list)  # JobChange dicts
    # The next few meetings with them from the calendars (sources/calendar.py): dicts
    # {"at": ISO start, "title": summary, "all_day": bool}, soonest first. Refreshed by sync.
    meetings: list[dict[str, Any]] = field(default_factory=list)
    # Fields from imports that we do not model; kept so nothing is ever lost.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else ""

    @property
    def email(self) -> str:
        """The main address (the first), or ""."""
        return self.emails[0] if self.emails else ""

    @email.setter
    def email(self, value: str) -> None:
        rest = [a for a in self.emails[1:] if a.casefold() != value.casefold()]
        self.emails = [value, *rest] if value else rest

    def has_address(self, address: str) -> bool:
        folded = address.casefold()
        return any(a.casefold() == folded for a in self.emails)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["email"] = self.email  # the main address, for readers of the JSON output
        return data

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        if "email" in data or "emails" in data.get("extra", ()):
            data = upgrade_contact_doc(dict(data))
        return super().from_dict(data)

    @property
    def last_touch(self) -> str | None:
        candidates = [t for t in (self.last_in, self.last_out) if t]
        return max(candidates) if candidates else None


def upgrade_contact_doc(doc: dict[str, Any]) -> dict[str, Any]:
    """A contact as stored before schema 2 (``email`` plus ``extra["emails"]``) with the one
    list of addresses instead, main first, case-insensitive duplicates dropped."""
    addresses: list[str] = []
    extra = doc.get("extra")
    more = extra.get("emails", []) if isinstance(extra, dict) else []
    for value in [doc.pop("email", ""), *doc.get("emails", []), *(more if isinstance(more, list) else [])]:
        value = str(value or "").strip()
        if value and value.casefold() not in {a.casefold() for a in addresses}:
            addresses.append(value)
    if isinstance(extra, dict) and "emails" in extra:
        extra = {k: v for k, v in extra.items() if k != "emails"}
        if extra:
            doc["extra"] = extra
        else:
            doc.pop("extra")
    if addresses:
        doc["emails"] = addresses
    else:
        doc.pop("emails", None)
    return doc


@dataclass
class Touch(Record):
    contact_id: str
    at: str  # ISO datetime with offset
    direction: str = "out"  # "out" | "in"
    channel: str = "email"
    note: str = ""
    id: str = ""
    thread_id: str | None = None
    article_id: str | None = None
    step: str | None = None  # the step an outbound touch fulfilled (e.g. "thank-you")
    outcome: str | None = None  # for inbound touches: one of OUTCOMES, or None
    source: str = ""  # "" typed by the user; "mail" logged by a sync (see crm_tui/sources)
    key: str = ""  # the source's key for dedupe (a mail's Message-ID, or a hash)

    @property
    def unclassified(self) -> bool:
        """A synced reply nobody has said anything about yet (makes `reply-received`)."""
        return self.direction == "in" and bool(self.source) and self.outcome is None


@dataclass
class Thread(Record):
    contact_id: str
    kind: str  # "interview" | "application" | "invoice"
    at: str  # when it started: interviewed at / applied at / invoice sent at
    id: str = ""
    status: str = "open"  # "open" | "closed"
    closed_at: str | None = None
    close_reason: str = ""
    # interview
    decision_by: str | None = None  # ISO date promised for a decision
    interviewers: list[str] = field(default_factory=list)  # contact ids
    role: str = ""  # role interviewed / applied for
    # application
    via: str | None = None  # contact id of an internal connection
    # invoice
    terms: int = 30
    label: str = ""
    amount: str = ""
    note: str = ""  # private: never quoted in a message
    # interview: what to bring up in the thank-you, written for that purpose (a draft may
    # quote it, one point a line); unlike every note, it is meant to be sent.
    talking_points: str = ""


@dataclass
class Feed(Record):
    url: str  # http(s) URL, or an absolute local file path
    id: str = ""
    title: str = ""
    tags: list[str] = field(default_factory=list)
    enabled: bool = True
    added_at: str = ""
    etag: str | None = None
    last_modified: str | None = None
    last_fetched: str | None = None
    last_status: str = ""  # "updated" | "not-modified" | "failed" | "disabled" | ""
    last_error: str | None = None
    warning: str | None = None  # e.g. bozo feed kept with entries
    errors: int = 0  # consecutive errors
    retry_after: str | None = None  # ISO datetime before which we do not fetch again
    body_hash: str | None = None  # digest of the last body parsed: an unchanged one is not parsed again
    contact_id: str | None = None  # the contact whose blog or newsletter this is
    even_if_dormant: bool = False  # their posts make a their-post step even after a year of silence
    first_fetched: str | None = None  # the first refresh that brought a body: its entries are not news


@dataclass
class Article(Record):
    feed_id: str
    title: str
    id: str = ""
    guid: str = ""
    link: str = ""
    summary: str = ""
    author: str = ""
    tags: list[str] = field(default_factory=list)
    published: str = ""  # ISO datetime (UTC offset)
    fetched_at: str = ""
    key: str = ""  # normalised link (or guid/hash) used to dedupe across feeds


@dataclass
class Share(Record):
    """An article sent to a contact (the touch holds the message)."""

    article_id: str
    contact_id: str
    at: str
    id: str = ""
    touch_id: str | None = None


@dataclass
class Dismissal(Record):
    """An article the user said is not for this contact."""

    article_id: str
    contact_id: str
    at: str
    id: str = ""


@dataclass
class Suggestion(Record):
    """One next step for a contact on one thread, as computed by the cadence engine."""

    contact_id: str
    contact: str  # display name
    step: str  # one of STEPS
    status: str  # one of STATUSES
    due: str  # ISO date
    reason: str
    kind: str = KEEP_IN_TOUCH  # thread kind, or "keep-in-touch"
    thread_id: str | None = None
    overdue_days: int = 0
    channel: str = "email"
    warnings: list[str] = field(default_factory=list)
    unanswered: int = 0
    rank: tuple[Any, ...] = ()  # sort key; smaller is more urgent (not serialised)
    recipient_id: str | None = None  # e.g. the interviewer a thank-you goes to
    article_id: str | None = None  # their post, for a ``their-post`` step

    def to_json(self) -> dict[str, Any]:
        data = self.to_dict()
        data.pop("rank", None)
        return data


@dataclass
class Post:
    """A recent post on a contact's own feed (their blog or newsletter): see
    ``cadence.their_post``. Built by the engine from feeds with a ``contact_id``."""

    contact_id: str
    article_id: str
    title: str
    published: str  # ISO datetime
    even_if_dormant: bool = False  # asked for when following their feed (``Feed.even_if_dormant``)


Direction = Literal["out", "in"]
