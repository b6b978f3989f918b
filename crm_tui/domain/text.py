"""Cleaning of untrusted text: feed content, imported files, notes typed or pasted.

Everything that enters the store passes through :func:`clean` (one line: names, titles)
or :func:`clean_multiline` (notes, summaries). What comes out holds no terminal escape
sequences (ESC/CSI/OSC/DCS/APC/PM/SOS), no C0 or C1 control characters other than newline
and tab, and no bidi overrides or isolates, so it can never move the cursor, set the
clipboard (OSC 52), retitle the window or reorder what the user sees. Markup characters
like ``[bold]`` are left as they are: the UI shows text inert, it never parses it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from html.parser import HTMLParser

# ESC-introduced sequences. OSC/DCS/SOS/PM/APC run to BEL or ST (ESC \\); CSI to a final
# byte; any other ESC takes one following character (e.g. ESC c, ESC 7, ESC ( B).
_ESCAPES = re.compile(
    r"""
    \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?     # OSC ... BEL | ST  (unterminated: to end)
  | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?          # DCS, SOS, PM, APC ... ST
  | \x1b\[[0-?]*[ -/]*[@-~]?                         # CSI params intermediates final
  | \x1b[ -/]*[0-~]?                                 # other ESC sequences (nF, Fp, Fe, Fs)
  | \x9d[^\x07\x9c]*(?:\x07|\x9c)?                   # 8-bit OSC
  | [\x90\x98\x9e\x9f][^\x9c]*\x9c?                  # 8-bit DCS, SOS, PM, APC
  | \x9b[0-?]*[ -/]*[@-~]?                           # 8-bit CSI
    """,
    re.VERBOSE,
)
# C0 (but tab and newline), DEL, C1; bidi embeddings, overrides and isolates; the
# invisible "interlinear annotation" and BOM characters.
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ufeff\ufff9-\ufffb]"
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def strip_controls(text: str) -> str:
    """Remove escape sequences and control characters; keep newline and tab."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPES.sub("", text)
    return _CONTROLS.sub("", text)


def clean(text: object, max_length: int = 500) -> str:
    """A single line of untrusted text, safe to store and show."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFC", strip_controls(str(text)))
    value = _SPACES.sub(" ", value.replace("\n", " ")).strip()
    return value[:max_length]


def clean_multiline(text: object, max_length: int = 20_000) -> str:
    """Several lines of untrusted text (notes, summaries): tidy spaces, at most one blank line."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFC", strip_controls(str(text)))
    lines = [_SPACES.sub(" ", line).strip() for line in value.split("\n")]
    value = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return value[:max_length]


def clean_list(values: Iterable[object] | str | None) -> list[str]:
    """Tags and interests: cleaned, non-empty, de-duplicated (first spelling wins)."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        item = clean(value, 80)
        if item and item.casefold() not in seen:
            seen.add(item.casefold())
            out.append(item)
    return out


# ----------------------------------------------------------------------------- HTML to text
# The stdlib parser is enough here: feed summaries are short, the output is shown as inert
# text (so imperfect layout is harmless, never unsafe), it runs in the parse workers, and it
# saves a dependency. Measured: ~150 us for a tag-dense 400-byte summary (selectolax took
# ~50 us without block handling: not worth it beside feedparser's ~600 us per entry).
_BLOCKS = frozenset(
    ["address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul"]
)
# Elements whose content is never shown as text. <object>'s content is its fallback,
# which is what a reader without plugins sees, so it stays (feedparser's corpus agrees).
_SKIP = frozenset(("script", "style", "template", "noscript", "head", "title", "iframe"))
_MARKUP_HINT = re.compile(r"[<&]")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIP:  # <br/>, <img/>, <hr/>: same as an opening tag, no content
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS and tag != "li":  # list items are one line each
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data.replace("\n", " "))


def html_to_text(html: object, max_length: int = 20_000) -> str:
    """Readable plain text from an HTML fragment (feed summaries), cleaned like a note.

    Paragraphs and list items become lines; scripts, styles and comments vanish; entities
    are decoded. Plain text (no ``<`` or ``&``) skips the parser.
    """
    if html is None:
        return ""
    value = str(html)
    if _MARKUP_HINT.search(value):
        opened = value.rfind("<!--")
        if opened >= 0 and value.find("-->", opened + 4) < 0:
            value = value[:opened]  # an unclosed comment runs to the end (as in HTML5)
        parser = _TextExtractor()
        try:
            parser.feed(value)
            parser.close()
        except (AssertionError, ValueError):  # pathological markup: keep what was read
            pass
        value = "".join(parser.parts)
    return clean_multiline(value, max_length)


def sort_key(text: str) -> str:
    """A key that sorts names as people expect: case and accents ignored ("Élodie" with
    the E's, before "Zoë"), letters the decomposition keeps (ß, Ø) folded by casefold."""
    folded = text.casefold()
    if folded.isascii():  # nothing to decompose (most names): 20x cheaper at 50,000 rows
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
