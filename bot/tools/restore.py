"""`sspbot restore`: put a backup made by deploy/backup.sh into a fresh data folder.

The backup is opened read-only and checked (SQLite's integrity check, a schema this release can
migrate), the secret is checked against what the backup holds sealed, and the database is written
into a data folder that has none yet, readable by its owner alone. The bot migrates it at start.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bot.core.keys import Keys
from bot.core.migrations import MIGRATIONS
from bot.core.store import DIR_MODE, FILE_MODE

DATABASE: Final = "sspbot.sqlite3"
# Where a backup may hold something sealed with the secret, newest kinds first.
SEALED: Final = (("sessions", "data"), ("cases", "route"), ("outbox", "payload"),
                 ("inbox", "payload"), ("cases", "answers_sealed"))


class RestoreError(RuntimeError):
    """The backup cannot be restored here; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    path: Path
    schema: int
    secret_checked: bool


def _read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise RestoreError(f"no backup at {path}")
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def _sealed_sample(db: sqlite3.Connection) -> bytes | None:
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for table, column in SEALED:
        if table not in tables:
            continue
        columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in columns:
            continue
        row = db.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL LIMIT 1"
                         ).fetchone()
        if row is not None:
            return bytes(row[0])
    return None


def check_backup(backup: Path, secret: bytes | None) -> tuple[int, bool]:
    """The backup's schema version and whether the secret was checked; RestoreError if the
    file is damaged, newer than this release, or sealed with another secret."""
    db = _read_only(backup)
    try:
        try:
            verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise RestoreError(f"{backup} is not an SQLite database ({error})") from None
        if verdict != "ok":
            raise RestoreError(f"{backup} is damaged: {verdict}")
        schema = int(db.execute("PRAGMA user_version").fetchone()[0])
        if schema > len(MIGRATIONS):
            raise RestoreError(f"{backup} was made by a newer release (schema {schema}; this one "
                               f"knows up to {len(MIGRATIONS)}): install that release first")
        sample = _sealed_sample(db) if secret is not None else None
    finally:
        db.close()
    if sample is None:
        return schema, False
    try:
        Keys(secret or b"").open(sample)
    except Exception:  # InvalidTag or InvalidToken: another key
        raise RestoreError("SSPBOT_SECRET does not open what this backup holds: it was made with "
                           "another secret. Use the secret the bot had when the backup was made; "
                           "without it the backup cannot be used.") from None
    return schema, True


def restore(backup: Path, data_dir: Path, secret: bytes | None) -> Restored:
    target = data_dir / DATABASE
    for existing in (target, target.with_name(DATABASE + "-wal")):
        if existing.exists():
            raise RestoreError(f"{existing} exists: restore into a fresh data folder (move the "
                               "old one aside first, e.g. to a name ending in .old)")
    schema, checked = check_backup(backup, secret)
    data_dir.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    data_dir.chmod(DIR_MODE)
    partial = data_dir / (DATABASE + ".restoring")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_EXCL, FILE_MODE))
    source = _read_only(backup)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one file; the bot turns WAL on at start
    finally:
        copy.close()
        source.close()
    partial.chmod(FILE_MODE)
    partial.replace(target)
    return Restored(target, schema, checked)
