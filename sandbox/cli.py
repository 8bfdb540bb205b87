"""`sspbot-sandbox`: the local Telegram alone, or the whole demo (sandbox + the real bot)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
import sys
from pathlib import Path
from typing import Final

from sandbox.server import Sandbox
from sandbox.world import BOT_ID, CONSULTANTS, STAFF_GROUP_ID

log = logging.getLogger(__name__)
DEMO_TOKEN: Final = f"{BOT_ID}:sandbox-demo-token-not-secret"
DEFAULT_PORT: Final = 8080
WEB_PORT: Final = 8081  # the bot's own web server: the web chat


def demo_environment(url: str, data_dir: Path, web_port: int = WEB_PORT) -> dict[str, str]:
    """The bot's configuration for the demo: the sandbox's URL, a local secret, local data."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret_file = data_dir / "demo-secret"
    if not secret_file.exists():  # created readable by its owner only, before it holds anything
        descriptor = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
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
        "SSPBOT_PUBLIC_HOLIDAYS": "false",
        "SSPBOT_WEB_PORT": str(web_port),
        "SSPBOT_BOT_USERNAME": "ssp_ballerup_bot",
        # The demo tries texts before the youth council approves them; production does not
        # (deploy/.env.example). The demo says so once when it starts.
        "SSPBOT_REQUIRE_APPROVED": "false",
    }


async def _start_sandbox(host: str, port: int) -> Sandbox:
    sandbox = Sandbox(DEMO_TOKEN)
    try:
        await sandbox.start(host, port)
    except OSError:
        log.warning("port %d is taken; using a free one", port)
        await sandbox.start(host, 0)
    return sandbox


async def demo(host: str, port: int, data_dir: Path, web_port: int) -> None:
    from bot.core.content import Content
    from bot.settings import load_settings
    from flows.engine import Reply

    # Said once, in the reviewers' words from content/: unapproved texts are fine here.
    notice = Content(load_settings().content_dir).render(Reply("review/demo_notice"), None)
    print(f"\n  {notice.text}", flush=True)
    sandbox = await _start_sandbox(host, port)
    url = f"http://{host}:{sandbox.port}"
    env = demo_environment(url, data_dir, web_port if _free(host, web_port) else 0)
    env["SSPBOT_WEB_HOST"] = host
    port_file = data_dir / "web.port"
    port_file.unlink(missing_ok=True)
    bot = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", env=env)
    web = await _web_port(port_file, bot)
    web_line = f"\n  The web chat (no Telegram needed):  http://{host}:{web}/" if web else ""
    print(f"\n  SSP Ballerup's bot runs against the local sandbox.\n"
          f"  Telegram, as a young person and as the consultants:  {url}/{web_line}"
          "\n  Play a 12-year-old in the web chat and a consultant in the staff group at once."
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


def _free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            log.warning("port %d is taken; the web chat uses a free one", port)
            return False
    return True


def _read_port(port_file: Path) -> int | None:
    text = port_file.read_text().strip() if port_file.exists() else ""
    return int(text) if text else None


async def _web_port(port_file: Path, bot: asyncio.subprocess.Process) -> int | None:
    """The port the bot's web server took (it writes it once it listens)."""
    for _ in range(300):
        port = _read_port(port_file)
        if port is not None:
            return port
        if bot.returncode is not None:
            return None
        await asyncio.sleep(0.1)
    return None


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
            sub.add_argument("--web-port", type=int, default=WEB_PORT,
                             help="the web chat's port (0: any free one)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    if args.command == "demo":
        asyncio.run(demo(args.host, args.port, args.data_dir, args.web_port))
    else:
        asyncio.run(serve(args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
