"""Logging that never carries a token, a Telegram id, a name or message text."""

from __future__ import annotations

import logging
import re
import sys
import traceback
from typing import Final

# Libraries that log request URLs (with the bot token) or whole updates (ids, names, text).
QUIET: Final = ("httpx", "httpcore", "telegram", "telegram.ext", "apscheduler", "aiohttp.access",
                "transitions")
OWN: Final = frozenset({"bot", "flows", "sandbox", "benchmarks", "__main__"})  # our loggers
_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{10,}")


class RedactTokens(logging.Filter):
    """Belt and braces: should any record still mention a bot token, blank it out."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub("[token]", message)
            record.args = ()
        return True


class LibraryWordsOnly(logging.Filter):
    """What a library logs may carry what people sent (python-telegram-bot logs a reply that
    is not JSON whole, with a traceback): of its records only the library's own words are
    kept, the format without its values, and an error as its type and where it was raised."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".", 1)[0] in OWN:
            return True
        record.msg = str(record.msg)
        record.args = ()
        if record.exc_info:
            record.msg += f" ({describe(record.exc_info[1])})"
            record.exc_info = None
            record.exc_text = None
        record.stack_info = None
        return True


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(LibraryWordsOnly())
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def describe(error: BaseException | None) -> str:
    """An exception as its type and where it was raised, frame by frame. Never its message:
    that may quote what a person sent (forged button data, a text that failed to parse)."""
    if error is None:
        return "unknown error"
    frames = traceback.extract_tb(error.__traceback__)[-6:]
    where = " <- ".join(f"{frame.filename.rsplit('/', 2)[-1]}:{frame.lineno} {frame.name}"
                        for frame in reversed(frames))
    return f"{type(error).__name__}" + (f" at {where}" if where else "")
