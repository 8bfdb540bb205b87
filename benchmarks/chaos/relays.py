"""Relays under faults: cases are opened and claimed, then people and consultants write to each
other while Telegram answers a share of all calls with 429, 5xx, a hang longer than the bot's
read time-out, or a permanent refusal (400, 403). A relay is lost when it never arrived and was
not set aside with an alert (a dead letter and "kunne ikke sendes" in the staff group, "Ikke
sendt: Telegram svarede ikke" in the topic, or "Personen har blokeret botten" after a 403)."""

from __future__ import annotations

import asyncio
import random
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from benchmarks.chaos.rig import (
    Bot,
    Sandbox,
    error_lines,
    kind_of_error,
    settled,
    until,
    with_fresh_bot,
)
from sandbox.world import CONSULTANTS, STAFF_GROUP_ID
from tests import texts as T

FIRST_USER: Final = 3_300_000
HANG: Final = 25.0  # seconds: longer than the bot's read time-out for a send (20 s)
TOPIC_LABEL: Final = re.compile(r"^Sag (\d+) ")
TO_PERSON: Final = re.compile(r"En besked til personen i sag (\d+) kunne ikke sendes")
TO_GROUP: Final = re.compile(r"En besked til gruppen om sag (\d+) kunne ikke sendes")


@dataclass
class Settings:
    cases: int = 50
    relays: int = 5  # messages each way per case
    staff_per_minute: int = 300  # 0: Telegram's 20 a minute, as the bot paces by itself
    rates: tuple[tuple[str, float], ...] = (
        ("429", 0.20), ("5xx", 0.05), ("hang", 0.02), ("400", 0.01), ("403", 0.005))
    faults: int = 6000  # calls covered by the random sequence of faults
    settle: float = 420.0


@dataclass
class Case:
    person: int
    token: str
    consultant: int = 0
    thread: int = 0
    label: int = 0
    ready: bool = False
    sent_by_person: tuple[str, ...] = ()
    sent_by_consultant: tuple[str, ...] = ()


async def newest(sandbox: Sandbox, chat: int, fragment: str, within: float,
                 thread: int | None = None) -> dict[str, Any] | None:
    deadline = time.monotonic() + within
    version = -1
    while True:
        for message in reversed(await sandbox.messages(chat)):
            if message["from_bot"] and fragment in message["text"] and (
                    thread is None or message["thread"] == thread):
                return message
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        version = await sandbox.wait(chat, version, min(left, 25.0))


async def open_case(sandbox: Sandbox, case: Case) -> bool:
    user = case.person
    await sandbox.send(user, "/start 13-15")
    steps = ((T.MENU, T.BUTTON_CONSULTANT), (T.INTRO_OPEN, T.BUTTON_START_CHAT))
    for fragment, label in steps:
        message = await newest(sandbox, user, fragment, 120)
        if message is None or await sandbox.press(user, message["message_id"], label) is None:
            return False
    if await newest(sandbox, user, T.FIRST_MESSAGE, 120) is None:
        return False
    await sandbox.send(user, f"Hej, jeg har brug for hjælp ({case.token})")
    return await newest(sandbox, user, "i køen", 120) is not None


async def claim(sandbox: Sandbox, case: Case) -> bool:
    async def summary() -> dict[str, Any] | None:
        for message in await sandbox.staff_messages():
            if case.token in message["text"] and T.CLAIM in [
                    b["text"] for row in message["buttons"] for b in row]:
                return message
        await asyncio.sleep(0.5)
        return None

    deadline = time.monotonic() + 180
    found = None
    while found is None and time.monotonic() < deadline:
        found = await summary()
    if found is None:
        return False
    case.thread = int(found["thread"])
    await sandbox.post("/sandbox/press", user_id=case.consultant, chat_id=STAFF_GROUP_ID,
                       message_id=found["message_id"], label=T.CLAIM)
    return await newest(sandbox, case.person, T.CLAIMED, 180) is not None


async def converse(sandbox: Sandbox, case: Case, relays: int) -> None:
    """Person and consultant take turns; each message carries a token to find it by."""
    mine: list[str] = []
    theirs: list[str] = []
    for number in range(relays):
        token = f"P{case.person}n{number}x{secrets.token_hex(3)}"
        await sandbox.send(case.person, f"Fra den unge {token}")
        mine.append(token)
        await asyncio.sleep(random.uniform(0.5, 2.5))
        token = f"K{case.person}n{number}x{secrets.token_hex(3)}"
        await sandbox.send(case.consultant, f"Fra konsulenten {token}", chat_id=STAFF_GROUP_ID,
                           thread=case.thread)
        theirs.append(token)
        await asyncio.sleep(random.uniform(0.5, 2.5))
    case.sent_by_person, case.sent_by_consultant = tuple(mine), tuple(theirs)


async def inject(sandbox: Sandbox, settings: Settings) -> Counter[str]:
    """A random sequence of outcomes, one per coming call of any method: most pass (a fault
    that does nothing), the rest fail as drawn. Returns how many of each were queued."""
    planned: Counter[str] = Counter()
    passing = 0

    async def flush() -> None:
        nonlocal passing
        if passing:
            await sandbox.post("/sandbox/faults", method="*", count=passing)
            passing = 0

    for _ in range(settings.faults):
        roll, kind = random.random(), "pass"
        for name, share in settings.rates:
            if roll < share:
                kind = name
                break
            roll -= share
        planned[kind] += 1
        if kind == "pass":
            passing += 1
            continue
        await flush()
        body: dict[str, Any] = {"method": "*", "count": 1}
        if kind == "429":
            body.update(status=429, retry_after=random.randint(1, 3))
        elif kind == "5xx":
            body.update(status=random.choice([500, 502, 503]))
        elif kind == "hang":
            body.update(after=True, delay=HANG)
        elif kind == "400":
            body.update(status=400, description="Bad Request: refused by the chaos run")
        else:
            body.update(status=403, description="Forbidden: bot was blocked by the user")
        await sandbox.post("/sandbox/faults", **body)
    await flush()
    return planned


def consumed(sandbox: Sandbox) -> Counter[str]:
    """The faults that met a call (a fault rule's count went down)."""
    met: Counter[str] = Counter()
    for fault in sandbox.world.faults:
        if fault.count > 0:
            continue
        if fault.after:
            met["hang"] += 1
        elif fault.status == 429:
            met["429"] += 1
        elif fault.status >= 500:
            met["5xx"] += 1
        elif fault.status in (400, 403):
            met[str(fault.status)] += 1
    return met


async def run(sandbox: Sandbox, folder: Path, settings: Settings) -> list[str]:
    patch = ({"CHAOS_STAFF_PER_MINUTE": str(settings.staff_per_minute)}
             if settings.staff_per_minute else None)
    return await with_fresh_bot(sandbox, folder, lambda bot: _run(sandbox, bot, settings),
                                patch)


async def _run(sandbox: Sandbox, bot: Bot, settings: Settings) -> list[str]:
    await bot.start()
    consultants = [user_id for user_id, _ in CONSULTANTS]
    cases = [Case(FIRST_USER + i, f"T{FIRST_USER + i}x{secrets.token_hex(3)}",
                  consultants[i % len(consultants)]) for i in range(settings.cases)]
    began = time.monotonic()
    opened = await asyncio.gather(*(open_case(sandbox, case) for case in cases))
    claimed = await asyncio.gather(*(claim(sandbox, case) for case, ok in zip(
        cases, opened, strict=True) if ok))
    ready = [case for case, ok in zip([c for c, o in zip(cases, opened, strict=True) if o],
                                      claimed, strict=True) if ok]
    for case in ready:
        case.ready = True
    setup = time.monotonic() - began
    calls_before = len(sandbox.calls())
    await inject(sandbox, settings)
    faulty = time.monotonic()
    await asyncio.gather(*(converse(sandbox, case, settings.relays) for case in ready))
    talk = time.monotonic() - faulty
    await until(lambda: settled(bot, sandbox, staff_too=True), settings.settle,
                "every relay delivered or set aside", every=1.0)
    met = consumed(sandbox)
    fault_calls = len(sandbox.calls()) - calls_before
    await sandbox.http.delete("/sandbox/faults")
    drained = await until(lambda: settled(bot, sandbox, staff_too=True), 120,
                          "the rest, without faults", every=1.0)
    staff = await sandbox.staff_messages()
    topics = {int(t["message_thread_id"]): t for t in await sandbox.topics()}
    dead = Counter((row[0], row[1], row[2][:60]) for row in bot.query(
        "SELECT lane_kind, method, error FROM dead_letters"))
    log = bot.log()

    # --- where each relay went ----------------------------------------------------------
    for case in ready:
        match = TOPIC_LABEL.match(topics.get(case.thread, {}).get("name", ""))
        case.label = int(match[1]) if match else 0
    alerts_person = Counter(int(m[1]) for s in staff if (m := TO_PERSON.search(s["text"])))
    alerts_group = Counter(int(m[1]) for s in staff if (m := TO_GROUP.search(s["text"])))
    not_sent = Counter(s["thread"] for s in staff if T.NOT_SENT_CHECK in s["text"])
    blocked = {s["thread"] for s in staff if T.PERSON_BLOCKED in s["text"]}
    tally: Counter[str] = Counter()
    person_messages = 0
    for case in ready:
        in_topic = [s["text"] for s in staff if s["thread"] == case.thread and s["from_bot"]]
        to_person = [m["text"] for m in await sandbox.bot_messages(case.person)]
        person_messages += len(to_person)
        for tokens, shown, direction in ((case.sent_by_person, in_topic, "to the group"),
                                         (case.sent_by_consultant, to_person, "to the person")):
            missing = 0
            for token in tokens:
                copies = sum(token in text for text in shown)
                tally["sent"] += 1
                tally["arrived"] += copies > 0
                tally["extra copies"] += max(0, copies - 1)
                missing += copies == 0
            if direction == "to the group":
                told = alerts_group[case.label]
            else:
                told = alerts_person[case.label] + not_sent[case.thread]
                if case.thread in blocked:
                    told = missing  # a 403 reads as "blocked": the topic was told
            tally[f"set aside, told ({direction})"] += min(missing, told)
            tally[f"lost ({direction})"] += max(0, missing - told)
    lost = tally["lost (to the group)"] + tally["lost (to the person)"]
    aside = tally["set aside, told (to the group)"] + tally["set aside, told (to the person)"]
    messages = sum(1 for s in staff if s["from_bot"] and s["text"]) + person_messages
    errors = Counter(kind_of_error(line) for line in error_lines(log))
    staff_dead = sum(n for (kind, _, _), n in dead.items() if kind == "staff")
    pace = (f"{settings.staff_per_minute}/min (raised from Telegram's 20/min by "
            "benchmarks.chaos.launch so that the cases fit in minutes)"
            if settings.staff_per_minute else "20/min (the bot's own)")
    lines = [
        f"{settings.cases} cases: {sum(opened)} opened, {len(ready)} claimed in {setup:.0f} s "
        f"(no faults yet); staff-group pace {pace}",
        f"faults on every method, {fault_calls} calls while on: planned shares "
        + ", ".join(f"{name} {share:.1%}" for name, share in settings.rates)
        + "; met: " + ", ".join(f"{name} {met[name]}" for name, _ in settings.rates)
        + f" (hang = answer after {HANG:.0f} s, past the bot's 20 s read time-out)",
        f"relays: {tally['sent']} sent ({settings.relays} each way per case, over {talk:.0f} s), "
        f"{tally['arrived']} arrived; settled without faults afterwards: "
        f"{'yes' if drained else 'no'}",
        f"LOST: {lost} (to the group {tally['lost (to the group)']}, to the person "
        f"{tally['lost (to the person)']}) = {100 * lost / max(tally['sent'], 1):.2f} % of relays"
        + (f"; alerts to the staff group that were refused themselves (dead letters of the "
           f"staff lane, no further alert): {staff_dead}" if staff_dead else ""),
        f"set aside with an alert: {aside} (to the group "
        f"{tally['set aside, told (to the group)']}, to the person "
        f"{tally['set aside, told (to the person)']}; 'blocked' notes after a 403: "
        f"{len(blocked)})",
        f"DUPLICATED: {tally['extra copies']} extra copies = "
        f"{100 * tally['extra copies'] / max(messages, 1):.2f} % of {messages} messages (a send "
        "Telegram carried out but answered only after the read time-out is sent again: the Bot "
        "API has no way to make a send safe to repeat)",
        "dead letters: " + (", ".join(f"{n} x {kind}/{method} ({error})"
                                      for (kind, method, error), n in dead.most_common(8))
                            or "none"),
        f"unhandled in the log: {sum(n for k, n in errors.items() if 'handling update' in k)} "
        f"'handling update ... failed', {log.count('Traceback')} tracebacks",
    ]
    other = [(k, n) for k, n in errors.most_common() if "handling update" not in k]
    if other:
        lines.append("other ERROR lines: " + "; ".join(f"{n} x {k}" for k, n in other[:6]))
    return lines
