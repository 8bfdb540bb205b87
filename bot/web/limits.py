"""Limits against floods, held in memory only: per conversation and per address. An address is
used for the limit and nothing else: never written down, forgotten when its bucket is full."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

CLEAN_EVERY: Final = 60.0  # seconds


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class Buckets:
    """Token buckets by key: `capacity` actions at once, `rate` more per second."""

    def __init__(self, capacity: float, rate: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.rate = rate
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._cleaned = clock()

    def take(self, key: str) -> bool:
        now = self.clock()
        self._clean(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def _clean(self, now: float) -> None:
        """Forget keys whose bucket has filled up again: they are like new ones."""
        if now - self._cleaned < CLEAN_EVERY:
            return
        self._cleaned = now
        full = (self.capacity / self.rate) if self.rate else float("inf")
        for key in [k for k, b in self._buckets.items() if now - b.stamp >= full]:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


class Limits:
    """A conversation may act about once a second, with bursts of taps; an address (a school's
    network may carry a whole class) a good deal more. Open live streams are capped too."""

    def __init__(self, conversation: tuple[float, float] = (20, 1.0),
                 address: tuple[float, float] = (300, 20.0)) -> None:
        self.per_conversation = Buckets(*conversation)
        self.per_address = Buckets(*address)
        self.streams_per_address: dict[str, int] = {}
        self.streams_per_address_max = 400

    def allow(self, key: str, address: str) -> bool:
        return self.per_address.take(address) and self.per_conversation.take(key)

    def open_stream(self, address: str) -> bool:
        count = self.streams_per_address.get(address, 0)
        if count >= self.streams_per_address_max:
            return False
        self.streams_per_address[address] = count + 1
        return True

    def close_stream(self, address: str) -> None:
        count = self.streams_per_address.get(address, 0) - 1
        if count <= 0:
            self.streams_per_address.pop(address, None)
        else:
            self.streams_per_address[address] = count
