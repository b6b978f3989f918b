"""Links from feeds: which may be opened, and one normalised form to dedupe articles by."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

WEB_SCHEMES = ("http", "https")


def safe_to_open(url: str | None) -> bool:
    """Only http(s) links with a host are ever opened (never file:, javascript:, data:...)."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def is_web(location: str) -> bool:
    """A feed location is either an http(s) URL or a local file path."""
    return location.lower().startswith(("http://", "https://"))


def feed_location(value: str) -> str:
    """What to store as a feed's url: the http(s) URL as given, or an absolute file path.

    Raises ValueError for other schemes (file:, ftp:, feed:...) and for missing files.
    """
    value = value.strip()
    if is_web(value):
        if not safe_to_open(value):
            raise ValueError(f"{value!r} is not a usable http(s) URL")
        return value
    if "://" in value or value.lower().startswith(("file:", "data:", "javascript:")):
        raise ValueError(f"{value!r}: only http(s) URLs or local file paths can be subscribed")
    path = Path(value).expanduser().resolve()
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    return str(path)


def normalise(url: str) -> str:
    """The dedupe key of a link: scheme and host lower-cased, default port, fragment and
    ``utm_*`` tracking parameters dropped. Not a URL to open (query order is kept)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    return _key(parts)


def web_key(url: str) -> str | None:
    """``normalise(url)`` when ``safe_to_open(url)``, else None: one split for both."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
        return None
    return _key(parts)


def _key(parts: SplitResult) -> str:
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    query = parts.query
    if all(field.lower().startswith("utm_") for field in query.split("&")):
        query = ""  # only tracking (or nothing): what the general case below gives, cheaply
    else:
        query = urlencode(
            [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not k.lower().startswith("utm_")]
        )
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, query, ""))


def host_of(url: str) -> str:
    """The politeness key for "at most N requests at once per host": scheme, host, port.

    A different port is a different server process, so it gets its own allowance.
    """
    try:
        parts = urlsplit(url)
        return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{parts.port or ''}"
    except ValueError:
        return url
