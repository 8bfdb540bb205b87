"""The demo as a person sees it: `sspbot-sandbox demo` in a real headless Chromium."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from tests import texts as T
from tests.harness import wait_for

CHROMIUM = os.environ.get("SSPBOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    """The README's demo, as a newcomer starts it, on a free port."""
    port = free_port()
    with (tmp_path / "demo.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox.cli", "demo", "--port", str(port),
             "--data-dir", str(tmp_path / "data")], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _commands_set(url), what="the demo bot to start")
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(20)


def _commands_set(url: str) -> bool:
    try:
        return bool(httpx.get(f"{url}/sandbox/commands", timeout=2).json())
    except httpx.HTTPError:
        return False


def test_a_person_starts_the_bot_picks_an_audience_and_sees_the_menu(
    demo: str, tmp_path: Path
) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(demo)
        expect(page.get_by_text("Skriv /start for at begynde.")).to_be_visible()
        page.get_by_label("Besked", exact=True).fill("/start")
        page.locator("#send").click()
        page.get_by_role("button", name=T.AS_TEEN).click()
        chat = page.locator("#chat")
        expect(chat.get_by_text(T.MENU)).to_be_visible()
        expect(chat.get_by_role("button", name=T.BUTTON_REPORT)).to_be_visible()
        page.locator("#menu-button").click()
        expect(page.get_by_role("button", name="/hjaelp " + T.COMMAND_HELP)).to_be_visible()
        expect(page.get_by_text("SSP Ballerup · konsulenter")).to_be_visible()
        page.locator("#menu-button").click()

        # The hand-off, both sides on one page.
        chat.get_by_role("button", name=T.BUTTON_CONSULTANT).click()
        chat.get_by_role("button", name=T.BUTTON_START_CHAT).click()
        expect(chat.get_by_text(T.FIRST_MESSAGE)).to_be_visible()
        page.get_by_label("Besked", exact=True).fill("Hej, jeg har brug for hjælp")
        page.locator("#send").click()
        expect(chat.get_by_text(T.QUEUE_FIRST)).to_be_visible()
        page.locator("#topics").get_by_role("button", name=T.TOPIC_FIRST).click()
        staff = page.locator("#staff-messages")
        expect(staff.get_by_text("Hej, jeg har brug for hjælp")).to_be_visible()
        staff.get_by_role("button", name=T.CLAIM).click()
        expect(chat.get_by_text("Mette fra SSP har taget din sag")).to_be_visible()
        page.get_by_label("Besked til emnet").fill("Hej, jeg er Mette. Fortæl mig mere.")
        page.locator("#staff-composer button").click()
        expect(chat.get_by_text("Hej, jeg er Mette. Fortæl mig mere.")).to_be_visible()
        page.screenshot(path=str(tmp_path / "demo.png"), full_page=True)
        browser.close()
    assert (tmp_path / "demo.png").stat().st_size > 10_000


def test_the_demo_prints_the_web_chat_beside_the_sandbox_and_it_answers(
        demo: str, tmp_path: Path) -> None:
    printed = wait_for(lambda: re.search(r"The web chat \(no Telegram needed\):\s+(http://\S+)",
                                         (tmp_path / "demo.log").read_text()),
                       what="the web chat's address in the demo's output")
    assert demo in (tmp_path / "demo.log").read_text()  # and the sandbox's, beside it
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 360, "height": 740})
        page.goto(printed.group(1))
        expect(page.locator("#log").get_by_role("button").first).to_be_visible()
        browser.close()
