"""Running it for real: the webhook with the inbox's guarantee, what Telegram shows before
Start, public holidays, the health check and systemd's watchdog."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.settings import load_settings
from sandbox.world import DEMO_USER_ID
from tests import texts as T
from tests.harness import DEMO_TOKEN, BotProcess, Client, wait_for

SECRET = "webhook-secret-for-tests_0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def hooked(client: Client, tmp_path: Path) -> Iterator[BotProcess]:
    """The bot with a webhook: Telegram (the sandbox) posts updates to its web server."""
    port = free_port()
    process = BotProcess(client.url, tmp_path / "data", tmp_path / "bot.log")
    process.env.update({"SSPBOT_WEB_PORT": str(port),
                        "SSPBOT_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
                        "SSPBOT_WEBHOOK_SECRET": SECRET})
    process.start(client)
    wait_for(lambda: client.calls("setWebhook"), what="the webhook to be set")
    yield process
    process.stop()


def test_the_webhook_keeps_the_inboxs_guarantee(hooked: BotProcess, client: Client,
                                                tmp_path: Path) -> None:
    client.send("/start 13-15")
    client.wait_text(T.MENU)
    polls = len(client.calls("getUpdates"))
    sent = client.send("/hjaelp")
    # Telegram got its 200: the update is committed. A kill now loses nothing.
    wait_for(lambda: client.acknowledged(sent["update_id"]), what="the webhook's 200")
    hooked.kill()
    hooked.start(client)
    client.wait_text(T.HELP)
    client.send("/menu")
    client.wait_text(T.MENU)
    assert sum(T.HELP in m["text"] for m in client.bot_messages()) == 1
    assert len(client.calls("getUpdates")) == polls  # no polling beside the webhook


def test_a_post_without_telegrams_secret_is_refused_and_kept_nowhere(
        hooked: BotProcess, tmp_path: Path) -> None:
    url = hooked.env["SSPBOT_WEBHOOK_URL"]
    update = {"update_id": 990001, "message": {
        "message_id": 1, "date": 0, "text": "falsk", "chat": {"id": 5, "type": "private"}}}
    for secret in ("", "wrong-secret-0123456789"):
        refused = httpx.post(url, json=update,
                             headers={"X-Telegram-Bot-Api-Secret-Token": secret})
        assert refused.status_code == 403
    rows = sqlite3.connect(tmp_path / "data" / "sspbot.sqlite3").execute(
        "SELECT count(*) FROM inbox WHERE update_id = 990001").fetchone()
    assert rows == (0,)


def test_telegram_shows_who_the_bot_is_before_start(bot: BotProcess, client: Client) -> None:
    def ask(method: str) -> dict[str, str]:
        answer = httpx.post(f"{client.url}/bot{DEMO_TOKEN}/{method}").json()
        return dict(answer["result"])

    short = wait_for(lambda: ask("getMyShortDescription")["short_description"],
                     what="the short description")
    assert "SSP Ballerup" in short and len(short) <= 120
    long = ask("getMyDescription")["description"]
    assert "16 år" in long and len(long) <= 512
    staff_menu = client.get("/sandbox/commands", scope="chat:-1002000000001")
    assert {c["command"] for c in staff_menu} >= {"sager", "luk", "svar", "besvar", "note"}
    assert "sager" not in {c["command"] for c in client.get("/sandbox/commands")}


def test_a_web_address_too_long_for_telegrams_description_is_refused_at_start(
        client: Client, tmp_path: Path) -> None:
    """Telegram would refuse the description for ever; the bot says so before it starts."""
    env = {**BotProcess(client.url, tmp_path / "data", tmp_path / "log").env,
           "SSPBOT_WEB_PUBLIC_URL": "https://chat.ballerup.dk/" + "ung/" * 60}
    done = subprocess.run([sys.executable, "-m", "bot", "run"], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "SSPBOT_WEB_PUBLIC_URL" in done.stderr and "Traceback" not in done.stderr
    assert not client.calls("setMyDescription")


def test_public_holidays_close_the_desk_without_anyone_typing_them() -> None:
    settings = load_settings(SSPBOT_OFFICE_HOURS="mon-fri 09:00-15:00",
                             SSPBOT_CLOSED_DATES="2026-12-24")
    hours = settings.office(today=date(2026, 12, 1))
    copenhagen = ZoneInfo("Europe/Copenhagen")
    christmas_day = datetime(2026, 12, 25, 10, 0, tzinfo=copenhagen)  # a Friday
    assert not hours.is_open(christmas_day)
    assert not hours.is_open(datetime(2026, 12, 24, 10, 0, tzinfo=copenhagen))  # the extra date
    assert hours.next_opening(christmas_day) == datetime(2026, 12, 28, 9, 0, tzinfo=copenhagen)
    assert date(2027, 3, 26) in hours.closed  # Good Friday next year: nobody had to type it
    assert hours.is_open(datetime(2026, 12, 1, 10, 0, tzinfo=copenhagen))
    plain = load_settings(SSPBOT_OFFICE_HOURS="mon-fri 09:00-15:00",
                          SSPBOT_PUBLIC_HOLIDAYS="false").office(today=date(2026, 12, 1))
    assert plain.is_open(christmas_day)


def test_the_watchdog_is_fed_only_while_the_bot_is_healthy(client: Client,
                                                           tmp_path: Path) -> None:
    path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(path)
        systemd.settimeout(30)
        process = BotProcess(client.url, tmp_path / "data", tmp_path / "bot.log")
        process.env.update({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000",
                            "SSPBOT_POLL_TIMEOUT": "1", "SSPBOT_HEALTH_GRACE": "2"})
        process.start(client)
        try:
            said = []
            while "WATCHDOG=1" not in said:
                said.append(systemd.recv(64).decode())
            assert said[0] == "READY=1"
            health = httpx.get(process.web_url + "healthz").json()
            assert health["ok"] is True and health["dead_letters"] == 0
            # Telegram stops answering: the health check says so, and the watchdog starves.
            client.post("/sandbox/faults", method="getUpdates", status=502, count=1000)
            wait_for(lambda: httpx.get(process.web_url + "healthz").status_code == 503,
                     timeout=60, what="the health check to say unhealthy")
            systemd.settimeout(0.2)
            with pytest.raises(TimeoutError):
                while True:  # drain what was said before
                    assert systemd.recv(64).decode() != "READY=1"
            systemd.settimeout(3)
            with pytest.raises(TimeoutError):
                systemd.recv(64)  # no more feeding while unhealthy
            report = json.loads(httpx.get(process.web_url + "healthz").text)
            assert report["ok"] is False and report["last_poll_seconds"] > 2
        finally:
            process.stop()
    assert str(DEMO_USER_ID) not in process.log
