"""Upgrades: a database made by the previous release (0.1, tests/fixtures/release-0.1/) opens in
this one, is migrated, and everything in it goes on: a conversation half-way, an open case a
consultant has taken, a report's code with its answer."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.core.migrations import MIGRATIONS
from sandbox.server import SandboxThread
from sandbox.world import CONSULTANTS
from tests import texts as T
from tests.fixtures.release import RELEASE_0_1, restore_world
from tests.harness import BotProcess, Client, Staff

METTE = CONSULTANTS[0][0]


@pytest.fixture
def facts() -> dict[str, Any]:
    return json.loads((RELEASE_0_1 / "facts.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture
def upgraded(sandbox: SandboxThread, client: Client, tmp_path: Path) -> Any:
    """This release started on a copy of release 0.1's database, with Telegram (the sandbox) as
    release 0.1 left it."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    shutil.copyfile(RELEASE_0_1 / "sspbot.sqlite3", data / "sspbot.sqlite3")
    restore_world(sandbox, RELEASE_0_1 / "world.json")
    bot = BotProcess(client.url, data, tmp_path / "bot.log")
    bot.env["SSPBOT_SECRET"] = (RELEASE_0_1 / "secret").read_text().strip()
    bot.start(client)
    yield bot
    bot.stop()


def test_the_fixture_is_release_0_1s_own(facts: dict[str, Any]) -> None:
    database = sqlite3.connect(RELEASE_0_1 / "sspbot.sqlite3")
    assert database.execute("PRAGMA user_version").fetchone()[0] == facts["schema"] == 3
    assert database.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not (RELEASE_0_1 / "sspbot.sqlite3-wal").exists()
    states = sorted(database.execute("SELECT flow, state FROM sessions").fetchall())
    assert states == [("consultant", "in_chat"), ("report", "choosing_victim"),
                      ("report", "follow_up_declined")]


def test_migrations_run_and_a_conversation_half_way_goes_on(
        upgraded: BotProcess, client: Client, facts: dict[str, Any], tmp_path: Path) -> None:
    database = sqlite3.connect(tmp_path / "data" / "sspbot.sqlite3")
    assert database.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    # The person half-way through a report presses the next button on their screen.
    person = facts["mid_flow_person"]
    client.press(facts["mid_flow_press"], user=person)
    client.wait_text("nøg", chat=person)


def test_the_plain_text_release_0_1_kept_is_sealed_and_gone_from_the_file(
        upgraded: BotProcess, facts: dict[str, Any], tmp_path: Path) -> None:
    """Release 0.1 kept a report's words and a consultant's answer in plain text; this one
    seals them when it migrates, and the bytes are gone from the file and its WAL."""
    upgraded.stop()
    database = tmp_path / "data" / "sspbot.sqlite3"
    raw = database.read_bytes()
    wal = database.with_name(database.name + "-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    assert facts["report_reply"].encode() in (RELEASE_0_1 / "sspbot.sqlite3").read_bytes()
    for words in (facts["report_reply"], "deler et billede af mig i en gruppe"):
        assert words.encode() not in raw, words


def test_a_report_made_before_shows_its_status_and_answer_by_its_code(
        upgraded: BotProcess, client: Client, facts: dict[str, Any]) -> None:
    person, code = facts["report_person"], facts["report_code"]
    client.send(f"/sag {code}", user=person)
    status = client.wait_text("Svar fra SSP", chat=person)
    assert T.STATUS_IN_PROGRESS in status["text"]
    assert facts["report_reply"] in status["text"]


def test_an_open_case_taken_before_still_relays_both_ways(
        upgraded: BotProcess, client: Client, facts: dict[str, Any]) -> None:
    staff = Staff(client)
    thread, person = facts["case_thread"], facts["case_person"]
    staff.write("Jeg er her stadig efter opdateringen.", METTE, thread)
    relayed = client.wait_text("efter opdateringen", chat=person)
    assert relayed["text"] == T.FROM_CONSULTANT + "Jeg er her stadig efter opdateringen."
    client.send("Godt, tak.", user=person)
    staff.wait_text("Godt, tak.", thread)
