"""Side by side: this bot against stock python-telegram-bot and stock aiogram 3, one lean fake.

    python -m benchmarks.side_by_side [--rounds 2] [--users 200] [--paced-seconds 20]
    python -m benchmarks.side_by_side --rounds 1 --paced-seconds 5       # a quick look
    python -m benchmarks.side_by_side --capture-texts   # refresh benchmarks/peers/texts.json

Three bots, each its own OS process started afresh (fresh data) for every round, all walking
the same 4-action path per user against the same fake Bot API (benchmarks/fake_telegram.py,
run inside this process): /start, "Jeg er 13–15 år", "Billeder og samtykke", "Tilbage til
menuen". The bots alternate (PTB, aiogram, this bot, PTB, aiogram, this bot, ...).

- stock PTB: benchmarks/peers/ptb_bot.py, the project's venv (same python-telegram-bot);
- stock aiogram: benchmarks/peers/aiogram_bot.py, benchmarks/.venv-peers (never the project's);
- this bot: `python -m bot run`, demo settings, a fresh data dir, its durable inbox and
  synchronous=FULL as shipped. Its outbox paces sends at Telegram's limits; the stock bots pace
  nothing, so the compared column runs it with SSPBOT_SEND_RATE=100000, and one more run (the
  "as deployed" line) keeps the default pacing.

Per run: start-up (spawn to the answer of a /start sent right after the spawn), then the
burst (all users at once, each next action right after the previous answer: actions per second
from the first action to the last answer), then the paced load (new users at a steady rate,
~0.3 s think time between actions: p50/p95 action to answer), the bot's CPU time from
/proc/<pid>/stat over each scenario, and its RSS after the runs. Latency is timed inside the
fake: from queueing the update to the arrival of the send or edit that answers it.

It prints a table of medians over the rounds with ratios, and writes every figure to
benchmarks/results/side_by_side.json. It prints; it never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Final, TextIO

from benchmarks.fake_telegram import Action, FakeTelegram
from sandbox.cli import DEMO_TOKEN, demo_environment

ROOT: Final = Path(__file__).resolve().parent.parent
BENCH: Final = ROOT / "benchmarks"
PEERS: Final = BENCH / "peers"
TEXTS: Final = PEERS / "texts.json"
RESULTS: Final = BENCH / "results" / "side_by_side.json"
LOGS: Final = BENCH / "results" / "logs"  # each run's bot log, kept for a look afterwards
PEERS_PYTHON: Final = BENCH / ".venv-peers" / "bin" / "python"
# The buttons pressed after /start, as issue 13 names them. texts.json keeps the path it was
# captured with; when content/ renames a button, capture again with --path (see main()).
ISSUE_PATH: Final = ("Jeg er 13–15 år", "Billeder og samtykke", "Tilbage til menuen")
FAST_SEND_RATE: Final = "100000"
POLL_TIMEOUT: Final = "10"  # the stock libraries' default long-poll timeout, for all three
STARTUP_USER: Final = 4_000_000
BURST_USERS: Final = 4_100_000
PACED_USERS: Final = 4_200_000
CLOCK_TICKS: Final = os.sysconf("SC_CLK_TCK")


# --- the contenders -------------------------------------------------------------------------


@dataclass(frozen=True)
class Contender:
    key: str
    title: str
    argv: tuple[str, ...]
    environment: Callable[[str, Path], dict[str, str]]


def _peer_environment(url: str, data_dir: Path) -> dict[str, str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "TELEGRAM_BOT_TOKEN": DEMO_TOKEN, "TELEGRAM_API_URL": url}


def _bot_environment(send_rate: str | None) -> Callable[[str, Path], dict[str, str]]:
    def environment(url: str, data_dir: Path) -> dict[str, str]:
        env = demo_environment(url, data_dir)
        env["SSPBOT_POLL_TIMEOUT"] = POLL_TIMEOUT
        env["SSPBOT_WEB_PORT"] = "0"  # the bot's own web server, when it has one: any free port
        env.pop("SSPBOT_SEND_RATE", None)
        if send_rate is not None:
            env["SSPBOT_SEND_RATE"] = send_rate
        return env
    return environment


def contenders(peers_python: Path) -> dict[str, Contender]:
    bot = (sys.executable, "-m", "bot", "run")
    return {
        "ptb": Contender("ptb", "stock PTB", (sys.executable, str(PEERS / "ptb_bot.py")),
                         _peer_environment),
        "aiogram": Contender("aiogram", "stock aiogram",
                             (str(peers_python), str(PEERS / "aiogram_bot.py")),
                             _peer_environment),
        "bot": Contender("bot", "this bot", bot, _bot_environment(FAST_SEND_RATE)),
        "bot_deployed": Contender("bot_deployed", "this bot, paced as deployed", bot,
                                  _bot_environment(None)),
    }


# --- what the OS says about a process -------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process (all its threads), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) in MB, from /proc/<pid>/status."""
    found: dict[str, float] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0]) / 1024
    return found


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores, from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


# --- one scenario ---------------------------------------------------------------------------


@dataclass
class Scenario:
    users: int
    actions: int = 0
    answered: int = 0
    stuck_users: int = 0
    wall_s: float = 0.0
    actions_per_s: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    bot_cpu_s: float = 0.0
    bot_cpu_ms_per_action: float = 0.0
    bot_cpu_share: float = 0.0  # of one core, over the wall time
    fake_cpu_share: float = 0.0  # the fake and this driver, of one core
    machine_busy: float = 0.0  # of all cores


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an ordered list."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


async def answered(action: Action, patience: float) -> bool:
    try:
        await asyncio.wait_for(action.future, patience)
    except TimeoutError:
        return False
    return True


async def walk(fake: FakeTelegram, user: int, labels: Sequence[str], actions: list[Action],
               patience: float, think: Callable[[], float] | None = None) -> bool:
    """One user's path: /start and three presses, each after the previous answer."""
    action = fake.send_text(user, "/start")
    actions.append(action)
    if not await answered(action, patience):
        return False
    for label in labels:
        if think is not None:
            await asyncio.sleep(think())
        try:
            action = fake.press(user, label)
        except LookupError:
            return False
        actions.append(action)
        if not await answered(action, patience):
            return False
    return True


class Measure:
    """CPU of the bot, of this process and of the machine over a scenario."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.bot = cpu_seconds(pid)
        self.own = own_cpu_seconds()
        self.machine = machine_ticks()
        self.started = time.perf_counter()
        self.ended: float | None = None

    def stop_clock(self) -> None:
        """The last answer is in; CPU is read a little later, to count the work right after."""
        self.ended = time.perf_counter()

    def finish(self, scenario: Scenario, actions: list[Action]) -> Scenario:
        elapsed = (self.ended or time.perf_counter()) - self.started
        busy, total = machine_ticks()
        done = [a for a in actions if a.answered is not None]
        scenario.actions = len(actions)
        scenario.answered = len(done)
        scenario.bot_cpu_s = cpu_seconds(self.pid) - self.bot
        scenario.bot_cpu_ms_per_action = 1000 * scenario.bot_cpu_s / max(1, len(done))
        # Shares over the scenario's time, not the settling after it (so slightly high).
        scenario.bot_cpu_share = scenario.bot_cpu_s / elapsed
        scenario.fake_cpu_share = (own_cpu_seconds() - self.own) / elapsed
        scenario.machine_busy = (busy - self.machine[0]) / max(1, total - self.machine[1])
        if done:
            scenario.wall_s = max(a.answered or 0.0 for a in done) - min(a.started for a in done)
            scenario.actions_per_s = len(done) / scenario.wall_s if scenario.wall_s else 0.0
            ms = sorted(1000 * (a.seconds or 0.0) for a in done)
            scenario.latency_ms = {"p50": percentile(ms, 0.50), "p90": percentile(ms, 0.90),
                                   "p95": percentile(ms, 0.95), "p99": percentile(ms, 0.99),
                                   "max": ms[-1]}
        return scenario


async def burst(fake: FakeTelegram, pid: int, labels: Sequence[str], users: int,
                patience: float, settle: float) -> Scenario:
    actions: list[Action] = []
    measure = Measure(pid)
    results = await asyncio.gather(*(walk(fake, BURST_USERS + i, labels, actions, patience)
                                     for i in range(users)))
    measure.stop_clock()
    await asyncio.sleep(settle)  # CPU the bot spends right after its last answer counts too
    scenario = measure.finish(Scenario(users), actions)
    scenario.stuck_users = results.count(False)
    return scenario


async def paced(fake: FakeTelegram, pid: int, labels: Sequence[str], rate: float,
                seconds: float, think: float, patience: float, settle: float,
                seed: int) -> Scenario:
    rng = random.Random(seed)
    actions: list[Action] = []
    users = max(1, round(rate * seconds))
    measure = Measure(pid)
    start = time.perf_counter()
    walks: list[asyncio.Task[bool]] = []
    for index in range(users):
        await asyncio.sleep(max(0.0, start + index / rate - time.perf_counter()))
        walks.append(asyncio.create_task(walk(
            fake, PACED_USERS + index, labels, actions, patience,
            think=lambda: rng.uniform(0.67 * think, 1.33 * think))))
    results = await asyncio.gather(*walks)
    measure.stop_clock()
    await asyncio.sleep(settle)
    scenario = measure.finish(Scenario(users), actions)
    scenario.stuck_users = results.count(False)
    return scenario


# --- one bot, one round ---------------------------------------------------------------------


class BotDied(RuntimeError):
    pass


@dataclass
class Run:
    bot: str
    round: int
    startup_s: float | None = None
    burst: Scenario | None = None
    paced: Scenario | None = None
    rss_mb: float | None = None
    peak_rss_mb: float | None = None
    path_texts: list[dict[str, Any]] = field(default_factory=list)
    exit_code: int | None = None
    log_errors: list[str] = field(default_factory=list)
    log: str = ""
    failure: str | None = None
    profile: dict[str, Any] | None = None


class Process:
    """A bot's process, its log, and a clean stop."""

    def __init__(self, contender: Contender, url: str, workdir: Path) -> None:
        self.log_path = workdir / "bot.log"
        env = contender.environment(url, workdir / "data")
        with self.log_path.open("wb") as log:  # the child keeps its own handle
            self.popen = subprocess.Popen(contender.argv, env=env, cwd=ROOT, stdout=log,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.pid = self.popen.pid

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            tail = self.tail()
            last = tail.splitlines()[-1] if tail else ""
            raise BotDied(f"the bot exited with {self.popen.returncode}: {last}\n{tail}")

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    async def stop(self) -> int | None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            for _ in range(150):
                if self.popen.poll() is not None:
                    break
                await asyncio.sleep(0.1)
            else:
                self.popen.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(5)
        return self.popen.returncode

    def errors(self) -> list[str]:
        """Log lines that speak of an error, at most a few, for the report."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        hits = [line for line in lines
                if any(word in line for word in ("ERROR", "Traceback", "CRITICAL", "Error:"))]
        return hits[:20]


async def until_answered(action: Action, process: Process, patience: float) -> None:
    deadline = time.perf_counter() + patience
    while not action.future.done():
        process.check_alive()
        if time.perf_counter() > deadline:
            raise BotDied(f"no answer within {patience:.0f}s:\n{process.tail()}")
        await asyncio.wait({action.future}, timeout=0.05)


def screen_of(message: dict[str, Any]) -> dict[str, Any]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {"text": message.get("text", ""),
            "buttons": [[button.get("text", "") for button in row] for row in rows]}


async def startup_and_path(fake: FakeTelegram, process: Process, spawned: float,
                           labels: Sequence[str], run: Run, patience: float) -> None:
    """Start-up time, then the startup user walks the path; keep what the bot said."""
    first = fake.send_text(STARTUP_USER, "/start")
    await until_answered(first, process, patience)
    run.startup_s = (first.answered or 0.0) - spawned
    run.path_texts.append(screen_of(first.future.result()))
    for label in labels:
        action = fake.press(STARTUP_USER, label)
        await until_answered(action, process, patience)
        run.path_texts.append(screen_of(action.future.result()))


async def run_one(fake: FakeTelegram, contender: Contender, round_no: int, args: argparse.Namespace,
                  workroot: Path, profile: bool) -> Run:
    fake.reset()
    run = Run(contender.key, round_no)
    workdir = workroot / f"{contender.key}-{round_no}"
    workdir.mkdir()
    spawned = time.perf_counter()
    process = Process(contender, fake.url, workdir)
    profiler: Profiler | None = None
    try:
        await startup_and_path(fake, process, spawned, args.path, run, args.timeout)
        await asyncio.sleep(args.settle)
        if profile:
            LOGS.mkdir(parents=True, exist_ok=True)
            profiler = Profiler(process.pid, LOGS / f"{contender.key}-{round_no}.profile.txt",
                                Path(args.peers_python))
            await asyncio.sleep(0.5)  # attached before the first action
        run.burst = await burst(fake, process.pid, args.path, args.users, args.timeout,
                                args.settle)
        if profiler is not None:
            run.profile = profiler.finish()
            profiler = None
        process.check_alive()
        run.paced = await paced(fake, process.pid, args.path, args.paced_rate,
                                args.paced_seconds, args.think, args.timeout, args.settle,
                                seed=round_no)
        process.check_alive()
        memory = memory_mb(process.pid)
        run.rss_mb, run.peak_rss_mb = memory.get("VmRSS"), memory.get("VmHWM")
    except BotDied as error:
        run.failure = str(error)
    except LookupError as error:  # the bot showed no such button: content/ renamed it?
        run.failure = (f"{error}; if content/ renamed it, give the path with --path and "
                       "refresh the peers' texts with --capture-texts")
    finally:
        if profiler is not None:
            profiler.finish()
        run.exit_code = await process.stop()
        run.log_errors = process.errors()
        LOGS.mkdir(parents=True, exist_ok=True)
        kept = LOGS / f"{contender.key}-{round_no}.log"
        shutil.copy(process.log_path, kept)
        run.log = str(kept.relative_to(ROOT))
    return run


# --- a look inside the real bot: py-spy, if it is installed ---------------------------------


def py_spy(peers_python: Path) -> str | None:
    beside = peers_python.parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


class Profiler:
    """py-spy attached to the bot while the burst runs; top functions by samples."""

    def __init__(self, pid: int, output: Path, peers_python: Path) -> None:
        binary = py_spy(peers_python)
        if binary is None:
            raise RuntimeError("py-spy is not installed; run `make bench-profile`")
        self.output = output
        self.popen = subprocess.Popen(
            # Blocking mode (whole stacks) slows the bot a little: its figures are not counted.
            [binary, "record", "--pid", str(pid), "--rate", "200",
             "--format", "raw", "--output", str(output)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def finish(self) -> dict[str, Any]:
        self.popen.send_signal(signal.SIGINT)
        try:
            self.popen.wait(30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return {}
        return summarize_profile(self.output)


def summarize_profile(path: Path, top: int = 15) -> dict[str, Any]:
    """Collapsed stacks -> samples per function, inclusive (cumulative) and self."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    if not path.exists():
        return {}
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_function(frame) for frame in stack.split(";")]
        frames = [f for f in frames if f]
        for name in set(frames) - PLUMBING:
            inclusive[name] = inclusive.get(name, 0) + count
        if frames:
            own[frames[-1]] = own.get(frames[-1], 0) + count

    def ranked(table: dict[str, int]) -> list[tuple[str, float]]:
        best = sorted(table.items(), key=lambda item: -item[1])[:top]
        return [(name, 100 * count / max(1, total)) for name, count in best]

    return {"samples": total, "cumulative": ranked(inclusive), "self": ranked(own)}


# Frames under every sample (the interpreter, the event loop, the bot's entry): left out of the
# cumulative ranking, where they would only fill the top.
PLUMBING: Final = frozenset({
    "_run_module_as_main (<frozen runpy>)", "_run_code (<frozen runpy>)",
    "<module> (bot/__main__.py)", "main (bot/cli.py)", "_run (bot/cli.py)",
    "run (asyncio/runners.py)", "Runner.run (asyncio/runners.py)",
    "BaseEventLoop.run_until_complete (asyncio/base_events.py)",
    "BaseEventLoop.run_forever (asyncio/base_events.py)",
    "BaseEventLoop._run_once (asyncio/base_events.py)", "Handle._run (asyncio/events.py)",
})


def _function(frame: str) -> str:
    """`name (path/to/file.py:123)` -> `name (file.py)`, short and line-free."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rpartition(":")[0] or where.rstrip(")")
    for marker in ("site-packages/", "lib/python3.11/", str(ROOT) + "/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where})" if where else name


# --- the report -----------------------------------------------------------------------------


def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


FIGURES: Final[tuple[tuple[str, str, str, Callable[[Run], float | None], bool], ...]] = (
    # key, label, unit, value of a run, higher is better
    ("burst_actions_per_s", "burst: actions per second", "/s",
     lambda r: r.burst.actions_per_s if r.burst else None, True),
    ("burst_p95_ms", "burst: p95 action to answer", "ms",
     lambda r: r.burst.latency_ms.get("p95") if r.burst else None, False),
    ("paced_p50_ms", "paced: p50 action to answer", "ms",
     lambda r: r.paced.latency_ms.get("p50") if r.paced else None, False),
    ("paced_p95_ms", "paced: p95 action to answer", "ms",
     lambda r: r.paced.latency_ms.get("p95") if r.paced else None, False),
    ("burst_cpu_ms_per_action", "bot CPU per action, burst", "ms",
     lambda r: r.burst.bot_cpu_ms_per_action if r.burst else None, False),
    ("paced_cpu_ms_per_action", "bot CPU per action, paced", "ms",
     lambda r: r.paced.bot_cpu_ms_per_action if r.paced else None, False),
    ("rss_mb", "RSS after the runs", "MB", lambda r: r.rss_mb, False),
    ("startup_s", "start to first answer", "s", lambda r: r.startup_s, False),
)


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "/s":
        return f"{value:.0f}/s"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def medians(runs: list[Run], key: str) -> dict[str, float | None]:
    mine = [r for r in runs if r.bot == key and r.failure is None]
    return {name: median([value(r) for r in mine]) for name, _, _, value, _ in FIGURES}


def ratio(mine: float | None, theirs: float | None) -> float | None:
    return mine / theirs if mine is not None and theirs else None


def report(runs: list[Run], args: argparse.Namespace, out: TextIO) -> dict[str, Any]:
    table = {key: medians(runs, key) for key in ("ptb", "aiogram", "bot", "bot_deployed")}
    ratios = {
        "bot/ptb": {name: ratio(table["bot"][name], table["ptb"][name]) for name in table["bot"]},
        "bot/aiogram": {name: ratio(table["bot"][name], table["aiogram"][name])
                        for name in table["bot"]},
    }
    header = ("figure", "stock PTB", "stock aiogram", "this bot*", "this bot / PTB",
              "this bot / aiogram")
    rows: list[tuple[str, ...]] = [header]
    for name, label, unit, _, higher in FIGURES:
        rows.append((
            f"{label} ({'higher' if higher else 'lower'} is better)",
            _format(table["ptb"][name], unit), _format(table["aiogram"][name], unit),
            _format(table["bot"][name], unit),
            *(f"{r:.2f}×" if (r := ratios[pair][name]) is not None else "–"
              for pair in ("bot/ptb", "bot/aiogram")),
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    rounds = max((r.round for r in runs), default=0)
    print(f"\nside by side: {args.users} users at once (burst), then {args.paced_rate:g} new users"
          f" per second for {args.paced_seconds:g} s (paced, ~{args.think:g} s think time);\n"
          f"path /start → {' → '.join(args.path)}; medians over {rounds} round(s), each bot a"
          " fresh process with fresh data, against one lean fake Bot API", file=out)
    for index, row in enumerate(rows):
        print("  " + "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                               for i, cell in enumerate(row)), file=out)
        if index == 0:
            print("  " + "  ".join("-" * w for w in widths), file=out)
    print(f"  * this bot with SSPBOT_SEND_RATE={FAST_SEND_RATE}: its outbox's overall pacing "
          "lifted, because the stock bots pace\n    nothing; still ~1 send/s per chat with "
          "bursts of 10, durable inbox, synchronous=FULL, sealed sessions.", file=out)
    deployed = table["bot_deployed"]
    if any(v is not None for v in deployed.values()):
        print("  this bot as deployed (SSPBOT_SEND_RATE default, 30 sends/s overall): burst "
              f"{_format(deployed['burst_actions_per_s'], '/s')}, burst p95 "
              f"{_format(deployed['burst_p95_ms'], 'ms')}, paced p95 "
              f"{_format(deployed['paced_p95_ms'], 'ms')}, CPU "
              f"{_format(deployed['burst_cpu_ms_per_action'], 'ms')}/"
              f"{_format(deployed['paced_cpu_ms_per_action'], 'ms')} per action "
              "(burst/paced)", file=out)
    titles = {"ptb": "stock PTB", "aiogram": "stock aiogram", "bot": "this bot",
              "bot_deployed": "this bot as deployed"}
    shares = {key: max((r.burst.fake_cpu_share for r in runs if r.bot == key and r.burst),
                       default=None) for key in titles}
    print("  the fake and driver (one process) used at most " + ", ".join(
        f"{100 * s:.0f}% ({titles[k]})" for k, s in shares.items() if s is not None)
        + " of one core during the bursts", file=out)
    reference = next((r.path_texts for r in runs if r.bot == "bot" and r.path_texts), None)
    for key in ("ptb", "aiogram"):
        mine = [r.path_texts for r in runs if r.bot == key and r.path_texts]
        if reference is not None and mine:
            same = all(texts == reference for texts in mine)
            said = "the same texts and buttons as" if same else "NOT the same texts or buttons as"
            print(f"  {titles[key]} said {said} this bot on the path", file=out)
            if not same:
                print("    (content/ changed since benchmarks/peers/texts.json was captured: "
                      "`python -m benchmarks.side_by_side --capture-texts` refreshes it)",
                      file=out)
    for run in runs:
        if run.failure:
            print(f"  ! {titles[run.bot]}, round {run.round}: {run.failure.splitlines()[0]}"
                  f" (log: {run.log})", file=out)
        stuck = sum(s.stuck_users for s in (run.burst, run.paced) if s)
        if stuck:
            print(f"  ! {titles[run.bot]}, round {run.round}: {stuck} users got no answer "
                  f"within {args.timeout:g}s", file=out)
        if run.log_errors:
            print(f"  ! {titles[run.bot]}, round {run.round}: {len(run.log_errors)} error line(s)"
                  f" in its log, first: {run.log_errors[0][:160]} (log: {run.log})", file=out)
    return {"medians": table, "ratios": ratios}


def print_run(run: Run, title: str) -> None:
    if run.failure:
        print(f"  round {run.round} · {title}: FAILED: {run.failure.splitlines()[0]}", flush=True)
        return
    assert run.burst is not None and run.paced is not None
    print(f"  round {run.round} · {title}: start {_format(run.startup_s, 's')}, burst "
          f"{_format(run.burst.actions_per_s, '/s')} (p95 "
          f"{_format(run.burst.latency_ms.get('p95'), 'ms')}, bot CPU "
          f"{100 * run.burst.bot_cpu_share:.0f}% of a core, fake "
          f"{100 * run.burst.fake_cpu_share:.0f}%), paced p50/p95 "
          f"{_format(run.paced.latency_ms.get('p50'), 'ms')}/"
          f"{_format(run.paced.latency_ms.get('p95'), 'ms')}, CPU/action "
          f"{_format(run.burst.bot_cpu_ms_per_action, 'ms')}/"
          f"{_format(run.paced.bot_cpu_ms_per_action, 'ms')}, RSS "
          f"{_format(run.rss_mb, 'MB')}", flush=True)


def print_profile(profile: dict[str, Any], out: TextIO) -> None:
    if not profile:
        print("\n  (no profile: py-spy gave nothing)", file=out)
        return
    print(f"\nthis bot under the burst, py-spy, {profile['samples']} samples "
          "(share of samples; cumulative = in the function or below it):", file=out)
    for title, key in (("cumulative", "cumulative"), ("self", "self")):
        print(f"  top {len(profile[key])} by {title}:", file=out)
        for name, share in profile[key]:
            print(f"    {share:5.1f}%  {name}", file=out)


# --- the whole benchmark --------------------------------------------------------------------


async def side_by_side(args: argparse.Namespace, with_aiogram: bool) -> None:
    bots = contenders(Path(args.peers_python))
    order = ["ptb", "aiogram", "bot"]
    if not with_aiogram:
        print(f"  ({args.peers_python} is missing: no aiogram column; `make bench` makes it)")
        order.remove("aiogram")
    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"  note: load average {load:.2f} before the start; other work on this machine "
              "shifts the figures")
    fake = FakeTelegram()
    await fake.start()
    runs: list[Run] = []
    shutil.rmtree(LOGS, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="sspbot-side-by-side-") as tmp:
        try:
            for round_no in range(1, args.rounds + 1):
                keys = [*order]
                if round_no <= args.deployed_rounds:
                    keys.append("bot_deployed")
                for key in keys:
                    run = await run_one(fake, bots[key], round_no, args, Path(tmp), False)
                    print_run(run, bots[key].title)
                    runs.append(run)
            if args.profile:  # one more run of this bot, py-spy attached; not in the medians
                watched = replace(bots["bot"], key="bot_profiled", title="this bot, profiled")
                run = await run_one(fake, watched, 1, args, Path(tmp), True)
                print_run(run, watched.title)
                runs.append(run)
            summary = report(runs, args, sys.stdout)
            if args.profile:
                print_profile(run.profile or {}, sys.stdout)
        finally:
            await fake.stop()
    write_results(runs, summary, args)


def write_results(runs: list[Run], summary: dict[str, Any], args: argparse.Namespace) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {key: value for key, value in vars(args).items() if key != "capture_texts"},
        "environment": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "machine": platform.machine(), "load_average": os.getloadavg(),
                        "versions": versions(Path(args.peers_python))},
        "path": ["/start", *args.path],
        **summary,
        "runs": [asdict(run) for run in runs],
    }
    RESULTS.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    print(f"\n  raw figures: {RESULTS.relative_to(ROOT)}")


def versions(peers_python: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, python, module in (("python-telegram-bot", sys.executable, "telegram"),
                                 ("aiogram", str(peers_python), "aiogram")):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            found[name] = subprocess.run(
                [python, "-c", f"import {module}; print({module}.__version__)"],
                capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    return found


# --- the peers' texts, captured from the real bot -------------------------------------------


async def capture_texts(args: argparse.Namespace) -> None:
    """Run the real bot once, walk the path, and write what it said to peers/texts.json."""
    fake = FakeTelegram()
    await fake.start()
    with tempfile.TemporaryDirectory(prefix="sspbot-capture-") as tmp:
        process = Process(contenders(Path(args.peers_python))["bot"], fake.url, Path(tmp))
        run = Run("bot", 0)
        try:
            await startup_and_path(fake, process, time.perf_counter(), args.path, run,
                                   args.timeout)
        finally:
            await process.stop()
            await fake.stop()
    names: list[str] = []
    screens: dict[str, dict[str, Any]] = {}
    for index, shown in enumerate(run.path_texts):
        same = next((name for name in names if screens[name]["_shown"] == shown), None)
        named = ("start", "menu", "images", "menu_again")
        names.append(same or (named[index] if index < len(named) else f"screen_{index}"))
        if same is None:
            screens[names[-1]] = {"_shown": shown}
    for index, name in enumerate(names):
        shown = screens[name]["_shown"]
        target = names[index + 1] if index + 1 < len(names) else None
        label = args.path[index] if index < len(args.path) else None
        keyboard = screens[name].get("keyboard") or [
            [{"label": text, "goto": None} for text in row] for row in shown["buttons"]]
        for row in keyboard:
            for button in row:
                if button["label"] == label:
                    button["goto"] = target
        screens[name].update(text=shown["text"], keyboard=keyboard)
    for screen in screens.values():
        del screen["_shown"]
    TEXTS.write_text(json.dumps({
        "about": "The real bot's texts and buttons on the benchmark's path, captured by "
                 "`python -m benchmarks.side_by_side --capture-texts`; the stock peer bots "
                 "show them so that all three say the same. A button's goto names the screen "
                 "it leads to (null: off the path). Texts are HTML.",
        "path": list(args.path),
        "first": names[0],
        "screens": screens,
    }, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {TEXTS.relative_to(ROOT)}: screens {', '.join(screens)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2, help="rounds, bots alternating")
    parser.add_argument("--users", type=int, default=200, help="users in the burst")
    parser.add_argument("--paced-rate", type=float, default=10.0, help="new users per second")
    parser.add_argument("--paced-seconds", type=float, default=20.0)
    parser.add_argument("--think", type=float, default=0.3, help="seconds between actions")
    parser.add_argument("--deployed-rounds", type=int, default=1,
                        help="rounds that also run this bot with its default pacing")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait an answer")
    parser.add_argument("--settle", type=float, default=0.5,
                        help="seconds between scenarios (and before reading CPU)")
    parser.add_argument("--peers-python", default=str(PEERS_PYTHON),
                        help="python of the venv that has aiogram")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy on this bot during the first burst")
    parser.add_argument("--capture-texts", action="store_true",
                        help="write benchmarks/peers/texts.json from the real bot and stop")
    parser.add_argument("--path", nargs="+", metavar="LABEL",
                        help="the buttons pressed after /start (default: the path texts.json "
                             "was captured with); capture again after changing it")
    args = parser.parse_args(argv)
    if not args.path:
        with contextlib.suppress(OSError, ValueError, KeyError):
            args.path = json.loads(TEXTS.read_text(encoding="utf-8"))["path"]
        args.path = list(args.path or ISSUE_PATH)
    if args.capture_texts:
        asyncio.run(capture_texts(args))
    else:
        asyncio.run(side_by_side(args, Path(args.peers_python).exists()))


if __name__ == "__main__":
    main()
