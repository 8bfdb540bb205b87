"""`sspbot-sandbox`: the local Telegram alone, or the whole demo (sandbox + the real bot)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import signal
import sys
from pathlib import Path
from typing import Final

from sandbox.server import Sandbox
from sandbox.world import BOT_ID, CONSULTANTS, STAFF_GROUP_ID

log = logging.getLogger(__name__)
DEMO_TOKEN: Final = f"{BOT_ID}:sandbox-demo-token-not-secret"
DEFAULT_PORT: Final = 8080


def demo_environment(url: str, data_dir: Path) -> dict[str, str]:
    """The bot's configuration for the demo: the sandbox's URL, a local secret, local data."""
    data_dir.mkdir(parents=True, exist_ok=True)
    secret_file = data_dir / "demo-secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(48))
        secret_file.chmod(0o600)
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": DEMO_TOKEN,
        "TELEGRAM_API_URL": url,
        "SSPBOT_SECRET": secret_file.read_text().strip(),
        "SSPBOT_DATA_DIR": str(data_dir),
        "SSPBOT_STAFF_GROUP_ID": str(STAFF_GROUP_ID),
        "SSPBOT_POLL_TIMEOUT": "20",
        # The demo's consultants, and a desk that is always staffed so the hand-off can be tried.
        "SSPBOT_STAFF": ", ".join(f"{user_id}:{name}" for user_id, name in CONSULTANTS),
        "SSPBOT_OFFICE_HOURS": "mon-sun 00:00-24:00",
    }


async def _start_sandbox(host: str, port: int) -> Sandbox:
    sandbox = Sandbox(DEMO_TOKEN)
    try:
        await sandbox.start(host, port)
    except OSError:
        log.warning("port %d is taken; using a free one", port)
        await sandbox.start(host, 0)
    return sandbox


async def demo(host: str, port: int, data_dir: Path) -> None:
    sandbox = await _start_sandbox(host, port)
    url = f"http://{host}:{sandbox.port}"
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=demo_environment(url, data_dir))
    print(f"\n  SSP Ballerup's bot runs against the local sandbox.\n  Open {url}/ in a browser."
          "\n  Stop with Ctrl-C.\n", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    waiter = asyncio.create_task(stop.wait())
    exited = asyncio.create_task(bot.wait())
    await asyncio.wait({waiter, exited}, return_when=asyncio.FIRST_COMPLETED)
    if bot.returncode is None:
        bot.terminate()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(bot.wait(), 10)
    await sandbox.stop()


async def serve(host: str, port: int) -> None:
    sandbox = await _start_sandbox(host, port)
    print(f"sandbox at http://{host}:{sandbox.port}/ (token {DEMO_TOKEN})", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    await sandbox.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sspbot-sandbox",
                                     description="A local Telegram for the demo and the tests.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("demo", "the sandbox and the real bot together"),
                       ("serve", "only the sandbox")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--host", default="127.0.0.1")
        sub.add_argument("--port", type=int, default=DEFAULT_PORT)
        if name == "demo":
            sub.add_argument("--data-dir", type=Path, default=Path("data/demo"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    if args.command == "demo":
        asyncio.run(demo(args.host, args.port, args.data_dir))
    else:
        asyncio.run(serve(args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
