"""The header reader on its own: line endings, folding, encodings, caps, streams."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crm_tui.sources import mailread

ME = ["sam@example.com"]
NOW = datetime(2026, 4, 20, tzinfo=UTC)


def _one(raw: bytes) -> mailread.Message:
    return mailread.one_message(raw, "test", ME, fallback=NOW, now=NOW)


def test_crlf_folded_and_encoded_headers():
    raw = (b"Received: from a\r\n\tby b for <sam@example.com>\r\n"
           b"From: =?utf-8?q?Ren=C3=A9e_Z=C3=BCrn?= <Renee@Example.ORG>\r\n"
           b"To: Sam <sam@example.com>,\r\n   Bo <bo@example.net>\r\n"
           b"Cc: \"Lee, Panel\" <lee@example.net>\r\n"
           b"Subject: =?iso-8859-1?q?Caf=E9?=\r\n  and more\r\n"
           b"Date: Fri, 20 Mar 2026 11:00:00 +0100\r\n"
           b"Message-ID:\r\n <abc@host>\r\n"
           b"References: <one@x>\r\n <two@x>\r\n\r\nbody\r\n")
    block, addressing = mailread.wanted_fields(raw.split(b"\r\n\r\n")[0] + b"\r\n")
    assert b"received" not in block.lower() and b"bo@example.net" in addressing
    m = _one(raw)
    assert (m.sender, m.sender_name) == ("renee@example.org", "Renée Zürn")
    assert [a for a, _ in m.recipients] == ["sam@example.com", "bo@example.net", "lee@example.net"]
    assert dict(m.recipients)["lee@example.net"] == "Lee, Panel"
    assert m.subject == "Café and more" and m.key == "abc@host" and m.refs == ["one@x", "two@x"]
    assert m.at == "2026-03-20T11:00:00+01:00" and not m.guessed and not m.automatic


@pytest.mark.parametrize("value, automatic", [("auto-replied", True), ("auto-generated; x=y", True),
                                              ("no", False), ("NO", False), ("", False)])
def test_auto_submitted(value, automatic):
    extra = f"Auto-Submitted: {value}\n" if value else ""
    raw = f"From: a@b.example\nTo: sam@example.com\n{extra}Date: Fri, 20 Mar 2026 11:00:00 +0000\n\n".encode()
    assert _one(raw).automatic is automatic


def test_stream_reads_headers_only_and_drains_the_rest():
    body = b"x" * (5 * 1024 * 1024)
    stream = io.BytesIO(b"From: a@b.example\nTo: sam@example.com\n\n" + body)
    block = mailread.header_block_of_stream(stream)
    assert block.startswith(b"From: a@b.example") and len(block) < 100
    assert stream.read() == b""  # drained, so the mail client never sees a broken pipe
    with pytest.raises(mailread.NotMail, match="over 1 KiB"):
        mailread.header_block_of_stream(io.BytesIO(b"X: " + b"y" * 5000), cap=1024)


def test_header_block_of_a_file_stops_at_the_blank_line(tmp_path: Path):
    import os

    path = tmp_path / "m"
    path.write_bytes(b"From: a@b.example\nTo: sam@example.com\n\n" + b"never read " * 100_000)
    fd = os.open(path, os.O_RDONLY)
    try:
        block = mailread.header_block_fd(fd, 256 * 1024)
        assert block == b"From: a@b.example\nTo: sam@example.com\n\n"
        assert os.lseek(fd, 0, os.SEEK_CUR) <= 16384  # one read, not the whole file
    finally:
        os.close(fd)


def test_mbox_from_line_dates():
    assert mailread._from_line_date(b"From MAILER-DAEMON Sun Aug  7 11:40:37 2022 extra info") == \
        datetime(2022, 8, 7, 11, 40, 37, tzinfo=UTC)
    assert mailread._from_line_date(b"From nobody") is None
