"""Telegram's limits, kept: about 30 messages a second in all, one a second per person (short
bursts pass), 20 a minute per group, where the desk's own messages go before relayed text."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

from aiolimiter import AsyncLimiter

CHAT_RATE: Final = (10, 10.0)  # one a second, with bursts of a few taps
GROUP_RATE: Final = (20, 60.0)
LIMITERS_KEPT: Final = 10_000


class PriorityPacer:
    """A token bucket whose waiters are served most important first, then in arrival order."""

    def __init__(self, capacity: int, period: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(capacity)
        self.rate = capacity / period
        self.clock = clock
        self.tokens = float(capacity)
        self.stamp = clock()
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    async def acquire(self, priority: int = 0) -> None:
        self._refill()
        if not self._waiters and self.tokens >= 1:
            self.tokens -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (-priority, next(self._order), future))
        self._schedule()
        await future  # a cancelled waiter is skipped when its turn comes

    @property
    def waiting(self) -> int:
        return sum(1 for *_, future in self._waiters if not future.done())

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def _schedule(self) -> None:
        if self._timer is None and self._waiters:
            delay = max(0.0, (1 - self.tokens) / self.rate)
            self._timer = asyncio.get_running_loop().call_later(delay, self._release)

    def _release(self) -> None:
        self._timer = None
        self._refill()
        while self._waiters and self.tokens >= 1:
            *_, future = heapq.heappop(self._waiters)
            if not future.done():
                self.tokens -= 1
                future.set_result(None)
        self._schedule()


class Pacing:
    """One limiter per chat (a group's topics share one), and one for everything."""

    def __init__(self, send_rate: float) -> None:
        self.overall = AsyncLimiter(send_rate, 1.0)
        self._chats: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._groups: dict[int, PriorityPacer] = {}

    async def wait_for_chat(self, chat: int, priority: int) -> None:
        """Wait until `chat` may get another message; groups serve higher priority first."""
        if chat < 0:
            pacer = self._groups.get(chat)
            if pacer is None:
                pacer = self._groups[chat] = PriorityPacer(*GROUP_RATE)
            await pacer.acquire(priority)
            return
        limiter = self._chats.pop(chat, None) or AsyncLimiter(*CHAT_RATE)
        self._chats[chat] = limiter
        if len(self._chats) > LIMITERS_KEPT:
            self._chats.popitem(last=False)
        await limiter.acquire()

    def group_waiting(self) -> int:
        return sum(pacer.waiting for pacer in self._groups.values())
