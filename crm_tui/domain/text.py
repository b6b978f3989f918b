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


def clean_list(values: object) -> list[str]:
    """Tags and interests: cleaned, non-empty, de-duplicated (first spelling wins)."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    seen: set[str] = set()
    out: list[str] = []
    for value in values:  # type: ignore[union-attr]
        item = clean(value, 80)
        if item and item.casefold() not in seen:
            seen.add(item.casefold())
            out.append(item)
    return out
