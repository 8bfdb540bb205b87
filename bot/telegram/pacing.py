"""Telegram's limits, kept: about 30 messages a second in all, one a second per person (short
bursts pass), 20 in any minute per group, where the desk's own messages go before relayed
text."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Final

from aiolimiter import AsyncLimiter

CHAT_RATE: Final = (10, 10.0)  # one a second, with bursts of a few taps
GROUP_RATE: Final = (20, 60.0)
GROUP_BURST: Final = 5  # the group's messages that may go at once after a quiet spell
LIMITERS_KEPT: Final = 10_000


class PriorityPacer:
    """At most `capacity` grants in any `period` seconds, as Telegram counts a group's
    messages, and spread out: after a quiet spell `burst` go at once, then one every
    period / capacity. Waiters are served most important first, then in arrival order."""

    def __init__(self, capacity: int, period: float, burst: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.period = period
        self.burst = float(burst or capacity)
        self.rate = capacity / period
        self.clock = clock
        self.tokens = self.burst
        self.stamp = clock()
        self._granted: deque[float] = deque(maxlen=capacity)  # the last grants, oldest first
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    async def acquire(self, priority: int = 0) -> None:
        if not self._waiters and self._wait() <= 0:
            self._grant()
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (-priority, next(self._order), future))
        self._schedule()
        await future  # a cancelled waiter is skipped when its turn comes

    @property
    def waiting(self) -> int:
        return sum(1 for *_, future in self._waiters if not future.done())

    def _wait(self) -> float:
        """Seconds until the next grant may be made; zero or less: now."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        wait = (1 - self.tokens) / self.rate
        if len(self._granted) == self.capacity:
            wait = max(wait, self._granted[0] + self.period - now)
        return wait

    def _grant(self, waited: bool = False) -> None:
        if waited:  # what built up while the minute was full does not make a burst
            self.tokens = min(self.tokens, 1.0)
        self.tokens -= 1
        self._granted.append(self.clock())

    def _schedule(self) -> None:
        if self._timer is None and self._waiters:
            delay = max(0.001, self._wait())
            self._timer = asyncio.get_running_loop().call_later(delay, self._release)

    def _release(self) -> None:
        self._timer = None
        while self._waiters and self._wait() <= 0:
            *_, future = heapq.heappop(self._waiters)
            if not future.done():
                self._grant(waited=True)
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
                pacer = self._groups[chat] = PriorityPacer(*GROUP_RATE, burst=GROUP_BURST)
            await pacer.acquire(priority)
            return
        limiter = self._chats.pop(chat, None) or AsyncLimiter(*CHAT_RATE)
        self._chats[chat] = limiter
        if len(self._chats) > LIMITERS_KEPT:
            self._chats.popitem(last=False)
        await limiter.acquire()

    def group_waiting(self) -> int:
        return sum(pacer.waiting for pacer in self._groups.values())
