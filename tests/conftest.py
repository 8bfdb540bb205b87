"""Fixtures: one sandbox for the whole run, a fresh bot process and data folder per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.server import SandboxThread

os.environ.setdefault("PTB_TIMEDELTA", "1")
from tests.harness import DEMO_TOKEN, BotProcess, Client


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxThread]:
    with SandboxThread(DEMO_TOKEN) as running:
        yield running


@pytest.fixture
def client(sandbox: SandboxThread) -> Iterator[Client]:
    client = Client(sandbox.url)
    client.reset()
    yield client
    client.http.close()


@pytest.fixture
def bot(client: Client, tmp_path: Path) -> Iterator[BotProcess]:
    process = BotProcess(client.url, tmp_path / "data", tmp_path / "bot.log")
    process.start(client)
    yield process
    process.stop()
