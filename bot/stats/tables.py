"""The published statistics: every breakdown, month by month, protected; and waiting times.

Nothing here holds a true count that is not shown: what leaves this module (for the report,
its CSV, its charts and the staff group's summary) is made of `Cell`s and `Range`s only.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from bot.stats.query import BREAKDOWNS, IN_HOURS, OUTSIDE_HOURS, POPULATIONS, Raw, Wait
from bot.stats.suppress import (
    SMALL,
    Cell,
    Range,
    period_range,
    protect_row,
    protect_total,
    row_ranges,
)

ALL_HOURS: Final = "all"
WAIT_GROUPS: Final = (IN_HOURS, OUTSIDE_HOURS, ALL_HOURS)
MEDIAN_FROM: Final = SMALL  # a median needs at least 5 waits, published as at least 5
PERCENTILE_FROM: Final = 2 * SMALL  # the 90th percentile at least 10: else it is one case's
PERCENTILE: Final = 0.9


@dataclass(frozen=True)
class Table:
    name: str
    population: str
    groups: tuple[str, ...]
    months: tuple[str, ...]
    cells: Mapping[str, tuple[Cell, ...]]  # month -> one cell per group
    totals: Mapping[str, Cell]  # month -> the population's total that month
    period: tuple[Range, ...]  # per group, over the months
    period_total: Range

    def cell(self, month: str, group: str) -> Cell:
        return self.cells[month][self.groups.index(group)]


@dataclass(frozen=True)
class WaitFigure:
    """Minutes from a hand-off until a consultant took it; None where too few to show."""

    median: int | None
    p90: int | None


@dataclass(frozen=True)
class Published:
    months: tuple[str, ...]
    tables: Mapping[str, Table]
    totals: Mapping[str, Mapping[str, Cell]]  # population -> month -> total
    period_totals: Mapping[str, Range]  # population -> total over the months
    waits: Mapping[str, WaitFigure]  # in_hours, outside_hours, all: over the period
    monthly_waits: Mapping[str, Mapping[str, WaitFigure]]  # month -> in/outside/all


def _total_range(cell: Cell) -> tuple[int, int]:
    return (cell.value, cell.value) if cell.value is not None else (0, SMALL - 1)


def publish(raw: Raw) -> Published:
    totals = {p: {m: protect_total(raw.total(p, m)) for m in raw.months} for p in POPULATIONS}
    period_totals = {p: period_range([_total_range(totals[p][m]) for m in raw.months])
                     for p in POPULATIONS}
    tables = {}
    for breakdown in BREAKDOWNS:
        rows = {m: protect_row([raw.row(breakdown.name, m)[g] for g in breakdown.groups])
                for m in raw.months}
        month_totals = totals[breakdown.population]
        ranges = {m: row_ranges(rows[m], month_totals[m]) for m in raw.months}
        period = tuple(period_range([ranges[m][i] for m in raw.months])
                       for i in range(len(breakdown.groups)))
        tables[breakdown.name] = Table(breakdown.name, breakdown.population, breakdown.groups,
                                       raw.months, rows, month_totals, period,
                                       period_totals[breakdown.population])
    hours = tables["handoffs_hours"]
    at_least = {IN_HOURS: hours.period[0].low, OUTSIDE_HOURS: hours.period[1].low,
                ALL_HOURS: period_totals["handoffs"].low}
    waits = {group: wait_figure(_of_group(raw.waits, group), at_least[group])
             for group in WAIT_GROUPS}
    monthly = {}
    for month in raw.months:
        shown = {IN_HOURS: hours.cell(month, IN_HOURS).value or 0,
                 OUTSIDE_HOURS: hours.cell(month, OUTSIDE_HOURS).value or 0,
                 ALL_HOURS: hours.totals[month].value or 0}
        in_month = [w for w in raw.waits if w.month == month]
        monthly[month] = {group: wait_figure(_of_group(in_month, group), shown[group])
                          for group in WAIT_GROUPS}
    return Published(raw.months, tables, totals, period_totals, waits, monthly)


def _of_group(waits: Sequence[Wait], group: str) -> list[int]:
    return [w.minutes for w in waits
            if group == ALL_HOURS or w.in_hours == (group == IN_HOURS)]


def wait_figure(minutes: Sequence[int], published_at_least: int) -> WaitFigure:
    """The median and 90th percentile of the waits of a group, each only when there are enough
    waits, and the group's published count already says there are at least that many hand-offs
    (so whether a figure is shown tells nothing a count does not)."""
    n = len(minutes)
    enough = min(n, published_at_least)
    ordered = sorted(minutes)
    median = round(statistics.median(ordered)) if enough >= MEDIAN_FROM else None
    p90 = ordered[math.ceil(PERCENTILE * n) - 1] if enough >= PERCENTILE_FROM else None
    return WaitFigure(median, p90)
