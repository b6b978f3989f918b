"""Turning an imported file's bytes into text, or a clear reason why not.

Exports come from many tools: Excel saves CSV as UTF-16 or cp1252, Google and LinkedIn
write UTF-8 (sometimes with a BOM), old phones write vCards in Latin-1. We try the usual
encodings in order and refuse what is clearly not text.
"""

from __future__ import annotations

from pathlib import Path

# Files larger than this are not contact exports (a 10,000-row LinkedIn file is ~1.5 MB).
MAX_BYTES = 200 * 1024 * 1024


class InteropError(Exception):
    """A file-level problem (unreadable, binary, empty, wrong kind); the message is for users."""


def read_bytes(path: Path) -> bytes:
    path = Path(path)
    if path.is_dir():
        raise InteropError(f"{path} is a folder; give a file")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InteropError(f"{path} is {size // (1024 * 1024)} MB; that is not a contacts export")
        return path.read_bytes()
    except FileNotFoundError:
        raise InteropError(f"{path} does not exist") from None
    except OSError as exc:
        raise InteropError(f"cannot read {path}: {exc.strerror or exc}") from None


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


def read_text(path: Path) -> str:
    return decode(read_bytes(path), str(path))


def _utf16_without_bom(raw: bytes) -> str | None:
    if len(raw) % 2:
        return None
    even_nuls = raw[0::2].count(0)
    odd_nuls = raw[1::2].count(0)
    half = len(raw) // 2
    codec = "utf-16-le" if odd_nuls > 0.4 * half else "utf-16-be" if even_nuls > 0.4 * half else None
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
