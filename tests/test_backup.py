"""Backups and restore: deploy/backup.sh refuses to back up nothing; a backup restored into a new
data folder with `sspbot restore` brings the bot back with its open cases and conversations."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.core.migrations import MIGRATIONS
from sandbox.world import CONSULTANTS, DEMO_USER_ID
from tests import texts as T
from tests.harness import BotProcess, Client, Staff, claim, open_case

REPO = Path(__file__).resolve().parent.parent
BACKUP = REPO / "deploy" / "backup.sh"
METTE = CONSULTANTS[0][0]
SECOND_PERSON = DEMO_USER_ID + 1
# The bot's own settings would point the commands elsewhere; these tests say every folder.
SETTINGS = ("SSPBOT_DATA_DIR", "SSPBOT_SECRET", "TELEGRAM_BOT_TOKEN")


@pytest.fixture
def staff(client: Client) -> Staff:
    return Staff(client)


def backup(data_dir: Path, backup_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS}
    return subprocess.run([str(BACKUP), str(data_dir), str(backup_dir)], capture_output=True,
                          text=True, env={**env, "PYTHON": sys.executable}, check=False,
                          timeout=60)


def sspbot(*args: str, secret: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS}
    if secret is not None:
        env["SSPBOT_SECRET"] = secret
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env=env, check=False, timeout=60, cwd=REPO)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_missing_database_fails_loudly_and_creates_nothing(tmp_path: Path) -> None:
    data, backups = tmp_path / "data", tmp_path / "backups"
    data.mkdir()
    missing = backup(data, backups)
    assert missing.returncode == 1
    assert f"no database at {data}/sspbot.sqlite3" in missing.stderr
    assert list(data.iterdir()) == []  # no empty database was made
    assert not backups.exists()

    nowhere = backup(tmp_path / "nowhere", backups)
    assert nowhere.returncode == 1 and not (tmp_path / "nowhere").exists()

    (data / "sspbot.sqlite3").touch()  # what the old script left behind: an empty file
    empty = backup(data, backups)
    assert empty.returncode == 1
    assert "holds no bot data" in empty.stderr
    assert sorted(p.name for p in data.iterdir()) == ["sspbot.sqlite3"]
    assert (data / "sspbot.sqlite3").stat().st_size == 0
    assert list(backups.iterdir()) == []  # not even a partial file


def person_mid_report(client: Client, user: int) -> None:
    """A second young person is half-way through a report: the category is chosen, the next
    question (for me or for a friend?) is on screen."""
    client.send("/start 13-15", user=user)
    client.wait_text(T.MENU, chat=user)
    client.press(T.BUTTON_REPORT, user=user)
    first = client.wait_text(T.REPORT_ASKS, chat=user)
    client.press(client.labels(first)[0], user=user)
    client.wait_text("Er det sket for dig eller for en ven?", chat=user)


def test_backup_restored_into_a_new_folder_resumes_cases_and_conversations(
        bot: BotProcess, client: Client, staff: Staff, tmp_path: Path) -> None:
    open_case(client)
    thread = claim(client, staff)
    person_mid_report(client, SECOND_PERSON)
    secret = bot.env["SSPBOT_SECRET"]

    made = backup(tmp_path / "data", tmp_path / "backups")  # online: the bot keeps running
    assert made.returncode == 0, made.stderr
    (copy,) = (tmp_path / "backups").iterdir()
    assert copy.name.startswith("sspbot-") and copy.suffix == ".sqlite3"
    assert mode(copy) == 0o600 and mode(tmp_path / "backups") == 0o700
    assert copy.read_bytes()[18:20] == b"\x01\x01"  # one file: no WAL needed to read it
    bot.stop()

    fresh = tmp_path / "restored"
    wrong = sspbot("restore", str(copy), "--data-dir", str(fresh), secret="x" * 48)
    assert wrong.returncode == 1 and "another secret" in wrong.stderr
    assert not (fresh / "sspbot.sqlite3").exists()
    restored = sspbot("restore", str(copy), "--data-dir", str(fresh), secret=secret)
    assert restored.returncode == 0, restored.stderr
    assert "SSPBOT_SECRET opens what the backup holds" in restored.stdout
    assert mode(fresh) == 0o700 and mode(fresh / "sspbot.sqlite3") == 0o600
    again = sspbot("restore", str(copy), "--data-dir", str(fresh), secret=secret)
    assert again.returncode == 1 and "fresh data folder" in again.stderr

    back = BotProcess(client.url, fresh, tmp_path / "restored.log")
    back.env["SSPBOT_SECRET"] = secret
    back.start(client)
    try:
        # The person in the middle of a report goes on with the next question.
        client.press("For mig", user=SECOND_PERSON)
        client.wait_text(T.REPORT_DANGER, chat=SECOND_PERSON)
        # The open case relays both ways.
        staff.write("Er du der stadig efter gendannelsen?", METTE, thread)
        answer: dict[str, Any] = client.wait_text("efter gendannelsen")
        assert answer["text"].startswith(T.FROM_CONSULTANT)
        client.send("Ja, jeg er her stadig.")
        staff.wait_text("Ja, jeg er her stadig.", thread)
    finally:
        back.stop()
    schema = sqlite3.connect(fresh / "sspbot.sqlite3").execute("PRAGMA user_version")
    assert schema.fetchone()[0] == len(MIGRATIONS)
