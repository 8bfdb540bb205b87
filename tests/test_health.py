"""`sspbot health`: 0 when the running bot says it is healthy, 1 when it says it is not, 2 when
it cannot be asked; what Docker's HEALTHCHECK and monitoring read."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.harness import BotProcess, Client, wait_for

REPO = Path(__file__).resolve().parent.parent
UNHEALTHY = {"ok": False, "last_poll_seconds": 412.0, "last_send_seconds": None,
             "inbox_pending": 0, "outbox": 7, "outbox_oldest_seconds": 380.5, "dead_letters": 2,
             "web_streams": 0}


def health(**settings: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SSPBOT_")}
    # A proxy for plain HTTP must not be asked: the bot is on this machine.
    env.update({"HTTP_PROXY": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"})
    return subprocess.run([sys.executable, "-m", "bot", "health", "--timeout", "3"],
                          capture_output=True, text=True, env={**env, **settings}, check=False,
                          timeout=30, cwd=REPO)


def test_a_running_bot_is_healthy(bot: BotProcess) -> None:
    bot.web_url  # noqa: B018 -- waits until the web server listens
    # Healthy once the first long poll has come back (SSPBOT_POLL_TIMEOUT is 5 s here).
    answer = wait_for(lambda: (lambda done: done if done.returncode == 0 else None)(
        health(SSPBOT_DATA_DIR=bot.env["SSPBOT_DATA_DIR"], SSPBOT_WEB_PORT="0")),
        timeout=20, what="the bot to say it is healthy")
    lines = answer.stdout.splitlines()
    assert lines[0].startswith("healthy (HTTP 200 from http://127.0.0.1:")
    assert any(line.startswith("  last poll from Telegram: ") for line in lines)
    assert "  dead letters (sends set aside): 0" in lines


@pytest.fixture
def sick_bot() -> Iterator[int]:
    """A web server that answers /healthz as an unhealthy bot does: 503 and its figures."""

    class Sick(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(UNHEALTHY).encode() if self.path == "/healthz" else b""
            self.send_response(503 if body else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sick)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_an_unhealthy_bot_exits_1_with_its_figures(sick_bot: int) -> None:
    answer = health(SSPBOT_WEB_HOST="0.0.0.0", SSPBOT_WEB_PORT=str(sick_bot))
    assert answer.returncode == 1
    lines = answer.stderr.splitlines()
    assert lines[0] == f"NOT healthy (HTTP 503 from http://127.0.0.1:{sick_bot}/healthz)"
    assert "  last poll from Telegram: 412.0 s ago" in lines
    assert "  last successful send: -" in lines
    assert "  oldest waiting send: 380.5 s old" in lines
    assert "  dead letters (sends set aside): 2" in lines


def test_a_bot_that_cannot_be_asked_exits_2(tmp_path: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    refused = health(SSPBOT_WEB_PORT=str(port))
    assert refused.returncode == 2
    assert f"cannot ask the bot at http://127.0.0.1:{port}/healthz" in refused.stderr
    no_port = health(SSPBOT_WEB_PORT="0", SSPBOT_DATA_DIR=str(tmp_path))
    assert no_port.returncode == 2 and "web.port" in no_port.stderr


def test_an_update_left_unhandled_makes_the_bot_unhealthy(client: Client,
                                                          tmp_path: Path) -> None:
    bot = BotProcess(client.url, tmp_path / "data", tmp_path / "bot.log")
    bot.env["SSPBOT_HEALTH_GRACE"] = "3"
    bot.start(client)
    try:
        settings = {"SSPBOT_DATA_DIR": bot.env["SSPBOT_DATA_DIR"], "SSPBOT_WEB_PORT": "0"}
        wait_for(lambda: health(**settings).returncode == 0, timeout=20,
                 what="the bot to say it is healthy")
        # An update the bot committed and never finished, as a handler that hangs leaves it.
        database = sqlite3.connect(tmp_path / "data" / "sspbot.sqlite3")
        database.execute("INSERT INTO inbox (update_id, payload, done) VALUES (?, ?, 0)",
                         [999_999_999, b"\x01" + b"\x00" * 40])
        database.commit()
        answer = wait_for(lambda: (lambda done: done if done.returncode == 1 else None)(
            health(**settings)), timeout=30, what="the bot to say it is not healthy")
        assert any(line.startswith("  oldest update not yet handled: ")
                   for line in answer.stderr.splitlines())
    finally:
        bot.stop()
