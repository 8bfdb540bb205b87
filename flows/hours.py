"""Office hours: a weekly schedule plus closed dates, in local (Danish) time. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RULE = re.compile(r"^\s*(\w{3})(?:-(\w{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})\s*$")
LOOKAHEAD_DAYS: Final = 60


@dataclass(frozen=True)
class OfficeHours:
    """Opening intervals per weekday (0 = Monday) and dates when the desk is closed."""

    week: tuple[tuple[tuple[time, time], ...], ...]
    closed: frozenset[date] = frozenset()

    @classmethod
    def parse(cls, schedule: str, closed_dates: str = "") -> OfficeHours:
        """`mon-thu 09:00-15:00, fri 09:00-13:00` and `2026-12-24, 2026-12-31`; 24:00 is
        the end of the day."""
        week: list[list[tuple[time, time]]] = [[] for _ in DAYS]
        for rule in filter(str.strip, schedule.split(",")):
            match = _RULE.match(rule.lower())
            if match is None:
                raise ValueError(f"office hours: cannot read {rule.strip()!r}")
            first, last = DAYS.index(match[1]), DAYS.index(match[2] or match[1])
            opens = time(int(match[3]), int(match[4]))
            closes = time.max if match[5] == "24" else time(int(match[5]), int(match[6]))
            if closes <= opens:
                raise ValueError(f"office hours: {rule.strip()!r} closes before it opens")
            for day in range(first, last + 1):
                week[day].append((opens, closes))
        closed = frozenset(date.fromisoformat(d.strip())
                           for d in closed_dates.split(",") if d.strip())
        return cls(tuple(tuple(sorted(day)) for day in week), closed)

    def blocks(self) -> list[dict[str, Any]]:
        """Runs of weekdays with the same hours, for texts: mandag til torsdag kl. 9-15."""
        out: list[dict[str, Any]] = []
        for day, intervals in enumerate(self.week):
            for opens, closes in intervals:
                last = out[-1] if out else None
                if last and last["last"] == day - 1 and (last["opens"], last["closes"]) == (
                        opens, closes):
                    last["last"] = day
                else:
                    out.append({"first": day, "last": day, "opens": opens, "closes": closes})
        return out

    def is_open(self, now: datetime) -> bool:
        if now.date() in self.closed:
            return False
        return any(opens <= now.time() < closes for opens, closes in self.week[now.weekday()])

    def next_opening(self, now: datetime) -> datetime | None:
        """The next moment the desk opens after `now`; None if the schedule is empty."""
        for offset in range(LOOKAHEAD_DAYS):
            day = now.date() + timedelta(days=offset)
            if day in self.closed:
                continue
            for opens, _ in self.week[day.weekday()]:
                moment = datetime.combine(day, opens, tzinfo=now.tzinfo)
                if moment > now:
                    return moment
        return None
