"""Column widths that follow the table's width: the less important columns give way first.

Each column says how wide it likes to be, how narrow it may get before its values stop
reading (a step name cut to "re" says nothing), whether it takes the room left over, and
when it may be left out altogether. :func:`fit` is pure (the tests call it with numbers);
``RowTable`` applies it whenever the table is resized.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PADDING = 2  # a DataTable cell's padding, one cell each side, drawn even for a hidden column


@dataclass(frozen=True)
class Col:
    key: str
    ideal: int  # the width it gets when there is room
    least: int  # narrower than this it is left out (or, if it may not be, kept at this)
    flex: bool = False  # takes the room left over
    shrink: int = 0  # the order in which columns narrow: lower first
    drop: int | None = None  # the order in which columns are left out; None: never


def fit(columns: Sequence[Col], room: int) -> dict[str, int]:
    """Width per column key for a table ``room`` cells wide (0: the column is left out)."""
    droppable = sorted((c for c in columns if c.drop is not None), key=lambda c: c.drop or 0)
    for dropped in range(len(droppable) + 1):
        gone = {c.key for c in droppable[:dropped]}
        kept = [c for c in columns if c.key not in gone]
        widths = {c.key: c.ideal for c in kept}
        spare = room - sum(widths.values()) - PADDING * len(columns)
        for column in sorted(kept, key=lambda c: c.shrink):
            if spare >= 0:
                break
            give = min(column.ideal - column.least, -spare)
            widths[column.key] -= give
            spare += give
        if spare >= 0 or dropped == len(droppable):
            if spare > 0:
                grow = next((c for c in kept if c.flex), None) or (kept[-1] if kept else None)
                if grow is not None:
                    widths[grow.key] += spare
            return {c.key: widths.get(c.key, 0) for c in columns}
    raise AssertionError("unreachable")
