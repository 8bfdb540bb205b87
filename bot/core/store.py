"""The SQLite store: sessions, the durable inbox of updates and the outbox of sends."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import sqlite_utils

from bot.core.keys import Keys
from flows.engine import Session

# Keep this many finished inbox rows so that a redelivered update is still recognised.
INBOX_KEEP: Final = 5000


def hour_of(now: datetime) -> str:
    """Times are stored rounded down to the hour: enough for retention, no more."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0).isoformat()


def _v1(db: sqlite_utils.Database) -> None:
    db.table("sessions").create(  # data: the answers so far, sealed (they may be free text)
        {"key": str, "flow": str, "state": str, "audience": str, "step": int, "data": bytes,
         "touched_hour": str},
        pk="key", not_null={"flow", "state", "step", "data", "touched_hour"}, if_not_exists=True,
    )
    db.table("inbox").create(
        {"update_id": int, "payload": bytes, "done": int},
        pk="update_id", not_null={"done"}, defaults={"done": 0}, if_not_exists=True,
    )
    db.table("outbox").create(
        {"id": int, "lane": str, "payload": bytes, "attempts": int, "due": float},
        pk="id", not_null={"lane", "payload", "attempts", "due"}, defaults={"attempts": 0},
        if_not_exists=True,
    )
    db.table("outbox").create_index(["lane", "id"], if_not_exists=True)
    db.table("inbox").create_index(["done", "update_id"], if_not_exists=True)


def _v2(db: sqlite_utils.Database) -> None:
    # A case on the consultants' desk. person_key and route (the encrypted chat id) link it to
    # the person and exist only while the case is open.
    db.table("cases").create(
        {"id": int, "state": str, "audience": str, "subject": str, "urgent": int,
         "person_key": str, "route": bytes, "thread_id": int, "summary_message_id": int,
         "consultant": str, "consultant_id": int, "opened_at": float, "reminded": int,
         "blocked_notified": int, "outcome": str, "closed_hour": str},
        pk="id", not_null={"state", "audience", "subject", "urgent", "opened_at"},
        defaults={"urgent": 0, "reminded": 0, "blocked_notified": 0}, if_not_exists=True,
    )
    db.table("cases").create_index(["person_key"], if_not_exists=True)
    db.table("cases").create_index(["thread_id"], if_not_exists=True)
    db.table("cases").create_index(["state", "opened_at"], if_not_exists=True)
    # "Hjalp det at skrive med os?": the answer, the audience and the week; nothing else.
    db.table("feedback").create(
        {"id": int, "answer": str, "audience": str, "week": str},
        pk="id", not_null={"answer", "week"}, if_not_exists=True,
    )


def _v3(db: sqlite_utils.Database) -> None:
    # Reports are cases too. code_hash is the keyed hash of the code the author holds; answers
    # holds what they chose and wrote (free text deleted after the retention period); reply is
    # what a consultant left for the author to read with the code.
    cases = db.table("cases")
    for column, kind in (("is_report", int), ("code_hash", str), ("triage", str),
                         ("answers", str), ("reply", str)):
        if column not in cases.columns_dict:
            cases.add_column(column, kind)
    cases.create_index(["code_hash"], unique=True, if_not_exists=True)
    # Failed code lookups per person and hour, to stop guessing.
    db.table("lookup_failures").create(
        {"person_key": str, "hour": str, "failures": int}, pk=("person_key", "hour"),
        if_not_exists=True,
    )
    # Message ids in a person's chat (not their content), so a quick exit can delete them.
    db.table("visible_messages").create(
        {"person_key": str, "message_id": int, "at": float},
        pk=("person_key", "message_id"), if_not_exists=True,
    )


# Append only: each migration runs once, in order, and the file's user_version records it.
# A migration may be interrupted, so it must be safe to run again (if_not_exists).
MIGRATIONS: Final[tuple[Callable[[sqlite_utils.Database], None], ...]] = (_v1, _v2, _v3)


PERSON_LANE_LENGTH: Final = 64  # a person's lane is their chat key, a hex HMAC-SHA256


def is_person_lane(lane: str) -> bool:
    """Lanes are a person's chat key, or `case:<id>`, `staff`, `group:<key>`."""
    return len(lane) == PERSON_LANE_LENGTH and ":" not in lane


@dataclass(frozen=True)
class Send:
    """One Bot API call waiting in the outbox. With a case, it goes to the case's topic, and
    `record` names what to remember from Telegram's answer (the new topic, the summary)."""

    method: str
    params: dict[str, Any]
    case_id: int | None = None
    record: str | None = None


@dataclass(frozen=True)
class Queued:
    id: int
    lane: str
    send: Send
    attempts: int


class Store:
    """All persistence. One connection, used from the event loop only."""

    def __init__(self, path: Path, keys: Keys, synchronous: str = "FULL") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.keys = keys
        self.db = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={synchronous}")
        self.db.execute("PRAGMA secure_delete=ON")  # erased rows are overwritten on disk
        self.migrate()

    def migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            migration(self.db)
            self.db.execute(f"PRAGMA user_version={number}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Explicit BEGIN/COMMIT: the connection is in autocommit mode otherwise."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    # --- sessions -------------------------------------------------------------------

    def load_session(self, key: str) -> Session | None:
        row = self.db.execute(
            "SELECT flow, state, audience, step, data FROM sessions WHERE key = ?", [key]
        ).fetchone()
        if row is None:
            return None
        flow, state, audience, step, data = row
        return Session(flow, state, audience, step, json.loads(self.keys.open(data)))

    # --- the inbox: updates committed before Telegram is told they arrived --------

    def inbox_add(self, updates: Iterable[tuple[int, bytes]]) -> None:
        rows = [(uid, self.keys.seal(raw)) for uid, raw in updates]
        with self.transaction():
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO inbox (update_id, payload, done) VALUES (?, ?, 0)", rows
            )

    def inbox_pending(self) -> list[tuple[int, bytes]]:
        rows = self.db.execute(
            "SELECT update_id, payload FROM inbox WHERE done = 0 ORDER BY update_id"
        ).fetchall()
        return [(uid, self.keys.open(payload)) for uid, payload in rows]

    def inbox_is_done(self, update_id: int) -> bool:
        row = self.db.execute("SELECT done FROM inbox WHERE update_id = ?", [update_id]).fetchone()
        return row is not None and bool(row[0])

    def inbox_finish(self, update_id: int) -> None:
        """Mark an update handled when nothing else was committed for it."""
        with self.transaction():
            self.finish(update_id)

    def finish(self, update_id: int) -> None:
        """Inside a transaction: the update is handled, and its content is erased."""
        self.db.execute(
            "UPDATE inbox SET done = 1, payload = NULL WHERE update_id = ?", [update_id]
        )

    def next_offset(self) -> int | None:
        row = self.db.execute("SELECT max(update_id) FROM inbox").fetchone()
        return None if row[0] is None else int(row[0]) + 1

    # --- one handled update: callers hold a transaction around these ------------------

    def save_session(self, key: str, session: Session | None, now: datetime) -> None:
        """Inside a transaction: store the session, or erase it when None."""
        if session is None:
            self.db.execute("DELETE FROM sessions WHERE key = ?", [key])
            return
        self.db.execute(
            """INSERT OR REPLACE INTO sessions
               (key, flow, state, audience, step, data, touched_hour)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [key, session.flow, session.state, session.audience, session.step,
             self.keys.seal(json.dumps(session.data).encode()), hour_of(now)],
        )

    def finish_with(self, update_id: int, sends: Iterable[tuple[str, Send]], now: datetime) -> None:
        """Queue sends for an update that touches no session, and mark it handled."""
        with self.transaction():
            self.queue(sends, now)
            self.finish(update_id)

    # --- the outbox ---------------------------------------------------------------

    def queue(self, sends: Iterable[tuple[str, Send]], now: datetime) -> None:
        """Inside a transaction: add sends to the outbox, each in its lane."""
        rows = [
            (lane, self.keys.seal(json.dumps(asdict(send)).encode()), now.timestamp())
            for lane, send in sends
        ]
        self.db.conn.executemany(
            "INSERT INTO outbox (lane, payload, attempts, due) VALUES (?, ?, 0, ?)", rows
        )

    def outbox_due(self, now: datetime, limit: int) -> list[Queued]:
        """The oldest send of each lane, if it is due: a lane's sends go out in order."""
        rows = self.db.execute(
            """SELECT id, lane, payload, attempts FROM outbox AS o
               WHERE id = (SELECT min(id) FROM outbox WHERE lane = o.lane) AND due <= ?
               ORDER BY id LIMIT ?""",
            [now.timestamp(), limit],
        ).fetchall()
        return [
            Queued(row_id, lane, Send(**json.loads(self.keys.open(payload))), attempts)
            for row_id, lane, payload, attempts in rows
        ]

    def outbox_next_due(self) -> float | None:
        """When the next lane head falls due; sends behind a head wait for it."""
        row = self.db.execute(
            """SELECT min(due) FROM outbox AS o
               WHERE id = (SELECT min(id) FROM outbox WHERE lane = o.lane)"""
        ).fetchone()
        return None if row[0] is None else float(row[0])

    def outbox_done(self, queued_id: int) -> None:
        with self.transaction():
            self.remove_send(queued_id)

    def remove_send(self, queued_id: int) -> None:
        """Inside a transaction: the send is delivered (or given up)."""
        self.db.execute("DELETE FROM outbox WHERE id = ?", [queued_id])

    def outbox_retry(self, queued: Queued, due: datetime, send: Send | None = None) -> None:
        payload = self.keys.seal(json.dumps(asdict(send or queued.send)).encode())
        with self.transaction():
            self.db.execute(
                "UPDATE outbox SET attempts = attempts + 1, due = ?, payload = ? WHERE id = ?",
                [due.timestamp(), payload, queued.id],
            )

    def outbox_drop_lane(self, lane: str) -> int:
        with self.transaction():
            return self.db.execute("DELETE FROM outbox WHERE lane = ?", [lane]).rowcount

    # --- retention ----------------------------------------------------------------

    def prune(self, now: datetime, session_days: int, report_text_days: int = 30) -> None:
        """Forget idle sessions, old free text of closed cases, expired helpers and inbox marks.
        Time is passed in, never read here. Category counts and outcomes stay for statistics."""
        cutoff = hour_of(now - timedelta(days=session_days))
        text_cutoff = hour_of(now - timedelta(days=report_text_days))
        with self.transaction():
            self.db.execute("DELETE FROM sessions WHERE touched_hour < ?", [cutoff])
            self.db.execute(
                """UPDATE cases SET answers = json_remove(answers, '$.description'), reply = NULL
                   WHERE state = 'closed' AND closed_hour < ?""", [text_cutoff])
            self.db.execute("DELETE FROM lookup_failures WHERE hour < ?",
                            [hour_of(now - timedelta(hours=1))])
            self.db.execute("DELETE FROM visible_messages WHERE at < ?",
                            [(now - timedelta(hours=48)).timestamp()])
            self.db.execute(
                """DELETE FROM inbox WHERE done = 1 AND update_id <
                   (SELECT max(update_id) FROM inbox) - ?""",
                [INBOX_KEEP],
            )
