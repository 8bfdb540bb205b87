"""The desk under load (issue 13): how long a young person's message takes to reach the staff
group when many write to consultants at once, and how much the bot merges.

    python -m benchmarks.desk_load [--cases 10 20 50] [--seconds 60] [--interval 5]

Telegram lets a bot send 20 messages a minute into one group. The bot paces the staff group by
itself (bot/telegram/pacing.py: the desk's own messages first, then what people wrote) and
merges what one person wrote while it waited into one message, signed once
(bot/telegram/sender.py). This measures that, with the real bot as its own process against the
sandbox (sandbox.server.SandboxThread, in this process), which has the staff group, its topics
and its buttons, and does NOT enforce Telegram's group limit: the bot's own pacing is what is
measured.

Set-up: `max(--cases)` young people (13–15) each ask for a consultant and write a first message
(tests/harness.py's `open_case`), and consultants take every case with "Tag sagen". Opening and
claiming 50 cases sends a few hundred messages to the staff group, many minutes at 20 a minute,
so the set-up runs the bot with the group's pace raised (benchmarks/chaos/launch.py). Then
the bot is stopped, and every scenario starts it afresh as shipped (`python -m bot run`: the
group's budget starts full, as after a quiet spell) on those cases.

A scenario with N cases: each of the first N young people writes a message every `--interval`
seconds on average (0.5–1.5 × at random) for `--seconds`; then the benchmark waits until every
message has appeared in the staff group. The delay of a message is from just before it is
written (the sandbox's /sandbox/send) to the moment the sandbox stores the bot's staff-group
message that carries it. Printed: delay p50/p95/max, messages written, staff-group messages that
carried them (merging) and every call the group received. Raw figures:
benchmarks/results/desk_load.json. Printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import shutil
import sqlite3
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx

from benchmarks.common import BotProcess, fmt, load_line, print_table, spread, write_results
from sandbox.cli import demo_environment
from sandbox.server import SandboxThread
from sandbox.world import CONSULTANTS, STAFF_GROUP_ID
from tests import texts as T

FIRST_USER: Final = 3_700_000
READY: Final = "bot running"  # the bot's log line once it polls and sends
MARK: Final = re.compile(r"Besked (\d+)-(\d+)-(\d+)\b")
GROUP_PER_MINUTE: Final = 20  # Telegram's limit for one group, which the bot keeps
SETUP_PER_MINUTE: Final = 600  # the group's pace while cases are opened and claimed
QUEUED: Final = "i køen"  # consultant/waiting: "Du er nummer N i køen"


class Control:
    """The sandbox's control API, and what arrived in the staff group, timed in-process."""

    def __init__(self, thread: SandboxThread) -> None:
        self.thread = thread
        self.world = thread.sandbox.world
        self.http = httpx.AsyncClient(base_url=thread.url, timeout=120, limits=httpx.Limits(
            max_connections=200, max_keepalive_connections=100))
        # (perf_counter, text) of every message the bot put in the staff group, recorded in
        # the sandbox's own thread the moment it is stored.
        self.arrivals: list[tuple[float, str]] = []
        store = self.world.new_message

        def spy(chat: Any, sender: dict[str, Any], thread: int | None = None,
                **content: Any) -> dict[str, Any]:
            message = store(chat, sender, thread, **content)
            if chat.info.get("id") == STAFF_GROUP_ID and sender.get("is_bot"):
                self.arrivals.append((time.perf_counter(), str(content.get("text", ""))))
            return message

        self.world.new_message = spy  # type: ignore[method-assign]

    async def close(self) -> None:
        await self.http.aclose()

    async def post(self, path: str, **body: Any) -> Any:
        response = await self.http.post(path, json=body)
        response.raise_for_status()
        return response.json()

    async def get(self, path: str, **params: Any) -> Any:
        response = await self.http.get(path, params=params)
        response.raise_for_status()
        return response.json()

    async def wait_text(self, chat: int, fragment: str, within: float = 90.0,
                        thread: int | None = None) -> dict[str, Any]:
        """The newest bot message in the chat that contains `fragment`, once there is one."""
        deadline = time.monotonic() + within
        version = -1
        while True:
            response = await self.http.get(f"/sandbox/chats/{chat}/wait", params={
                "after": version, "timeout": 5})
            if response.status_code == 200:
                version = int(response.json()["version"])
            else:
                await asyncio.sleep(0.2)
            for message in reversed(await self.get(f"/sandbox/chats/{chat}/messages")):
                if message["from_bot"] and fragment in message["text"] and (
                        thread is None or message["thread"] == thread):
                    return message  # type: ignore[no-any-return]
            if time.monotonic() > deadline:
                raise TimeoutError(f"no bot message with {fragment!r} in chat {chat}")

    async def press(self, user: int, label: str, chat: int | None = None) -> None:
        """Press the button labelled `label` on the newest bot message that has it."""
        where = chat if chat is not None else user
        for message in reversed(await self.get(f"/sandbox/chats/{where}/messages")):
            if message["from_bot"] and any(b["text"] == label for row in message["buttons"]
                                           for b in row):
                await self.post("/sandbox/press", user_id=user, chat_id=where,
                                message_id=message["message_id"], label=label)
                return
        raise LookupError(f"no button {label!r} in chat {where}")

    def staff_calls(self, since: int) -> list[dict[str, Any]]:
        """Bot API calls into the staff group since call number `since` (done ones)."""
        return [call for call in self.world.calls[since:]
                if call.get("ok") and call.get("params", {}).get("chat_id") == STAFF_GROUP_ID]


# --- the bot ---------------------------------------------------------------------------------


def bot_env(url: str, data_dir: Path) -> dict[str, str]:
    env = demo_environment(url, data_dir)
    env.update({"SSPBOT_WEB_PORT": "0", "SSPBOT_POLL_TIMEOUT": "5", "SSPBOT_LOG_LEVEL": "INFO"})
    return env


async def start(bot: BotProcess, within: float = 60.0) -> None:
    before = bot.log_path.read_text(errors="replace").count(READY)
    bot.spawn()
    deadline = time.monotonic() + within
    while bot.log_path.read_text(errors="replace").count(READY) <= before:
        bot.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bot did not start within {within:g} s")
        await asyncio.sleep(0.1)


def telegram_queued(data_dir: Path) -> int:
    """Calls to Telegram still waiting in the bot's outbox (a read; WAL does not block it)."""
    database = data_dir / "sspbot.sqlite3"
    db = sqlite3.connect(database, timeout=30)
    try:
        db.execute("PRAGMA query_only = 1")
        return int(db.execute("SELECT count(*) FROM outbox WHERE channel = 'telegram'")
                   .fetchone()[0])
    finally:
        db.close()


# --- set-up: open and claim the cases --------------------------------------------------------


async def open_case(control: Control, user: int, index: int) -> None:
    """A 13–15-year-old asks for a consultant, writes a first message and waits in the queue
    (as tests/harness.py's open_case)."""
    await control.post("/sandbox/send", user_id=user, text="/start 13-15")
    await control.wait_text(user, T.MENU)
    await control.press(user, T.BUTTON_CONSULTANT)
    await control.wait_text(user, T.INTRO_OPEN)
    await control.press(user, T.BUTTON_START_CHAT)
    await control.wait_text(user, T.FIRST_MESSAGE)
    await control.post("/sandbox/send", user_id=user,
                       text=f"Hej. Jeg er nummer {index}, og nogen deler et billede af mig.")
    await control.wait_text(user, QUEUED)


async def claim_all(control: Control, cases: int, within: float = 180.0) -> None:
    """A consultant takes every case: "Tag sagen" on each topic's summary."""
    deadline = time.monotonic() + within
    claimed: set[int] = set()
    turn = 0
    while len(claimed) < cases:
        messages = await control.get(f"/sandbox/chats/{STAFF_GROUP_ID}/messages")
        for message in messages:
            thread = message["thread"]
            if thread is None or thread in claimed or not message["from_bot"]:
                continue
            if any(b["text"] == T.CLAIM for row in message["buttons"] for b in row):
                consultant = CONSULTANTS[turn % len(CONSULTANTS)][0]
                turn += 1
                await control.post("/sandbox/press", user_id=consultant, chat_id=STAFF_GROUP_ID,
                                   message_id=message["message_id"], label=T.CLAIM)
                claimed.add(thread)
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {len(claimed)} of {cases} cases could be taken")
        await asyncio.sleep(0.5)


async def set_up(control: Control, env: dict[str, str], users: list[int]) -> float:
    started = time.perf_counter()
    bot = BotProcess({**env, "CHAOS_STAFF_PER_MINUTE": str(SETUP_PER_MINUTE)}, "desk_setup",
                     module=("benchmarks.chaos.launch",))
    try:
        await start(bot)
        await asyncio.gather(*(open_case(control, user, i) for i, user in enumerate(users)))
        await claim_all(control, len(users))
        await asyncio.gather(*(control.wait_text(user, T.CLAIMED) for user in users))
        data_dir = Path(env["SSPBOT_DATA_DIR"])
        for _ in range(240):  # the set-up's sends are all made before the bot stops
            if not telegram_queued(data_dir):
                break
            await asyncio.sleep(0.5)
        bot.check_alive()
    finally:
        bot.stop()
    return time.perf_counter() - started


# --- one scenario ----------------------------------------------------------------------------


@dataclass
class Scenario:
    cases: int
    written: int = 0
    writing_s: float = 0.0
    arrived: int = 0
    missing: int = 0
    delay_s: dict[str, float] = field(default_factory=dict)
    relay_messages: int = 0  # staff-group messages that carried what people wrote
    staff_messages: int = 0  # every message the bot put in the staff group meanwhile
    staff_calls: int = 0  # every call into the staff group meanwhile (edits, topics, ...)
    window_s: float = 0.0  # from the first message written to the last one's arrival
    drain_s: float = 0.0  # from the end of writing to the last arrival
    most_merged: int = 0
    staff_per_minute: float = 0.0
    busiest_minute: int = 0  # most staff-group messages in any 60 s of the window
    log_errors: list[str] = field(default_factory=list)


async def scenario(control: Control, env: dict[str, str], users: list[int],
                   args: argparse.Namespace, rng: random.Random) -> Scenario:
    cases = len(users)
    result = Scenario(cases)
    bot = BotProcess(env, f"desk_load_{cases}")
    await start(bot)
    try:
        written: dict[tuple[int, int, int], float] = {}
        seen_from = len(control.arrivals)
        calls_from = len(control.world.calls)
        began = time.perf_counter()
        stop_at = began + args.seconds

        async def writer(index: int, user: int) -> None:
            count = 0
            await asyncio.sleep(rng.uniform(0, args.interval))
            while time.perf_counter() < stop_at:
                count += 1
                key = (cases, index, count)
                written[key] = time.perf_counter()
                await control.post("/sandbox/send", user_id=user,
                                   text=f"Besked {cases}-{index}-{count}. Det er stadig svært, "
                                        "og jeg ved ikke, hvad jeg skal gøre.")
                await asyncio.sleep(rng.uniform(0.5, 1.5) * args.interval)

        await asyncio.gather(*(writer(i, user) for i, user in enumerate(users)))
        ended = time.perf_counter()
        result.written = len(written)
        result.writing_s = ended - began
        arrived: dict[tuple[int, int, int], float] = {}
        merged_sizes: list[int] = []
        deadline = ended + args.drain
        scanned = seen_from
        while True:
            arrivals = control.arrivals[scanned:]
            scanned += len(arrivals)
            for stamp, text in arrivals:
                keys = [(int(a), int(b), int(c)) for a, b, c in MARK.findall(text)]
                keys = [k for k in keys if k in written]
                if keys:
                    merged_sizes.append(len(keys))
                for key in keys:
                    arrived.setdefault(key, stamp)
            if len(arrived) >= len(written) or time.perf_counter() > deadline:
                break
            bot.check_alive()
            await asyncio.sleep(0.25)
        last = max(arrived.values(), default=ended)
        delays = [arrived[key] - written[key] for key in arrived]
        result.arrived = len(arrived)
        result.missing = len(written) - len(arrived)
        result.delay_s = {**spread(delays), "min": min(delays, default=float("nan"))}
        result.relay_messages = len(merged_sizes)
        result.most_merged = max(merged_sizes, default=0)
        stamps = [stamp for stamp, _ in control.arrivals[seen_from:] if began <= stamp <= last]
        result.staff_messages = len(stamps)
        result.busiest_minute = max((sum(1 for t in stamps if s <= t < s + 60) for s in stamps),
                                    default=0)
        result.staff_calls = len(control.staff_calls(calls_from))
        result.window_s = last - began
        result.drain_s = max(0.0, last - ended)
        result.staff_per_minute = 60 * result.staff_messages / max(1e-9, result.window_s)
        bot.check_alive()
    finally:
        bot.stop()
        result.log_errors = bot.errors()
    print(f"    {cases} cases: {result.written} written in {result.writing_s:.0f} s, "
          f"{result.arrived} arrived in {result.relay_messages} staff-group messages, delay "
          f"p50 {fmt(result.delay_s['p50'], ' s', 1)} / p95 {fmt(result.delay_s['p95'], ' s', 1)}"
          f" / max {fmt(result.delay_s['max'], ' s', 1)}, drained {result.drain_s:.0f} s after "
          "the last was written", flush=True)
    return result


# --- the whole measurement ------------------------------------------------------------------


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    print(f"\ndesk under load ({load_line()})", flush=True)
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="sspbot-desk-load-"))
    users = [FIRST_USER + i for i in range(max(args.cases))]
    results: list[Scenario] = []
    document: dict[str, Any] = {"config": vars(args)}
    try:
        with SandboxThread() as thread:
            control = Control(thread)
            try:
                env = bot_env(thread.url, workdir / "data")
                took = await set_up(control, env, users)
                document["setup_s"] = took
                print(f"  {len(users)} cases opened and taken in {took:.0f} s (the set-up's "
                      f"group pace raised to {SETUP_PER_MINUTE}/min); each scenario starts the "
                      "bot afresh, as shipped:", flush=True)
                for cases in args.cases:
                    results.append(await scenario(control, env, users[:cases], args, rng))
            finally:
                await control.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    document["scenarios"] = [asdict(s) for s in results]
    report(results, args)
    return document


def report(results: list[Scenario], args: argparse.Namespace) -> None:
    print(f"\n  desk under load: each young person writes every ~{args.interval:g} s for "
          f"{args.seconds:g} s; the staff group allows {GROUP_PER_MINUTE} messages a minute "
          "(kept by the bot; the sandbox does not enforce it)")
    rows = []
    for s in results:
        offered = 60 * s.written / max(1e-9, s.writing_s)
        rows.append((
            f"{s.cases}", f"{s.cases * 60 / GROUP_PER_MINUTE:.0f} s", f"{s.written}",
            f"{offered:.0f}/min",
            f"{s.relay_messages}", f"{s.written / max(1, s.relay_messages):.1f}",
            f"{s.most_merged}", f"{s.staff_messages} / {s.staff_calls}",
            f"{s.staff_per_minute:.1f}/min", f"{s.busiest_minute}",
            *(fmt(s.delay_s[key], " s", 1) for key in ("min", "p50", "p95", "max")),
            f"{s.missing}"))
    print_table(("cases", "round", "written", "offered", "relay msgs", "merged (avg)", "most",
                 "group msgs / calls", "group rate", "busiest 60 s", "delay min", "p50", "p95",
                 "max", "missing"), rows)
    print("  round: the time the group's budget needs to give every case one message (3 s a "
          "case);\n  relay msgs: staff-group messages that carried what people wrote; merged: "
          "messages written per relay message;\n  group msgs / calls: every message the bot put "
          "in the staff group from the first written to the last arrived, and every call into it;\n"
          "  group rate: group messages per minute over that window; busiest 60 s: the most "
          "group messages in any 60 seconds of it\n  (Telegram's limit: "
          f"{GROUP_PER_MINUTE} a minute; the bot's pacer keeps it in any 60 s: after a quiet "
          "spell 5 go at once, then one every 3 s).")
    print(f"  {load_line()}")
    for s in results:
        if s.missing:
            print(f"  ! {s.cases} cases: {s.missing} messages had not arrived {args.drain:g} s "
                  "after the writing ended")
        if s.log_errors:
            print(f"  ! {s.cases} cases: {len(s.log_errors)} error line(s) in the bot's log, "
                  f"first: {s.log_errors[0][:200]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=[10, 20, 50],
                        help="open conversations per scenario")
    parser.add_argument("--seconds", type=float, default=30.0,
                        help="how long the young people write, per scenario")
    parser.add_argument("--interval", type=float, default=5.0,
                        help="mean seconds between one person's messages")
    parser.add_argument("--drain", type=float, default=600.0,
                        help="seconds to wait, after the writing, for every message to arrive")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    write_results("desk_load", asyncio.run(measure(args)))


if __name__ == "__main__":
    main()
