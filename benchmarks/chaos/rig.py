"""What every chaos scenario shares: the sandbox (one, in this process), the real bot in its own
process (started, killed, stopped), the sandbox's control API as async calls, and read-only
looks into the bot's data folder."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, Final

import httpx

from sandbox.cli import DEMO_TOKEN, demo_environment
from sandbox.server import SandboxThread
from sandbox.world import STAFF_GROUP_ID

CODE: Final = re.compile(r"[A-Z2-9]{3}-[A-Z2-9]{3}-[A-Z2-9]{3}")
READY: Final = "bot running"  # the bot's log line once it polls and sends
# Sends queued for a person: a lane named by the person's key (64 hex digits).
PERSON_LANE_SQL: Final = "length(lane) = 64 AND instr(lane, ':') = 0"


class Bot:
    """The real bot, `python -m bot run`, in its own process, configured as in the demo.

    `patch` starts it through benchmarks.chaos.launch instead, which changes one thing before
    the unchanged bot runs (its clock, or the staff group's pace); every use says so in its
    printed figures."""

    def __init__(self, url: str, folder: Path, env: dict[str, str] | None = None,
                 patch: dict[str, str] | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.data = folder / "data"
        self.log_path = folder / "bot.log"
        self.env = demo_environment(url, self.data)
        self.env.update({"SSPBOT_WEB_PORT": "0", "SSPBOT_POLL_TIMEOUT": "5",
                         "SSPBOT_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"})
        self.env.pop("PYTEST_CURRENT_TEST", None)
        self.env.update(env or {})
        self.patch = dict(patch or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0

    @property
    def database(self) -> Path:
        return self.data / "sspbot.sqlite3"

    @property
    def secret(self) -> bytes:
        return (self.data / "demo-secret").read_text().strip().encode()

    def spawn(self) -> None:
        """Start the process; do not wait for it (a kill may come before it is up)."""
        command = [sys.executable, "-m", "bot", "run"]
        env = dict(self.env)
        if self.patch:
            command = [sys.executable, "-m", "benchmarks.chaos.launch"]
            env.update(self.patch)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        self.starts += 1

    async def start(self, within: float = 60.0) -> None:
        """Start and wait until it runs: it says so, and its web server listens (it writes the
        port it took once it does)."""
        before = self.log().count(READY)
        port_file = self.data / "web.port"
        port_file.unlink(missing_ok=True)
        self.spawn()
        await until(lambda: (self.log().count(READY) > before or port_file.exists())
                    or not self.alive(), within, "the bot to start")
        if not self.alive():
            raise RuntimeError(f"the bot did not start; see {self.log_path}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """kill -9: no chance to clean up."""
        if self.alive():
            assert self.process is not None
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
            self.kills += 1

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def rss_mb(self) -> float | None:
        if not self.alive():
            return None
        assert self.process is not None
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return None

    def cpu_seconds(self) -> float:
        """CPU time the running bot process has used (user + system)."""
        if not self.alive():
            return 0.0
        assert self.process is not None
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return 0.0

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """A read on the live database (WAL: the bot is not held up)."""
        if not self.database.exists():
            return []
        db = sqlite3.connect(self.database, timeout=30)
        try:
            db.execute("PRAGMA query_only = 1")
            return db.execute(sql, list(params)).fetchall()
        finally:
            db.close()

    def scalar(self, sql: str, params: Iterable[Any] = ()) -> int:
        rows = self.query(sql, params)
        return int(rows[0][0] or 0) if rows else 0

    def sizes(self) -> tuple[int, int]:
        """Bytes of the database file and of its write-ahead log."""
        wal = self.database.with_name(self.database.name + "-wal")
        return (self.database.stat().st_size if self.database.exists() else 0,
                wal.stat().st_size if wal.exists() else 0)

    def snapshot(self, into: Path) -> Path:
        """A copy of the database and its WAL as they are on disk now (for reading without
        touching the originals: a connection could fold the WAL in when it closes)."""
        into.mkdir(parents=True, exist_ok=True)
        for path in self.data.iterdir():
            if path.name.startswith("sspbot.sqlite3"):
                shutil.copy2(path, into / path.name)
        return into / self.database.name


class Sandbox:
    """The sandbox's control API, for many simulated people at once."""

    def __init__(self, thread: SandboxThread) -> None:
        self.thread = thread
        self.world = thread.sandbox.world
        self.url = thread.url
        self.http = httpx.AsyncClient(base_url=thread.url, timeout=120, limits=httpx.Limits(
            max_connections=600, max_keepalive_connections=200))

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

    async def reset(self) -> None:
        await self.post("/sandbox/reset")

    async def send(self, user: int, text: str, **extra: Any) -> dict[str, Any]:
        return await self.post("/sandbox/send", user_id=user, text=text, **extra)  # type: ignore[no-any-return]

    async def press(self, user: int, message_id: int, label: str,
                    **extra: Any) -> dict[str, Any] | None:
        """Press a button; None when the message or the button is gone (it was edited)."""
        response = await self.http.post("/sandbox/press", json={
            "user_id": user, "message_id": message_id, "label": label, **extra})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    async def messages(self, chat: int) -> list[dict[str, Any]]:
        return await self.get(f"/sandbox/chats/{chat}/messages")  # type: ignore[no-any-return]

    async def bot_messages(self, chat: int) -> list[dict[str, Any]]:
        return [m for m in await self.messages(chat) if m["from_bot"]]

    async def wait(self, chat: int, after: int, within: float) -> int:
        """Until the chat changes after version `after` (or the time is up); its version."""
        response = await self.http.get(f"/sandbox/chats/{chat}/wait", params={
            "after": after, "timeout": max(0.0, within)}, timeout=within + 30)
        if response.status_code == 404:
            await asyncio.sleep(min(0.2, max(0.0, within)))
            return after
        response.raise_for_status()
        return int(response.json()["version"])

    async def topics(self) -> list[dict[str, Any]]:
        return await self.get(f"/sandbox/chats/{STAFF_GROUP_ID}/topics")  # type: ignore[no-any-return]

    async def staff_messages(self) -> list[dict[str, Any]]:
        return await self.messages(STAFF_GROUP_ID)

    def calls(self, since: int = 0) -> list[dict[str, Any]]:
        """The Bot API calls the sandbox answered (read in this process: the list is long)."""
        return list(self.world.calls[since:])

    def pending_updates(self) -> int:
        return len(self.world.updates)


def labels(message: dict[str, Any]) -> list[str]:
    return [button["text"] for row in message["buttons"] for button in row]


async def until(check: Callable[[], Any], within: float, what: str,
                every: float = 0.2) -> bool:
    """Wait for a condition (checked in a thread: it may read files); False when time is up."""
    deadline = time.monotonic() + within
    while True:
        if await asyncio.to_thread(check):
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(every)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def settled(bot: Bot, sandbox: Sandbox, staff_too: bool) -> bool:
    """Nothing left to do: every update taken and finished, every send to a person made (and,
    with `staff_too`, every send to the staff group, which Telegram paces at 20 a minute)."""
    if sandbox.pending_updates() or not bot.alive():
        return False
    if bot.scalar("SELECT count(*) FROM inbox WHERE done = 0"):
        return False
    lanes = "" if staff_too else f"AND {PERSON_LANE_SQL}"
    return not bot.scalar(f"SELECT count(*) FROM outbox WHERE channel = 'telegram' {lanes}")


def error_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if " ERROR " in line]


def kind_of_error(line: str) -> str:
    """An ERROR line without its time stamp and numbers: lines of one kind count together."""
    text = line.split(" ERROR ", 1)[-1]
    return re.sub(r"\d+", "N", text)[:150]


__all__ = ["CODE", "DEMO_TOKEN", "Bot", "Sandbox", "labels", "percentile", "settled", "until"]


async def with_fresh_bot(sandbox: Sandbox, folder: Path,
                         body: Callable[[Bot], Awaitable[list[str]]],
                         patch: dict[str, str] | None = None) -> list[str]:
    """A scenario's frame: the sandbox reset, the real bot started in `folder` (through
    benchmarks.chaos.launch with `patch`), `body` run, and the bot stopped whatever happens."""
    await sandbox.reset()
    bot = Bot(sandbox.url, folder, patch=patch)
    try:
        return await body(bot)
    finally:
        bot.stop()
