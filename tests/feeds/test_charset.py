"""A feed whose declared charset is wrong (issue 14.10).

The case is miniflux's (internal/reader/encoding/testdata/windows-1252-incorrect-prolog.xml,
whose test expects "Euro €"): UTF-8 bytes under a windows-1252 declaration.
"""

from __future__ import annotations

import pytest

from crm_tui.feeds.parse import parse_feed

PROLOG = '<?xml version="1.0" encoding="{label}"?>\n<rss version="2.0"><channel><title>{title}</title>' \
         "<item><title>{title}</title><guid>1</guid></item></channel></rss>"


@pytest.mark.parametrize("headers", [{}, {"Content-Type": "application/rss+xml"},
                                     {"Content-Type": "text/xml; charset=windows-1252"}])
def test_utf8_bytes_declared_windows_1252_read_as_utf8(headers):
    body = PROLOG.format(label="windows-1252", title="Euro €").encode("utf-8")
    parsed = parse_feed(body, headers)
    assert parsed.title == "Euro €"
    assert parsed.entries[0].title == "Euro €"


@pytest.mark.parametrize(("label", "codec", "title"), [
    ("windows-1252", "cp1252", "Euro € – déjà"),
    ("iso-8859-1", "latin-1", "Café crème"),
    ("iso-8859-15", "iso8859_15", "Euro € œuvre"),
    ("koi8-r", "koi8_r", "Привет мир"),
])
def test_correctly_declared_legacy_charsets_still_decode(label, codec, title):
    body = PROLOG.format(label=label, title=title).encode(codec)
    assert parse_feed(body).title == title


def test_utf16_is_left_to_its_declaration():
    body = PROLOG.format(label="utf-16", title="Euro €").encode("utf-16")
    assert parse_feed(body).title == "Euro €"

