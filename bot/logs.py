"""Logging that never carries a token, a Telegram id, a name or message text."""

from __future__ import annotations

import logging
import re
import sys
from typing import Final

# Libraries that log request URLs (with the bot token) or whole updates (ids, names, text).
QUIET: Final = ("httpx", "httpcore", "telegram", "telegram.ext", "apscheduler", "aiohttp.access",
                "transitions")
_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{10,}")


class RedactTokens(logging.Filter):
    """Belt and braces: should any record still mention a bot token, blank it out."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub("[token]", message)
            record.args = ()
        return True


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
