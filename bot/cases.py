"""Cases on the consultants' desk, stored in SQLite. Callers hold the transaction."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Final

from bot.store import Store, hour_of
from flows.case import OPEN, CaseState

_OPEN_STATES: Final = tuple(str(state) for state in OPEN)
_COLUMNS: Final = ("id", "state", "audience", "subject", "urgent", "person_key", "route",
                   "thread_id", "summary_message_id", "consultant", "consultant_id",
                   "opened_at", "reminded", "blocked_notified", "outcome")


@dataclass(frozen=True)
class Case:
    id: int
    state: str
    audience: str
    subject: str
    urgent: int
    person_key: str | None
    route: bytes | None  # the person's chat id, encrypted; None once the link is erased
    thread_id: int | None
    summary_message_id: int | None
    consultant: str | None
    consultant_id: int | None
    opened_at: float
    reminded: int
    blocked_notified: int
    outcome: str | None

    @property
    def connected(self) -> bool:
        return self.route is not None


class Cases:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    def _one(self, where: str, params: list[Any]) -> Case | None:
        row = self.db.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM cases WHERE {where} LIMIT 1", params
        ).fetchone()
        return Case(*row) if row else None

    def open(self, audience: str, subject: str, urgent: bool, person_key: str, chat_id: int,
             now: datetime) -> Case:
        cursor = self.db.execute(
            """INSERT INTO cases (state, audience, subject, urgent, person_key, route, opened_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [str(CaseState.WAITING), audience, subject, int(urgent), person_key,
             self.store.keys.seal(str(chat_id).encode()), now.timestamp()],
        )
        case = self.get(int(cursor.lastrowid or 0))
        assert case is not None
        return case

    def get(self, case_id: int) -> Case | None:
        return self._one("id = ?", [case_id])

    def of_person(self, person_key: str) -> Case | None:
        marks = ", ".join("?" for _ in _OPEN_STATES)
        return self._one(f"person_key = ? AND state IN ({marks})", [person_key, *_OPEN_STATES])

    def in_thread(self, thread_id: int) -> Case | None:
        return self._one("thread_id = ?", [thread_id])

    def chat_id(self, case: Case) -> int | None:
        return int(self.store.keys.open(case.route)) if case.route else None

    def update(self, case_id: int, **values: Any) -> None:
        known = {f.name for f in fields(Case)} | {"closed_hour"}
        assert set(values) <= known, values
        assignments = ", ".join(f"{name} = ?" for name in values)
        self.db.execute(f"UPDATE cases SET {assignments} WHERE id = ?",
                        [*values.values(), case_id])

    def disconnect(self, case_id: int) -> None:
        """Erase the only link from the case to the person."""
        self.update(case_id, route=None, person_key=None)

    def close(self, case_id: int, outcome: str, now: datetime) -> None:
        self.update(case_id, state=str(CaseState.CLOSED), outcome=outcome,
                    closed_hour=hour_of(now), route=None, person_key=None)

    def waiting_position(self, case: Case | None) -> int:
        """A waiting case's place in the queue; without one, the place a new case would get."""
        if case is not None and case.state == CaseState.WAITING:
            row = self.db.execute(
                "SELECT count(*) FROM cases WHERE state = ? AND id <= ?",
                [str(CaseState.WAITING), case.id]).fetchone()
        else:
            row = self.db.execute("SELECT count(*) + 1 FROM cases WHERE state = ?",
                                  [str(CaseState.WAITING)]).fetchone()
        return int(row[0])

    def all_open(self) -> list[Case]:
        """The most urgent first, then the oldest."""
        marks = ", ".join("?" for _ in _OPEN_STATES)
        rows = self.db.execute(
            f"""SELECT {', '.join(_COLUMNS)} FROM cases WHERE state IN ({marks})
                ORDER BY urgent DESC, opened_at ASC""", list(_OPEN_STATES)).fetchall()
        return [Case(*row) for row in rows]

    def unclaimed_before(self, cutoff: datetime) -> list[Case]:
        rows = self.db.execute(
            f"""SELECT {', '.join(_COLUMNS)} FROM cases
                WHERE state = ? AND reminded = 0 AND opened_at < ? ORDER BY opened_at""",
            [str(CaseState.WAITING), cutoff.timestamp()]).fetchall()
        return [Case(*row) for row in rows]

    def add_feedback(self, answer: str, audience: str | None, now: datetime) -> None:
        week = now.strftime("%G-W%V")
        self.db.execute("INSERT INTO feedback (answer, audience, week) VALUES (?, ?, ?)",
                        [answer, audience, week])
