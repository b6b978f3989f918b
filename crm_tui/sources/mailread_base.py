"""What the mail reader works with: its records, and reading a header block (see
:mod:`crm_tui.sources.mailread`)."""


from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from crm_tui.domain.text import clean

HEAD_BYTES = 4096  # the part of an mbox whose checksum says "same file, maybe grown"
# A directory mtime this close to the scan may still change within the same tick.
_FRESH_NS = 2_000_000_000
# Folders in a mail tree that never hold mail (notmuch's index, a git repository).
_NOT_MAIL = (".ics", ".vcf", ".json", ".db", ".sqlite", ".lock")
_SKIP_DIRS = frozenset({".notmuch", ".git", ".hg", ".svn", "tmp"})
_MSGID = re.compile(r"<([^<>\s]{1,500})>")
# A message starts with a header field ("Name:"), or the "From " line some tools leave.
_UNFOLD = re.compile(r"\r?\n")
_HEADER_START = re.compile(rb"[!-9;-~]{1,200}:|From ")
_EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)
_UTC = UTC

Progress = Callable[[int, int], None]


@functools.cache


def _email() -> Any:
    """The stdlib email machinery, imported on first use: a sync with nothing new parses
    nothing and need not pay for importing it. Returns a namespace with ``policy`` (the
    default policy with a header registry that makes each header class once: the stock one
    builds a new class for every header it parses, a third of the time) and the parsers."""
    from email import policy
    from email.headerregistry import Address, HeaderRegistry
    from email.parser import BytesHeaderParser, HeaderParser
    from email.utils import parsedate_to_datetime

    class Registry(HeaderRegistry):
        def __init__(self) -> None:
            super().__init__()
            self._made: dict[str, type] = {}

        def __getitem__(self, name: str) -> type:
            made = self._made.get(name.lower())
            if made is None:
                made = self._made[name.lower()] = super().__getitem__(name)
            return made

    chosen = policy.default.clone(header_factory=Registry())
    return SimpleNamespace(policy=chosen, Address=Address, parsedate=parsedate_to_datetime,
                           bytes_parser=BytesHeaderParser(policy=chosen),
                           text_parser=HeaderParser(policy=chosen))


class NotMail(Exception):
    """This file is not a message we can read (the reason is the message)."""


@dataclass(slots=True)
class Message:
    """The few header fields a touch needs, decoded and cleaned."""

    key: str  # the Message-ID without <>, or "h:" + a hash of the headers
    sender: str  # lower-case address
    sender_name: str
    recipients: list[tuple[str, str]]  # (lower-case address, display name) of To and Cc
    at: str  # ISO date-time with offset
    guessed: bool  # the date is from the mbox From line or the file's mtime
    subject: str
    refs: list[str]  # Message-IDs from References and In-Reply-To
    automatic: bool  # Auto-Submitted other than "no"
    path: str  # where it was read (a file, or "mbox#offset")


@dataclass(slots=True)
class Problem:
    path: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass
class MailScan:
    """What one scan found; ``states`` is the new state of every source it looked at."""

    messages: list[Message] = field(default_factory=list)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)  # source path -> data
    problems: list[Problem] = field(default_factory=list)
    guessed: list[str] = field(default_factory=list)  # paths whose date was guessed
    read: int = 0  # header blocks read
    skipped_unaddressed: int = 0  # read, but none of my addresses in the headers
    sources: int = 0  # Maildir folders and mbox files looked at




# --------------------------------------------------------------------------- helpers
# The fields a touch needs; the parser sees only these (Received, DKIM and the rest of a
# real header block are most of its size and of the parsing time).
_ADDRESSING = frozenset({b"from", b"to", b"cc"})
_WANTED_FIELD = re.compile(
    rb"^(from|to|cc|date|subject|message-id|references|in-reply-to|auto-submitted)[ \t]*:"
    rb"[^\n]*(?:\n[ \t][^\n]*)*", re.IGNORECASE | re.MULTILINE)


def wanted_fields(block: bytes) -> tuple[bytes, bytes]:
    """The header block cut down to the wanted fields (continuation lines kept), and the
    lower-cased From/To/Cc fields alone (to tell at once whether I am in them at all)."""
    kept: list[bytes] = []
    addressing: list[bytes] = []
    for match in _WANTED_FIELD.finditer(block):
        kept.append(match.group(0))
        if match.group(1).lower() in _ADDRESSING:
            addressing.append(match.group(0))
    return b"\n".join(kept) + b"\n", b"\n".join(addressing).lower()


def header_block_fd(fd: int, cap: int) -> bytes:
    """The header block of the message open on ``fd``: up to the first blank line."""
    chunks: list[bytes] = []
    size = 0
    tail = b""
    while True:
        chunk = os.read(fd, 16384)
        if not chunk:
            return b"".join(chunks)  # headers only, no body: the whole file
        window = tail + chunk
        cut = _blank_line(window)
        if cut >= 0:
            used = cut - len(tail)
            chunks.append(chunk[:max(used, 0)])
            return b"".join(chunks) + b"\n"
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            raise NotMail(f"header block over {cap // 1024} KiB")
        tail = window[-3:]


def _blank_line(data: bytes) -> int:
    found = [i for i in (data.find(b"\n\n"), data.find(b"\r\n\r\n")) if i >= 0]
    return min(found) + 1 if found else -1


def _text(value: object) -> str:
    """A header value as text; undeclared 8-bit bytes (kept by the parser as surrogates)
    are read as UTF-8 when they are, else as Latin-1."""
    text = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        raw = text.encode("utf-8", "surrogateescape")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    return text


@functools.lru_cache(maxsize=32768)
def _parsed_addresses(value: str) -> tuple[tuple[str, str], ...]:
    """The (address, name) pairs of one From/To/Cc value, parsed by the policy like any
    header, and remembered: a mailbox repeats the same few values thousands of times."""
    found: list[tuple[str, str]] = []
    mail = _email()
    header = mail.policy.header_fetch_parse("to", value)
    for address in getattr(header, "addresses", ()):
        if not isinstance(address, mail.Address):
            continue
        spec = _text(address.addr_spec).strip().lower()
        if "@" not in spec or len(spec) > 254 or any(ch.isspace() for ch in spec):
            continue
        found.append((clean(spec, 254), clean(_text(address.display_name), 200)))
    return tuple(found)


def _parse_date(value: str) -> datetime | None:
    """An RFC 5322 date (as the policy's DateHeader reads it); None when unparseable."""
    if not value.strip():
        return None
    try:
        moment = _email().parsedate(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_UTC)  # "-0000": the offset is unknown
    return moment


def _from_line_date(line: bytes) -> datetime | None:
    """The date of an mbox ``From sender Wed Mar 18 10:00:00 2026`` line (UTC, by custom)."""
    parts = line.decode("latin-1").split()
    for i in range(len(parts) - 4):
        try:
            moment = datetime.strptime(" ".join(parts[i:i + 5]), "%a %b %d %H:%M:%S %Y")
        except ValueError:
            continue
        return moment.replace(tzinfo=_UTC)
    return None




def header_block_of_stream(stream: Any, cap: int = 256 * 1024) -> bytes:
    """The header block of one message on a binary stream (standard input from a mail
    client). The rest is read and dropped, unparsed and unkept, so the client writing into
    the pipe never gets a broken pipe."""
    data = b""
    while True:
        chunk = stream.read(16384)
        if not chunk:
            block = data
            break
        data += chunk
        cut = _blank_line(data)
        if cut >= 0:
            block = data[:cut] + b"\n"
            break
        if len(data) > cap:
            raise NotMail(f"header block over {cap // 1024} KiB")
    while stream.read(65536):
        pass
    return block


