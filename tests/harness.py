"""Shared test helpers: the sandbox's control API as a client, and the bot as a process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from sandbox.cli import DEMO_TOKEN, demo_environment
from sandbox.world import DEMO_USER_ID

T = TypeVar("T")
WAIT = 15.0


def wait_for(check: Callable[[], T | None], timeout: float = WAIT, what: str = "") -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.05)


class Client:
    """Plays users in the sandbox and reads what the bot did."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=30)

    def post(self, path: str, **body: Any) -> Any:
        response = self.http.post(path, json=body)
        response.raise_for_status()
        return response.json()

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self.post("/sandbox/reset")

    def send(self, text: str, user: int = DEMO_USER_ID, **extra: Any) -> dict[str, Any]:
        return self.post("/sandbox/send", user_id=user, text=text, **extra)  # type: ignore[no-any-return]

    def messages(self, chat: int = DEMO_USER_ID) -> list[dict[str, Any]]:
        return self.get(f"/sandbox/chats/{chat}/messages")  # type: ignore[no-any-return]

    def bot_messages(self, chat: int = DEMO_USER_ID) -> list[dict[str, Any]]:
        return [m for m in self.messages(chat) if m["from_bot"]]

    def last(self, chat: int = DEMO_USER_ID) -> dict[str, Any]:
        return self.bot_messages(chat)[-1]

    def labels(self, message: dict[str, Any]) -> list[str]:
        return [b["text"] for row in message["buttons"] for b in row]

    def press(self, label: str, user: int = DEMO_USER_ID, message: dict[str, Any] | None = None,
              data: str | None = None) -> dict[str, Any]:
        target = message or self.last(user)
        body: dict[str, Any] = {"user_id": user, "message_id": target["message_id"]}
        body.update({"data": data} if data is not None else {"label": label})
        return self.post("/sandbox/press", **body)  # type: ignore[no-any-return]

    def acknowledged(self, update_id: int) -> bool:
        """True once the bot has acknowledged the update: it is in the bot's durable inbox."""
        return bool(self.get(f"/sandbox/updates/{update_id}")["confirmed"])

    def wait_text(self, fragment: str, chat: int = DEMO_USER_ID, timeout: float = WAIT
                  ) -> dict[str, Any]:
        return wait_for(
            lambda: next((m for m in reversed(self.bot_messages(chat))
                          if fragment in m["text"]), None),
            timeout, f"a bot message containing {fragment!r}")

    def wait_count(self, count: int, chat: int = DEMO_USER_ID) -> list[dict[str, Any]]:
        return wait_for(lambda: (lambda ms: ms if len(ms) >= count else None)(
            self.bot_messages(chat)), what=f"{count} bot messages")

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        return self.get("/sandbox/calls", **({"method": method} if method else {}))  # type: ignore[no-any-return]


class BotProcess:
    """The real bot, `python -m bot run`, in its own process, pointed at the sandbox."""

    def __init__(self, url: str, data_dir: Path, log_path: Path) -> None:
        self.env = demo_environment(url, data_dir)
        self.env["SSPBOT_POLL_TIMEOUT"] = "5"
        self.env["SSPBOT_WEB_PORT"] = "0"  # any free port; the bot writes it to web.port
        self.env["SSPBOT_LOG_LEVEL"] = "DEBUG"  # every line the bot can write is checked
        self.env.pop("PYTEST_CURRENT_TEST", None)
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, client: Client) -> None:
        (Path(self.env["SSPBOT_DATA_DIR"]) / "web.port").unlink(missing_ok=True)
        before = len(client.calls("setMyCommands"))
        with self.log_path.open("ab") as log:  # the child keeps its own handle
            self.process = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=self.env,
                                            stdout=log, stderr=log)
        wait_for(lambda: len(client.calls("setMyCommands")) > before or self._died(),
                 what="the bot to start")
        assert self.process.poll() is None, self.log_path.read_text()

    def _died(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def kill(self) -> None:
        """kill -9: no chance to clean up, as in a crash or a power cut of the container."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    @property
    def web_url(self) -> str:
        """The web chat of this bot (it writes the port it took once it listens)."""
        port_file = Path(self.env["SSPBOT_DATA_DIR"]) / "web.port"
        port = wait_for(lambda: port_file.exists() and port_file.read_text().strip(),
                        what="the web chat to listen")
        return f"http://127.0.0.1:{port}/"


__all__ = ["DEMO_TOKEN", "BotProcess", "Client", "wait_for"]


class Staff:
    """The consultants' side of the sandbox: the staff group and its topics."""

    def __init__(self, client: Client) -> None:
        from sandbox.world import STAFF_GROUP_ID

        self.client = client
        self.group = STAFF_GROUP_ID

    def topics(self) -> list[dict[str, Any]]:
        return self.client.get(f"/sandbox/chats/{self.group}/topics")  # type: ignore[no-any-return]

    def messages(self, thread: int | None = None) -> list[dict[str, Any]]:
        return [m for m in self.client.messages(self.group)
                if thread is None or m["thread"] == thread]

    def wait_topic(self, fragment: str = "Sag") -> dict[str, Any]:
        return wait_for(lambda: next((t for t in self.topics() if fragment in t["name"]), None),
                        what=f"a topic named like {fragment!r}")

    def wait_text(self, fragment: str, thread: int | None = None,
                  timeout: float = WAIT) -> dict[str, Any]:
        return wait_for(lambda: next((m for m in reversed(self.messages(thread))
                                      if m["from_bot"] and fragment in m["text"]), None),
                        timeout, what=f"a staff message containing {fragment!r}")

    def summary(self, thread: int, timeout: float = WAIT) -> dict[str, Any]:
        """The case's summary: the message in its topic with the claim button."""
        from tests import texts as T

        return wait_for(lambda: next((m for m in self.messages(thread) if T.CLAIM in [
            b["text"] for row in m["buttons"] for b in row]), None), timeout,
            what="the case's summary with its claim button")

    def press(self, message: dict[str, Any], label: str, consultant: int) -> dict[str, Any]:
        return self.client.post("/sandbox/press", user_id=consultant, chat_id=self.group,  # type: ignore[no-any-return]
                                message_id=message["message_id"], label=label)

    def write(self, text: str, consultant: int, thread: int | None) -> dict[str, Any]:
        body: dict[str, Any] = {"user_id": consultant, "chat_id": self.group, "text": text}
        if thread is not None:
            body["thread"] = thread
        return self.client.post("/sandbox/send", **body)  # type: ignore[no-any-return]

    def alert(self, press: dict[str, Any]) -> str:
        answer = wait_for(lambda: self.client.get(
            f"/sandbox/callback_answers/{press['callback_query_id']}") or None,
            what="the button's answer")
        return str(answer.get("text", ""))


FIRST_MESSAGE = "Hej. Nogen fra klassen deler et billede af mig på Snap. Hvad gør jeg? æøå"


def open_case(client: Client, first: str | None = FIRST_MESSAGE, user: int = DEMO_USER_ID) -> None:
    """A 13-15-year-old asks for a consultant and waits in the queue."""
    from tests import texts as T

    client.send("/start 13-15", user=user)
    client.wait_text(T.MENU, chat=user)
    client.press(T.BUTTON_CONSULTANT, user=user)
    client.wait_text(T.INTRO_OPEN, chat=user)
    client.press(T.BUTTON_START_CHAT, user=user)
    client.wait_text(T.FIRST_MESSAGE, chat=user)
    if first is None:
        client.press(T.BUTTON_SKIP, user=user)
    else:
        client.send(first, user=user)
    client.wait_text(T.QUEUE_FIRST, chat=user)


def claim(client: Client, staff: Staff, consultant: int | None = None,
          user: int = DEMO_USER_ID) -> int:
    """A consultant takes the newest case; returns its topic's thread."""
    from sandbox.world import CONSULTANTS
    from tests import texts as T

    topic = max(wait_for(staff.topics, what="a topic"), key=lambda t: t["message_thread_id"])
    summary = staff.summary(int(topic["message_thread_id"]))
    staff.press(summary, T.CLAIM, consultant or CONSULTANTS[0][0])
    client.wait_text(T.CLAIMED, chat=user)
    return int(topic["message_thread_id"])
