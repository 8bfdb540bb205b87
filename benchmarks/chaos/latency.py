"""p95 reply time to young people while the staff group is saturated: people in open cases
write into their topics far faster than Telegram's 20 messages a minute to a group allow, while
other young people walk the menu. Measured: from a young person's action (a message or a button
press) to the bot's answer in their chat (a new message, or the pressed one changed)."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from benchmarks.chaos.relays import Case, open_case
from benchmarks.chaos.rig import Bot, Sandbox, labels, percentile, settled, until, with_fresh_bot
from sandbox.world import STAFF_GROUP_ID
from tests import texts as T

FIRST_CASE: Final = 3_500_000
FIRST_WALKER: Final = 3_600_000
# What a young person does on the menu: buttons that show something and lead back.
BUTTONS: Final = (T.BUTTON_HELP_LINES, T.BUTTON_PRIVACY, T.BUTTON_IMAGES, T.BUTTON_MENU,
                  T.BUTTON_BACK)
COMMANDS: Final = ("/menu", "/hjaelp", "/privatliv", "/start 13-15")


@dataclass
class Settings:
    seconds: float = 60.0
    baseline: float = 20.0  # first the same walkers with no case writing: for comparison
    cases: int = 15  # people in cases, each writing every few seconds
    writers_every: tuple[float, float] = (2.0, 4.0)
    # Young people walking the menu, each acting every 1-3 s: with the notes the people in the
    # cases get, the bot sends some 20 messages a second, within Telegram's 30 a second for a
    # bot in all (beyond that every answer waits its turn, whatever the staff group does).
    walkers: int = 20
    think: tuple[float, float] = (1.0, 3.0)


@dataclass
class Walker:
    user: int
    latencies: list[float] = field(default_factory=list)
    unanswered: int = 0


def private(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The calls that reached a person's chat."""
    return [c for c in calls if c.get("ok")
            and str(c.get("params", {}).get("chat_id", "")).lstrip("-").isdigit()
            and int(c["params"]["chat_id"]) > 0]


def shown(messages: list[dict[str, Any]]) -> dict[int, str]:
    return {m["message_id"]: m["text"] for m in messages if m["from_bot"]}


async def act(sandbox: Sandbox, walker: Walker, limit: float) -> None:
    """One action and its answer: a command, or a button on the newest message."""
    messages = [m for m in await sandbox.messages(walker.user) if m["from_bot"]]
    before = shown(messages)
    newest = max(before, default=0)
    choices = [label for label in labels(messages[-1]) if label in BUTTONS] if messages else []
    started = time.monotonic()
    if choices and random.random() < 0.7:
        pressed = await sandbox.press(walker.user, messages[-1]["message_id"],
                                      random.choice(choices))
        if pressed is None:  # the message changed meanwhile: nothing was pressed
            return
    else:
        await sandbox.send(walker.user, random.choice(COMMANDS) if messages else "/start 13-15")
    version = -1
    while (left := started + limit - time.monotonic()) > 0:
        now = shown(await sandbox.messages(walker.user))
        if any(mid > newest or before.get(mid) != text for mid, text in now.items()):
            walker.latencies.append(time.monotonic() - started)
            return
        version = await sandbox.wait(walker.user, version, min(left, 10.0))
    walker.unanswered += 1


async def walk(sandbox: Sandbox, walker: Walker, until_time: float,
               think: tuple[float, float]) -> None:
    await asyncio.sleep(random.uniform(0, 2))
    while time.monotonic() < until_time:
        await act(sandbox, walker, 60.0)
        await asyncio.sleep(random.uniform(*think))


async def write(sandbox: Sandbox, case: Case, every: tuple[float, float],
                until_time: float) -> int:
    written = 0
    while time.monotonic() < until_time:
        await sandbox.send(case.person, f"Besked {written} fra en i kø ({case.token})")
        written += 1
        await asyncio.sleep(random.uniform(*every))
    return written


async def run(sandbox: Sandbox, folder: Path, settings: Settings) -> list[str]:
    return await with_fresh_bot(sandbox, folder, lambda bot: _run(sandbox, bot, settings))


async def _run(sandbox: Sandbox, bot: Bot, settings: Settings) -> list[str]:
    await bot.start()
    calm = [Walker(FIRST_WALKER + settings.walkers + i) for i in range(settings.walkers)]
    calm_cpu = (bot.cpu_seconds(), time.process_time(), time.monotonic())
    calm_calls = len(sandbox.calls())
    await asyncio.gather(*(walk(sandbox, walker, time.monotonic() + settings.baseline,
                                settings.think) for walker in calm))
    calm_cpu = tuple(now - then for now, then in zip(
        (bot.cpu_seconds(), time.process_time(), time.monotonic()), calm_cpu, strict=True))
    calm_sends = len(private(sandbox.calls(calm_calls))) / calm_cpu[2]
    cases = [Case(FIRST_CASE + i, f"L{FIRST_CASE + i}") for i in range(settings.cases)]
    opened = sum(await asyncio.gather(*(open_case(sandbox, case) for case in cases)))
    walkers = [Walker(FIRST_WALKER + i) for i in range(settings.walkers)]
    calls_before = len(sandbox.calls())
    cpu = (bot.cpu_seconds(), time.process_time())
    began = time.monotonic()
    until_time = began + settings.seconds
    written = await asyncio.gather(
        *(write(sandbox, case, settings.writers_every, until_time) for case in cases),
        *(walk(sandbox, walker, until_time, settings.think) for walker in walkers))
    window = time.monotonic() - began
    bot_cpu, own_cpu = bot.cpu_seconds() - cpu[0], time.process_time() - cpu[1]
    calls = sandbox.calls(calls_before)
    to_group = [c for c in calls if c.get("ok") and str(c.get("params", {}).get("chat_id"))
                == str(STAFF_GROUP_ID)]
    to_people = private(calls)
    backlog = bot.scalar("SELECT count(*) FROM outbox WHERE lane LIKE 'case:%'")
    await until(lambda: settled(bot, sandbox, staff_too=False), 60, "the last answers")
    latencies = [x for walker in walkers for x in walker.latencies]
    unanswered = sum(walker.unanswered for walker in walkers)
    ms = [1000 * x for x in latencies]
    calm_ms = [1000 * x for walker in calm for x in walker.latencies]
    relays = sum(n for n in written[:settings.cases] if isinstance(n, int))
    return [
        f"{opened} people in open cases wrote {relays} messages into their topics in "
        f"{window:.0f} s ({60 * relays / window:.0f}/min asked of the staff group; Telegram "
        f"allows 20/min): the group got {len(to_group)} calls "
        f"({60 * len(to_group) / window:.0f}/min), {backlog} still queued when the window "
        "closed",
        f"{settings.walkers} other young people walked the menu: {len(ms)} actions answered, "
        f"{unanswered} not answered within 60 s; the bot sent {len(to_people) / window:.0f} "
        "messages a second to people (Telegram allows a bot 30 in all)",
        f"P95 action -> answer: {percentile(ms, 0.95):.0f} ms (p50 {percentile(ms, 0.5):.0f} ms, "
        f"p99 {percentile(ms, 0.99):.0f} ms, max {max(ms, default=float('nan')):.0f} ms); "
        "goal: p95 <= 1000 ms",
        f"for comparison, the same walk before any case wrote ({settings.baseline:.0f} s, "
        f"{len(calm_ms)} actions, {calm_sends:.0f} messages a second to people): p95 "
        f"{percentile(calm_ms, 0.95):.0f} ms, p50 {percentile(calm_ms, 0.5):.0f} ms",
        f"CPU (2 cores, shared with other work): the bot used {100 * bot_cpu / window:.0f} % of "
        f"a core while saturated ({100 * calm_cpu[0] / calm_cpu[2]:.0f} % before), this process "
        f"(sandbox and simulated people) {100 * own_cpu / window:.0f} % "
        f"({100 * calm_cpu[1] / calm_cpu[2]:.0f} % before)",
    ]
