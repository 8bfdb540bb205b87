"""Delivers queued Bot API calls: in order per chat, paced, retried until Telegram takes them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import warnings
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from aiolimiter import AsyncLimiter
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBUserWarning

from bot.store import Queued, Send, Store

log = logging.getLogger(__name__)
# The outbox replays stored calls by method name; python-telegram-bot suggests its typed
# method for each known name, which is exactly what a durable queue of calls cannot use.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)

BATCH: Final = 50
MAX_BACKOFF: Final = 300.0  # seconds
IDLE_WAIT: Final = 5.0  # seconds between looks at the outbox when nothing is due
GROUP_LANE: Final = "group:"
# Telegram's limits: about 30 messages a second in all (SSPBOT_SEND_RATE), about one a
# second per chat (short bursts are accepted), 20 a minute per group.
CHAT_RATE: Final = (4, 4.0)
GROUP_RATE: Final = (20, 60.0)
LANE_LIMITERS_KEPT: Final = 10_000
NOT_MODIFIED: Final = "message is not modified"


def seconds(value: float | timedelta) -> float:
    """RetryAfter carries an int or a timedelta, depending on python-telegram-bot's settings."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Outbox:
    """The sender loop over the store's outbox table."""

    def __init__(self, bot: Bot, store: Store, clock: Callable[[], datetime],
                 staff_lane: str | None = None, send_rate: float = 30.0) -> None:
        self.bot = bot
        self.store = store
        self.clock = clock
        self.staff_lane = staff_lane
        self._wake = asyncio.Event()
        self._global = AsyncLimiter(send_rate, 1.0)
        self._lanes: OrderedDict[str, AsyncLimiter] = OrderedDict()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def run(self) -> None:
        while True:
            self._wake.clear()
            due = self.store.outbox_due(self.clock(), BATCH)
            if due:
                await asyncio.gather(*(self._deliver(queued) for queued in due))
                continue
            await self._sleep_until_due()

    async def _sleep_until_due(self) -> None:
        next_due = self.store.outbox_next_due()
        wait = IDLE_WAIT
        if next_due is not None:
            wait = min(wait, max(0.0, next_due - self.clock().timestamp()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), wait)

    def _limiter(self, lane: str) -> AsyncLimiter:
        limiter = self._lanes.pop(lane, None)
        if limiter is None:
            group = lane.startswith(GROUP_LANE) or lane == self.staff_lane
            limiter = AsyncLimiter(*(GROUP_RATE if group else CHAT_RATE))
        self._lanes[lane] = limiter
        if len(self._lanes) > LANE_LIMITERS_KEPT:
            self._lanes.popitem(last=False)
        return limiter

    async def _deliver(self, queued: Queued) -> None:
        send = queued.send
        try:
            async with self._limiter(queued.lane), self._global:
                await self.bot.do_api_request(send.method, api_kwargs=send.params)
        except RetryAfter as error:
            self._retry(queued, seconds(error.retry_after), "flood control")
        except Forbidden:
            dropped = self.store.outbox_drop_lane(queued.lane)
            log.warning("recipient has blocked the bot or left; %d queued sends dropped", dropped)
        except BadRequest as error:
            self._bad_request(queued, error)
        except (TimedOut, NetworkError) as error:
            self._retry(queued, self._backoff(queued.attempts), type(error).__name__)
        else:
            self.store.outbox_done(queued.id)

    def _bad_request(self, queued: Queued, error: BadRequest) -> None:
        send = queued.send
        if NOT_MODIFIED in error.message:
            self.store.outbox_done(queued.id)
        elif send.method == "editMessageText":
            # The pressed message is gone or too old to edit: send the reply as a new message.
            params = {k: v for k, v in send.params.items() if k != "message_id"}
            self.store.outbox_retry(queued, self.clock(), Send("sendMessage", params))
        else:
            # Telegram will refuse it again, whatever we do: that is a bug to fix, not to retry.
            self.store.outbox_done(queued.id)
            log.error("Telegram refused %s: %s", send.method, error.message)

    def _retry(self, queued: Queued, seconds: float, why: str) -> None:
        log.info("%s will be retried in %.1fs (%s, attempt %d)", queued.send.method, seconds,
                 why, queued.attempts + 1)
        self.store.outbox_retry(queued, self.clock() + timedelta(seconds=seconds))

    @staticmethod
    def _backoff(attempts: int) -> float:
        return min(MAX_BACKOFF, 0.5 * 2**attempts) * random.uniform(0.8, 1.2)
