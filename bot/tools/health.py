"""`sspbot health`: ask the running bot's `/healthz` and say, in a few lines, how it is.

Exit 0 when the bot says it is healthy, 1 when it says it is not, 2 when it cannot be asked (not
running, wrong address, no answer in time). Docker's HEALTHCHECK and monitoring use the code.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

HEALTHY: Final = 0
UNHEALTHY: Final = 1
CANNOT_ASK: Final = 2
PATH: Final = "/healthz"
# A server bound to every address is asked on the loopback of the same family.
ANY_ADDRESS: Final = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}
# The figures the bot reports, in the order and with the words printed; others follow as given.
FIGURES: Final = (
    ("last_poll_seconds", "last poll from Telegram", "s ago"),
    ("last_webhook_seconds", "last update posted by Telegram", "s ago"),
    ("last_send_seconds", "last successful send", "s ago"),
    ("inbox_pending", "updates waiting in the inbox", ""),
    ("inbox_oldest_seconds", "oldest update not yet handled", "s old"),
    ("outbox", "sends waiting in the outbox", ""),
    ("outbox_oldest_seconds", "oldest waiting send", "s old"),
    ("dead_letters", "dead letters (sends set aside)", ""),
    ("web_streams", "open web chat streams", ""),
)


@dataclass(frozen=True)
class Answer:
    code: int
    lines: list[str]


def health_url(host: str, port: int, data_dir: Path) -> str:
    """The health address of the bot configured like this one. Port 0 means the bot took a free
    port, which it writes to `web.port` in its data folder."""
    if port == 0:
        port_file = data_dir / "web.port"
        if not port_file.exists():
            raise FileNotFoundError(f"SSPBOT_WEB_PORT is 0 and {port_file} does not exist: is "
                                    "the bot running with this SSPBOT_DATA_DIR?")
        port = int(port_file.read_text().strip())
    host = ANY_ADDRESS.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}{PATH}"


def _fetch(url: str, timeout: float) -> tuple[int, bytes]:
    # No proxy, whatever HTTP_PROXY says: the bot is on this machine (or in this container).
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:  # 503: the bot answered, and it is not healthy
        return int(error.code), bytes(error.read())


def check(url: str, timeout: float = 5.0,
          fetch: Callable[[str, float], tuple[int, bytes]] = _fetch) -> Answer:
    try:
        status, body = fetch(url, timeout)
    except (OSError, ValueError) as error:  # refused, time-out, no route, a bad address
        reason = getattr(error, "reason", None) or error
        return Answer(CANNOT_ASK, [f"cannot ask the bot at {url}: {reason}",
                                   "is it running, and are SSPBOT_WEB_HOST and SSPBOT_WEB_PORT "
                                   "the ones it uses?"])
    try:
        report: dict[str, Any] = json.loads(body)
    except ValueError:
        return Answer(CANNOT_ASK, [f"{url} answered HTTP {status}, not the bot's health report"])
    ok = status == 200 and report.get("ok") is True
    lines = [f"{'healthy' if ok else 'NOT healthy'} (HTTP {status} from {url})"]
    lines += describe(report)
    return Answer(HEALTHY if ok else UNHEALTHY, lines)


def describe(report: dict[str, Any]) -> list[str]:
    """One line a figure, known ones first with their meaning, `-` for one not measured yet."""
    lines = []
    known = {key for key, _, _ in FIGURES} | {"ok"}
    for key, label, unit in FIGURES:
        if key in report:
            value = report[key]
            shown = "-" if value is None else f"{value}{' ' + unit if unit else ''}"
            lines.append(f"  {label}: {shown}")
    lines += [f"  {key}: {value}" for key, value in report.items() if key not in known]
    return lines
