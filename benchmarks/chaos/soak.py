"""Soak: a steady load for a few minutes (young people walking the menu, a few conversations
with consultants, a report now and then from someone new); every 30 s the rows of inbox, outbox
and visible_messages, the database and WAL sizes and the bot's memory (RSS, from /proc). Do they
level off?"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from benchmarks.chaos.latency import Walker, walk
from benchmarks.chaos.relays import Case, claim, open_case
from benchmarks.chaos.reports import walk as report
from benchmarks.chaos.rig import Bot, Sandbox, with_fresh_bot
from sandbox.world import CONSULTANTS, STAFF_GROUP_ID

FIRST_WALKER: Final = 3_700_000
FIRST_CASE: Final = 3_750_000
FIRST_REPORTER: Final = 3_800_000
EVERY: Final = 30.0
HEADERS: Final = {"inbox rows": "inbox", "outbox rows": "outbox",
                  "visible_messages rows": "visible", "sessions rows": "sessions",
                  "database KB": "db KB", "WAL KB": "WAL KB", "RSS MB": "RSS MB"}
METRICS: Final = ("inbox rows", "outbox rows", "visible_messages rows", "sessions rows",
                  "database KB", "WAL KB", "RSS MB")


@dataclass
class Settings:
    seconds: float = 180.0
    walkers: int = 15
    think: tuple[float, float] = (2.0, 5.0)
    cases: int = 3
    talk_every: tuple[float, float] = (10.0, 20.0)
    report_every: tuple[float, float] = (15.0, 25.0)


def sample(bot: Bot) -> dict[str, float]:
    database, wal = bot.sizes()
    counts = {name: bot.scalar(f"SELECT count(*) FROM {table}") for name, table in (
        ("inbox rows", "inbox"), ("outbox rows", "outbox"),
        ("visible_messages rows", "visible_messages"), ("sessions rows", "sessions"))}
    return {**counts, "database KB": database / 1024, "WAL KB": wal / 1024,
            "RSS MB": bot.rss_mb() or 0.0}


def verdict(values: list[float], slack: float) -> str:
    """Levels off: the second half of the run added little, next to the first half."""
    if len(values) < 3:
        return "too short to tell"
    middle = values[len(values) // 2]
    first, last = middle - values[0], values[-1] - middle
    if last <= slack or last <= 0.25 * max(first, 0):
        return "levels off"
    return f"still growing (+{first:.0f} in the first half, +{last:.0f} in the second)"


async def talk(sandbox: Sandbox, case: Case, every: tuple[float, float],
               until_time: float) -> None:
    number = 0
    while time.monotonic() < until_time:
        await sandbox.send(case.person, f"Soak {number} fra den unge")
        await asyncio.sleep(random.uniform(*every) / 2)
        await sandbox.send(case.consultant, f"Soak {number} fra konsulenten",
                           chat_id=STAFF_GROUP_ID, thread=case.thread)
        await asyncio.sleep(random.uniform(*every) / 2)
        number += 1


async def reports(sandbox: Sandbox, every: tuple[float, float], until_time: float) -> int:
    made = 0
    running: list[asyncio.Task[object]] = []
    while time.monotonic() < until_time:
        running.append(asyncio.create_task(report(
            sandbox, FIRST_REPORTER + made, 0, (0.5, 1.5), 60)))
        made += 1
        await asyncio.sleep(random.uniform(*every))
    await asyncio.gather(*running)
    return made


async def run(sandbox: Sandbox, folder: Path, settings: Settings) -> list[str]:
    return await with_fresh_bot(sandbox, folder, lambda bot: _run(sandbox, bot, settings))


async def _run(sandbox: Sandbox, bot: Bot, settings: Settings) -> list[str]:
    await bot.start()
    consultants = [user_id for user_id, _ in CONSULTANTS]
    cases = [Case(FIRST_CASE + i, f"S{FIRST_CASE + i}", consultants[i % 2])
             for i in range(settings.cases)]
    for case in cases:
        if await open_case(sandbox, case):
            case.ready = await claim(sandbox, case)
    began = time.monotonic()
    until_time = began + settings.seconds
    samples: list[tuple[float, dict[str, float]]] = []

    async def measure() -> None:
        while True:
            samples.append((time.monotonic() - began, await asyncio.to_thread(sample, bot)))
            if time.monotonic() >= until_time:
                return
            await asyncio.sleep(min(EVERY, max(0.0, until_time - time.monotonic())))

    walkers = [Walker(FIRST_WALKER + i) for i in range(settings.walkers)]
    results = await asyncio.gather(
        measure(), reports(sandbox, settings.report_every, until_time),
        *(talk(sandbox, case, settings.talk_every, until_time) for case in cases if case.ready),
        *(walk(sandbox, walker, until_time, settings.think) for walker in walkers))
    made = results[1]
    actions = sum(len(walker.latencies) for walker in walkers)
    lines = [f"{settings.seconds / 60:.1f} min: {settings.walkers} young people walking the menu "
             f"({actions} actions), {sum(c.ready for c in cases)} conversations with a "
             f"consultant, {made} reports from new people",
             "time (s) " + "".join(f"{HEADERS[name]:>10}" for name in METRICS)]
    for at, values in samples:
        lines.append(f"{at:8.0f} " + "".join(f"{values[name]:10.0f}" for name in METRICS))
    slack = {"inbox rows": 20, "outbox rows": 20, "visible_messages rows": 20,
             "sessions rows": 2, "database KB": 32, "WAL KB": 64, "RSS MB": 3}
    most = bot.query("SELECT count(*) FROM visible_messages GROUP BY person_key "
                     "ORDER BY count(*) DESC LIMIT 1")
    lines.append(f"visible_messages: at most {most[0][0] if most else 0} rows for one person at "
                 "the end (the bot keeps the newest 300 or so per person, for 48 hours: a "
                 "steady set of people levels off there)")
    lines.append("levels off? " + "; ".join(
        f"{name}: {verdict([values[name] for _, values in samples], slack[name])}"
        for name in METRICS))
    return lines
