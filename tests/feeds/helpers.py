"""Small feed documents for the feed tests."""

from __future__ import annotations

from xml.sax.saxutils import escape


def rss(items: list[dict[str, str]], title: str = "Test feed") -> bytes:
    parts = [f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>']
    for item in items:
        parts.append("<item>")
        for tag in ("title", "link", "guid", "pubDate", "description"):
            if tag in item:
                parts.append(f"<{tag}>{escape(item[tag])}</{tag}>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def simple_rss(n: int = 3, prefix: str = "post", title: str = "Test feed") -> bytes:
    return rss(
        [
            {
                "title": f"{prefix} {i}",
                "link": f"https://example.org/{prefix}/{i}",
                "guid": f"{prefix}-{i}",
                "pubDate": f"Sun, 01 Mar 2026 0{i % 10}:00:00 +0000",
                "description": f"<p>About {prefix} number {i}</p>",
            }
            for i in range(n)
        ],
        title,
    )
