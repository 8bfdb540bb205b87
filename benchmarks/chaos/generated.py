"""Generated updates: many updates of every type, built from the Bot API spec with odd values
(tests/updates.py, hypothesis), pushed into the sandbox. Counted: unhandled exceptions (ERROR
"handling update ... failed", tracebacks), updates never finished (inbox rows left with done=0
once quiet), and private messages or button presses that got no Danish answer. Each private one
that must be answered comes from a chat of its own, so an answer is known to be its answer."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import HypothesisException

from benchmarks.chaos.rig import Bot, Sandbox, error_lines, kind_of_error, settled, until
from tests.updates import (
    expects_answer,
    kind_of,
    private_chat_of,
    register_people,
    set_private_chat,
    updates,
)

FIRST_CHAT: Final = 4_000_000
DANISH: Final = re.compile(r"[æøåÆØÅ]|\b(jeg|du|dig|er|og|ikke|kan|det|har|vil|skriv|tryk)\b",
                           re.IGNORECASE)


@dataclass
class Settings:
    updates: int = 10_000
    seed: int = 12
    settle: float = 600.0


def generate(count: int, number: int) -> list[dict[str, Any]]:
    """`count` updates from the shared strategy, reproducibly (seeded, no database)."""
    drawn: list[dict[str, Any]] = []

    @seed(number)
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(updates())
    def collect(update: dict[str, Any]) -> None:
        drawn.append(update)

    with contextlib.suppress(HypothesisException):  # fewer than asked for: use what was drawn
        collect()
    return drawn


async def run(sandbox: Sandbox, folder: Path, settings_: Settings) -> list[str]:
    await sandbox.reset()
    bot = Bot(sandbox.url, folder)
    try:
        return await _run(sandbox, bot, folder, settings_)
    finally:
        bot.stop()


async def _run(sandbox: Sandbox, bot: Bot, folder: Path, settings_: Settings) -> list[str]:
    began = time.monotonic()
    drawn = await asyncio.to_thread(generate, settings_.updates, settings_.seed)
    drawing = time.monotonic() - began
    answer_from: dict[int, int] = {}  # chat -> index of the update that must be answered
    for index, update in enumerate(drawn):
        if expects_answer(update):
            chat = FIRST_CHAT + len(answer_from)
            set_private_chat(update, chat)
            answer_from[chat] = index
    register_people(sandbox.thread, answer_from)
    await bot.start()
    pushed = time.monotonic()
    ids: list[int] = []
    for update in drawn:
        ids.append(int((await sandbox.post("/sandbox/update", **update))["update_id"]))
    posting = time.monotonic() - pushed
    quiet = await until(lambda: settled(bot, sandbox, staff_too=False), settings_.settle,
                        "every update finished and answered", every=1.0)
    handled = time.monotonic() - pushed
    unfinished = bot.scalar("SELECT count(*) FROM inbox WHERE done = 0")
    rss = bot.rss_mb()
    inbox_rows = bot.scalar("SELECT count(*) FROM inbox")
    log = bot.log()

    unanswered: list[int] = []
    not_danish: list[int] = []

    async def look(chat: int) -> None:
        texts = [m["text"] for m in await sandbox.bot_messages(chat)]
        if not texts:
            unanswered.append(answer_from[chat])
        elif not any(DANISH.search(text) for text in texts):
            not_danish.append(answer_from[chat])

    chats = list(answer_from)
    for start in range(0, len(chats), 50):
        await asyncio.gather(*(look(chat) for chat in chats[start:start + 50]))

    failed = [line for line in log.splitlines() if "handling update" in line and "failed" in line]
    failed_ids = {int(m[1]) for line in failed if (m := re.search(r"update (\d+) failed", line))}
    skipped = [line for line in log.splitlines() if "could not be read" in line]
    index_of = {update_id: index for index, update_id in enumerate(ids)}
    examples = folder / "updates.jsonl"
    with examples.open("w") as out:
        for update in drawn:
            out.write(json.dumps(update, ensure_ascii=False) + "\n")
    troubles = folder / "troubles.jsonl"
    with troubles.open("w") as out:
        for why, indices in (("unhandled", [index_of[i] for i in failed_ids if i in index_of]),
                             ("unanswered", unanswered), ("not Danish", not_danish)):
            for index in indices:
                out.write(json.dumps({"why": why, "update": drawn[index]},
                                     ensure_ascii=False) + "\n")
    kinds = Counter(kind_of(update) for update in drawn)
    private = sum(1 for update in drawn if private_chat_of(update) is not None)
    failures = Counter(kind_of_error(line) for line in failed)
    others = Counter(kind_of_error(line) for line in error_lines(log)
                     if "handling update" not in line)
    lines = [
        f"{len(drawn)} updates drawn in {drawing:.0f} s (seed {settings_.seed}), "
        f"{len(kinds)} kinds of update: " + ", ".join(
            f"{kind} {n}" for kind, n in kinds.most_common()),
        f"{private} from private chats, {len(answer_from)} of them must be answered "
        "(a message with something said or sent, or a button pressed)",
        f"pushed in {posting:.0f} s, finished and answered {handled:.0f} s after the first "
        f"({'quiet' if quiet else 'NOT quiet when counted'}); bot RSS "
        f"{rss or 0:.0f} MB, inbox rows {inbox_rows}",
        f"UNHANDLED: {len(failed)} 'handling update ... failed', {log.count('Traceback')} "
        "tracebacks" + (": " + "; ".join(f"{n} x {k}" for k, n in failures.most_common(4))
                        if failures else ""),
        f"UNFINISHED: {unfinished} updates left with done=0 once quiet",
        f"NOT ANSWERED: {len(unanswered)} private ones got no answer at all, {len(not_danish)} "
        f"got no Danish one (of {len(answer_from)}); updates the bot's library could not read "
        f"and skipped: {len(skipped)}",
        f"other ERROR lines: {sum(others.values())} (a send to a chat the sandbox does not "
        "have, such as a group the bot was said to join, is set aside)" + (": " + "; ".join(
            f"{n} x {k}" for k, n in others.most_common(4)) if others else ""),
        f"the updates: {examples}; the troublesome ones: {troubles}",
    ]
    return lines
