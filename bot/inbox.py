"""Long polling with a durable inbox: an update is committed before Telegram is told it arrived."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Final

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.outbox import seconds
from bot.store import Store

log = logging.getLogger(__name__)

MAX_BACKOFF: Final = 30.0


class Inbox:
    """Replaces python-telegram-bot's Updater, which acknowledges before handling."""

    def __init__(self, application: Application, store: Store, poll_timeout: int) -> None:  # type: ignore[type-arg]
        self.application = application
        self.store = store
        self.poll_timeout = poll_timeout
        self._dispatched: set[int] = set()

    async def replay(self) -> int:
        """Hand unfinished updates from before a stop to the application, oldest first."""
        pending = self.store.inbox_pending()
        for _update_id, raw in pending:
            await self._dispatch(json.loads(raw))
        if pending:
            log.info("resumed %d unfinished updates", len(pending))
        return len(pending)

    async def run(self) -> None:
        bot = self.application.bot
        offset = self.store.next_offset()
        failures = 0
        while True:
            try:
                updates = await bot.get_updates(
                    offset=offset, timeout=self.poll_timeout,
                    read_timeout=self.poll_timeout + 10,
                )
            except RetryAfter as error:
                await asyncio.sleep(seconds(error.retry_after))
                continue
            except InvalidToken:
                raise
            except (TimedOut, NetworkError, Conflict) as error:
                failures += 1
                delay = min(MAX_BACKOFF, 0.5 * 2**failures)
                log.warning("getUpdates failed (%s); retrying in %.1fs", type(error).__name__,
                            delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if not updates:
                continue
            raw = [(u.update_id, json.dumps(u.to_dict()).encode()) for u in updates]
            self.store.inbox_add(raw)  # committed: now the next offset may acknowledge them
            offset = updates[-1].update_id + 1
            for _update_id, data in raw:
                await self._dispatch(json.loads(data))

    async def _dispatch(self, data: dict[str, object]) -> None:
        update = Update.de_json(data, self.application.bot)
        if update.update_id in self._dispatched:
            return
        self._dispatched.add(update.update_id)
        await self.application.update_queue.put(update)

    def finished(self, update: object) -> None:
        """Called after an update's handlers ran: mark it done if no handler did."""
        if isinstance(update, Update):
            self._dispatched.discard(update.update_id)
            if not self.store.inbox_is_done(update.update_id):
                self.store.inbox_finish(update.update_id)
