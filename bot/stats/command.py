"""`sspbot stats`: read the database without changing it, and write the report and its CSV."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from bot.core.content import Content
from bot.core.migrations import MIGRATIONS
from bot.stats.period import month_of, period, previous_month
from bot.stats.query import read
from bot.stats.tables import publish


def open_read_only(path: Path) -> sqlite3.Connection:
    """The bot's database, opened so that nothing can be written to it (it may be running)."""
    if not path.is_file():
        raise FileNotFoundError(f"no database at {path}: set SSPBOT_DATA_DIR, or pass --db")
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as error:
        db.close()
        raise ValueError(f"cannot read the database at {path}: {error}") from error
    if version < len(MIGRATIONS):
        db.close()
        raise ValueError(f"the database at {path} is older than this release; start the bot "
                         "once to bring it up to date")
    return db


def make(database: Path, content: Content, first: str, last: str, out: Path,
         now: datetime) -> tuple[Path, Path]:
    """Check the period (whole months that have ended), count, protect, and write."""
    months = period(first, last, now)
    from bot.stats import report  # matplotlib: only once there is something to draw

    db = open_read_only(database)
    try:
        published = publish(read(db, months))
    finally:
        db.close()
    return report.write(report.build(published, content, now.date()), content, out)


def default_period(now: datetime) -> tuple[str, str]:
    """Without --from and --to: the last month that has ended."""
    last = previous_month(month_of(now))
    return last, last

