"""Cases on the consultants' desk, stored in SQLite. Callers hold the transaction."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Final

from bot.core.delivery import Person, Route
from bot.core.store import Store, hour_of
from flows.case import OPEN, CaseState
from flows.triage import RED

_OPEN_STATES: Final = tuple(str(state) for state in OPEN)
LOOKUP_FAILURE: Final = "lookup_failure"
REPORT: Final = "report"
CASE: Final = "case"


@dataclass(frozen=True)
class Case:
    id: int
    state: str
    audience: str
    subject: str
    urgent: int
    channel: str | None  # where the person came from: telegram or web
    person_key: str | None
    route: bytes | None  # how to reach the person, sealed; None once the link is erased
    thread_id: int | None
    topic_chat: int | None
    topic_name: str | None
    summary_message_id: int | None
    consultant: str | None
    consultant_id: int | None
    opened_at: float  # exact while open, to the hour once closed
    claimed_at: float | None
    reminded: int
    reminded_at: float | None
    blocked_notified: int
    outcome: str | None
    closed_hour: str | None
    is_report: int | None
    triage: str | None
    answers_sealed: bytes | None  # the report's answers, own words included
    reply_sealed: bytes | None  # what a consultant left for the report's author
    code_hash: str | None
    topic_deleted: int | None
    wait_minutes: int | None  # from opened to taken, for the statistics
    opened_in_hours: int | None
    handed_off: int | None  # a conversation with a consultant (a report, once connected)

    @property
    def connected(self) -> bool:
        return self.route is not None

    @property
    def is_open(self) -> bool:
        return self.state in _OPEN_STATES


_COLUMNS: Final = tuple(f.name for f in fields(Case))
_SELECT: Final = f"SELECT {', '.join(_COLUMNS)} FROM cases"


class Cases:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        # Reports a person made this hour, for the limit: in memory only. On disk, a person's
        # key beside the hour of a report would tie an anonymous report to its chat (for
        # whoever holds the secret). A restart forgets them: a few more reports, at most.
        self._reports: dict[tuple[str, str], int] = {}

    def _one(self, where: str, params: list[Any]) -> Case | None:
        row = self.db.execute(f"{_SELECT} WHERE {where} LIMIT 1", params).fetchone()
        return Case(*row) if row else None

    def _all(self, where: str, params: list[Any], order: str = "id") -> list[Case]:
        rows = self.db.execute(f"{_SELECT} WHERE {where} ORDER BY {order}", params).fetchall()
        return [Case(*row) for row in rows]

    def get(self, case_id: int) -> Case | None:
        return self._one("id = ?", [case_id])

    def open(self, audience: str, subject: str, urgent: bool, person: Person, now: datetime,
             in_hours: bool) -> Case:
        cursor = self.db.execute(
            """INSERT INTO cases (state, audience, subject, urgent, channel, person_key, route,
                                  opened_at, opened_in_hours, handed_off)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)""",
            [str(CaseState.WAITING), audience, subject, int(urgent), person.route.channel,
             person.key, person.route.seal(self.store.keys), now.timestamp(), int(in_hours)])
        case = self.get(int(cursor.lastrowid or 0))
        assert case is not None
        return case

    def open_report(self, audience: str, category: str, triage: str, answers: dict[str, Any],
                    code_hash: str, channel: str, now: datetime,
                    in_hours: bool = True) -> tuple[Case, bool]:
        """A report: no person key, no route; its answers sealed. The code's hash is unique,
        so the same report sent twice is stored once."""
        cursor = self.db.execute(
            """INSERT OR IGNORE INTO cases (state, audience, subject, urgent, channel, opened_at,
                                            is_report, triage, answers_sealed, code_hash,
                                            opened_in_hours, handed_off)
               VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, 0)""",
            [str(CaseState.WAITING), audience, category, int(triage == RED), channel,
             now.timestamp(), triage, self.store.seal_json(answers), code_hash, int(in_hours)])
        case = self._one("code_hash = ?", [code_hash])
        assert case is not None
        return case, cursor.rowcount == 1

    def answers(self, case: Case) -> dict[str, Any]:
        if case.answers_sealed is None:
            return {}
        return dict(self.store.open_json(case.answers_sealed))

    def reply(self, case: Case) -> str | None:
        return None if case.reply_sealed is None else self.store.keys.open(
            case.reply_sealed).decode()

    def set_reply(self, case_id: int, text: str) -> None:
        self.update(case_id, reply_sealed=self.store.keys.seal(text.encode()))

    def by_code_hash(self, code_hash: str) -> Case | None:
        return self._one("code_hash = ?", [code_hash])

    def connect(self, case_id: int, person: Person) -> None:
        """The author of a report agreed that a consultant may write to them."""
        self.update(case_id, person_key=person.key, route=person.route.seal(self.store.keys),
                    handed_off=1)

    def person(self, case: Case) -> Person | None:
        if case.route is None or case.person_key is None:
            return None
        return Person(case.person_key, Route.open(self.store.keys, case.route))

    def of_person(self, person_key: str) -> Case | None:
        marks = ", ".join("?" for _ in _OPEN_STATES)
        return self._one(f"person_key = ? AND state IN ({marks})", [person_key, *_OPEN_STATES])

    def in_thread(self, chat: int, thread_id: int) -> Case | None:
        """The case whose topic this is. A topic is known by its group and its thread."""
        return self._one("topic_chat = ? AND thread_id = ? ORDER BY id DESC", [chat, thread_id])

    def record_thread(self, case_id: int, chat: int, thread_id: int) -> None:
        """The case's topic exists. Should an older case hold the same group and thread (a
        group that started counting anew), it no longer does: a thread is one case's only."""
        self.db.execute("UPDATE cases SET thread_id = NULL WHERE topic_chat = ? AND thread_id = ?"
                        " AND id != ?", [chat, thread_id, case_id])
        self.update(case_id, topic_chat=chat, thread_id=thread_id)

    def update(self, case_id: int, **values: Any) -> None:
        known = {f.name for f in fields(Case)}
        assert set(values) <= known, values
        assignments = ", ".join(f"{name} = ?" for name in values)
        self.db.execute(f"UPDATE cases SET {assignments} WHERE id = ?",
                        [*values.values(), case_id])

    def disconnect(self, case_id: int) -> None:
        """Erase the only link from the case to the person."""
        self.update(case_id, route=None, person_key=None)

    def close(self, case_id: int, outcome: str, now: datetime) -> None:
        """Closed: the link to the person goes, and its times are kept to the hour only."""
        case = self.get(case_id)
        assert case is not None
        opened = datetime.fromisoformat(hour_of(datetime.fromtimestamp(case.opened_at,
                                                                        tz=now.tzinfo)))
        claimed = None if case.claimed_at is None else datetime.fromisoformat(hour_of(
            datetime.fromtimestamp(case.claimed_at, tz=now.tzinfo))).timestamp()
        self.update(case_id, state=str(CaseState.CLOSED), outcome=outcome,
                    closed_hour=hour_of(now), route=None, person_key=None,
                    opened_at=opened.timestamp(), claimed_at=claimed)

    def waiting_position(self, case: Case | None) -> int:
        """A waiting person's place in the queue: urgent cases first, then the oldest; without
        a case, the place a new one would get. Reports nobody chats about are not in it."""
        waiting = [str(CaseState.WAITING)]
        if case is not None and case.state == CaseState.WAITING:
            row = self.db.execute(
                """SELECT count(*) FROM cases WHERE state = ? AND route IS NOT NULL
                   AND (urgent > ? OR (urgent = ? AND opened_at <= ?))""",
                [*waiting, case.urgent, case.urgent, case.opened_at]).fetchone()
        else:
            row = self.db.execute(
                "SELECT count(*) + 1 FROM cases WHERE state = ? AND route IS NOT NULL",
                waiting).fetchone()
        return int(row[0])

    def all_open(self) -> list[Case]:
        """The most urgent first, then the oldest."""
        marks = ", ".join("?" for _ in _OPEN_STATES)
        return self._all(f"state IN ({marks})", list(_OPEN_STATES), "urgent DESC, opened_at")

    def to_remind(self, now: datetime, first_after: timedelta,
                  urgent_every: timedelta) -> list[Case]:
        """Cases nobody has taken: each once after `first_after`; urgent ones again and again,
        every `urgent_every`, until someone takes them."""
        return self._all(
            """state = ? AND (
                 (reminded = 0 AND opened_at < ?)
                 OR (urgent = 1 AND reminded_at < ?))""",
            [str(CaseState.WAITING), (now - first_after).timestamp(),
             (now - urgent_every).timestamp()], "urgent DESC, opened_at")

    def topics_expired(self, closed_before: datetime) -> list[Case]:
        """Closed cases whose topic is due to be deleted from the staff group."""
        return self._all("state = ? AND thread_id IS NOT NULL AND coalesce(topic_deleted, 0) = 0"
                         " AND closed_hour < ?",
                         [str(CaseState.CLOSED), hour_of(closed_before)])

    # --- limits, per person and hour --------------------------------------------------

    def count_of(self, person_key: str, what: str, now: datetime) -> int:
        return self.counts_of(person_key, now).get(what, 0)

    def counts_of(self, person_key: str, now: datetime) -> dict[str, int]:
        """This hour's counts of a person (reports, cases, failed lookups), in one look."""
        counts = dict(self.db.execute(
            "SELECT what, n FROM person_counts WHERE person_key = ? AND window = ?",
            [person_key, hour_of(now)]).fetchall())
        reports = self._reports.get((person_key, hour_of(now)))
        return {**counts, REPORT: reports} if reports else counts

    def add_count(self, person_key: str, what: str, now: datetime) -> None:
        hour = hour_of(now)
        if what == REPORT:
            self._reports = {key: n for key, n in self._reports.items() if key[1] == hour}
            self._reports[(person_key, hour)] = self._reports.get((person_key, hour), 0) + 1
            return
        self.db.execute(
            """INSERT INTO person_counts (person_key, what, window, n) VALUES (?, ?, ?, 1)
               ON CONFLICT (person_key, what, window) DO UPDATE SET n = n + 1""",
            [person_key, what, hour_of(now)])

    def forget_person(self, person_key: str) -> None:
        """/slet: the helpers keyed by the person go; an open case ends separately."""
        self.db.execute("DELETE FROM person_counts WHERE person_key = ?", [person_key])
        self._reports = {key: n for key, n in self._reports.items() if key[0] != person_key}
        self.db.execute("DELETE FROM visible_messages WHERE person_key = ?", [person_key])
        self.db.execute("DELETE FROM web_inputs WHERE person_key = ?", [person_key])

    def add_feedback(self, answer: str, audience: str | None, channel: str,
                     now: datetime) -> None:
        week = now.strftime("%G-W%V")
        self.db.execute(
            "INSERT INTO feedback (answer, audience, week, channel) VALUES (?, ?, ?, ?)",
            [answer, audience, week, channel])
