"""The web chat's capacity: many simulated browsers against the real bot (issue 10, "Measured").

    python -m benchmarks.web_capacity [--conversations 2000] [--rate 200] [--profile]
    python -m benchmarks.web_capacity --conversations 300 --rate-seconds 5 --saturation-seconds 5

The real bot runs as its own process (`python -m bot run`, demo settings, fresh data, durable
store as shipped), polling the lean fake Bot API of benchmarks/fake_telegram.py (run inside this
process; the web chat needs no Telegram, but the bot polls it). Each simulated browser does what
bot/web/static/chat.js does: a token of its own (32 random bytes, base64url) in `X-Chat-Token`,
its own live `GET /api/events` stream read as server-sent events (opened again at once when the
server ends it, as the page does), numbered actions `POST /api/action`, and `POST /api/ack` 0.3 s
after the last message it was shown. A conversation: `/start 13-15`, then the first button of the
newest message, pressed a few times (a choice carries the message's `step` and the button's
`choice`), then `/start 13-15` again.

The web chat's limits are settings, and they are kept out of the measurement: each browser has
an address of its own in `X-Forwarded-For` with SSPBOT_WEB_TRUST_PROXY=true (per-address limits),
and SSPBOT_WEB_CONVERSATION_BURST/RATE are raised (a simulated conversation acts faster than a
person could at saturation); any 429 is still counted and printed.

1. Ramp: browsers open their stream and start a conversation, `--step` at a time, up to
   `--conversations`; then all of them are held for `--hold` seconds (a keep-alive passes). Held
   = streams open in the browsers and as the bot's /healthz counts them; the bot's RSS from /proc.
2. Fixed rate: actions offered at `--rate` per second (open loop: whether or not earlier ones are
   answered) for `--rate-seconds`, spread over the held conversations.
3. Saturation: `--concurrency` actions always in flight (closed loop), for
   `--saturation-seconds` each: actions per second at the maximum.

Latency is from just before the action's POST to the arrival, on that browser's stream, of the
first message with a newer id. CPU per action is the bot process's CPU time from /proc (acks, the
streams' keep-alives and the Telegram polling included) over the actions answered in the phase.
Figures are printed, never asserted; raw figures go to benchmarks/results/web_capacity.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import shutil
import tempfile
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import aiohttp

from benchmarks.common import (
    BotProcess,
    Breakdown,
    Profiler,
    breakdown_text,
    filesystem_of,
    fmt,
    load_line,
    own_cpu_seconds,
    print_profile,
    print_table,
    spread,
    write_results,
)
from benchmarks.fake_telegram import FakeTelegram
from sandbox.cli import demo_environment

START: Final = "/start 13-15"
PRESSES: Final = 4  # presses of the first button after each /start
ACK_AFTER: Final = 0.3  # seconds, as chat.js
STREAM_QUIET: Final = 45.0  # no byte for this long: the line is dead (chat.js: 40 s)
LIFTED: Final = 1000  # per-conversation limits (burst, per second) for the capacity runs
GOAL_HELD: Final = 2000
GOAL_RSS_MB: Final = 250.0
GOAL_P95_MS: Final = 50.0
GOAL_RATE: Final = 200.0


def address(index: int) -> str:
    """A distinct address per browser, as a reverse proxy would report it."""
    return f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}"


@dataclass
class Tally:
    """What went wrong, across all browsers."""

    statuses: Counter[str] = field(default_factory=Counter)  # non-202 answers to actions
    no_reply: int = 0  # accepted, but no message on the stream within the patience
    post_errors: Counter[str] = field(default_factory=Counter)
    stream_opened: int = 0
    stream_ended: int = 0  # the server closed the stream (it does after 300 s): opened again
    stream_failed: Counter[str] = field(default_factory=Counter)
    ack_failed: int = 0
    acks: int = 0
    messages: int = 0


class Browser:
    """One simulated page: its token, its live stream, its numbered actions."""

    def __init__(self, index: int, http: aiohttp.ClientSession, base: str, tally: Tally,
                 patience: float) -> None:
        self.index = index
        self.http = http
        self.base = base
        self.tally = tally
        self.patience = patience
        self.headers = {"X-Chat-Token": secrets.token_urlsafe(32),
                        "X-Forwarded-For": address(index)}
        self.seq = 0
        self.last_id = 0
        self.last: dict[str, Any] | None = None
        self.presses_left = 0
        self.connected = asyncio.Event()
        self.closing = False
        self._waiting_after: int | None = None
        self._waiter: asyncio.Future[float] | None = None
        self._ack: asyncio.TimerHandle | None = None
        self._ack_tasks: set[asyncio.Task[None]] = set()
        self.stream: asyncio.Task[None] | None = None

    # --- the live stream -------------------------------------------------------------

    def open(self) -> None:
        self.stream = asyncio.create_task(self._listen(), name=f"stream-{self.index}")

    async def _listen(self) -> None:
        wait = 1.0
        while not self.closing:
            try:
                async with self.http.get(
                        f"{self.base}/api/events", params={"after": str(self.last_id)},
                        headers=self.headers, timeout=aiohttp.ClientTimeout(
                            total=None, sock_connect=30, sock_read=STREAM_QUIET)) as response:
                    if response.status != 200:
                        raise ConnectionError(f"status {response.status}")
                    self.tally.stream_opened += 1
                    self.connected.set()
                    wait = 1.0
                    while True:
                        try:
                            block = await response.content.readuntil(b"\n\n")
                        except ValueError:  # a block longer than the reader's limit
                            self.tally.stream_failed["block too long"] += 1
                            break
                        if not block:
                            break
                        self._block(block)
                self.connected.clear()
                if not self.closing:
                    self.tally.stream_ended += 1
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.connected.clear()
                if self.closing:
                    return
                self.tally.stream_failed[type(error).__name__ + (
                    f": {error}" if isinstance(error, ConnectionError) else "")] += 1
                await asyncio.sleep(wait)
                wait = min(2 * wait, 10.0)

    def _block(self, block: bytes) -> None:
        if block.startswith(b":"):
            return  # a keep-alive
        event_id = None
        data = b""
        for line in block.split(b"\n"):
            if line.startswith(b"id: "):
                event_id = int(line[4:])
            elif line.startswith(b"data: "):
                data += line[6:]
        if event_id is None or event_id <= self.last_id:
            return
        arrived = time.perf_counter()
        self.last_id = event_id
        message = json.loads(data)
        self.tally.messages += 1
        if message.get("kind") == "message":
            self.last = message
        waiter = self._waiter
        if waiter is not None and not waiter.done() and event_id > (self._waiting_after or 0):
            waiter.set_result(arrived)
        if self._ack is None:
            self._ack = asyncio.get_running_loop().call_later(ACK_AFTER, self._acknowledge)

    def _acknowledge(self) -> None:
        self._ack = None
        task = asyncio.create_task(self._post_ack(self.last_id))
        self._ack_tasks.add(task)
        task.add_done_callback(self._ack_tasks.discard)

    async def _post_ack(self, upto: int) -> None:
        try:
            async with self.http.post(f"{self.base}/api/ack", json={"upto": upto},
                                      headers=self.headers) as response:
                await response.read()
                self.tally.acks += 1
                if response.status != 200:
                    self.tally.ack_failed += 1
        except (aiohttp.ClientError, TimeoutError):
            self.tally.ack_failed += 1

    # --- what the person does --------------------------------------------------------

    def next_action(self) -> dict[str, Any]:
        last = self.last
        if self.presses_left > 0 and last and last.get("buttons") and last["buttons"][0]:
            self.presses_left -= 1
            button = last["buttons"][0][0]
            return {"kind": "choice", "value": button["choice"], "step": last.get("step")}
        self.presses_left = PRESSES
        return {"kind": "text", "value": START, "step": None}

    async def act(self) -> float | None:
        """The next action; seconds from the POST to the reply on the stream, or None."""
        self.seq += 1
        body = {"seq": self.seq, **self.next_action()}
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiter, self._waiting_after = future, self.last_id
        started = time.perf_counter()
        try:
            async with self.http.post(f"{self.base}/api/action", json=body,
                                      headers=self.headers) as response:
                await response.read()
                if response.status != 202:
                    self.tally.statuses[str(response.status)] += 1
                    return None
            try:
                arrived = await asyncio.wait_for(future, self.patience)
            except TimeoutError:
                self.tally.no_reply += 1
                return None
            return arrived - started
        except (aiohttp.ClientError, TimeoutError) as error:
            self.tally.post_errors[type(error).__name__] += 1
            return None
        finally:
            self._waiter = None

    async def close(self) -> None:
        self.closing = True
        if self._ack is not None:
            self._ack.cancel()
        if self.stream is not None:
            self.stream.cancel()
            await asyncio.gather(self.stream, return_exceptions=True)
        if self._ack_tasks:
            await asyncio.gather(*self._ack_tasks, return_exceptions=True)


# --- phases -----------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    offered_per_s: float | None = None
    actions: int = 0  # started
    answered: int = 0
    skipped: int = 0  # no idle conversation when one was due (fixed rate only)
    seconds: float = 0.0
    answered_per_s: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    bot_cpu_s: float = 0.0
    bot_cpu_ms_per_action: float = 0.0
    bot_cpu_share: float = 0.0  # of one core
    driver_cpu_share: float = 0.0  # this process: browsers and the fake, of one core
    rss_mb: float = 0.0
    bot_time: dict[str, float] = field(default_factory=dict)  # its event loop's wall time


class Meter:
    def __init__(self, bot: BotProcess) -> None:
        self.bot = bot
        self.cpu = bot.cpu()
        self.own = own_cpu_seconds()
        self.started = time.perf_counter()
        self.breakdown = Breakdown(bot.pid)

    def finish(self, phase: Phase, latencies: list[float], seconds: float) -> Phase:
        elapsed = time.perf_counter() - self.started
        phase.bot_time = self.breakdown.finish()
        phase.seconds = seconds
        phase.answered = len(latencies)
        phase.answered_per_s = len(latencies) / seconds if seconds else 0.0
        phase.latency_ms = spread([1000 * x for x in latencies])
        phase.bot_cpu_s = self.bot.cpu() - self.cpu
        phase.bot_cpu_ms_per_action = 1000 * phase.bot_cpu_s / max(1, phase.answered)
        phase.bot_cpu_share = phase.bot_cpu_s / elapsed
        phase.driver_cpu_share = (own_cpu_seconds() - self.own) / elapsed
        phase.rss_mb = self.bot.memory().get("VmRSS", 0.0)
        return phase


@dataclass
class Step:
    conversations: int
    held_browser: int
    held_server: int | None
    rss_mb: float
    seconds: float
    start_p95_ms: float


async def server_streams(http: aiohttp.ClientSession, base: str) -> int | None:
    """Open streams as the bot counts them (its health check says)."""
    try:
        async with http.get(f"{base}/healthz") as response:
            return int((await response.json())["web_streams"])
    except (aiohttp.ClientError, KeyError, ValueError, TimeoutError):
        return None


async def ramp(browsers: list[Browser], http: aiohttp.ClientSession, base: str,
               bot: BotProcess, args: argparse.Namespace, tally: Tally) -> list[Step]:
    steps: list[Step] = []
    gate = asyncio.Semaphore(args.ramp_concurrency)

    async def begin(browser: Browser) -> float | None:
        async with gate:
            browser.open()
            try:
                await asyncio.wait_for(browser.connected.wait(), args.patience)
            except TimeoutError:
                return None
            return await browser.act()

    for first in range(0, len(browsers), args.step):
        bot.check_alive()
        started = time.perf_counter()
        batch = browsers[first:first + args.step]
        results = await asyncio.gather(*(begin(b) for b in batch))
        seconds = time.perf_counter() - started
        await asyncio.sleep(0.5)
        held = sum(b.connected.is_set() for b in browsers[:first + len(batch)])
        steps.append(Step(first + len(batch), held, await server_streams(http, base),
                          bot.memory().get("VmRSS", 0.0), seconds,
                          spread([1000 * r for r in results if r is not None])["p95"]))
        step = steps[-1]
        print(f"    {step.conversations:5d} conversations: {step.held_browser} streams open "
              f"(bot counts {step.held_server}), bot RSS {step.rss_mb:.0f} MB, /start p95 "
              f"{fmt(step.start_p95_ms, ' ms')}, stream failures so far "
              f"{sum(tally.stream_failed.values())}", flush=True)
    return steps


async def fixed_rate(browsers: list[Browser], bot: BotProcess, rate: float,
                     seconds: float) -> Phase:
    idle = deque(browsers)
    latencies: list[float] = []
    phase = Phase(f"fixed {rate:g}/s", offered_per_s=rate)

    async def one(browser: Browser) -> None:
        result = await browser.act()
        if result is not None:
            latencies.append(result)
        idle.append(browser)

    meter = Meter(bot)
    tasks: list[asyncio.Task[None]] = []
    start = time.perf_counter()
    due = max(1, round(rate * seconds))
    for index in range(due):
        delay = start + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if not idle:
            phase.skipped += 1
            continue
        tasks.append(asyncio.create_task(one(idle.popleft())))
    issued = time.perf_counter() - start
    phase.actions = len(tasks)
    phase.offered_per_s = (due - 1) / issued if issued > 0 else rate  # as really offered
    await asyncio.gather(*tasks)
    took = time.perf_counter() - start
    await asyncio.sleep(ACK_AFTER + 0.4)  # the acks that follow the last replies count too
    return meter.finish(phase, latencies, took)


async def saturation(browsers: list[Browser], bot: BotProcess, concurrency: int,
                     seconds: float) -> Phase:
    idle = deque(browsers)
    latencies: list[float] = []
    phase = Phase(f"{concurrency} in flight")
    meter = Meter(bot)
    start = time.perf_counter()
    deadline = start + seconds
    started = 0

    async def worker() -> None:
        nonlocal started
        while time.perf_counter() < deadline and idle:
            browser = idle.popleft()
            started += 1
            result = await browser.act()
            if result is not None:
                latencies.append(result)
            idle.append(browser)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    took = time.perf_counter() - start
    phase.actions = started
    await asyncio.sleep(ACK_AFTER + 0.4)
    return meter.finish(phase, latencies, took)


# --- the whole measurement ------------------------------------------------------------------


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    print(f"\nweb chat capacity ({load_line()})", flush=True)
    fake = FakeTelegram()
    await fake.start()
    workdir = Path(tempfile.mkdtemp(prefix="sspbot-web-capacity-"))
    env = demo_environment(fake.url, workdir / "data")
    env.update({"SSPBOT_WEB_PORT": "0", "SSPBOT_WEB_TRUST_PROXY": "true",
                "SSPBOT_POLL_TIMEOUT": "10", "SSPBOT_LOG_LEVEL": "WARNING",
                # Out of the way: a conversation here acts faster than a person could.
                "SSPBOT_WEB_CONVERSATION_BURST": str(LIFTED), "SSPBOT_WEB_CONVERSATION_RATE":
                str(LIFTED)})
    bot = BotProcess(env, "web_capacity")
    tally = Tally()
    browsers: list[Browser] = []
    result: dict[str, Any] = {"config": vars(args), "filesystem": filesystem_of(workdir)}
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    http = aiohttp.ClientSession(connector=connector,
                                 timeout=aiohttp.ClientTimeout(total=args.patience + 30))
    profiler: Profiler | None = None
    try:
        bot.spawn()
        deadline = time.perf_counter() + 60
        while bot.web_port() is None:
            bot.check_alive()
            if time.perf_counter() > deadline:
                raise RuntimeError("the web chat did not start listening within 60 s")
            await asyncio.sleep(0.05)
        base = f"http://127.0.0.1:{bot.web_port()}"
        result["rss_idle_mb"] = bot.memory().get("VmRSS", 0.0)
        print(f"  bot started; RSS {result['rss_idle_mb']:.0f} MB idle; data on "
              f"{result['filesystem']}; ramping up to {args.conversations} conversations, "
              f"{args.step} at a time:", flush=True)
        browsers = [Browser(i, http, base, tally, args.patience)
                    for i in range(args.conversations)]
        steps = await ramp(browsers, http, base, bot, args, tally)
        result["ramp"] = [asdict(s) for s in steps]
        failed_before_hold = sum(tally.stream_failed.values())
        await asyncio.sleep(args.hold)
        held = sum(b.connected.is_set() for b in browsers)
        memory = bot.memory()
        result["held"] = {"browsers": held, "server": await server_streams(http, base),
                          "rss_mb": memory.get("VmRSS", 0.0), "hold_s": args.hold,
                          "stream_failures": sum(tally.stream_failed.values()),
                          "failures_during_hold":
                              sum(tally.stream_failed.values()) - failed_before_hold}
        print(f"  held {held} of {args.conversations} for {args.hold:g} s (bot counts "
              f"{result['held']['server']}); bot RSS {result['held']['rss_mb']:.0f} MB",
              flush=True)

        phases: list[Phase] = []
        bot.check_alive()
        phases.append(await fixed_rate(browsers, bot, args.rate, args.rate_seconds))
        print_phase(phases[-1])
        for concurrency in args.concurrency:
            bot.check_alive()
            await asyncio.sleep(1.0)
            if args.profile and concurrency == args.concurrency[-1]:
                profiler = Profiler(bot.pid, "web_capacity")
                await asyncio.sleep(0.5)
            phases.append(await saturation(browsers, bot, concurrency, args.saturation_seconds))
            print_phase(phases[-1])
            if profiler is not None:
                result["profile"] = profiler.finish()
                profiler = None
        result["phases"] = [asdict(p) for p in phases]
        held_after = sum(b.connected.is_set() for b in browsers)
        result["held_after"] = {"browsers": held_after,
                                "server": await server_streams(http, base)}
        memory = bot.memory()
        result["rss_end_mb"], result["rss_peak_mb"] = memory.get("VmRSS"), memory.get("VmHWM")
        bot.check_alive()
    finally:
        if profiler is not None:
            profiler.finish()
        await asyncio.gather(*(b.close() for b in browsers), return_exceptions=True)
        await http.close()
        result["exit_code"] = bot.stop()
        await fake.stop()
        result["log_errors"] = bot.errors()
        result["tally"] = {k: (dict(v) if isinstance(v, Counter) else v)
                           for k, v in vars(tally).items()}
        shutil.rmtree(workdir, ignore_errors=True)
    report(result, args)
    return result


def print_phase(phase: Phase) -> None:
    print(f"    {phase.name}: {phase.answered} answered in {phase.seconds:.1f} s = "
          f"{phase.answered_per_s:.0f}/s, p50 {fmt(phase.latency_ms['p50'], ' ms', 1)}, p95 "
          f"{fmt(phase.latency_ms['p95'], ' ms', 1)}, bot CPU {phase.bot_cpu_ms_per_action:.1f}"
          f" ms/action ({100 * phase.bot_cpu_share:.0f}% of a core), driver "
          f"{100 * phase.driver_cpu_share:.0f}% of a core", flush=True)
    print(f"      the bot's event loop: {breakdown_text(phase.bot_time)}", flush=True)


def report(result: dict[str, Any], args: argparse.Namespace) -> None:
    held = result.get("held", {})
    phases = result.get("phases", [])
    tally = result["tally"]
    fixed = phases[0] if phases else None
    best = max(phases[1:], key=lambda p: p["answered_per_s"], default=None)
    failures = sum(tally["stream_failed"].values())
    print(f"\n  web chat capacity: {args.conversations} simulated browsers (own token, own "
          "live stream, acks as chat.js), real bot process, lean fake Bot API")
    rows = [
        ("open conversations held with live streams", f"{held.get('browsers', '–')} "
         f"(bot counts {held.get('server', '–')})", f"{GOAL_HELD}"),
        ("streams failed (ramp + hold + load)", f"{failures}", "0"),
        (f"bot RSS at {held.get('browsers', '–')} held", fmt(held.get("rss_mb"), " MB"),
         f"≤ {GOAL_RSS_MB:.0f} MB"),
    ]
    if fixed:
        rows += [
            (f"offered {fixed['offered_per_s']:.0f}/s: answered per second",
             fmt(fixed["answered_per_s"], "/s"), f"{GOAL_RATE:.0f}/s"),
            (f"offered {fixed['offered_per_s']:.0f}/s: p50 / p95 action → reply",
             f"{fmt(fixed['latency_ms']['p50'], ' ms', 1)} / "
             f"{fmt(fixed['latency_ms']['p95'], ' ms', 1)}", f"p95 ≤ {GOAL_P95_MS:.0f} ms"),
            (f"offered {fixed['offered_per_s']:.0f}/s: bot CPU per action",
             fmt(fixed["bot_cpu_ms_per_action"], " ms", 1), ""),
        ]
    for phase in phases[1:]:
        rows += [
            (f"saturation, {phase['name']}: actions per second",
             fmt(phase["answered_per_s"], "/s"), "≥ 200/s" if phase is best else ""),
            (f"saturation, {phase['name']}: p50 / p95 action → reply",
             f"{fmt(phase['latency_ms']['p50'], ' ms', 1)} / "
             f"{fmt(phase['latency_ms']['p95'], ' ms', 1)}", ""),
            (f"saturation, {phase['name']}: bot CPU per action",
             fmt(phase["bot_cpu_ms_per_action"], " ms", 1),
             f"bot {100 * phase['bot_cpu_share']:.0f}% / driver "
             f"{100 * phase['driver_cpu_share']:.0f}% of a core"),
        ]
    rows.append(("bot RSS at the end / peak", f"{fmt(result.get('rss_end_mb'), ' MB')} / "
                 f"{fmt(result.get('rss_peak_mb'), ' MB')}", f"≤ {GOAL_RSS_MB:.0f} MB"))
    print_table(("figure", "measured", "goal"), rows)
    print("  limits kept out of the measurement: each browser its own X-Forwarded-For address "
          "with SSPBOT_WEB_TRUST_PROXY=true,\n  SSPBOT_WEB_CONVERSATION_BURST/RATE="
          f"{LIFTED}/{LIFTED}.  Refused actions by status: "
          f"{dict(tally['statuses']) or 'none'}; accepted but no reply within "
          f"{args.patience:g} s: {tally['no_reply']}; POST errors: "
          f"{dict(tally['post_errors']) or 'none'}; acks {tally['acks']} "
          f"({tally['ack_failed']} failed).\n  Streams: opened {tally['stream_opened']}, ended "
          f"by the server and opened again {tally['stream_ended']}, failed "
          f"{dict(tally['stream_failed']) or 'none'}; after the load "
          f"{result.get('held_after', {}).get('browsers', '–')} open (bot counts "
          f"{result.get('held_after', {}).get('server', '–')}). Data on "
          f"{result['filesystem']}; {load_line()}.")
    if result.get("log_errors"):
        print(f"  ! {len(result['log_errors'])} error line(s) in the bot's log, first: "
              f"{result['log_errors'][0][:200]}")
    if "profile" in result:
        print_profile(result["profile"], f"saturation ({phases[-1]['name']})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=GOAL_HELD,
                        help="browsers held at once")
    parser.add_argument("--step", type=int, default=250, help="browsers added per ramp step")
    parser.add_argument("--ramp-concurrency", type=int, default=50,
                        help="browsers starting at once during the ramp")
    parser.add_argument("--hold", type=float, default=20.0,
                        help="seconds all are held idle after the ramp (a keep-alive is 15 s)")
    parser.add_argument("--rate", type=float, default=GOAL_RATE, help="offered actions per second")
    parser.add_argument("--rate-seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32, 128],
                        help="actions in flight in the saturation phases")
    parser.add_argument("--saturation-seconds", type=float, default=15.0)
    parser.add_argument("--patience", type=float, default=30.0,
                        help="seconds to wait for a reply or a stream")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy on the bot during the last saturation phase")
    args = parser.parse_args(argv)
    write_results("web_capacity", asyncio.run(measure(args)))


if __name__ == "__main__":
    main()
