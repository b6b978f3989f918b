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

import hashlib
import mmap
import os
import stat
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from crm_tui.domain.text import clean
from crm_tui.sources.mailread_base import (  # noqa: F401
    _ADDRESSING,
    _EARLIEST,
    _FRESH_NS,
    _HEADER_START,
    _MSGID,
    _NOT_MAIL,
    _SKIP_DIRS,
    _UNFOLD,
    _UTC,
    _WANTED_FIELD,
    HEAD_BYTES,
    MailScan,
    Message,
    NotMail,
    Problem,
    Progress,
    _blank_line,
    _email,
    _from_line_date,
    _parse_date,
    _parsed_addresses,
    _text,
    header_block_fd,
    header_block_of_stream,
    wanted_fields,
)
from crm_tui.sources.mailread_detect import (  # noqa: F401
    _is_dir,
    _names,
    _why,
    detect,
    discover,
    is_maildir,
    is_mbox_file,
)


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




def scan(paths: Iterable[Path], me: Iterable[str], states: dict[str, dict[str, Any]], *,
         cap: int = 256 * 1024, keep_subjects: bool = True, now: datetime | None = None,
         progress: Progress | None = None) -> MailScan:
    """Plan and read in one call (see :class:`Scanner`)."""
    scanner = Scanner(me, states, cap=cap, keep_subjects=keep_subjects, now=now)
    total = scanner.plan(paths)
    if progress is not None:
        progress(0, total)
    return scanner.read(progress)




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
