"""Writing Maildirs and mbox files for tests (headers only matter; bodies are filler)."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

ME = "sam@example.com"
_counter = itertools.count(1)
# A fixed past time for folders and files: a sync trusts a folder's mtime only when it is
# not from the very moment of the scan (see mailread._FRESH_NS).
OLD = 1_700_000_000


def message(sender: str, to: str, subject: str = "Hello", date: str | None = None,
            msgid: str | None = None, cc: str = "", extra: str = "", body: str = "Body text.\n") -> bytes:
    lines = [f"From: {sender}", f"To: {to}"]
    if cc:
        lines.append(f"Cc: {cc}")
    lines.append(f"Subject: {subject}")
    if date:
        lines.append(f"Date: {date}")
    if msgid:
        lines.append(f"Message-ID: <{msgid}>")
    if extra:
        lines.append(extra.rstrip("\n"))
    return ("\n".join(lines) + "\n\n" + body).encode()


def deliver(folder: Path, raw: bytes, sub: str = "cur", name: str | None = None) -> Path:
    for part in ("cur", "new", "tmp"):
        (folder / part).mkdir(parents=True, exist_ok=True)
    name = name or f"{OLD + next(_counter)}.M1P1.test" + (":2,S" if sub == "cur" else "")
    path = folder / sub / name
    path.write_bytes(raw)
    age(folder)
    return path


def age(folder: Path) -> None:
    """Give a Maildir's folders (and files) an old mtime, as mail delivered a while ago;
    a later delivery still moves the folders' mtimes forward, as it would for real."""
    stamp = OLD + 1000 + next(_counter)
    for part in ("cur", "new", "tmp"):
        target = folder / part
        if target.exists():
            for child in target.iterdir():
                if child.is_file() and not child.is_symlink():
                    os.utime(child, (OLD, OLD))
            os.utime(target, (stamp, stamp))


def mbox(path: Path, messages: list[tuple[str, bytes]]) -> Path:
    """An mbox of (From-line sender, message) pairs; body lines starting 'From ' quoted."""
    out = bytearray()
    for sender, raw in messages:
        head, _, body = raw.partition(b"\n\n")
        body = b"\n".join(b">" + line if line.startswith(b"From ") else line for line in body.split(b"\n"))
        out += f"From {sender} Thu Mar 12 10:00:00 2026\n".encode() + head + b"\n\n" + body
        if not out.endswith(b"\n"):
            out += b"\n"
        out += b"\n"
    path.write_bytes(bytes(out))
    return path


def configure(home: Path, *, mail: list[str] | None = None, extra: str = "") -> None:
    home.mkdir(parents=True, exist_ok=True)
    text = f'[me]\nemails = ["{ME}", "sam.rivera@work.example"]\n'
    if mail is not None:
        text += "[sources]\nmail = [" + ", ".join(f'"{m}"' for m in mail) + "]\n"
    (home / "config.toml").write_text(text + extra, encoding="utf-8")
