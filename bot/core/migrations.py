"""The database's schema, as numbered migrations run once each, in order, at start."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import sqlite_utils

from bot.core.keys import Keys


def _add_columns(table: sqlite_utils.db.Table, columns: dict[str, type]) -> None:
    for column, kind in columns.items():
        if column not in table.columns_dict:
            table.add_column(column, kind)


def _v1(db: sqlite_utils.Database, keys: Keys) -> None:
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


def _v2(db: sqlite_utils.Database, keys: Keys) -> None:
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


def _v3(db: sqlite_utils.Database, keys: Keys) -> None:
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


def _v4(db: sqlite_utils.Database, keys: Keys) -> None:
    """Channels, sealed free text, topics keyed by group and thread, dead letters, counters."""
    cases = db.table("cases")
    # channel: where the person came from (telegram, web), kept for the channel marker and the
    # statistics. topic_chat: the group the topic is in. topic_name: the name asked for when
    # the topic was made (to recognise a topic made twice around a crash). answers_sealed and
    # reply_sealed replace the plain answers and reply.
    _add_columns(cases, {"channel": str, "topic_chat": int, "topic_name": str,
                         "topic_deleted": int, "answers_sealed": bytes, "reply_sealed": bytes,
                         "reminded_at": float, "claimed_at": float})
    cases.create_index(["topic_chat", "thread_id"], if_not_exists=True)
    db.execute("UPDATE cases SET channel = 'telegram' WHERE channel IS NULL")
    for case_id, answers, reply in db.execute(
            "SELECT id, answers, reply FROM cases WHERE answers IS NOT NULL OR reply IS NOT NULL"
    ).fetchall():
        db.execute(
            "UPDATE cases SET answers_sealed = ?, reply_sealed = ?, answers = NULL, reply = NULL "
            "WHERE id = ?",
            [keys.seal(answers.encode()) if answers else None,
             keys.seal(reply.encode()) if reply else None, case_id])
    _add_columns(db.table("inbox"), {"received_hour": str})
    # The outbox's ids never come back after a row is deleted (AUTOINCREMENT): the web chat
    # shows each message once by its id, so an id must never mean two messages.
    db.execute("""CREATE TABLE IF NOT EXISTS outbox_v4 (
                      id INTEGER PRIMARY KEY AUTOINCREMENT, lane TEXT NOT NULL,
                      channel TEXT NOT NULL DEFAULT 'telegram', priority INTEGER NOT NULL DEFAULT 0,
                      payload BLOB NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                      due FLOAT NOT NULL, first_at FLOAT NOT NULL)""")
    if "outbox" in db.table_names():
        db.execute("""INSERT INTO outbox_v4 (id, lane, channel, priority, payload, attempts, due,
                                             first_at)
                      SELECT id, lane, 'telegram', 0, payload, attempts, due, due FROM outbox""")
        db.execute("DROP TABLE outbox")
    db.execute("ALTER TABLE outbox_v4 RENAME TO outbox")
    db.execute("CREATE INDEX IF NOT EXISTS idx_outbox_lane_id ON outbox (lane, id)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_outbox_channel_due ON outbox (channel, due)")
    # A delivery that will never succeed: what kind, why, when; never what it said.
    db.table("dead_letters").create(
        {"id": int, "lane_kind": str, "channel": str, "method": str, "error": str,
         "attempts": int, "at_hour": str}, pk="id", if_not_exists=True)
    db.table("kv").create({"name": str, "value": str}, pk="name", if_not_exists=True)
    # Coarse counts for the statistics: per month, audience and channel; nobody in them.
    db.table("counters").create(
        {"month": str, "name": str, "audience": str, "channel": str, "n": int},
        pk=("month", "name", "audience", "channel"), if_not_exists=True)
    # Limits against floods, per person and hour: how many reports, cases, failed lookups.
    db.table("person_counts").create(
        {"person_key": str, "what": str, "window": str, "n": int},
        pk=("person_key", "what", "window"), if_not_exists=True)
    if "lookup_failures" in db.table_names():
        db.execute("""INSERT OR IGNORE INTO person_counts (person_key, what, window, n)
                      SELECT person_key, 'lookup_failure', hour, failures FROM lookup_failures""")
        db.table("lookup_failures").drop()
    # The web chat: the last action number handled per conversation, so a page that sends an
    # action again after a network drop is answered once.
    db.table("web_inputs").create(
        {"person_key": str, "last_seq": int, "touched_hour": str}, pk="person_key",
        if_not_exists=True)


def _v5(db: sqlite_utils.Database, keys: Keys) -> None:
    """What the statistics need, kept coarse: minutes waited until a consultant took a case,
    whether it was opened inside office hours, whether a report became a conversation, and the
    channel of a "did it help" answer."""
    _add_columns(db.table("cases"), {"wait_minutes": int, "opened_in_hours": int,
                                     "handed_off": int})
    db.execute("UPDATE cases SET handed_off = 1 WHERE handed_off IS NULL AND "
               "coalesce(is_report, 0) = 0")
    _add_columns(db.table("feedback"), {"channel": str})
    db.execute("UPDATE feedback SET channel = 'telegram' WHERE channel IS NULL")
    # A keyed fingerprint of each update received: Telegram's redelivery is the same update,
    # an id reused after Telegram counted anew is not.
    _add_columns(db.table("inbox"), {"fingerprint": str})


# Append only: each migration runs once, in order, and the file's user_version records it.
# A migration may be interrupted, so it must be safe to run again (if_not_exists).
MIGRATIONS: Final[tuple[Callable[[sqlite_utils.Database, Keys], None], ...]] = (
    _v1, _v2, _v3, _v4, _v5)


def migrate(db: sqlite_utils.Database, keys: Keys) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            migration(db, keys)
            db.execute(f"PRAGMA user_version={number}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
