"""Long polling with a durable inbox: an update is committed before Telegram is told it arrived."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Final

from telegram import Update
from telegram.error import InvalidToken, RetryAfter
from telegram.ext import Application

from bot.core.store import Store
from bot.telegram.outbox import seconds

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
        offset = self.store.next_offset()
        failures = 0
        while True:
            try:
                raw_updates = await self._get_updates(offset)
            except InvalidToken:
                raise
            except RetryAfter as error:
                await asyncio.sleep(seconds(error.retry_after))
                continue
            except Exception as error:
                failures += 1
                delay = min(MAX_BACKOFF, 0.5 * 2**failures)
                log.warning("getUpdates failed (%s); retrying in %.1fs", type(error).__name__,
                            delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if not raw_updates:
                continue
            self.store.inbox_add(  # committed: now the next offset may acknowledge them
                (int(u["update_id"]), json.dumps(u).encode()) for u in raw_updates)
            offset = int(raw_updates[-1]["update_id"]) + 1
            for update in raw_updates:
                await self._dispatch(update)

    async def _get_updates(self, offset: int | None) -> list[dict[str, Any]]:
        """Raw JSON, so that one update the library cannot read does not lose the batch."""
        result = await self.application.bot.do_api_request(
            "getUpdates",
            api_kwargs={"offset": offset, "timeout": self.poll_timeout},
            read_timeout=self.poll_timeout + 10,
        )
        return list(result)  # type: ignore[call-overload]

    async def _dispatch(self, data: dict[str, Any]) -> None:
        update_id = int(data["update_id"])
        if update_id in self._dispatched:
            return
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception as error:
            log.warning("update %s could not be read (%s); skipped", update_id,
                        type(error).__name__)
            self.store.inbox_finish(update_id)
            return
        self._dispatched.add(update_id)
        await self.application.update_queue.put(update)

    def finished(self, update: object) -> None:
        """Called after an update's handlers ran: mark it done if no handler did."""
        if isinstance(update, Update):
            self._dispatched.discard(update.update_id)
            if not self.store.inbox_is_done(update.update_id):
                self.store.inbox_finish(update.update_id)
