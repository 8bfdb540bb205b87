"""Reads the store's coarse facts into month-by-group counts, one breakdown at a time.

Only what the bot keeps for statistics is read: the counters, the cases' category, audience,
channel, triage, outcome, hours and waiting minutes, and the "did it help" answers. Nothing
tied to a person (keys, routes, sealed text) is ever selected.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from bot.core.content import CHANNELS
from bot.core.conversation import STARTED
from bot.stats.period import month_of_hour, month_of_timestamp, month_of_week
from flows.case import OUTCOMES
from flows.consultant import FEEDBACK
from flows.engine import AUDIENCES
from flows.report import CATEGORIES
from flows.triage import GREEN, RED, YELLOW

# The populations: each counts one kind of thing per month, and every breakdown of it puts
# each thing in exactly one group, so all of a population's tables share its monthly totals.
STARTED_POP: Final = "started"  # conversations started: an audience chosen (counter)
REPORTS: Final = "reports"  # reports sent (cases with is_report), by the month they came in
HANDOFFS: Final = "handoffs"  # conversations with a consultant, by the month they opened
CLOSED: Final = "closed"  # cases closed with an outcome, by the month they closed
FEEDBACK_POP: Final = "feedback"  # "did it help" answers, by the month of their week
POPULATIONS: Final = (STARTED_POP, REPORTS, HANDOFFS, CLOSED, FEEDBACK_POP)

IN_HOURS: Final = "in_hours"
OUTSIDE_HOURS: Final = "outside_hours"
UNKNOWN: Final = "unknown"
TRIAGE_LEVELS: Final = (RED, YELLOW, GREEN)


@dataclass(frozen=True)
class Breakdown:
    """One table: a population split by one dimension into fixed groups (never by the data,
    so that a group's presence says nothing)."""

    name: str
    population: str
    groups: tuple[str, ...]
    fallback: str | None = None  # where a stored value outside `groups` is counted


BREAKDOWNS: Final = (
    Breakdown("started_audience", STARTED_POP, AUDIENCES),
    Breakdown("started_channel", STARTED_POP, CHANNELS),
    Breakdown("reports_category", REPORTS, tuple(CATEGORIES), fallback="other"),
    Breakdown("reports_audience", REPORTS, AUDIENCES),
    Breakdown("reports_triage", REPORTS, TRIAGE_LEVELS),
    Breakdown("reports_channel", REPORTS, CHANNELS),
    Breakdown("handoffs_hours", HANDOFFS, (IN_HOURS, OUTSIDE_HOURS)),
    Breakdown("handoffs_audience", HANDOFFS, AUDIENCES),
    Breakdown("closed_outcome", CLOSED, OUTCOMES, fallback="other"),
    Breakdown("feedback_answer", FEEDBACK_POP, FEEDBACK),
    Breakdown("feedback_audience", FEEDBACK_POP, (*AUDIENCES, UNKNOWN), fallback=UNKNOWN),
)
BY_NAME: Final = {b.name: b for b in BREAKDOWNS}


@dataclass(frozen=True)
class Wait:
    """A hand-off that a consultant took: the month it opened, office hours, minutes waited."""

    month: str
    in_hours: bool
    minutes: int


@dataclass
class Raw:
    """The true counts for some months. Never shown as they are: see bot.stats.suppress."""

    months: tuple[str, ...]
    counts: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # table/month/group
    waits: list[Wait] = field(default_factory=list)

    def row(self, table: str, month: str) -> dict[str, int]:
        return self.counts[table][month]

    def total(self, population: str, month: str) -> int:
        first = next(b for b in BREAKDOWNS if b.population == population)
        return sum(self.row(first.name, month).values())


def _group(breakdown: Breakdown, value: object) -> str:
    text = "" if value is None else str(value)
    if text in breakdown.groups:
        return text
    if breakdown.fallback is not None:
        return breakdown.fallback
    raise ValueError(f"{breakdown.name}: a stored value {text!r} is none of "
                     f"{', '.join(breakdown.groups)}")


def read(db: sqlite3.Connection, months: Iterable[str]) -> Raw:
    """Every breakdown for these months, and the waiting times of the hand-offs."""
    wanted = tuple(months)
    raw = Raw(wanted, {b.name: {m: dict.fromkeys(b.groups, 0) for m in wanted}
                       for b in BREAKDOWNS})

    def add(table: str, month: str, value: object, n: int = 1) -> None:
        if month in raw.counts[table]:
            group = _group(BY_NAME[table], value)
            raw.counts[table][month][group] += n

    for month, audience, channel, n in db.execute(
            "SELECT month, audience, channel, n FROM counters WHERE name = ?", [STARTED]):
        add("started_audience", month, audience, n)
        add("started_channel", month, channel, n)
    reports = "SELECT opened_at, subject, audience, triage, channel FROM cases WHERE is_report = 1"
    for opened_at, subject, audience, triage, channel in db.execute(reports):
        month = month_of_timestamp(opened_at)
        add("reports_category", month, subject)
        add("reports_audience", month, audience)
        add("reports_triage", month, triage)
        add("reports_channel", month, channel)
    handoffs = """SELECT opened_at, opened_in_hours, audience, wait_minutes FROM cases
                  WHERE handed_off = 1"""
    for opened_at, in_hours, audience, wait in db.execute(handoffs):
        month = month_of_timestamp(opened_at)
        hours = IN_HOURS if in_hours else OUTSIDE_HOURS
        add("handoffs_hours", month, hours)
        add("handoffs_audience", month, audience)
        if wait is not None and month in wanted:
            raw.waits.append(Wait(month, bool(in_hours), int(wait)))
    closed = "SELECT closed_hour, outcome FROM cases WHERE closed_hour IS NOT NULL"
    for closed_hour, outcome in db.execute(closed):
        add("closed_outcome", month_of_hour(closed_hour), outcome)
    for week, audience, answer in db.execute("SELECT week, audience, answer FROM feedback"):
        month = month_of_week(week)
        add("feedback_answer", month, answer)
        add("feedback_audience", month, audience)
    return raw
