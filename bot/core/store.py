"""The SQLite store: sessions, the durable inbox of updates, the outbox of deliveries."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import sqlite_utils

from bot.core import migrations
from bot.core.keys import Keys
from flows.engine import Session

log = logging.getLogger(__name__)

FILE_MODE: Final = 0o600  # the database, its WAL and its shared memory: the service's alone
DIR_MODE: Final = 0o700
# How long a handled update's id is remembered, so that Telegram's redelivery after a crash is
# recognised. Telegram keeps an unconfirmed update for 24 hours; confirmed ones are forgotten at
# once (see Store.inbox_confirmed).
INBOX_REMEMBER: Final = timedelta(hours=25)


def hour_of(now: datetime) -> str:
    """Times are stored rounded down to the hour: enough for retention, no more."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0).isoformat()


def minute_of(now: datetime) -> float:
    """A time rounded down to the minute, for what needs more than the hour (waiting times)."""
    return float(int(now.timestamp()) // 60 * 60)


def month_of(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m")


@dataclass(frozen=True)
class Row:
    """One delivery to queue: for one lane (a person, a case's topic, the staff group's general
    topic), of one channel, in a form that channel knows."""

    lane: str
    channel: str
    payload: dict[str, Any]
    priority: int = 0  # higher goes first where a channel shares a limit between lanes


@dataclass(frozen=True)
class Queued:
    id: int
    lane: str
    channel: str
    payload: dict[str, Any]
    attempts: int
    first_at: float
    priority: int
    due: float


class Store:
    """All persistence. One connection, used from the event loop only."""

    def __init__(self, path: Path, keys: Keys, synchronous: str = "FULL") -> None:
        _private_file(path)
        self.path = path
        self.keys = keys
        self.db = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={synchronous}")
        self._synchronous = synchronous
        self.db.execute("PRAGMA secure_delete=ON")  # erased rows are overwritten on disk
        self._after_commit: list[Callable[[], None]] = []
        self._depth = 0
        self._confirmed: list[int] = []  # handled updates Telegram will not send again
        self._grouping = False
        self._group_open = False
        self._group_light = False  # the shared transaction holds only bookkeeping
        self._finishing: list[int] = []  # updates marked handled in the transaction under way
        self._finished: set[int] = set()
        self._durable: list[asyncio.Future[None]] = []
        migrations.migrate(self.db, keys)
        for suffix in ("-wal", "-shm"):  # made by an earlier release, or by another umask
            sibling = path.with_name(path.name + suffix)
            if sibling.exists():
                sibling.chmod(FILE_MODE)

    @contextmanager
    def bookkeeping(self) -> Iterator[None]:
        """A transaction for what only saves work if it is lost (a delivery done): committed
        without an fsync of its own (synchronous=NORMAL), in a shared transaction that holds
        nothing else. A crash, even kill -9, loses nothing committed; only a power cut may undo
        it, and then a message goes twice. Everything a reply rests on gets the full fsync."""
        if not self._grouping or self._depth:
            with self.transaction():
                yield
            return
        if self._group_open and not self._group_light:
            self.flush()  # work that needs its fsync is not made to wait, nor mixed in
        if not self._group_open:
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._group_light = True
        with self._savepoint():
            yield

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: explicit BEGIN/COMMIT (the connection is in autocommit mode
        otherwise). Nested use joins the outer transaction. Work registered with `after_commit`
        runs once it is durable, and is dropped if it rolls back.

        With group commit on (the running bot), a transaction is a savepoint inside one
        transaction that all the work of this turn of the event loop shares, committed with
        one fsync at the next turn or when `flush` is called: before anything leaves the
        process (a reply sent, an update acknowledged), everything it rests on is durable."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        if self._grouping:
            if self._group_open and self._group_light:
                self.flush()  # bookkeeping went first, on its own; this one gets the fsync
            with self._savepoint():
                yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._after_commit.clear()
            self._finishing.clear()
            self.db.execute("ROLLBACK")
            raise
        self._depth = 0
        self.db.execute("COMMIT")
        self._finished.update(self._finishing)
        self._finishing.clear()
        self._run_after_commit()

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        if not self._group_open:
            self.db.execute("BEGIN IMMEDIATE")
            self._group_open = True
            asyncio.get_running_loop().call_soon(self.flush)
        self.db.execute("SAVEPOINT turn")
        self._depth = 1
        outer, self._after_commit = self._after_commit, []
        try:
            yield
        except BaseException:
            self._depth = 0
            self._after_commit = outer
            self._finishing.clear()
            self.db.execute("ROLLBACK TO turn")
            self.db.execute("RELEASE turn")
            raise
        self._depth = 0
        self.db.execute("RELEASE turn")
        self._after_commit = outer + self._after_commit
        self._finished.update(self._finishing)
        self._finishing.clear()

    def group_commits(self) -> None:
        """From now on, transactions share one commit per turn of the event loop."""
        self._grouping = True

    def flush(self) -> None:
        """Commit the shared transaction now (one fsync for all of it) and run what waited."""
        if not self._group_open or self._depth:
            return
        self._group_open = False
        self.db.execute("COMMIT")
        if self._group_light:  # only bookkeeping was in it: back to the full fsync
            self._group_light = False
            self.db.execute(f"PRAGMA synchronous={self._synchronous}")
        self._run_after_commit()
        waiting, self._durable = self._durable, []
        for future in waiting:
            if not future.done():
                future.set_result(None)

    async def durable(self) -> None:
        """Wait until everything done so far is committed (at the end of this loop turn)."""
        if self._group_open:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._durable.append(future)
            await future

    def _run_after_commit(self) -> None:
        waiting, self._after_commit = self._after_commit, []
        for work in waiting:
            work()

    def after_commit(self, work: Callable[[], None]) -> None:
        """Run `work` after the current transaction commits (at once outside of one)."""
        if self._depth or self._group_open:
            self._after_commit.append(work)
        else:
            work()

    def checkpoint(self) -> None:
        """Fold the WAL into the database and empty it, so that erased bytes are gone from both
        (secure_delete overwrote them in the pages). After /slet, retention and a case's close."""
        self.flush()
        if not self._group_open:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self.flush()
        self.db.close()

    def seal_json(self, value: Any) -> bytes:
        return self.keys.seal(json.dumps(value, ensure_ascii=False).encode())

    def open_json(self, sealed: bytes | None) -> Any:
        return None if sealed is None else json.loads(self.keys.open(sealed))

    # --- sessions -------------------------------------------------------------------

    def load_session(self, key: str) -> Session | None:
        row = self.db.execute(
            "SELECT flow, state, audience, step, data FROM sessions WHERE key = ?", [key]
        ).fetchone()
        if row is None:
            return None
        flow, state, audience, step, data = row
        return Session(flow, state, audience, step, self.open_json(data))

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
             self.seal_json(dict(session.data)), hour_of(now)],
        )

    # --- the inbox: updates committed before Telegram is told they arrived --------

    def inbox_add(self, updates: Iterable[tuple[int, bytes]],
                  now: datetime | None = None) -> set[int]:
        """Store updates before Telegram is told they arrived. One Telegram sends again (it was
        never told) is kept once; an update that only shares an id with one handled before
        (Telegram may count anew) is a new update, recognised by its keyed fingerprint.
        Returns the ids of those handled already (sent again after a crash): not to handle."""
        hour = hour_of(now or datetime.now(UTC))
        rows = [(uid, self.keys.seal(raw), hour, self.keys.fingerprint(raw))
                for uid, raw in updates]
        if not rows:
            return set()
        marks = ", ".join("?" for _ in rows)
        with self.transaction():
            self._forget_confirmed()
            known = dict(self.db.execute(
                f"SELECT update_id, fingerprint FROM inbox WHERE done = 1 AND update_id IN "
                f"({marks})", [row[0] for row in rows]).fetchall())
            self.db.conn.executemany(
                """INSERT INTO inbox (update_id, payload, done, received_hour, fingerprint)
                   VALUES (?, ?, 0, ?, ?)
                   ON CONFLICT (update_id) DO UPDATE SET payload = excluded.payload, done = 0,
                     received_hour = excluded.received_hour, fingerprint = excluded.fingerprint
                   WHERE inbox.fingerprint IS NOT excluded.fingerprint""", rows)
        return {uid for uid, _, _, print_ in rows if known.get(uid) == print_}

    def inbox_pending(self) -> list[tuple[int, bytes]]:
        rows = self.db.execute(
            "SELECT update_id, payload FROM inbox WHERE done = 0 ORDER BY rowid"
        ).fetchall()
        return [(uid, self.keys.open(payload)) for uid, payload in rows]

    def inbox_pending_ids(self) -> list[int]:
        return [row[0] for row in self.db.execute("SELECT update_id FROM inbox WHERE done = 0")]

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
        self._finishing.append(update_id)

    def finished_now(self, update_id: int) -> bool:
        """Whether a transaction that went through marked this update handled (once)."""
        if update_id in self._finished:
            self._finished.discard(update_id)
            return True
        return False

    def inbox_confirmed(self, update_ids: Iterable[int]) -> set[int]:
        """Telegram was told these arrived (the next getUpdates' offset passed them): it will
        never send them again, so a handled one need not be remembered any longer. They are
        forgotten with the next write (no commit of their own). Returns those not handled yet,
        to be forgotten once they are (`inbox_forget`)."""
        ids = list(update_ids)
        if not ids:
            return set()
        marks = ", ".join("?" for _ in ids)
        pending = {row[0] for row in self.db.execute(
            f"SELECT update_id FROM inbox WHERE update_id IN ({marks}) AND done = 0", ids)}
        self._confirmed.extend(i for i in ids if i not in pending)
        return pending

    def _forget_confirmed(self) -> None:
        """Inside a transaction: the handled updates Telegram will not send again go."""
        if self._confirmed:
            self.db.conn.executemany("DELETE FROM inbox WHERE update_id = ? AND done = 1",
                                     [(i,) for i in self._confirmed])
            self._confirmed = []

    def inbox_forget(self, update_id: int) -> None:
        """A confirmed update is handled: nothing of it needs to stay."""
        with self.transaction():
            self.db.execute("DELETE FROM inbox WHERE update_id = ? AND done = 1", [update_id])

    # --- the outbox -------------------------------------------------------------------

    def queue(self, rows: Iterable[Row], now: datetime) -> None:
        """Inside a transaction: add deliveries, each in its lane."""
        stamp = now.timestamp()
        self.db.conn.executemany(
            """INSERT INTO outbox (lane, channel, priority, payload, attempts, due, first_at)
               VALUES (?, ?, ?, ?, 0, ?, ?)""",
            [(row.lane, row.channel, row.priority, self.seal_json(row.payload), stamp, stamp)
             for row in rows])

    def _queued(self, row: tuple[Any, ...]) -> Queued:
        row_id, lane, channel, payload, attempts, first_at, priority, due = row
        return Queued(row_id, lane, channel, self.open_json(payload), attempts, first_at,
                      priority, due)

    _COLUMNS: Final = "id, lane, channel, payload, attempts, first_at, priority, due"

    # A lane's next delivery: the oldest of its most important ones. In a person's lane all are
    # equal (their order is kept); in a case's lane the desk's own messages (priority 1) go
    # before what a person wrote, so a flood cannot hold up closing the case.
    _HEAD: Final = "SELECT id FROM outbox WHERE lane = o.lane ORDER BY priority DESC, id LIMIT 1"

    def lane_heads(self, channel: str, now: datetime, limit: int,
                   busy: Iterable[str] = ()) -> list[Queued]:
        """The next delivery of each lane of a channel that is due, and whose lane is not
        being worked on: a lane's deliveries go out in order, lanes independently."""
        busy_lanes = list(busy)
        marks = ", ".join("?" for _ in busy_lanes)
        rows = self.db.execute(
            f"""SELECT {self._COLUMNS} FROM outbox AS o
                WHERE channel = ? AND due <= ? AND id = ({self._HEAD})
                  {f"AND lane NOT IN ({marks})" if busy_lanes else ""}
                ORDER BY priority DESC, id LIMIT ?""",
            [channel, now.timestamp(), *busy_lanes, limit]).fetchall()
        return [self._queued(row) for row in rows]

    def lane_head(self, lane: str) -> Queued | None:
        row = self.db.execute(
            f"SELECT {self._COLUMNS} FROM outbox WHERE lane = ? ORDER BY priority DESC, id "
            "LIMIT 1", [lane]).fetchone()
        return self._queued(row) if row else None

    def lane_rows(self, lane: str, after: int = 0, limit: int = 200) -> list[Queued]:
        rows = self.db.execute(
            f"""SELECT {self._COLUMNS} FROM outbox WHERE lane = ? AND id > ?
                ORDER BY id LIMIT ?""", [lane, after, limit]).fetchall()
        return [self._queued(row) for row in rows]

    def next_due(self, channel: str) -> float | None:
        """When the next lane head of a channel falls due; later rows wait for their head."""
        row = self.db.execute(
            f"SELECT min(due) FROM outbox AS o WHERE channel = ? AND id = ({self._HEAD})",
            [channel]).fetchone()
        return None if row[0] is None else float(row[0])

    def remove_sends(self, ids: Iterable[int]) -> None:
        """Inside a transaction: delivered (or set aside)."""
        self.db.conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])

    def retry_send(self, queued: Queued, due: datetime,
                   payload: dict[str, Any] | None = None) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE outbox SET attempts = attempts + 1, due = ?, payload = ? WHERE id = ?",
                [due.timestamp(), self.seal_json(payload or queued.payload), queued.id])

    def drop_lane(self, lane: str) -> int:
        """Inside a transaction: forget everything still queued for a lane."""
        return int(self.db.execute("DELETE FROM outbox WHERE lane = ?", [lane]).rowcount)

    def move_lane(self, old: str, new: str) -> None:
        self.db.execute("UPDATE outbox SET lane = ? WHERE lane = ?", [new, old])

    def outbox_size(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def oldest_due(self) -> float | None:
        row = self.db.execute("SELECT min(first_at) FROM outbox WHERE channel != 'web'"
                              ).fetchone()
        return None if row[0] is None else float(row[0])

    def dead_letter(self, queued: Queued, method: str, error: str, now: datetime) -> None:
        """Inside a transaction: set a delivery aside that will never succeed. What it said is
        not kept; only what kind of call it was, why it failed and when (to the hour)."""
        self.remove_sends([queued.id])
        self.db.execute(
            """INSERT INTO dead_letters (lane_kind, channel, method, error, attempts, at_hour)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [lane_kind(queued.lane), queued.channel, method, error[:200], queued.attempts + 1,
             hour_of(now)])

    def dead_letter_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM dead_letters").fetchone()[0])

    # --- small values ---------------------------------------------------------------------

    def get_value(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM kv WHERE name = ?", [name]).fetchone()
        return None if row is None else str(row[0])

    def set_value(self, name: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO kv (name, value) VALUES (?, ?)", [name, value])

    def count(self, name: str, now: datetime, audience: str | None, channel: str) -> None:
        """Inside a transaction: one more of something, by month, audience and channel: a coarse
        counter for statistics, never an event tied to a person."""
        self.db.execute(
            """INSERT INTO counters (month, name, audience, channel, n) VALUES (?, ?, ?, ?, 1)
               ON CONFLICT (month, name, audience, channel) DO UPDATE SET n = n + 1""",
            [month_of(now), name, audience or "", channel])

    # --- retention ----------------------------------------------------------------

    def prune(self, now: datetime, session_days: int, report_text_days: int = 30) -> None:
        """Forget idle sessions, old free text, expired helpers and old inbox marks. Time is
        passed in, never read here. Category counts and outcomes stay for statistics."""
        cutoff = hour_of(now - timedelta(days=session_days))
        text_cutoff = hour_of(now - timedelta(days=report_text_days))
        with self.transaction():
            self.db.execute("DELETE FROM sessions WHERE touched_hour < ?", [cutoff])
            # Free text of reports and consultants' answers: after the period, whether the case
            # was closed or not (a report nobody closed is no reason to keep words for ever).
            self.db.execute(
                """UPDATE cases SET answers_sealed = NULL, reply_sealed = NULL
                   WHERE (answers_sealed IS NOT NULL OR reply_sealed IS NOT NULL)
                     AND (closed_hour < ? OR (closed_hour IS NULL AND opened_at < ?))""",
                [text_cutoff, (now - timedelta(days=report_text_days)).timestamp()])
            self.db.execute("DELETE FROM person_counts WHERE window < ?",
                            [hour_of(now - timedelta(hours=24))])
            self.db.execute("DELETE FROM visible_messages WHERE at < ?",
                            [(now - timedelta(hours=48)).timestamp()])
            self.db.execute("DELETE FROM inbox WHERE done = 1 AND received_hour < ?",
                            [hour_of(now - INBOX_REMEMBER)])
            self.db.execute("DELETE FROM web_inputs WHERE touched_hour < ?", [cutoff])
            # Web chat messages nobody came back for (the tab was closed): not kept for ever.
            self.db.execute("DELETE FROM outbox WHERE channel = 'web' AND first_at < ?",
                            [(now - timedelta(days=session_days)).timestamp()])
            self.db.execute("DELETE FROM dead_letters WHERE at_hour < ?",
                            [hour_of(now - timedelta(days=session_days))])
        self.checkpoint()


def lane_kind(lane: str) -> str:
    """Lanes are a person's key (64 hex digits), `case:<id>`, `staff`, or `group:<key>`."""
    if is_person_lane(lane):
        return "person"
    return lane.split(":", 1)[0]


PERSON_LANE_LENGTH: Final = 64


def is_person_lane(lane: str) -> bool:
    return len(lane) == PERSON_LANE_LENGTH and ":" not in lane


def _private_file(path: Path) -> None:
    """Create the folder and the database file readable by this service alone, before SQLite
    opens it (the WAL and shared-memory files take the database file's mode)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    descriptor = os.open(path, os.O_CREAT | os.O_RDWR, FILE_MODE)
    os.close(descriptor)
    path.chmod(FILE_MODE)
