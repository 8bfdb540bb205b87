"""The staff group's pace: never more than Telegram's 20 messages in a minute, the desk's own
messages first. Scaled down in time (4 in any 0.4 s) so that it runs in a moment; a slow
machine only makes grants later, never more of them."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.telegram.pacing import PriorityPacer

CAPACITY, PERIOD, BURST = 4, 0.4, 2


class Recording(PriorityPacer):
    def __init__(self) -> None:
        super().__init__(CAPACITY, PERIOD, burst=BURST)
        self.grants: list[float] = []

    def _grant(self, waited: bool = False) -> None:
        super()._grant(waited)
        self.grants.append(self.clock())


def most_in_any_period(grants: list[float]) -> int:
    return max(sum(1 for other in grants if start <= other < start + PERIOD)
               for start in grants)


@settings(max_examples=8, deadline=None)
@given(arrivals=st.lists(st.floats(0, 0.6), min_size=1, max_size=14),
       priorities=st.lists(st.integers(0, 1), min_size=14, max_size=14))
def test_never_more_than_the_limit_in_any_period(arrivals: list[float],
                                                 priorities: list[int]) -> None:
    async def run() -> list[float]:
        pacer = Recording()

        async def one(delay: float, priority: int) -> None:
            await asyncio.sleep(delay)
            await pacer.acquire(priority)

        await asyncio.gather(*(one(a, p) for a, p in zip(arrivals, priorities, strict=False)))
        return pacer.grants

    grants = asyncio.run(run())
    assert len(grants) == len(arrivals)  # everybody is served
    assert most_in_any_period(grants) <= CAPACITY


def test_after_a_quiet_spell_a_few_go_at_once_then_they_are_spread_out() -> None:
    async def run() -> list[float]:
        pacer = Recording()
        await asyncio.gather(*(pacer.acquire() for _ in range(6)))
        return pacer.grants

    grants = asyncio.run(run())
    assert grants[BURST - 1] - grants[0] < PERIOD / CAPACITY  # the burst, at once
    gaps = [later - earlier for earlier, later in zip(grants[BURST:], grants[BURST + 1:],
                                                       strict=False)]
    assert all(gap >= PERIOD / CAPACITY * 0.95 for gap in gaps)  # then one at a time


def test_the_desks_own_messages_go_first() -> None:
    async def run() -> list[str]:
        pacer = PriorityPacer(CAPACITY, PERIOD, burst=1)
        served: list[str] = []
        await pacer.acquire()  # the burst is used up: what follows waits

        async def one(name: str, priority: int) -> None:
            await pacer.acquire(priority)
            served.append(name)

        relays = [asyncio.create_task(one(f"relay {n}", 0)) for n in range(3)]
        await asyncio.sleep(0)  # the relays wait first
        desk = asyncio.create_task(one("desk", 1))
        await asyncio.gather(*relays, desk)
        return served

    assert asyncio.run(run())[0] == "desk"
