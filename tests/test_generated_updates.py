"""Generated odd input: updates of every type, built from the Bot API spec with odd values
(tests/updates.py), sent to one real bot process. None makes it log an error, each is finished,
and afterwards the bot still answers a person who writes /start."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from sandbox.server import SandboxThread
from tests import texts as T
from tests.harness import BotProcess, Client, wait_for
from tests.updates import private_ids, register_people, updates

PEOPLE = private_ids(5_100_000, 20)  # the private chats the updates come from
EXAMPLES = 150


class Rig:
    def __init__(self, client: Client, bot: BotProcess, data: Path) -> None:
        self.client = client
        self.bot = bot
        self.database = data / "sspbot.sqlite3"

    def unfinished(self, update_id: int | None = None) -> int:
        """Updates the bot has taken into its inbox and not finished."""
        with contextlib.closing(sqlite3.connect(self.database)) as db:
            if update_id is None:
                return int(db.execute("SELECT count(*) FROM inbox WHERE done = 0").fetchone()[0])
            return int(db.execute("SELECT count(*) FROM inbox WHERE done = 0 AND update_id = ?",
                                  [update_id]).fetchone()[0])

    def finished(self, update_id: int) -> bool:
        """In the inbox before Telegram was told (so the bot has it), and done."""
        return self.client.acknowledged(update_id) and not self.unfinished(update_id)


@pytest.fixture(scope="module")
def rig(sandbox: SandboxThread, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """One bot for every generated update (the sandbox's Telegram is fresh for it)."""
    client = Client(sandbox.url)
    client.reset()
    register_people(sandbox, PEOPLE)
    folder = tmp_path_factory.mktemp("generated")
    bot = BotProcess(client.url, folder / "data", folder / "bot.log")
    bot.start(client)
    yield Rig(client, bot, folder / "data")
    bot.stop()
    client.http.close()


def failures(log: str) -> list[str]:
    return [line for line in log.splitlines()
            if ("handling update" in line and " failed" in line) or "Traceback" in line]


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(update=updates(PEOPLE))
def test_any_update_is_finished_without_an_error(rig: Rig, update: dict[str, Any]) -> None:
    update_id = int(rig.client.post("/sandbox/update", **update)["update_id"])
    try:
        wait_for(lambda: rig.finished(update_id), timeout=30,
                 what=f"update {update_id} ({next(iter(update))}) to be finished")
    except AssertionError as error:
        raise AssertionError(f"{error}; the bot's log ends:\n{rig.bot.log[-3000:]}") from None
    assert failures(rig.bot.log) == []


def test_every_update_was_finished_and_the_bot_still_answers(rig: Rig) -> None:
    wait_for(lambda: rig.unfinished() == 0, what="no update left unfinished")
    person = PEOPLE[0] + len(PEOPLE)  # someone new
    rig.client.send("/start 13-15", user=person)
    rig.client.wait_text(T.MENU, chat=person)
    assert rig.bot.process is not None and rig.bot.process.poll() is None
    assert failures(rig.bot.log) == []
