"""Long polling with a durable inbox: an update is committed before Telegram is told it arrived.

Update ids are not a clock: Telegram may start them anew (after a week without updates the next
one is random). So the inbox never filters by a stored offset. It starts without one (Telegram
then sends whatever it has not been told arrived), follows the ids Telegram returns, and
recognises an update it already handled by its id, kept until Telegram confirms it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from telegram import Update
from telegram.error import InvalidToken, RetryAfter
from telegram.ext import Application

from bot.core.store import Store
from bot.telegram.private import Incoming, read
from bot.telegram.sender import seconds

log = logging.getLogger(__name__)

MAX_BACKOFF: Final = 30.0
MIN_POLL_GAP: Final = 1.0  # an empty answer that came at once: wait this long before asking again
SETTLE_AT_MOST: Final = 0.05  # seconds the handlers of a batch get before its commit


class Inbox:
    """Replaces python-telegram-bot's Updater, which acknowledges before handling."""

    def __init__(self, application: Application, store: Store,  # type: ignore[type-arg]
                 poll_timeout: int, clock: Callable[[], datetime]) -> None:
        self.application = application
        self.store = store
        self.poll_timeout = poll_timeout
        self.clock = clock
        self.last_poll: float | None = None  # wall time of the last answered getUpdates
        self.private: Callable[[Incoming], None] | None = None  # people's chats, read lean
        self._dispatched: set[int] = set()
        self._confirmed: set[int] = set()  # confirmed to Telegram while still being handled
        self._quiet = asyncio.Event()  # set while no update handed out is still being handled

    async def replay(self) -> int:
        """Hand unfinished updates from before a stop to the application, oldest first."""
        pending = self.store.inbox_pending()
        for _update_id, raw in pending:
            await self.dispatch(json.loads(raw))
        if pending:
            log.info("resumed %d unfinished updates", len(pending))
        return len(pending)

    async def run(self) -> None:
        offset: int | None = None
        received: list[int] = []  # the last batch: confirmed by the next call's offset
        failures = 0
        while True:
            asked = time.monotonic()
            try:
                raw_updates = await self._get_updates(offset)
            except InvalidToken:
                raise
            except RetryAfter as error:
                await asyncio.sleep(seconds(error.retry_after))
                continue
            except Exception as error:
                failures += 1
                delay = min(MAX_BACKOFF, 0.5 * 2**failures) * random.uniform(0.8, 1.2)
                log.warning("getUpdates failed (%s); retrying in %.1fs", type(error).__name__,
                            delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            self.last_poll = time.time()
            self._confirmed |= self.store.inbox_confirmed(received)
            received = []
            if not raw_updates:
                if time.monotonic() - asked < MIN_POLL_GAP and self.poll_timeout:
                    await asyncio.sleep(MIN_POLL_GAP)
                continue
            updates = [u for u in raw_updates if isinstance(u, dict) and "update_id" in u]
            handled = self.store.inbox_add(
                ((int(u["update_id"]), json.dumps(u).encode()) for u in updates), self.clock())
            received = [int(u["update_id"]) for u in updates]
            offset = max(received) + 1 if received else offset
            for update in updates:  # one answered before a crash is not answered again
                if int(update["update_id"]) not in handled:
                    await self.dispatch(update)
            await self._settle(received)
            self.store.flush()  # committed, with what was done with them: now the next offset
            # may acknowledge them

    async def _settle(self, update_ids: list[int]) -> None:
        """Give the updates just handed out a moment to be handled, so that one commit covers
        them and what was done with them (group commit); never long: a slow one is not waited
        for, as the updates are durable either way once committed."""
        if any(i in self._dispatched for i in update_ids):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._quiet.wait(), SETTLE_AT_MOST)

    async def _get_updates(self, offset: int | None) -> list[Any]:
        """Raw JSON, so that one update the library cannot read does not lose the batch."""
        result = await self.application.bot.do_api_request(
            "getUpdates",
            api_kwargs={"offset": offset, "timeout": self.poll_timeout},
            read_timeout=self.poll_timeout + 10,
        )
        return list(result) if isinstance(result, list) else []

    async def dispatch(self, data: dict[str, Any]) -> None:
        update_id = int(data["update_id"])
        if update_id in self._dispatched:
            return
        incoming = read(data) if self.private is not None else None
        if incoming is not None and self.private is not None:  # a person: handled at once
            self.private(incoming)
            self.store.finished_now(update_id)
            return
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception as error:
            log.warning("update %s could not be read (%s); skipped", update_id,
                        type(error).__name__)
            self.store.inbox_finish(update_id)
            return
        self._dispatched.add(update_id)
        self._quiet.clear()
        await self.application.update_queue.put(update)

    def finished(self, update: object) -> None:
        """Called after an update's handlers ran: mark it done if no handler did."""
        if isinstance(update, Update):
            self._dispatched.discard(update.update_id)
            if not self._dispatched:
                self._quiet.set()
            if not self.store.finished_now(update.update_id):  # no handler did: nothing to do
                self.store.inbox_finish(update.update_id)
            if update.update_id in self._confirmed:
                self._confirmed.discard(update.update_id)
                self.store.inbox_forget(update.update_id)
