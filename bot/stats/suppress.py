"""Primary and secondary suppression, as pure functions on one month's row of counts.

Every number the statistics show is one month's: a population's total that month, or one
group's count in one breakdown of it (one dimension at a time). A row is protected on its own,
from its month's counts alone, so it reads the same in every report that holds that month, and
no report, however its period is chosen, shows anything else; totals over a period are shown
exactly only where every month's count is shown, otherwise as the range the rows allow.

The rule for a row whose total is shown: a count under 5 is "< 5" (primary suppression). Then,
for every such cell, anyone holding the row's shown numbers and total, knowing that a "< 5" is
0 to 4 and a hidden cell 5 or more (and no larger than the smallest count still shown, as the
hidden ones are taken smallest first), must still find both 0 and a number above 0 possible:
nobody can tell whether anyone at all is in the cell. Until that holds, the smallest shown
counts are hidden too (secondary suppression); if even hiding them all is not enough, every
cell of the row is hidden without saying which are small, leaving only the total. A row whose
total is under 5 shows only "< 5": every cell in it is smaller still.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

SMALL: Final = 5  # a count under this is never shown
SMALL_MAX: Final = SMALL - 1


class Mark(StrEnum):
    SHOWN = "shown"
    SMALL = "small"  # under 5: shown as "< 5"
    HIDDEN = "hidden"  # hidden so that a small one cannot be worked out (any value if the
    # whole row is hidden, else 5 or more)


@dataclass(frozen=True)
class Cell:
    mark: Mark
    value: int | None = None  # only when shown

    @classmethod
    def shown(cls, value: int) -> Cell:
        return cls(Mark.SHOWN, value)


@dataclass(frozen=True)
class Range:
    """A total over several months: exact when `low == high`, else as narrow as the shown
    monthly numbers allow."""

    low: int
    high: int

    @property
    def exact(self) -> bool:
        return self.low == self.high


def protect_total(n: int) -> Cell:
    return Cell.shown(n) if n >= SMALL else Cell(Mark.SMALL)


def protect_row(values: Sequence[int]) -> tuple[Cell, ...]:
    """One month's counts of one breakdown, whose sum is the month's total."""
    total = sum(values)
    if total < SMALL:
        return tuple(Cell(Mark.SMALL) for _ in values)
    cells = [Cell.shown(v) if v >= SMALL else Cell(Mark.SMALL) for v in values]
    order = sorted((v, i) for i, v in enumerate(values) if v >= SMALL)
    for hidden in range(len(order) + 1):
        candidate = list(cells)
        for _, index in order[:hidden]:
            candidate[index] = Cell(Mark.HIDDEN)
        if is_safe(candidate, total):
            return tuple(candidate)
    return tuple(Cell(Mark.HIDDEN) for _ in values)


def is_safe(cells: Sequence[Cell], total: int) -> bool:
    """Whether every "< 5" cell of a row with this shown total could be 0 and could be more."""
    ranges = row_ranges(cells, Cell.shown(total), knows_order=True)
    return all(low == 0 and high >= 1
               for cell, (low, high) in zip(cells, ranges, strict=True) if cell.mark == Mark.SMALL)


def _limits(cells: Sequence[Cell], total: Cell, knows_order: bool) -> list[tuple[int, int]]:
    """What each cell could be, read alone: a shown count is itself; "< 5" is 0 to 4."""
    ceiling = total.value if total.value is not None else SMALL_MAX
    mixed = any(c.mark == Mark.SMALL for c in cells)
    shown = [c.value for c in cells if c.value is not None]
    hidden_at_most = min(shown) if knows_order and shown else ceiling
    limits = []
    for cell in cells:
        if cell.value is not None:
            limits.append((cell.value, cell.value))
        elif cell.mark == Mark.SMALL:
            limits.append((0, min(SMALL_MAX, ceiling)))
        elif mixed:
            limits.append((SMALL, hidden_at_most))
        else:  # the whole row is hidden: any value the total allows
            limits.append((0, ceiling))
    return limits


def row_ranges(cells: Sequence[Cell], total: Cell,
               knows_order: bool = False) -> list[tuple[int, int]]:
    """The range of each cell that the row's shown numbers and total allow, and no narrower:
    each cell's own limits, and that the cells add up to the total. When the total is "< 5"
    too, it may be anything from 0 to 4. `knows_order`: the reader also knows that hidden
    cells are never larger than a shown one (the audit assumes they do; published ranges
    do not use it)."""
    limits = _limits(cells, total, knows_order)
    ranges = []
    for index, (own_low, own_high) in enumerate(limits):
        others_low = sum(low for i, (low, _) in enumerate(limits) if i != index)
        others_high = sum(high for i, (_, high) in enumerate(limits) if i != index)
        if total.value is None:  # a total under 5: any of 0 to 4
            low, high = own_low, min(own_high, SMALL_MAX - others_low)
        else:
            low = max(own_low, total.value - others_high)
            high = min(own_high, total.value - others_low)
        ranges.append((low, high))
    return ranges


def period_range(ranges: Sequence[tuple[int, int]]) -> Range:
    """A total over months from each month's range: the months are independent rows."""
    return Range(sum(low for low, _ in ranges), sum(high for _, high in ranges))
