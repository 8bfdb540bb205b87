"""Sessions and memory (issue 13): the bot on a database of 100,000 stored sessions.

    python -m benchmarks.sessions_rss [--sessions 100000] [--run-seconds 120] [--sample-every 15]

1. Real sessions: the real bot (`python -m bot run`, demo settings, fresh data) against the lean
   fake Bot API (benchmarks/fake_telegram.py, in this process); start to first answer on the
   empty database; then a few dozen people walk different paths (the report flow to different
   depths, advice, the menu), and their stored sessions are read back: these are the templates.
2. The fill: `--sessions` sessions written through the bot's own `bot.core.store.Store` API
   (`save_session`: sealed with AES-GCM as the bot seals them), keyed by `Keys.chat_key` of a
   chat id each, templates taken in turn, last touched at random within the retention period
   (so the retention at start keeps them). The database file's size is printed.
3. The bot started on it: from spawn to its answer to a /start sent at once by a person who has
   a stored session (goal ≤ 2 s), and its RSS after the start.
4. Steady traffic for `--run-seconds`: `--users-per-second` people start (half of them with a
   stored session, half new), each walking the 4-action path of the side-by-side benchmark with
   ~0.3 s between actions; the bot's RSS, CPU and database size sampled every
   `--sample-every` seconds, to show whether memory stays flat (goal ≤ 150 MB).

Printed, never asserted; raw figures in benchmarks/results/sessions_rss.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from benchmarks.common import (
    ROOT,
    BotProcess,
    database_bytes,
    filesystem_of,
    fmt,
    load_line,
    own_cpu_seconds,
    print_table,
    spread,
    write_results,
)
from benchmarks.fake_telegram import Action, FakeTelegram
from benchmarks.side_by_side import walk
from bot.core.keys import Keys
from bot.core.store import Store
from flows.engine import Session
from sandbox.cli import demo_environment

STORED_FIRST: Final = 5_000_000  # chat ids of the stored sessions
CAPTURE_FIRST: Final = 6_000_000  # the people whose sessions become templates
NEW_FIRST: Final = 7_000_000  # people without a stored session, during the run
PROBE: Final = 8_000_000  # first answers
TEXTS: Final = ROOT / "benchmarks" / "peers" / "texts.json"
PATH: Final = ("Jeg er 13–15 år", "Råd om billeder, pres og mere", "Til menuen")
GOAL_RSS_MB: Final = 150.0
GOAL_START_S: Final = 2.0
RETENTION_DAYS: Final = 30  # SSPBOT_SESSION_DAYS's default: older sessions go at start
BATCH: Final = 10_000


def path_labels() -> list[str]:
    try:
        return list(json.loads(TEXTS.read_text(encoding="utf-8"))["path"])
    except (OSError, ValueError, KeyError):
        return list(PATH)


async def answered(action: Action, bot: BotProcess, within: float) -> float:
    """Seconds from the action until the bot answered it."""
    deadline = time.perf_counter() + within
    while not action.future.done():
        bot.check_alive()
        if time.perf_counter() > deadline:
            raise RuntimeError(f"no answer within {within:g} s; see {bot.log_path}")
        await asyncio.wait({action.future}, timeout=0.02)
    return (action.answered or 0.0) - action.started


async def start_and_first_answer(fake: FakeTelegram, bot: BotProcess, user: int) -> float:
    """Spawn the bot, and at once a /start from `user`: seconds from spawn to the answer."""
    spawned = bot.spawn()
    action = fake.send_text(user, "/start")
    await answered(action, bot, 60.0)
    return (action.answered or 0.0) - spawned


def first_button(fake: FakeTelegram, user: int) -> str | None:
    chat = fake.chat(user)
    for message in reversed(chat.messages.values()):
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        if rows and rows[0]:
            return str(rows[0][0]["text"])
    return None


async def capture(fake: FakeTelegram, bot: BotProcess, people: int) -> None:
    """People walk different paths, so that the database holds sessions as real ones are."""
    labels = path_labels()

    async def act(action: Action) -> None:
        await answered(action, bot, 30.0)
        # An answer may be several messages (the outbox paces them): the last has the buttons.
        chat = fake.chat(action.chat_id)
        for _ in range(100):
            newest = chat.messages[max(chat.messages)] if chat.messages else {}
            if newest.get("reply_markup", {}).get("inline_keyboard"):
                break
            await asyncio.sleep(0.05)

    async def person(index: int) -> None:
        user = CAPTURE_FIRST + index
        if index % 4 == 0:  # the benchmark's own path, stopping at a different place
            await act(fake.send_text(user, "/start"))
            for label in labels[: (index // 4) % (len(labels) + 1)]:
                await act(fake.press(user, label))
            return
        await act(fake.send_text(user, "/start 13-15" if index % 3 else "/start 16-19"))
        for _ in range(index % 10):  # the first button, again and again (the report flow)
            label = first_button(fake, user)
            if label is None:
                break
            await act(fake.press(user, label))

    await asyncio.gather(*(person(i) for i in range(people)))


def templates(data_dir: Path, secret: str) -> list[Session]:
    store = Store(data_dir / "sspbot.sqlite3", Keys(secret.encode()))
    try:
        rows = store.db.execute("SELECT flow, state, audience, step, data FROM sessions"
                                ).fetchall()
        return [Session(flow, state, audience, step, store.open_json(data))
                for flow, state, audience, step, data in rows]
    finally:
        store.close()


def fill(data_dir: Path, secret: str, count: int, sessions: list[Session],
         rng: random.Random) -> float:
    """`count` sessions through the bot's Store API, as the bot writes them."""
    started = time.perf_counter()
    keys = Keys(secret.encode())
    store = Store(data_dir / "sspbot.sqlite3", keys)
    now = datetime.now(UTC)
    try:
        for first in range(0, count, BATCH):
            with store.transaction():
                for index in range(first, min(count, first + BATCH)):
                    touched = now - timedelta(hours=rng.randrange(0, (RETENTION_DAYS - 1) * 24))
                    store.save_session(keys.chat_key(STORED_FIRST + index),
                                       sessions[index % len(sessions)], touched)
    finally:
        store.close()
    return time.perf_counter() - started


@dataclass
class Sample:
    at_s: float
    rss_mb: float
    cpu_share: float  # of one core since the last sample
    actions: int  # answered since the last sample
    p95_ms: float
    db_mb: float
    wal_mb: float


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    users: int = 0
    stuck: int = 0
    actions: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)
    cpu_ms_per_action: float = 0.0
    driver_cpu_share: float = 0.0


async def steady(fake: FakeTelegram, bot: BotProcess, args: argparse.Namespace, stored: int,
                 rng: random.Random) -> Run:
    labels = path_labels()
    run = Run()
    actions: list[Action] = []
    walks: list[asyncio.Task[bool]] = []
    started = time.perf_counter()
    cpu_start, own_start = bot.cpu(), own_cpu_seconds()
    last = (started, cpu_start, 0)
    next_sample = started + args.sample_every
    stop_at = started + args.run_seconds
    index = 0
    new_users = 0
    while True:
        now = time.perf_counter()
        if now >= next_sample:
            bot.check_alive()
            done = [a for a in actions if a.answered is not None]
            cpu = bot.cpu()
            fresh = done[last[2]:]
            sizes = database_bytes(bot.data_dir)
            run.samples.append(Sample(
                now - started, bot.memory().get("VmRSS", 0.0),
                (cpu - last[1]) / (now - last[0]), len(fresh),
                spread([1000 * (a.seconds or 0.0) for a in fresh])["p95"],
                sizes["db"] / 2**20, sizes["wal"] / 2**20))
            sample = run.samples[-1]
            print(f"    {sample.at_s:4.0f} s: RSS {sample.rss_mb:.1f} MB, {sample.actions} "
                  f"actions (p95 {fmt(sample.p95_ms, ' ms', 1)}), bot CPU "
                  f"{100 * sample.cpu_share:.0f}% of a core, database {sample.db_mb:.1f} MB "
                  f"+ WAL {sample.wal_mb:.1f} MB", flush=True)
            last = (now, cpu, len(done))
            next_sample += args.sample_every
        if now >= stop_at:
            break
        due = started + index / args.users_per_second
        if now >= due:
            if index % 2 == 0:
                user = STORED_FIRST + rng.randrange(stored)
            else:
                user = NEW_FIRST + new_users
                new_users += 1
            index += 1
            walks.append(asyncio.create_task(walk(
                fake, user, labels, actions, 30.0,
                think=lambda: rng.uniform(0.2, 0.4))))
            continue
        await asyncio.sleep(min(due, next_sample) - now)
    results = await asyncio.gather(*walks)
    ended = time.perf_counter()
    done = [a for a in actions if a.answered is not None]
    run.users = len(walks)
    run.stuck = results.count(False)
    run.actions = len(done)
    run.latency_ms = spread([1000 * (a.seconds or 0.0) for a in done])
    run.cpu_ms_per_action = 1000 * (bot.cpu() - cpu_start) / max(1, len(done))
    run.driver_cpu_share = (own_cpu_seconds() - own_start) / (ended - started)
    return run


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    print(f"\nsessions and memory ({load_line()})", flush=True)
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="sspbot-sessions-"))
    data_dir = workdir / "data"
    fake = FakeTelegram()
    await fake.start()
    env = demo_environment(fake.url, data_dir)
    env.update({"SSPBOT_WEB_PORT": "0", "SSPBOT_POLL_TIMEOUT": "10",
                "SSPBOT_LOG_LEVEL": "WARNING"})
    secret = env["SSPBOT_SECRET"]
    result: dict[str, Any] = {"config": vars(args), "filesystem": filesystem_of(workdir)}
    try:
        bot = BotProcess(env, "sessions_rss_empty")
        try:
            result["start_empty_s"] = await start_and_first_answer(fake, bot, PROBE)
            await asyncio.sleep(1.0)
            result["rss_empty_mb"] = bot.memory().get("VmRSS", 0.0)
            await capture(fake, bot, args.capture_people)
            bot.check_alive()
        finally:
            bot.stop()
        sessions = templates(data_dir, secret)
        result["templates"] = len(sessions)
        result["template_states"] = sorted({f"{s.flow}/{s.state}" for s in sessions})
        print(f"  empty database: start to first answer {result['start_empty_s']:.2f} s, RSS "
              f"{result['rss_empty_mb']:.0f} MB; {len(sessions)} real sessions captured as "
              f"templates ({len(result['template_states'])} flow states)", flush=True)
        before = database_bytes(data_dir)
        result["fill_s"] = fill(data_dir, secret, args.sessions, sessions, rng)
        sizes = database_bytes(data_dir)
        result["database_filled"] = sizes
        result["bytes_per_session"] = (sizes["db"] - before["db"]) / max(1, args.sessions)
        print(f"  {args.sessions} sessions written through Store.save_session in "
              f"{result['fill_s']:.1f} s: database {sizes['db'] / 2**20:.1f} MB "
              f"(~{result['bytes_per_session']:.0f} bytes a session)", flush=True)

        bot = BotProcess(env, "sessions_rss")
        try:
            result["start_full_s"] = await start_and_first_answer(fake, bot,
                                                                  STORED_FIRST + 1)
            await asyncio.sleep(2.0)
            memory = bot.memory()
            result["rss_after_start_mb"] = memory.get("VmRSS", 0.0)
            print(f"  bot on {args.sessions} sessions: start to first answer "
                  f"{result['start_full_s']:.2f} s, RSS {result['rss_after_start_mb']:.1f} MB; "
                  f"steady traffic for {args.run_seconds:g} s, {args.users_per_second:g} people "
                  "a second (half with a stored session):", flush=True)
            run = await steady(fake, bot, args, args.sessions, rng)
            result["run"] = asdict(run)
            memory = bot.memory()
            result["rss_end_mb"], result["rss_peak_mb"] = memory.get("VmRSS"), memory.get("VmHWM")
            bot.check_alive()
        finally:
            bot.stop()
            result["log_errors"] = bot.errors()
        result["database_end"] = database_bytes(data_dir)
    finally:
        await fake.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    report(result, args)
    return result


def report(result: dict[str, Any], args: argparse.Namespace) -> None:
    run = result["run"]
    samples = run["samples"]
    rss = [s["rss_mb"] for s in samples]
    later = samples[len(samples) // 2:] or samples
    slope = ((later[-1]["rss_mb"] - later[0]["rss_mb"]) / (later[-1]["at_s"] - later[0]["at_s"])
             * 60 if len(later) > 1 else float("nan"))
    print(f"\n  sessions and memory: {args.sessions} stored sessions, real bot process, lean fake "
          "Bot API")
    end = result["database_end"]
    filled = result["database_filled"]
    print_table(("figure", "measured", "goal"), [
        ("start to first answer, empty database", f"{result['start_empty_s']:.2f} s", ""),
        (f"start to first answer, {args.sessions} sessions", f"{result['start_full_s']:.2f} s",
         f"≤ {GOAL_START_S:g} s"),
        ("RSS after start, empty database", fmt(result["rss_empty_mb"], " MB", 1), ""),
        (f"RSS after start, {args.sessions} sessions", fmt(result["rss_after_start_mb"], " MB", 1),
         f"≤ {GOAL_RSS_MB:.0f} MB"),
        (f"RSS during {args.run_seconds:g} s of traffic: min / max",
         f"{fmt(min(rss, default=None), ' MB', 1)} / {fmt(max(rss, default=None), ' MB', 1)}",
         f"≤ {GOAL_RSS_MB:.0f} MB"),
        ("RSS at the end / peak (VmHWM)", f"{fmt(result['rss_end_mb'], ' MB', 1)} / "
         f"{fmt(result['rss_peak_mb'], ' MB', 1)}", f"≤ {GOAL_RSS_MB:.0f} MB"),
        ("RSS trend over the second half of the run", fmt(slope, " MB/min", 2), "flat (≈ 0)"),
        ("database file, filled", fmt(filled["db"] / 2**20, " MB", 1),
         f"~{result['bytes_per_session']:.0f} B/session"),
        ("database file + WAL, after the run", f"{end['db'] / 2**20:.1f} MB + "
         f"{end['wal'] / 2**20:.1f} MB", ""),
        ("traffic: people / actions answered",
         f"{run['users']} / {run['actions']}", f"{run['stuck']} without an answer"),
        ("traffic: p50 / p95 action to answer", f"{fmt(run['latency_ms']['p50'], ' ms', 1)} / "
         f"{fmt(run['latency_ms']['p95'], ' ms', 1)}", ""),
        ("traffic: bot CPU per action", fmt(run["cpu_ms_per_action"], " ms", 2), ""),
    ])
    print(f"  RSS samples every {args.sample_every:g} s (MB): "
          + ", ".join(f"{s['rss_mb']:.1f}" for s in samples))
    states = result["template_states"]
    print(f"  fill: {result['fill_s']:.1f} s for {args.sessions} sessions "
          f"({result['templates']} templates from real conversations, {len(states)} flow states: "
          f"{', '.join(states[:6])}{' …' if len(states) > 6 else ''}); data on "
          f"{result['filesystem']}; {load_line()}")
    if result.get("log_errors"):
        print(f"  ! {len(result['log_errors'])} error line(s) in the bot's log, first: "
              f"{result['log_errors'][0][:200]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--run-seconds", type=float, default=120.0,
                        help="steady traffic after the start")
    parser.add_argument("--sample-every", type=float, default=15.0)
    parser.add_argument("--users-per-second", type=float, default=5.0,
                        help="people starting the path each second during the run")
    parser.add_argument("--capture-people", type=int, default=40,
                        help="people whose real sessions become the templates")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    write_results("sessions_rss", asyncio.run(measure(args)))


if __name__ == "__main__":
    main()
