"""The web chat: a 12-year-old without Telegram, in a real headless Chromium on a phone-sized
screen, the real bot in its own process, consultants in the sandbox's staff group."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect, sync_playwright

from sandbox.world import CONSULTANTS
from tests import texts as T
from tests.harness import BotProcess, Client, Staff, wait_for
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

METTE = CONSULTANTS[0][0]
CODE = re.compile(r"\b[A-Z2-9]{3}-[A-Z2-9]{3}-[A-Z2-9]{3}\b")
PHONE: dict[str, Any] = {"viewport": {"width": 360, "height": 740}, "is_mobile": True,
                         "has_touch": True, "device_scale_factor": 2,
                         "user_agent": "KanarieAgent/1.0 (telefon)"}
ADDRESS = "203.0.113.77"  # the browser's address, as a reverse proxy reports it


@pytest.fixture
def web_bot(client: Client, tmp_path: Path) -> Iterator[BotProcess]:
    process = BotProcess(client.url, tmp_path / "data", tmp_path / "bot.log")
    process.env["SSPBOT_WEB_EXIT_URL"] = client.url + "/sandbox/commands"  # a neutral page
    process.env["SSPBOT_WEB_TRUST_PROXY"] = "true"
    process.start(client)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def bot_bubbles(page: Page) -> list[str]:
    return [text for text in page.locator("#log .msg.bot").all_inner_texts()]


def last_id(page: Page) -> int:
    return int(page.locator("#log .msg.bot").last.get_attribute("data-id") or 0)


# Clicks the first enabled button of the newest bot message, in one step inside the page (a
# new message may arrive between finding a button and clicking it).
CLICK_FIRST = """() => {
  const newest = [...document.querySelectorAll('#log .msg.bot')].pop();
  const button = newest && newest.querySelector('button:not([disabled])');
  if (!button) { return null; }
  button.click();
  return button.textContent;
}"""


def answered(page: Page, before: int, pattern: re.Pattern[str]) -> bool:
    """A newer message shows a question (or what we look for)."""
    return last_id(page) > before and (
        page.locator("#log .msg.bot").last.locator("button:enabled").count() > 0
        or any(pattern.search(b) for b in bot_bubbles(page)))


def press_first_until(page: Page, pattern: re.Pattern[str], steps: int = 20) -> str:
    """Answer each question with its first button until a bot message matches `pattern`."""
    for _ in range(steps):
        found = next((b for b in bot_bubbles(page) if pattern.search(b)), None)
        if found:
            return found
        before = last_id(page)
        assert wait_for(lambda: page.evaluate(CLICK_FIRST), what="a button to press")
        wait_for(lambda before=before: answered(page, before, pattern), what="the next question")
    raise AssertionError(f"never saw {pattern.pattern}")


def test_a_12_year_old_reports_and_talks_with_a_consultant(
        web_bot: BotProcess, client: Client, browser: Browser, tmp_path: Path) -> None:
    context = browser.new_context(**PHONE, extra_http_headers={"X-Forwarded-For": ADDRESS})
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(client.url + "/sandbox/commands")  # where the person was before the chat
    page.goto(web_bot.web_url + "?for=10-12")
    log = page.locator("#log")
    expect(log.get_by_role("button", name=T.BUTTON_REPORT_CHILD)).to_be_visible()
    touch = page.locator("#log button").first.bounding_box()
    assert touch is not None and touch["height"] >= 44 and touch["width"] >= 44

    # An anonymous report, answered with the first choice each time, ends with a code.
    before = last_id(page)
    page.get_by_role("button", name=T.BUTTON_REPORT_CHILD).click()
    wait_for(lambda: answered(page, before, CODE), what="the report's first question")
    sent = press_first_until(page, CODE)
    code = CODE.search(sent)
    assert code is not None
    staff = Staff(client)
    topic = staff.wait_topic("· web")  # the consultants see the channel, nothing else

    # "May a consultant write to you here?" Yes: the person waits, the consultant takes it.
    assert wait_for(lambda: page.evaluate(CLICK_FIRST), what="the follow-up question")
    staff.wait_text(T.REPORT_CONNECTED, topic["message_thread_id"])
    summary = next(m for m in staff.messages(topic["message_thread_id"])
                   if T.CLAIM in [b["text"] for row in m["buttons"] for b in row])
    staff.press(summary, T.CLAIM, METTE)
    expect(log.get_by_text(T.CLAIMED).last).to_be_visible()
    staff.write("Hej, jeg hedder Mette. Hvordan har du det?", METTE,
                topic["message_thread_id"])
    expect(log.get_by_text("Hvordan har du det?")).to_be_visible()  # live, no reload

    page.locator("#text").fill("Det er lidt svært i dag")
    page.locator("#send").click()
    staff.wait_text("Det er lidt svært i dag", topic["message_thread_id"])

    # A reload keeps the conversation; nothing is shown twice.
    page.reload()
    expect(log.get_by_text("Hvordan har du det?")).to_have_count(1)
    expect(log.get_by_text("Det er lidt svært i dag")).to_have_count(1)

    # The network drops; a reply waits; the network comes back: shown once, nothing lost.
    context.set_offline(True)
    staff.write("Er du der stadig?", METTE, topic["message_thread_id"])
    time.sleep(1.0)
    context.set_offline(False)
    expect(log.get_by_text("Er du der stadig?")).to_have_count(1)
    page.wait_for_timeout(500)
    expect(log.get_by_text("Hvordan har du det?")).to_have_count(1)

    # The code works in Telegram too: the report's status for whoever holds it.
    client.send("/start 13-15")
    client.wait_text(T.MENU)
    client.send(f"/sag {code.group(0)}")
    client.wait_text(T.STATUS_IN_PROGRESS)

    # The tab is closed; the consultant writes; a new tab, with the code, goes on with the
    # chat and shows what was written meanwhile.
    page.close()
    database = sqlite3.connect(tmp_path / "data" / "sspbot.sqlite3")
    newest = database.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0]
    staff.write("Er du okay? Skriv, når du kan.", METTE, topic["message_thread_id"])
    wait_for(lambda: database.execute("SELECT count(*) FROM outbox WHERE channel = 'web' "
                                      "AND id > ?", [newest]).fetchone()[0],
             what="the reply waiting for the closed tab")
    page = context.new_page()
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(client.url + "/sandbox/commands")
    page.goto(web_bot.web_url + "?for=10-12")
    log = page.locator("#log")
    expect(log.get_by_role("button", name=T.BUTTON_REPORT_CHILD)).to_be_visible()
    page.locator("#text").fill(f"/sag {code.group(0)}")
    page.locator("#send").click()
    expect(log.get_by_text(T.OFFER_RESUME)).to_be_visible()
    log.get_by_role("button", name=T.BUTTON_RESUME).click()
    expect(log.get_by_text("Er du okay?")).to_have_count(1)
    staff.wait_text(T.PERSON_BACK, topic["message_thread_id"])
    page.locator("#text").fill("Jeg er her igen")
    page.locator("#send").click()
    staff.wait_text("Jeg er her igen", topic["message_thread_id"])

    # Quick exit: nothing on screen, nothing in this history entry, nothing kept in the tab.
    token = page.evaluate("JSON.parse(sessionStorage.getItem('ssp-chat')).token")
    history = page.evaluate("history.length")
    page.locator("#exit").click()
    page.wait_for_url(client.url + "/sandbox/commands")
    assert page.evaluate("history.length") == history  # replaced, not added
    page.go_back()
    assert "?for=10-12" not in page.url  # the chat is not in the history
    page.goto(web_bot.web_url)
    expect(log.locator(".msg")).to_have_count(1, timeout=10_000)  # a new start
    assert page.evaluate("JSON.parse(sessionStorage.getItem('ssp-chat')).token") != token

    assert violations == []
    context.close()

    # Nothing of the browser in the database, its write-ahead log, or the bot's output.
    web_bot.stop()
    data = tmp_path / "data"
    stored = b"".join(p.read_bytes() for p in data.iterdir() if p.name.startswith("sspbot"))
    output = web_bot.log
    for needle in (ADDRESS, "127.0.0.1", "KanarieAgent", token, "Hvordan har du det",
                   "lidt svært"):
        assert needle.encode() not in stored, needle
    for needle in (ADDRESS, "KanarieAgent", token, "Hvordan har du det", "lidt svært"):
        assert needle not in output, needle


def test_the_page_is_accessible_and_keeps_its_own_rules(web_bot: BotProcess,
                                                       browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 740})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type in ("error", "warning") else None)
    response = page.goto(web_bot.web_url)
    assert response is not None
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in headers
    expect(page.locator("#log .msg.bot").first).to_be_visible()
    results = Axe().run(page)
    serious = [v for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()
    assert not [p for p in problems if "Content Security Policy" in p], problems
    assert page.context.cookies() == []
    page.close()


def test_without_javascript_the_page_still_says_where_to_get_help(web_bot: BotProcess,
                                                                   browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(web_bot.web_url)
    body = page.locator("body").inner_text()
    assert "112" in body and "116 111" in body
    expect(page.locator("noscript")).to_have_count(1)
    context.close()


def action(url: str, token: str, seq: int, address: str = "198.51.100.1",
           text: str = "/menu") -> httpx.Response:
    return httpx.post(url + "api/action", json={"seq": seq, "kind": "text", "value": text},
                      headers={"X-Chat-Token": token, "X-Forwarded-For": address}, timeout=10)


def token_of(letter: str) -> str:
    return letter * 43


def test_a_flood_is_limited_and_others_are_not_slowed(client: Client, tmp_path: Path) -> None:
    bot = BotProcess(client.url, tmp_path / "data", tmp_path / "bot.log")
    bot.env.update({"SSPBOT_WEB_TRUST_PROXY": "true", "SSPBOT_WEB_ADDRESS_BURST": "60",
                    "SSPBOT_WEB_ADDRESS_RATE": "1"})
    bot.start(client)
    try:
        url = bot.web_url
        answers = [action(url, token_of("a"), seq) for seq in range(1, 41)]
        codes = [answer.status_code for answer in answers]
        assert codes[0] == 202 and 429 in codes
        assert codes.count(202) < 30  # a burst of 20, and about one a second after it
        limited = next(a for a in answers if a.status_code == 429)
        assert limited.json() == {"error": "too_fast"}
        started = time.monotonic()
        assert action(url, token_of("b"), 1).status_code == 202  # another person, at once
        assert time.monotonic() - started < 2.0
        # Many conversations from one address (a flood, not a class) are limited too;
        # another address is not.
        statuses = [action(url, token_of("cdefghijklmnopqrstuv"[i % 20]), 1 + i // 20,
                           address="198.51.100.9").status_code for i in range(120)]
        assert 429 in statuses
        assert action(url, token_of("z"), 1, address="198.51.100.10").status_code == 202
        assert httpx.post(url + "api/action", content=b"x" * 20_000, headers={
            "X-Chat-Token": token_of("y"), "X-Forwarded-For": "198.51.100.12"}).status_code == 413
        too_long = action(url, token_of("x"), 1, address="198.51.100.11", text="å" * 4097)
        assert too_long.status_code == 413
    finally:
        bot.stop()
    assert "198.51.100" not in bot.log


def test_an_action_sent_twice_is_answered_once_and_kept_until_shown(
        web_bot: BotProcess, tmp_path: Path) -> None:
    url = web_bot.web_url
    token = token_of("t")
    assert action(url, token, 1, text="/start 13-15").status_code == 202
    assert action(url, token, 1, text="/start 13-15").json() == {"ok": True, "again": True}
    database = sqlite3.connect(tmp_path / "data" / "sspbot.sqlite3")

    def waiting() -> int:
        row = database.execute("SELECT count(*) FROM outbox WHERE channel = 'web'").fetchone()
        return int(row[0])

    ids: list[int] = []
    with httpx.stream("GET", url + "api/events", params={"after": 0},
                      headers={"X-Chat-Token": token}, timeout=10) as stream:
        for line in stream.iter_lines():
            if line.startswith("id: "):
                ids.append(int(line[4:]))
            if len(ids) == 2:
                break
    assert len(ids) == 2 and waiting() == 2  # welcome and menu, once each, not yet shown
    httpx.post(url + "api/ack", json={"upto": max(ids)}, headers={"X-Chat-Token": token})
    assert waiting() == 0  # shown: gone from the server
