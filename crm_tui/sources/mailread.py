"""Reading mail headers from Maildirs, trees of Maildirs and mbox files, incrementally.

Only the header block of a message is ever read (up to ``cap`` bytes; a longer one is
skipped), never a body. What was read is remembered per source so the next scan reads only
what is new:

- a Maildir folder: the unique part of every file name (before ``:2,``, so a flag change or
  a move from ``new/`` to ``cur/`` is not a new message) and the mtimes of ``new/`` and
  ``cur/``: while neither changed, the folder is not even listed;
- an mbox file: its size, mtime, a checksum of its head and the offset read up to; an mbox
  that only grew is read from that offset, one rewritten (head changed or shrunk) from the
  start (the touches are deduplicated anyway).

Nothing here touches the store: the scan runs without the store's lock, in a worker or
before a command opens the store for writing. Every problem (unreadable file or folder,
not a regular file, symlink loop, oversized header block, no sender) is recorded with its
path and the scan goes on.
"""

from __future__ import annotations

import functools
import hashlib
import mmap
import os
import re
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
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


# --------------------------------------------------------------------------- detection
def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() or (path / "new").is_dir()


def is_mbox_file(path: Path) -> bool:
    """A regular file that is empty or starts with an mbox ``From `` line."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as handle:
            head = handle.read(5)
    except OSError:
        return False
    return head in (b"", b"From ")


def detect(path: Path) -> bool:
    """Mail: a Maildir, a folder holding Maildirs or mbox files, or an mbox file."""
    if path.is_dir():
        if is_maildir(path):
            return True
        maildirs, mboxes = discover(path, [], depth=3)
        return bool(maildirs or mboxes)
    # An empty file could be anything (an empty .ics too): only a non-empty mbox is claimed.
    return is_mbox_file(path) and path.stat().st_size > 0


def discover(root: Path, problems: list[Problem], depth: int = 64) -> tuple[list[Path], list[Path]]:
    """Every Maildir and mbox file under ``root`` (itself included), sorted. Symlinks are
    followed once: a folder seen before (a loop) is reported, not walked again."""
    maildirs: list[Path] = []
    mboxes: list[Path] = []
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[Path, int]] = [(root, 0)]
    while stack:
        folder, level = stack.pop()
        try:
            info = os.stat(folder)
        except OSError as exc:
            problems.append(Problem(str(folder), _why(exc)))
            continue
        ident = (info.st_dev, info.st_ino)
        if ident in seen:
            problems.append(Problem(str(folder), "symlink loop (folder already read)"))
            continue
        seen.add(ident)
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            problems.append(Problem(str(folder), _why(exc)))
            continue
        here_maildir = any(e.name in ("cur", "new") and _is_dir(e) for e in entries)
        if here_maildir:
            maildirs.append(folder)
        for entry in entries:
            if here_maildir and entry.name in ("cur", "new", "tmp"):
                continue
            if entry.name in _SKIP_DIRS:
                continue
            path = Path(entry.path)
            try:
                if entry.is_dir():
                    if level < depth:
                        stack.append((path, level + 1))
                elif entry.is_file():
                    if entry.name.lower().endswith(_NOT_MAIL):
                        continue  # a calendar or card folder beside the mail: not opened
                    if is_mbox_file(path) and path.stat().st_size:
                        mboxes.append(path)
                elif entry.is_symlink():
                    problems.append(Problem(str(path), "broken or looping symlink"))
            except OSError as exc:
                problems.append(Problem(str(path), _why(exc)))
    return sorted(maildirs), sorted(mboxes)


def _names(state: dict[str, Any], sub: str) -> list[str]:
    """The unique names a Maildir state remembers for ``new`` or ``cur``."""
    names = state.get("names", {}).get(sub, "")
    if isinstance(names, list):
        return [str(n) for n in names]
    return names.split("\n") if names else []


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _why(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


# --------------------------------------------------------------------------- scanning
class Scanner:
    """One scan over several paths: plan (list what is new), then read the headers."""

    def __init__(self, me: Iterable[str], states: dict[str, dict[str, Any]],
                 cap: int = 256 * 1024, keep_subjects: bool = True,
                 now: datetime | None = None) -> None:
        self.me = sorted({a.strip().lower() for a in me if a.strip()})
        self._me_bytes = [a.encode() for a in self.me]
        self.old = states
        self.cap = cap
        self.keep_subjects = keep_subjects
        self.now = now or datetime.now(_UTC)
        self.result = MailScan()
        # ("file", (path, folder key, "new"|"cur")) | ("mbox", (path, start, end, from_line))
        self._jobs: list[tuple[str, Any]] = []

    # ---------------------------------------------------------------- planning
    def plan(self, roots: Iterable[Path]) -> int:
        """List what is new under every root; returns how many messages will be read."""
        for root in roots:
            root = Path(os.path.expanduser(str(root)))
            if not os.path.lexists(root):
                self.result.problems.append(Problem(str(root), "no such file or folder"))
                continue
            if root.is_dir():
                maildirs, mboxes = discover(root, self.result.problems)
                if not maildirs and not mboxes:
                    self.result.problems.append(Problem(str(root), "no Maildir or mbox file in this folder"))
                for folder in maildirs:
                    self._plan_maildir(folder)
                for box in mboxes:
                    self._plan_mbox(box)
            elif is_mbox_file(root):
                self._plan_mbox(root)
            else:
                self.result.problems.append(Problem(str(root), "not a Maildir or an mbox file"))
        return len(self._jobs)

    def _plan_maildir(self, folder: Path) -> None:
        key = str(folder.resolve())
        if key in self.result.states:
            return  # reached twice (a symlink to a folder read already)
        self.result.sources += 1
        old = self.old.get(key, {})
        state: dict[str, Any] = {"type": "maildir", "mtimes": {}, "names": {}}
        known: set[str] | None = None  # every name read before, built only if a listing needs it
        started = time.time_ns()
        for sub in ("new", "cur"):
            sub_path = folder / sub
            try:
                mtime = os.stat(sub_path).st_mtime_ns
            except FileNotFoundError:
                continue
            except OSError as exc:
                self.result.problems.append(Problem(str(sub_path), _why(exc)))
                state["names"][sub] = old.get("names", {}).get(sub, "")
                continue
            if mtime and old.get("mtimes", {}).get(sub) == mtime:
                state["mtimes"][sub] = mtime
                state["names"][sub] = old.get("names", {}).get(sub, "")
                continue
            try:
                with os.scandir(sub_path) as listing:
                    names = [e.name for e in listing if not e.name.startswith(".")]
            except OSError as exc:
                self.result.problems.append(Problem(str(sub_path), _why(exc)))
                state["names"][sub] = old.get("names", {}).get(sub, "")
                continue
            if known is None:  # both folders: a message may move from new/ to cur/
                known = {*_names(old, "new"), *_names(old, "cur")}
            uniques = []
            for name in sorted(names):
                unique = name.split(":", 1)[0]
                uniques.append(unique)
                if unique not in known:
                    self._jobs.append(("file", (sub_path / name, key, sub)))
            # Trust the mtime next time only if it is not from this very moment.
            state["mtimes"][sub] = mtime if started - mtime > _FRESH_NS else 0
            # One string, a name a line: a folder of 100,000 messages parses and saves
            # several times faster than as 100,000 JSON strings.
            state["names"][sub] = "\n".join(sorted(set(uniques)))
        self.result.states[key] = state

    def _plan_mbox(self, path: Path) -> None:
        key = str(path.resolve())
        if key in self.result.states:
            return
        self.result.sources += 1
        old = self.old.get(key, {})
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            self.result.problems.append(Problem(str(path), _why(exc)))
            if old:
                self.result.states[key] = old
            return
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                self.result.problems.append(Problem(str(path), "not a regular file"))
                return
            size = info.st_size
            head_len = min(size, HEAD_BYTES)
            head = os.pread(fd, head_len, 0)
            digest = hashlib.sha1(head).hexdigest()
            state = {"type": "mbox", "size": size, "mtime": info.st_mtime_ns,
                     "head": digest, "head_len": head_len, "offset": size}
            start = 0
            if old.get("type") == "mbox":
                same_head = (old.get("head_len", 0) <= size and hashlib.sha1(
                    os.pread(fd, old.get("head_len", 0), 0)).hexdigest() == old.get("head"))
                if same_head and old.get("size") == size and old.get("mtime") == info.st_mtime_ns:
                    self.result.states[key] = old
                    return
                offset = int(old.get("offset", 0))
                if same_head and offset <= size and (offset == size or os.pread(fd, 5, offset) == b"From "):
                    start = offset
            self.result.states[key] = state
            if size <= start:
                return
            with mmap.mmap(fd, size, access=mmap.ACCESS_READ) as data:
                self._split_mbox(path, data, start, size)
        except (OSError, ValueError) as exc:
            self.result.problems.append(Problem(str(path), _why(exc) if isinstance(exc, OSError) else str(exc)))
            self.result.states.pop(key, None)
            if old:
                self.result.states[key] = old
        finally:
            os.close(fd)

    def _split_mbox(self, path: Path, data: mmap.mmap, start: int, end: int) -> None:
        if data[start:start + 5] != b"From ":
            self.result.problems.append(Problem(str(path), "does not start with a 'From ' line"))
            return
        pos = start
        while pos < end:
            nxt = data.find(b"\nFrom ", pos)
            stop = end if nxt < 0 else nxt + 1
            line_end = data.find(b"\n", pos, stop)
            if line_end < 0:
                line_end = stop
            from_line = bytes(data[pos:min(line_end, pos + 1000)])
            self._jobs.append(("mbox", (path, line_end + 1, stop, from_line)))
            pos = stop

    # ---------------------------------------------------------------- reading
    def read(self, progress: Progress | None = None) -> MailScan:
        total = len(self._jobs)
        mboxes: dict[Path, tuple[int, mmap.mmap]] = {}
        try:
            for done, (kind, job) in enumerate(self._jobs, 1):
                if kind == "file":
                    if not self._read_file(job[0]):
                        self._forget(*job)
                else:
                    self._read_mbox_message(job, mboxes)
                if progress is not None and (done % 500 == 0 or done == total):
                    progress(done, total)
        finally:
            for fd, data in mboxes.values():
                data.close()
                os.close(fd)
        self._jobs = []
        return self.result

    def _forget(self, path: Path, key: str, sub: str) -> None:
        """A file that could not be read (an OS error: permissions, a vanished file) is not
        remembered as read, so a later sync (when the folder changes) tries it again."""
        unique = path.name.split(":", 1)[0]
        state = self.result.states.get(key)
        if state is not None:
            names = [n for n in _names(state, sub) if n != unique]
            state["names"][sub] = "\n".join(names)

    def _read_file(self, path: Path) -> bool:
        """Read one Maildir file; False when the OS would not let us (worth a retry)."""
        where = str(path)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            self.result.problems.append(Problem(where, _why(exc)))
            return False
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise NotMail("not a regular file")
            block = header_block_fd(fd, self.cap)
            mtime = datetime.fromtimestamp(info.st_mtime, _UTC)
            self._take(block, where, mtime, None)
        except NotMail as exc:
            self.result.problems.append(Problem(where, str(exc)))
        except OSError as exc:
            self.result.problems.append(Problem(where, _why(exc)))
            return False
        finally:
            os.close(fd)
        return True

    def _read_mbox_message(self, job: tuple[Path, int, int, bytes],
                           open_boxes: dict[Path, tuple[int, mmap.mmap]]) -> None:
        path, start, stop, from_line = job
        where = f"{path}#{start}"
        try:
            if path not in open_boxes:
                fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
                size = os.fstat(fd).st_size
                open_boxes[path] = (fd, mmap.mmap(fd, size, access=mmap.ACCESS_READ))
            fd, data = open_boxes[path]
            limit = min(stop, start + self.cap)
            cut = data.find(b"\n\n", start, limit)
            cut_crlf = data.find(b"\r\n\r\n", start, limit)
            if cut < 0 and cut_crlf < 0:
                if stop - start > self.cap:
                    raise NotMail(f"header block over {self.cap // 1024} KiB")
                block = bytes(data[start:stop])
            else:
                ends = [c for c in (cut, cut_crlf) if c >= 0]
                block = bytes(data[start:min(ends) + 1])
            mtime = datetime.fromtimestamp(os.fstat(fd).st_mtime, _UTC)
            self._take(block, where, mtime, _from_line_date(from_line))
        except NotMail as exc:
            self.result.problems.append(Problem(where, str(exc)))
        except (OSError, ValueError) as exc:
            self.result.problems.append(Problem(where, _why(exc) if isinstance(exc, OSError) else str(exc)))

    def _take(self, block: bytes, where: str, mtime: datetime, line_date: datetime | None) -> None:
        self.result.read += 1
        if not _HEADER_START.match(block):
            self.result.problems.append(Problem(where, "not a mail message (no header at the top)"))
            return
        block, addressing = wanted_fields(block)
        if not any(me in addressing for me in self._me_bytes):
            # Neither from nor to me: list traffic, or mail to someone else. No touch, no
            # correspondent; not worth parsing.
            self.result.skipped_unaddressed += 1
            return
        try:
            message = self._parse(block, where, mtime, line_date)
        except NotMail as exc:
            self.result.problems.append(Problem(where, str(exc)))
            return
        except Exception as exc:  # the stdlib parser on hostile input: never a traceback
            self.result.problems.append(Problem(where, f"unreadable headers ({exc.__class__.__name__})"))
            return
        if message.guessed:
            self.result.guessed.append(where)
        self.result.messages.append(message)

    def _parse(self, block: bytes, where: str, mtime: datetime, line_date: datetime | None) -> Message:
        if block.isascii():
            headers = _email().bytes_parser.parsebytes(block)
        else:
            # Undeclared 8-bit headers (RFC 6532 UTF-8, or a legacy charset): the bytes
            # parser would turn every such byte into U+FFFD. Read them as UTF-8 when they
            # are, else as Latin-1, and parse the text with the same policy.
            try:
                text = block.decode("utf-8")
            except UnicodeDecodeError:
                text = block.decode("latin-1")
            headers = _email().text_parser.parsestr(text)
        # Raw values, unfolded; only the addresses and the subject need the policy's
        # parsing (the rest are matched or parsed directly: the same result, much less work).
        raw: dict[str, list[str]] = {}
        for name, value in headers.raw_items():
            raw.setdefault(name.lower(), []).append(_UNFOLD.sub("", _text(value)))
        senders = [a for v in raw.get("from", ()) for a in _parsed_addresses(v)]
        if not senders:
            raise NotMail("no sender address (not a mail message?)")
        recipients = [a for f in ("to", "cc") for v in raw.get(f, ()) for a in _parsed_addresses(v)]
        when = _parse_date(raw.get("date", [""])[0])
        guessed = when is None or not (_EARLIEST <= when <= self.now + timedelta(days=2))
        if guessed:
            when = line_date if line_date and _EARLIEST <= line_date <= self.now + timedelta(days=2) else mtime
        subject = ""
        if self.keep_subjects and raw.get("subject"):
            subject = clean(_text(_email().policy.header_fetch_parse("subject", raw["subject"][0])), 200)
        refs: list[str] = []
        for name in ("in-reply-to", "references"):
            refs.extend(_MSGID.findall(" ".join(raw.get(name, ()))))
        auto = raw.get("auto-submitted", [""])[0].strip().lower().split(";", 1)[0].strip()
        ids = _MSGID.findall(raw.get("message-id", [""])[0])
        if ids:
            key = ids[0]
        else:
            # Whitespace collapsed: two copies of a message may be folded differently.
            fields = "\n".join(" ".join(raw.get(n, [""])[0].split())
                               for n in ("from", "date", "subject", "to", "cc"))
            key = "h:" + hashlib.sha1(fields.encode("utf-8", "replace")).hexdigest()[:24]
        assert when is not None
        return Message(
            key=clean(key, 500),
            sender=senders[0][0],
            sender_name=senders[0][1],
            recipients=recipients,
            at=when.isoformat(timespec="seconds"),
            guessed=guessed,
            subject=subject,
            refs=[clean(r, 500) for r in refs[-50:]],
            automatic=bool(auto) and auto != "no",
            path=where,
        )


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


def scan(paths: Iterable[Path], me: Iterable[str], states: dict[str, dict[str, Any]], *,
         cap: int = 256 * 1024, keep_subjects: bool = True, now: datetime | None = None,
         progress: Progress | None = None) -> MailScan:
    """Plan and read in one call (see :class:`Scanner`)."""
    scanner = Scanner(me, states, cap=cap, keep_subjects=keep_subjects, now=now)
    total = scanner.plan(paths)
    if progress is not None:
        progress(0, total)
    return scanner.read(progress)


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


def one_message(block: bytes, where: str, me: Iterable[str], *, fallback: datetime,
                keep_subjects: bool = True, now: datetime | None = None) -> Message:
    """The header fields of one message (``crm-tui log --mail``); raises NotMail."""
    scanner = Scanner(me, {}, keep_subjects=keep_subjects, now=now)
    try:
        message = scanner._parse(block, where, fallback, None)
    except NotMail:
        raise
    except Exception as exc:  # the stdlib parser on hostile input: never a traceback
        raise NotMail(f"unreadable headers ({exc.__class__.__name__})") from None
    return message
