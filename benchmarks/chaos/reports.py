"""Reports under kills: many young people walk the report to "Send til SSP" at once while the
bot is killed with SIGKILL every couple of seconds. Lost: a person pressed Send and the report
is not in the database, or has no topic (and none queued), or the person never saw a code.
Duplicated: a code shown twice, a report stored twice, two topics for one report, any message
someone got twice."""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from benchmarks.chaos.rig import CODE, Bot, Sandbox, labels, settled, until, with_fresh_bot
from bot.core.codes import normalize
from bot.core.keys import Keys
from tests import texts as T

FIRST_USER: Final = 3_100_000
TOPIC_LABEL: Final = re.compile(r"^Sag (\d+) ")
REPORT_LABEL: Final = re.compile(r"Anmeldelse (\d+)")


@dataclass
class Flow:
    user: int
    actions: int = 0
    pressed_send: bool = False
    codes: list[str] = field(default_factory=list)
    stuck_at: str | None = None  # what the person waited for when no answer came
    seconds: float = 0.0


@dataclass
class Settings:
    users: int = 200
    kills: int = 30  # at least this many (the flows are spread so that they happen)
    interval: tuple[float, float] = (1.0, 3.0)  # seconds between kills
    step_timeout: float = 120.0
    drain: float = 240.0  # seconds to wait for the staff group's queue afterwards


async def answer(sandbox: Sandbox, user: int, acted_id: int, acted_text: str | None,
                 within: float, want_code: bool) -> dict[str, Any] | None:
    """The bot's answer to what the person did on message `acted_id`: the newest message from
    there on that was not the one acted on, as it was, that one can act on (buttons, the
    question for one's own words, or the code)."""
    deadline = time.monotonic() + within
    version = -1
    while True:
        messages = [m for m in await sandbox.bot_messages(user)
                    if m["message_id"] >= acted_id
                    and not (m["message_id"] == acted_id and m["text"] == acted_text)]
        coded = [m for m in messages if CODE.search(m["text"]) and T.REPORT_CODE in m["text"]]
        if coded:
            return coded[-1]
        if not want_code:
            usable = [m for m in messages if m["buttons"] or T.REPORT_WORDS in m["text"]]
            if usable:
                return usable[-1]
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        version = await sandbox.wait(user, version, min(left, 25.0))


async def walk(sandbox: Sandbox, user: int, start_after: float, think: tuple[float, float],
               within: float, words: str | None = None) -> Flow:
    """/start 13-15, the report button, the first answer to each question, own words, Send."""
    flow = Flow(user)
    await asyncio.sleep(start_after)
    began = time.monotonic()
    sent = await sandbox.send(user, "/start 13-15")
    acted_id, acted_text, waiting_for = int(sent["message_id"]), None, "the menu"
    for _ in range(40):
        message = await answer(sandbox, user, acted_id, acted_text, within, flow.pressed_send)
        if message is None:
            flow.stuck_at = waiting_for
            break
        if CODE.search(message["text"]) and T.REPORT_CODE in message["text"]:
            break
        await asyncio.sleep(random.uniform(*think))
        flow.actions += 1
        if T.REPORT_WORDS in message["text"]:
            sent = await sandbox.send(user, words or f"Kaos {user}: nogen i klassen skriver "
                                                     "grimme ting om mig på Snap.")
            acted_id, acted_text, waiting_for = int(sent["message_id"]), None, "the summary"
            continue
        shown = labels(message)
        if T.BUTTON_SEND in shown:
            label, waiting_for = T.BUTTON_SEND, "the code"
        elif T.BUTTON_REPORT in shown:
            label, waiting_for = T.BUTTON_REPORT, "the first question"
        else:
            label, waiting_for = shown[0], "the next question"
        pressed = await sandbox.press(user, message["message_id"], label)
        if pressed is not None and label == T.BUTTON_SEND:
            flow.pressed_send = True
        acted_id, acted_text = int(message["message_id"]), message["text"]
    else:
        flow.stuck_at = "the end of a flow that did not end"
    flow.seconds = time.monotonic() - began
    for message in await sandbox.bot_messages(user):
        if T.REPORT_CODE in message["text"]:
            flow.codes += CODE.findall(message["text"])
    return flow


async def killer(bot: Bot, done: asyncio.Event, settings: Settings,
                 intervals: list[float]) -> None:
    """Kill -9 at random intervals while the flows run (and until there were enough), and
    start the bot again at once."""
    last = time.monotonic()
    while not done.is_set() or bot.kills < settings.kills:
        await asyncio.sleep(random.uniform(*settings.interval))
        bot.kill()
        bot.spawn()
        now = time.monotonic()
        intervals.append(now - last)
        last = now


def _duplicates(messages: list[dict[str, Any]]) -> tuple[int, Counter[str]]:
    """Extra copies of a message (same text and buttons) a chat got from the bot."""
    seen = Counter((m["thread"], m["text"], json.dumps(m["buttons"])) for m in messages
                   if m["from_bot"] and (m["text"] or m["buttons"]))
    extra = {key: n - 1 for key, n in seen.items() if n > 1}
    kinds: Counter[str] = Counter()
    for (_, text, _), n in extra.items():
        kinds[text.split("\n", 1)[0][:50]] += n
    return sum(extra.values()), kinds


def _pending_staff(bot: Bot, keys: Keys) -> Counter[tuple[int, str]]:
    """(case, method) of the staff-group sends still queued (paced, not lost)."""
    pending: Counter[tuple[int, str]] = Counter()
    for (payload,) in bot.query("SELECT payload FROM outbox WHERE lane LIKE 'case:%'"):
        send = json.loads(keys.open(payload))
        pending[(int(send.get("case_id") or 0), send["method"])] += 1
    return pending


async def run(sandbox: Sandbox, folder: Path, settings: Settings) -> list[str]:
    return await with_fresh_bot(sandbox, folder, lambda bot: _run(sandbox, bot, settings))


async def _run(sandbox: Sandbox, bot: Bot, settings: Settings) -> list[str]:
    await bot.start()
    started = time.monotonic()
    # The flows are spread over the kill window, so that every kill meets people mid-report.
    span = settings.kills * sum(settings.interval) / 2 * 0.75
    done = asyncio.Event()
    intervals: list[float] = []
    killing = asyncio.create_task(killer(bot, done, settings, intervals))
    flows = await asyncio.gather(*(
        walk(sandbox, FIRST_USER + index, random.uniform(0, span), (0.2, 1.0),
             settings.step_timeout) for index in range(settings.users)))
    done.set()
    await killing
    kill_seconds = time.monotonic() - started
    if not bot.alive():
        bot.spawn()
    await until(lambda: settled(bot, sandbox, staff_too=False), 180, "people's sends")
    unfinished = bot.scalar("SELECT count(*) FROM inbox WHERE done = 0")
    drained = await until(lambda: settled(bot, sandbox, staff_too=True), settings.drain,
                          "the staff group's queue", every=1.0)
    keys = Keys(bot.secret)
    pending = _pending_staff(bot, keys)
    reports = bot.query("SELECT id, code_hash, thread_id FROM cases WHERE is_report = 1")
    topics = await sandbox.topics()
    staff = await sandbox.staff_messages()
    bot.stop()

    # --- what the people saw and what was stored -----------------------------------------
    by_hash = {row[1]: row for row in reports}
    sent = [f for f in flows if f.pressed_send]
    no_code = [f for f in sent if not f.codes]
    codes_twice = sum(len(f.codes) - len(set(f.codes)) for f in flows)
    distinct = {code for f in flows for code in f.codes}
    two_codes = [f for f in flows if len(set(f.codes)) > 1]
    not_stored = [code for code in distinct
                  if keys.code_hash(normalize(code) or "") not in by_hash]
    shown_hashes = {keys.code_hash(normalize(code) or "") for code in distinct}
    # A stored report nobody saw a code for: the code message of someone who pressed Send and
    # saw none (lost, counted there), or a report stored twice. Reports are anonymous, so the
    # two cannot be told apart; only those beyond the people without a code count as twice.
    unseen = [row for row in reports if row[1] not in shown_hashes]
    stored_twice = max(0, len(unseen) - len(no_code))
    topic_count = Counter(int(m[1]) for t in topics if (m := TOPIC_LABEL.match(t["name"])))
    summaries = Counter(int(m[1]) for s in staff if s["from_bot"]
                        and (m := REPORT_LABEL.search(s["text"])))
    no_topic = [row for row in reports if not topic_count[row[0]]
                and not pending[(row[0], "createForumTopic")]]
    queued_topic = [row for row in reports if not topic_count[row[0]]
                    and pending[(row[0], "createForumTopic")]]
    no_summary = [row for row in reports if topic_count[row[0]] and not summaries[row[0]]
                  and not pending[(row[0], "sendMessage")]]
    topics_twice = sum(n - 1 for n in topic_count.values() if n > 1)
    threads_of: dict[int, set[int]] = {}
    for message in staff:
        if message["from_bot"] and (m := REPORT_LABEL.search(message["text"])):
            threads_of.setdefault(int(m[1]), set()).add(message["thread"])
    summaries_twice = sum(len(threads) - 1 for threads in threads_of.values())
    person_dups, dup_kinds = 0, Counter[str]()
    person_messages = 0
    for flow in flows:
        messages = await sandbox.messages(flow.user)
        person_messages += sum(1 for m in messages if m["from_bot"])
        extra, kinds = _duplicates(messages)
        person_dups += extra
        dup_kinds.update(kinds)
    staff_dups, staff_kinds = _duplicates(staff)
    dup_kinds.update({f"(staff) {k}": n for k, n in staff_kinds.items()})
    staff_count = sum(1 for m in staff if m["from_bot"] and m["text"])
    total_messages = person_messages + staff_count
    made_twice = len([c for c in sandbox.calls() if c["method"] == "createForumTopic"
                      and c.get("ok")]) - len(topics)
    log = bot.log()
    lost = len(no_code) + len(not_stored) + len(no_topic) + len(no_summary)
    twice = person_dups + staff_dups  # messages (a code shown twice is one of them)
    records_twice = topics_twice + stored_twice + len(two_codes)
    stuck = Counter(f.stuck_at for f in flows if f.stuck_at)

    def pct(n: int) -> str:
        return f"{100 * n / max(total_messages, 1):.2f} %"

    mean = sum(intervals) / len(intervals) if intervals else float("nan")
    lines = [
        f"{settings.users} report flows at once; {bot.kills} x kill -9 in {kill_seconds:.0f} s "
        f"(one every {mean:.1f} s on average; the bot started {bot.starts} times)",
        f"flows: {len(sent)} pressed \"{T.BUTTON_SEND}\", "
        f"{sum(1 for f in flows if f.codes)} saw a code; "
        f"{sum(f.actions for f in flows)} actions; stuck (an action never answered within "
        f"{settings.step_timeout:.0f} s): {sum(stuck.values())} {dict(stuck) or ''}",
        f"reports stored: {len(reports)}; updates left unfinished: {unfinished}; staff-group "
        "queue drained: "
        + ("yes" if drained else f"no, {sum(pending.values())} sends still queued (paced)"),
        f"LOST: {lost} = pressed Send but never saw a code {len(no_code)}, code shown but not "
        f"stored {len(not_stored)}, stored without a topic (none queued) {len(no_topic)}, "
        f"topic without its summary (none queued) {len(no_summary)}"
        + (f"; topics still queued, not lost: {len(queued_topic)}" if queued_topic else ""),
        f"DUPLICATED messages: {twice} = {pct(twice)} of {total_messages} messages (to the "
        f"people {person_dups}, of which a code shown again {codes_twice}; in the staff group "
        f"{staff_dups}, a summary in a second topic {summaries_twice})",
        f"DUPLICATED records: {records_twice} = a second topic for a report {topics_twice}, a "
        f"report stored twice {stored_twice}, two codes for one person {len(two_codes)}; "
        f"topics made twice and deleted again by the bot: {max(made_twice, 0)}",
    ]
    if dup_kinds:
        lines.append("messages twice, by kind: " + ", ".join(
            f"{n} x {text!r}" for text, n in dup_kinds.most_common(6)))
    errors = [line for line in log.splitlines() if "handling update" in line and "failed" in line]
    lines.append(f"unhandled in the log: {len(errors)} 'handling update ... failed', "
                 f"{log.count('Traceback')} tracebacks")
    return lines
