"""Periods of whole calendar months, and the month each stored fact belongs to.

Months are UTC months, as the counters are stored (bot.core.store.month_of), so every table
puts an event in the same month. A "did it help" answer is stored by ISO week; a week that
spans two months belongs to the month of its Thursday, as ISO 8601 gives a week to the year of
its Thursday: every week has exactly one Thursday, so each answer counts in exactly one month.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Final

_MONTH: Final = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_WEEK: Final = re.compile(r"^(\d{4})-W(\d{2})$")
THURSDAY: Final = 4


def parse_month(text: str, what: str = "month") -> str:
    """'2026-09' stays '2026-09'; anything finer or odd is refused (statistics are by month)."""
    if not _MONTH.match(text):
        raise ValueError(f"{what} {text!r}: give a whole calendar month as YYYY-MM "
                         "(statistics cover whole months only)")
    return text


def next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def month_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def month_of_timestamp(seconds: float) -> str:
    return month_of(datetime.fromtimestamp(seconds, tz=UTC))


def month_of_hour(hour: str) -> str:
    """A stored hour (ISO 8601, UTC, as bot.core.store.hour_of writes it)."""
    return month_of(datetime.fromisoformat(hour))


def month_of_week(week: str) -> str:
    """'2026-W40' (Monday 28 September to Sunday 4 October 2026) -> '2026-10', its Thursday's."""
    match = _WEEK.match(week)
    if match is None:
        raise ValueError(f"not an ISO week: {week!r}")
    thursday = date.fromisocalendar(int(match[1]), int(match[2]), THURSDAY)
    return thursday.strftime("%Y-%m")


def months(first: str, last: str) -> tuple[str, ...]:
    """Every month from `first` to `last`, both included."""
    found = [first]
    while found[-1] < last:
        found.append(next_month(found[-1]))
    return tuple(found)


def period(first: str, last: str, now: datetime) -> tuple[str, ...]:
    """The months of a report, checked: whole months, in order, and every one of them over.
    A month still running is shorter than a month, and asking again a day later would tell
    what happened that day."""
    first = parse_month(first, "--from")
    last = parse_month(last, "--to")
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    current = month_of(now)
    if last >= current:
        raise ValueError(f"{last} is not over yet; a report covers whole months that have "
                         f"ended (the last one now is {previous_month(current)})")
    return months(first, last)
