"""Turning an imported file's bytes into text, or a clear reason why not.

Exports come from many tools: Excel saves CSV as UTF-16 or cp1252, Google and LinkedIn
write UTF-8 (sometimes with a BOM), old phones write vCards in Latin-1. We try the usual
encodings in order and refuse what is clearly not text.

Every file is bounded: only regular files are read (a FIFO would block for ever, a device
like ``/dev/zero`` never ends), and reading stops at a byte cap counted as the bytes
arrive, never trusted from ``st_size`` (which a growing file, a FUSE mount or ``/proc``
gets wrong). CSV exports are decoded as a stream (:func:`open_text`), so a large file is
never held in memory whole.
"""

from __future__ import annotations

import codecs
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

# Files larger than this are not contact exports (a 10,000-row LinkedIn file is ~1.5 MB;
# LinkedIn allows 30,000 connections). Streamed CSVs may be this big; files read whole
# (vCards, OPML, backups) have their own, smaller caps.
MAX_BYTES = 256 * 1024 * 1024
MAX_WHOLE_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024
SNIFF = 64 * 1024


class InteropError(Exception):
    """A file-level problem (unreadable, binary, empty, wrong kind); the message is for users."""


_KINDS = (
    (stat.S_ISDIR, "a folder; give a file"),
    (stat.S_ISFIFO, "a named pipe (FIFO), not a file"),
    (stat.S_ISCHR, "a device, not a file"),
    (stat.S_ISBLK, "a device, not a file"),
    (stat.S_ISSOCK, "a socket, not a file"),
)


def open_regular(path: Path) -> io.BufferedReader:
    """Open ``path`` for reading if it is a regular file; anything else is refused.

    Opened non-blocking first (opening a FIFO without a writer would otherwise block), and
    the check is made on the open descriptor, so the file cannot be swapped in between."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InteropError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise InteropError(f"{path} is a folder; give a file") from None
    except OSError as exc:
        raise InteropError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = next((text for test, text in _KINDS if test(mode)), "not a regular file")
            raise InteropError(f"{path} is {what}")
        os.set_blocking(fd, True)
        return open(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


def chunks(path: Path, limit: int = MAX_BYTES) -> Iterator[bytes]:
    """The bytes of a regular file in chunks, refusing it once more than ``limit`` arrive."""
    with open_regular(path) as handle:
        total = 0
        while True:
            try:
                chunk = handle.read(CHUNK)
            except OSError as exc:
                raise InteropError(f"cannot read {path}: {exc.strerror or exc}") from None
            if not chunk:
                return
            total += len(chunk)
            if total > limit:
                raise InteropError(
                    f"{path} is larger than {limit // (1024 * 1024)} MB; that is not a contacts export"
                )
            yield chunk


def read_bytes(path: Path, limit: int = MAX_WHOLE_BYTES) -> bytes:
    """A whole (small) file's bytes, read with a cap."""
    return b"".join(chunks(path, limit))


def decode(raw: bytes, name: str = "the file") -> str:
    """Text from bytes: UTF-8 (BOM or not), UTF-16 with a BOM, then cp1252, then Latin-1."""
    if not raw.strip():
        raise InteropError(f"{name} is empty")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InteropError(f"{name} claims to be UTF-16 but is not valid UTF-16") from None
    if b"\x00" in raw:
        # UTF-16 without a BOM shows as text interleaved with NULs; anything else is binary.
        text = _utf16_without_bom(raw)
        if text is not None:
            return text
        raise InteropError(f"{name} is a binary file, not a text export (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if _looks_binary(text):
        raise InteropError(f"{name} does not look like text in any usual encoding")
    return text


def read_text(path: Path, limit: int = MAX_WHOLE_BYTES) -> str:
    return decode(read_bytes(path, limit), str(path))


class TextStream:
    """A file's text, decoded as it is read: ``head`` (the first 64 KiB, for sniffing what
    kind of file it is) and iteration line by line (newlines kept, as csv wants)."""

    def __init__(self, path: Path, encoding: str, head: str, limit: int) -> None:
        self.path = path
        self.encoding = encoding
        self.head = head
        self.limit = limit

    def __iter__(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding)()
        pending = ""
        for chunk in chunks(self.path, self.limit):
            text = pending + decoder.decode(chunk)
            lines = list(io.StringIO(text, newline=""))  # \r\n, \r, \n only, as csv wants
            # The last piece may be a line cut by the chunk (or a \r before its \n).
            pending = lines.pop() if lines and not lines[-1].endswith("\n") else ""
            yield from lines
        rest = pending + decoder.decode(b"", final=True)
        if rest:
            yield from io.StringIO(rest, newline="")


def open_text(path: Path, limit: int = MAX_BYTES) -> TextStream:
    """The file as a :class:`TextStream`, its encoding chosen like :func:`decode` does.

    A first pass reads the file in chunks (memory stays flat) to see whether it is all
    UTF-8 and free of NUL bytes; the text is then decoded in a second pass as it is used."""
    path = Path(path)
    name = str(path)
    first = b""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    has_nul = False
    blank = True
    for chunk in chunks(path, limit):
        if len(first) < SNIFF:
            first += chunk[: SNIFF - len(first)]
        if blank and chunk.strip():
            blank = False
        if not has_nul and b"\x00" in chunk:
            has_nul = True
        if is_utf8:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                is_utf8 = False
    if is_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    if blank:
        raise InteropError(f"{name} is empty")
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif has_nul:
        encoding = _utf16_codec(first) or ""
        if not encoding:
            raise InteropError(f"{name} is a binary file, not a text export (it contains NUL bytes)")
    elif is_utf8:
        encoding = "utf-8-sig"
    else:
        encoding = "cp1252" if _decodes_all(path, "cp1252", limit) else "latin-1"
    head_decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    head = head_decoder.decode(first)
    if _looks_binary(head):
        raise InteropError(f"{name} does not look like text in any usual encoding")
    return TextStream(path, encoding, head, limit)


def _decodes_all(path: Path, encoding: str, limit: int) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for chunk in chunks(path, limit):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _utf16_codec(raw: bytes) -> str | None:
    """utf-16-le or -be when ``raw`` (a sample) looks like UTF-16 text without a BOM."""
    raw = raw[: len(raw) - len(raw) % 2]
    if not raw:
        return None
    even_nuls = raw[0::2].count(0)
    odd_nuls = raw[1::2].count(0)
    half = len(raw) // 2
    return "utf-16-le" if odd_nuls > 0.4 * half else "utf-16-be" if even_nuls > 0.4 * half else None


def _utf16_without_bom(raw: bytes) -> str | None:
    if len(raw) % 2:
        return None
    codec = _utf16_codec(raw)
    if codec is None:
        return None
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError:
        return None
    return None if _looks_binary(text) else text


def _looks_binary(text: str) -> bool:
    """Many control characters (other than whitespace) mean it is not a text export."""
    sample = text[:65536]
    if not sample:
        return False
    controls = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\r\n\t\f") or 0x80 <= ord(ch) < 0xA0)
    return controls > max(2, len(sample) // 100)
