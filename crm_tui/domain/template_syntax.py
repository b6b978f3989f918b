"""The template language of messages: ``{name}`` values, optional sentences and ``[...]`` parts.

``{name}`` inserts a value (only the names in :data:`VARIABLES`; there is no attribute or
index access, templates are never given to ``str.format``). A sentence (text up to ``.``,
``!`` or ``?`` followed by a space, or a line) that uses a value that is missing is left
out. ``[ ... ]`` marks a smaller optional part, left out alone when one of its values is
missing (it may span lines and nest). ``{{``, ``}}``, ``[[`` and ``]]`` write a literal
brace or bracket. So a missing value never leaks into the text: no ``{company}``, no
``at .``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

VARIABLES: dict[str, str] = {
    "first_name": "the recipient's first name",
    "name": "the recipient's full name",
    "company": "the recipient's company",
    "role": "the recipient's own role or title",
    "my_name": "your name (config: [me] name)",
    "sign": "your signature block, or your name when there is none",
    "position": "the role interviewed or applied for (the thread's role)",
    "interview_date": "the interview day, e.g. Monday 2 March",
    "interview_when": "'today', 'yesterday' or 'on Monday 2 March'",
    "decision_date": "the decision date they gave, e.g. Friday 13 March",
    "applied_date": "the day the application was sent",
    "discussed": "the first of the talking points written on the thread (never a note)",
    "points": "up to three '- ' bullet lines from the thread's talking points",
    "article_title": "the shared article's title",
    "article_link": "the shared article's link",
    "invoice_label": "the invoice's label or number",
    "invoice_amount": "the invoice's amount, as written",
    "invoice_age": "days since the invoice was sent (a number)",
    "invoice_date": "the day the invoice was sent",
    "new_company": "their new company (from a job change)",
    "new_role": "their new role (from a job change)",
}
CONDITIONS: tuple[str, ...] = ("first-reminder", "later-reminder")


class TemplateError(ValueError):
    """A template that cannot be used (unknown variable, unbalanced brackets...)."""


# ------------------------------------------------------------------------------ parsing
@dataclass(frozen=True)
class _Var:
    name: str


@dataclass(frozen=True)
class _Opt:
    parts: tuple[Any, ...]  # str | _Var | _Opt


_TOKENS = re.compile(r"\{\{|\}\}|\[\[|\]\]|\{([A-Za-z_][A-Za-z0-9_]*)\}|[\[\]{}]")


def parse(template: str) -> tuple[Any, ...]:
    """Template text -> a tree of str, _Var and _Opt. Raises TemplateError."""
    stack: list[list[Any]] = [[]]
    pos = 0
    for match in _TOKENS.finditer(template):
        if match.start() > pos:
            stack[-1].append(template[pos:match.start()])
        pos = match.end()
        token = match.group(0)
        if token in ("{{", "}}", "[[", "]]"):
            stack[-1].append(token[0])
        elif match.group(1):
            name = match.group(1)
            if name not in VARIABLES:
                raise TemplateError(f"unknown variable {{{name}}}")
            stack[-1].append(_Var(name))
        elif token == "[":
            stack.append([])
        elif token == "]":
            if len(stack) == 1:
                raise TemplateError("a ']' closes nothing (write ']]' for a bracket)")
            parts = stack.pop()
            stack[-1].append(_Opt(tuple(parts)))
        else:
            raise TemplateError(f"a lone {token!r} (write {token * 2!r} for a brace, {{name}} for a value)")
    if len(stack) > 1:
        raise TemplateError("a '[' is never closed (write '[[' for a bracket)")
    if pos < len(template):
        stack[0].append(template[pos:])
    return tuple(stack[0])


def variables_of(parts: Iterable[Any]) -> set[str]:
    found: set[str] = set()
    for part in parts:
        if isinstance(part, _Var):
            found.add(part.name)
        elif isinstance(part, _Opt):
            found |= variables_of(part.parts)
    return found


def _render_parts(parts: Iterable[Any], values: Mapping[str, str]) -> str | None:
    """The parts as text, or None when a value they need (outside an optional) is missing."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            if part.startswith(".") and out and out[-1].endswith((".", "!", "?")):
                part = part[1:]  # "Acme, Inc." then the sentence's own full stop: one
            out.append(part)
        elif isinstance(part, _Var):
            value = values.get(part.name, "")
            if not value:
                return None
            out.append(value)
        else:
            inner = _render_parts(part.parts, values)
            out.append(inner or "")
    return "".join(out)


_SENTENCE_END = re.compile(r"(?<=[.!?])[ \t]+")


def _units(parts: tuple[Any, ...]) -> list[list[list[Any]]]:
    """Top-level parts split into lines, and each line into sentences."""
    lines: list[list[list[Any]]] = [[[]]]
    for part in parts:
        if not isinstance(part, str):
            lines[-1][-1].append(part)
            continue
        for i, line_text in enumerate(part.split("\n")):
            if i:
                lines.append([[]])
            for j, sentence in enumerate(_SENTENCE_END.split(line_text)):
                if j:
                    lines[-1].append([])
                if sentence:
                    lines[-1][-1].append(sentence)
    return lines


def render(template: str | tuple[Any, ...], values: Mapping[str, str]) -> str:
    """Fill a template; sentences and optional parts whose values are missing are left out."""
    parts = parse(template) if isinstance(template, str) else template
    out_lines: list[str] = []
    for line in _units(parts):
        if not any(line):
            out_lines.append("")  # a blank line written in the template: a paragraph break
            continue
        kept = [text for unit in line if unit and (text := _render_parts(unit, values))]
        text = " ".join(t.strip(" \t") for t in kept if t.strip(" \t"))
        if text.strip():
            out_lines.append(text.rstrip())
    body = "\n".join(line.rstrip() for line in "\n".join(out_lines).split("\n"))
    body = re.sub(r"[ \t]{2,}", " ", body)
    body = re.sub(r"\n{3,}", "\n\n", body)
    return body.strip("\n").strip()

