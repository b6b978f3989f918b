"""CSV rows with the line each starts on (quoted values may span several lines)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from crm_tui.interop.records import Problem

csv.field_size_limit(1_000_000)


@dataclass
class Row:
    line: int  # 1-based line where the row starts
    fields: list[str] | None  # None when the row could not be parsed
    error: str = ""

    @property
    def blank(self) -> bool:
        return self.fields is not None and not any(f.strip() for f in self.fields)


def rows(text: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
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
    number of values are reported in ``problems`` with their line and skipped."""
    for row in remaining:
        if row.fields is None:
            problems.append(Problem(row.line, row.error))
        elif row.blank:
            continue
        elif len(row.fields) != width:
            problems.append(
                Problem(row.line, f"{len(row.fields)} values where the header has {width} (a stray comma or quote?)")
            )
        else:
            yield DataRow(row.line, row.fields)


def looks_like_vcard(text: str) -> bool:
    return "BEGIN:VCARD" in text[:4096].upper()
