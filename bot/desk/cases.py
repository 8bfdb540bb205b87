"""Cases on the consultants' desk, stored in SQLite. Callers hold the transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Final

from bot.core.store import Store, hour_of
from flows.case import OPEN, CaseState
from flows.triage import RED

_OPEN_STATES: Final = tuple(str(state) for state in OPEN)
_COLUMNS: Final = ("id", "state", "audience", "subject", "urgent", "person_key", "route",
                   "thread_id", "summary_message_id", "consultant", "consultant_id",
                   "opened_at", "reminded", "blocked_notified", "outcome", "is_report",
                   "triage", "answers", "reply")
LOOKUP_FAILURES_PER_HOUR: Final = 5


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
    is_report: int | None
    triage: str | None
    answers: str | None  # JSON of the report's answers
    reply: str | None  # what a consultant left for the report's author

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

    def open_report(self, audience: str, category: str, triage: str, answers: dict[str, Any],
                    code_hash: str, now: datetime) -> tuple[Case, bool]:
        """A report: no person key, no route, the time kept to the hour. The code's hash is
        unique, so the same report sent twice is stored once."""
        cursor = self.db.execute(
            """INSERT OR IGNORE INTO cases (state, audience, subject, urgent, opened_at, is_report,
                                            triage, answers, code_hash)
               VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)""",
            [str(CaseState.WAITING), audience, category, int(triage == RED),
             datetime.fromisoformat(hour_of(now)).timestamp(), triage,
             json.dumps(answers, ensure_ascii=False), code_hash],
        )
        case = self._one("code_hash = ?", [code_hash])
        assert case is not None
        return case, cursor.rowcount == 1

    def by_code_hash(self, code_hash: str) -> Case | None:
        return self._one("code_hash = ?", [code_hash])

    def connect(self, case_id: int, person_key: str, chat_id: int) -> None:
        """The author of a report agreed that a consultant may write to them here."""
        self.update(case_id, person_key=person_key,
                    route=self.store.keys.seal(str(chat_id).encode()))

    def failures(self, person_key: str, now: datetime) -> int:
        row = self.db.execute(
            "SELECT failures FROM lookup_failures WHERE person_key = ? AND hour = ?",
            [person_key, hour_of(now)]).fetchone()
        return int(row[0]) if row else 0

    def add_failure(self, person_key: str, now: datetime) -> None:
        self.db.execute(
            """INSERT INTO lookup_failures (person_key, hour, failures) VALUES (?, ?, 1)
               ON CONFLICT (person_key, hour) DO UPDATE SET failures = failures + 1""",
            [person_key, hour_of(now)])

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
        known = {f.name for f in fields(Case)} | {"closed_hour", "code_hash"}
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
        # Only people who wait count: reports nobody will chat about are not in the queue.
        if case is not None and case.state == CaseState.WAITING:
            row = self.db.execute(
                "SELECT count(*) FROM cases WHERE state = ? AND route IS NOT NULL AND id <= ?",
                [str(CaseState.WAITING), case.id]).fetchone()
        else:
            row = self.db.execute(
                "SELECT count(*) + 1 FROM cases WHERE state = ? AND route IS NOT NULL",
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

    def remember_message(self, person_key: str, message_id: int, now: datetime) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO visible_messages (person_key, message_id, at) VALUES (?, ?, ?)",
            [person_key, message_id, now.timestamp()])

    def take_messages(self, person_key: str, since: datetime) -> list[int]:
        """The message ids in a person's chat younger than `since`, forgotten as they go."""
        rows = self.db.execute(
            "SELECT message_id FROM visible_messages WHERE person_key = ? AND at >= ?",
            [person_key, since.timestamp()]).fetchall()
        self.db.execute("DELETE FROM visible_messages WHERE person_key = ?", [person_key])
        return sorted(row[0] for row in rows)

    def forget_person(self, person_key: str) -> None:
        """/slet: the helpers keyed by the person go; an open case ends separately."""
        self.db.execute("DELETE FROM visible_messages WHERE person_key = ?", [person_key])
        self.db.execute("DELETE FROM lookup_failures WHERE person_key = ?", [person_key])

    def add_feedback(self, answer: str, audience: str | None, now: datetime) -> None:
        week = now.strftime("%G-W%V")
        self.db.execute("INSERT INTO feedback (answer, audience, week) VALUES (?, ?, ?)",
                        [answer, audience, week])
