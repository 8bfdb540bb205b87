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
from typing import Any, Final, Protocol

from aiolimiter import AsyncLimiter
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBUserWarning

from bot.core.store import Queued, Send, Store, is_person_lane

log = logging.getLogger(__name__)
# The outbox replays stored calls by method name; python-telegram-bot suggests its typed
# method for each known name, which is exactly what a durable queue of calls cannot use.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)

BATCH: Final = 50
MAX_BACKOFF: Final = 300.0  # seconds
IDLE_WAIT: Final = 5.0  # seconds between looks at the outbox when nothing is due
TOPIC_ONLY: Final = frozenset({"editForumTopic", "closeForumTopic", "reopenForumTopic"})
# Telegram's limits: about 30 messages a second in all (SSPBOT_SEND_RATE), about one a
# second per chat (short bursts are accepted), 20 a minute per group.
CHAT_RATE: Final = (10, 10.0)  # one a second, with bursts of a few taps
GROUP_RATE: Final = (20, 60.0)
LANE_LIMITERS_KEPT: Final = 10_000
NOT_MODIFIED: Final = "message is not modified"


def seconds(value: float | timedelta) -> float:
    """RetryAfter carries an int or a timedelta, depending on python-telegram-bot's settings."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Hooks(Protocol):
    """What the desk tells the outbox, and learns from it."""

    def thread_of(self, case_id: int) -> int | None: ...

    def record(self, lane: str, send: Send, result: Any) -> None:
        """Called inside the outbox's transaction."""

    def person_blocked(self, lane: str) -> None: ...


class Outbox:
    """The sender loop over the store's outbox table."""

    def __init__(self, bot: Bot, store: Store, clock: Callable[[], datetime],
                 send_rate: float = 30.0) -> None:
        self.bot = bot
        self.store = store
        self.clock = clock
        self.hooks: Hooks | None = None
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

    def _limiter(self, chat: object) -> AsyncLimiter:
        """Pacing is per chat (a group's topics share one limit), not per lane."""
        key = str(chat)
        limiter = self._lanes.pop(key, None)
        if limiter is None:
            group = isinstance(chat, int) and chat < 0
            limiter = AsyncLimiter(*(GROUP_RATE if group else CHAT_RATE))
        self._lanes[key] = limiter
        if len(self._lanes) > LANE_LIMITERS_KEPT:
            self._lanes.popitem(last=False)
        return limiter

    def _params(self, send: Send) -> dict[str, Any] | None:
        """The call's parameters, with the case's topic filled in; None: nothing to send."""
        params = dict(send.params)
        if send.case_id is None or send.method == "createForumTopic" or self.hooks is None:
            return params
        thread = self.hooks.thread_of(send.case_id)
        if thread is not None:
            params["message_thread_id"] = thread
        elif send.method in TOPIC_ONLY:
            return None  # the topic was never made; there is nothing to rename or close
        return params

    async def _deliver(self, queued: Queued) -> None:
        send = queued.send
        params = self._params(send)
        if params is None:
            self.store.outbox_done(queued.id)
            return
        try:
            async with self._limiter(params.get("chat_id")), self._global:
                result = await self.bot.do_api_request(send.method, api_kwargs=params)
        except RetryAfter as error:
            self._retry(queued, seconds(error.retry_after), "flood control")
        except Forbidden:
            dropped = self.store.outbox_drop_lane(queued.lane)
            log.warning("recipient has blocked the bot or left; %d queued sends dropped", dropped)
            if self.hooks is not None and is_person_lane(queued.lane):
                self.hooks.person_blocked(queued.lane)
        except BadRequest as error:
            self._bad_request(queued, error)
        except (TimedOut, NetworkError) as error:
            self._retry(queued, self._backoff(queued.attempts), type(error).__name__)
        else:
            # One commit: the send is gone from the outbox exactly when what Telegram answered
            # (a new topic's id, a message id) is recorded.
            with self.store.transaction():
                self.store.remove_send(queued.id)
                if self.hooks is not None:
                    self.hooks.record(queued.lane, send, result)

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
