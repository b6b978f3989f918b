"""CSV rows with the line each starts on (quoted values may span several lines)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from crm_tui.interop.decode import InteropError, TextStream
from crm_tui.interop.records import Problem

csv.field_size_limit(1_000_000)

# LinkedIn allows 30,000 connections and Google 25,000 contacts: a file with more rows is
# not one person's export, and holding them all would take gigabytes. Refused whole.
MAX_ROWS = 50_000
# Rows that cannot be read are listed up to this many; the rest are counted.
MAX_PROBLEMS = 1_000

Source = str | TextStream


def head(source: Source, size: int = 65536) -> str:
    """The start of the text, for telling what kind of file it is."""
    return source[:size] if isinstance(source, str) else source.head[:size]


@dataclass
class Row:
    line: int  # 1-based line where the row starts
    fields: list[str] | None  # None when the row could not be parsed
    error: str = ""

    @property
    def blank(self) -> bool:
        return self.fields is not None and not any(f.strip() for f in self.fields)


def rows(source: Source) -> Iterator[Row]:
    """Rows of a CSV text, or of a file's :class:`TextStream` (read as it goes)."""
    lines: Iterable[str] = io.StringIO(source, newline="") if isinstance(source, str) else source
    reader = csv.reader(lines, strict=True)
    end = 0
    while True:
        start = end + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = reader.line_num
            yield Row(start, None, f"not valid CSV ({exc})")
            continue
        end = reader.line_num
        yield Row(start, [f.lstrip("\ufeff") if i == 0 else f for i, f in enumerate(fields)])


@dataclass
class DataRow:
    """A parsed row with as many values as the header."""

    line: int
    fields: list[str]


def data_rows(remaining: Iterator[Row], width: int, problems: list[Problem]) -> Iterator[DataRow]:
    """The rows after the header that hold data: unparseable rows and rows with the wrong
    number of values are reported in ``problems`` with their line and skipped (the first
    :data:`MAX_PROBLEMS` of them; the rest are counted). More than :data:`MAX_ROWS` rows
    raise :class:`InteropError`: the file is refused, nothing is imported."""
    count = unlisted = last = 0

    def report(problem: Problem) -> None:
        nonlocal unlisted
        if len(problems) < MAX_PROBLEMS:
            problems.append(problem)
        else:
            unlisted += 1

    for row in remaining:
        last = row.line
        if row.fields is None:
            report(Problem(row.line, row.error))
        elif row.blank:
            continue
        elif len(row.fields) != width:
            report(Problem(row.line, f"{len(row.fields)} values where the header has {width} (a stray comma or quote?)"))
        else:
            count += 1
            if count > MAX_ROWS:
                raise InteropError(
                    f"the file has more than {MAX_ROWS:,} rows (LinkedIn allows 30,000 connections, "
                    "Google 25,000 contacts): it is not one person's export; nothing was imported"
                )
            yield DataRow(row.line, row.fields)
    if unlisted:
        problems.append(Problem(last, f"and {unlisted:,} more rows that could not be read (only the first {MAX_PROBLEMS:,} are listed)"))


def looks_like_vcard(source: Source) -> bool:
    return "BEGIN:VCARD" in head(source, 4096).upper()
