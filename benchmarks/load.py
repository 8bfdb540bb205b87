"""Load and crash benchmarks: the real bot process against the sandbox, figures printed.

    python -m benchmarks.load [--users 200] [--crash-users 50] [--kills 20]

`load`: every user runs a short conversation (start, audience, an entry, back to the menu),
all users at once; it reports updates per second and the time from a user's action to the
bot's answer in the chat. `crash`: users ask for help while the bot is killed with SIGKILL
again and again; it reports answers lost and answers duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from sandbox.cli import demo_environment

FIRST_USER = 3_000_000
HELP = "Brug for hjælp nu?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Rig:
    """Sandbox and bot, each in its own process, as in the demo."""

    def __init__(self, workdir: Path, send_rate: float = 30.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = demo_environment(self.url, workdir / "data")
        self.env["SSPBOT_LOG_LEVEL"] = "WARNING"
        self.env["SSPBOT_SEND_RATE"] = str(send_rate)
        self.log = (workdir / "bot.log").open("ab")
        self.sandbox = subprocess.Popen(
            [sys.executable, "-m", "sandbox.cli", "serve", "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.bot: subprocess.Popen[bytes] | None = None

    def start_bot(self) -> None:
        self.bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=self.env,
                                    stdout=self.log, stderr=self.log)

    def kill_bot(self) -> None:
        assert self.bot is not None
        os.kill(self.bot.pid, signal.SIGKILL)
        self.bot.wait()

    def close(self) -> None:
        for process in (self.bot, self.sandbox):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(20)
        self.log.close()


async def wait_ready(http: httpx.AsyncClient) -> None:
    for _ in range(200):
        try:
            if (await http.get("/sandbox/commands")).json():
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the bot did not start")


async def act_and_wait(http: httpx.AsyncClient, user: int, version: int, path: str,
                       body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """Do one thing as the user; return the seconds until the bot answered, and the answer."""
    started = time.perf_counter()
    await http.post(path, json={"user_id": user, **body})
    while True:
        state = (await http.get(f"/sandbox/chats/{user}/wait",
                                params={"after": version, "timeout": 30})).json()
        last = state["last"]
        if last and last["from_bot"]:
            return time.perf_counter() - started, state
        version = state["version"]


async def conversation(http: httpx.AsyncClient, user: int, latencies: list[float]) -> None:
    first = await act_and_wait(http, user, 0, "/sandbox/send", {"text": "/start"})
    latencies.append(first[0])
    state = first[1]
    for label in ("Jeg er 13–15 år", "Billeder og samtykke", "Tilbage til menuen"):
        message = state["last"]
        seconds, state = await act_and_wait(
            http, user, state["version"], "/sandbox/press",
            {"message_id": message["message_id"], "label": label})
        latencies.append(seconds)


async def load(users: int, send_rate: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rig = Rig(Path(tmp), send_rate)
        try:
            async with httpx.AsyncClient(base_url=rig.url, timeout=60,
                                         limits=httpx.Limits(max_connections=users + 10)) as http:
                await asyncio.sleep(0.5)
                rig.start_bot()
                await wait_ready(http)
                latencies: list[float] = []
                started = time.perf_counter()
                await asyncio.gather(*(conversation(http, FIRST_USER + i, latencies)
                                       for i in range(users)))
                wall = time.perf_counter() - started
        finally:
            rig.close()
    updates = users * 4
    ms = sorted(1000 * x for x in latencies)
    print(f"load (sends paced at {send_rate:g}/s): {users} users, {updates} updates in "
          f"{wall:.1f}s = {updates / wall:.0f} updates/s")
    print(f"  action -> answer: p50 {statistics.median(ms):.0f} ms, "
          f"p95 {ms[int(0.95 * len(ms))]:.0f} ms, max {ms[-1]:.0f} ms")


async def crash(users: int, kills: int, per_user: int = 4) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rig = Rig(Path(tmp))
        try:
            async with httpx.AsyncClient(base_url=rig.url, timeout=60) as http:
                await asyncio.sleep(0.5)
                rig.start_bot()
                await wait_ready(http)

                async def user(index: int) -> None:
                    for _ in range(per_user):
                        await http.post("/sandbox/send", json={"user_id": FIRST_USER + index,
                                                               "text": "/hjaelp"})
                        await asyncio.sleep(random.uniform(0.05, 0.6))

                async def killer() -> None:
                    for _ in range(kills):
                        await asyncio.sleep(random.uniform(0.1, 0.4))
                        rig.kill_bot()
                        rig.start_bot()

                await asyncio.gather(killer(), *(user(i) for i in range(users)))
                await wait_ready(http)
                expected = users * per_user
                counts: list[int] = []
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    counts = []
                    for index in range(users):
                        messages = (await http.get(
                            f"/sandbox/chats/{FIRST_USER + index}/messages")).json()
                        counts.append(sum(HELP in m["text"] for m in messages if m["from_bot"]))
                    if sum(counts) >= expected:
                        break
                    await asyncio.sleep(1)
                await asyncio.sleep(2)
        finally:
            rig.close()
    lost = sum(max(0, per_user - c) for c in counts)
    duplicated = sum(max(0, c - per_user) for c in counts)
    print(f"crash: {expected} requests from {users} users, {kills} x kill -9: "
          f"{lost} lost, {duplicated} answered twice")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--crash-users", type=int, default=50)
    parser.add_argument("--kills", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(load(args.users, send_rate=30))  # Telegram's limit, as deployed
    asyncio.run(load(args.users, send_rate=10_000))  # the bot's own capacity
    asyncio.run(crash(args.crash_users, args.kills))


if __name__ == "__main__":
    main()
