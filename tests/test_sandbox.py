"""The sandbox answers and refuses like Telegram, checked over real HTTP."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest, RetryAfter

from sandbox.server import SandboxThread
from sandbox.world import DEMO_USER_ID, STAFF_GROUP_ID
from tests.harness import DEMO_TOKEN, Client


def call(sandbox: SandboxThread, method: str, **params: object) -> httpx.Response:
    return httpx.post(f"{sandbox.url}/bot{DEMO_TOKEN}/{method}", json=params, timeout=10)


@pytest.mark.parametrize(
    ("method", "params", "description"),
    [
        ("sendMessage", {"chat_id": DEMO_USER_ID, "text": "x" * 5000},
         "Bad Request: message is too long"),
        ("sendMessage", {"chat_id": DEMO_USER_ID},
         "Bad Request: message text is empty"),
        ("sendMessage", {"chat_id": DEMO_USER_ID, "text": "hej", "colour": "red"},
         'Bad Request: unknown parameter "colour" for method sendMessage'),
        ("sendMessage", {"chat_id": DEMO_USER_ID, "text": "hej", "disable_notification": "ja"},
         'Bad Request: field "disable_notification" must be of type Boolean'),
        ("sendMessage", {"chat_id": DEMO_USER_ID, "text": "a<br>b", "parse_mode": "HTML"},
         "Bad Request: can't parse entities: Unsupported start tag \"br\" at byte offset 1"),
        ("sendMessage", {"chat_id": DEMO_USER_ID, "text": "hej", "reply_markup": {
            "inline_keyboard": [[{"text": "A", "callback_data": "x" * 65}]]}},
         "Bad Request: BUTTON_DATA_INVALID"),
        ("sendMessage", {"chat_id": 424242, "text": "hej"}, "Bad Request: chat not found"),
        ("editMessageText", {"chat_id": DEMO_USER_ID, "message_id": 999, "text": "hej"},
         "Bad Request: message to edit not found"),
    ],
    ids=["too long", "no text", "unknown parameter", "wrong type", "bad tag",
         "callback data over 64 bytes", "unknown chat", "edit missing message"],
)
def test_requests_telegram_refuses_are_refused_the_same_way(
    sandbox: SandboxThread, client: Client, method: str, params: dict[str, object],
    description: str,
) -> None:
    response = call(sandbox, method, **params)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error_code": 400, "description": description}


def test_unknown_methods_and_tokens(sandbox: SandboxThread, client: Client) -> None:
    assert call(sandbox, "sendTelepathy").json() == {
        "ok": False, "error_code": 404, "description": "Not Found"}
    bad = httpx.post(f"{sandbox.url}/bot1:wrong-token-xxxx/getMe", timeout=10)
    assert bad.status_code == 401


def test_4096_characters_after_parsing_are_accepted(sandbox: SandboxThread,
                                                    client: Client) -> None:
    text = "<b>" + "æ" * 4096 + "</b>"  # tags do not count, Danish letters count once
    response = call(sandbox, "sendMessage", chat_id=DEMO_USER_ID, text=text, parse_mode="HTML")
    assert response.json()["ok"], response.json()
    (message,) = client.messages()
    assert message["html"] == "<b>" + "æ" * 4096 + "</b>"


def test_get_updates_long_polls_and_offsets_confirm(sandbox: SandboxThread,
                                                    client: Client) -> None:
    assert call(sandbox, "getUpdates", timeout=0).json()["result"] == []
    sent = client.send("hej")
    started = time.monotonic()
    (update,) = call(sandbox, "getUpdates", timeout=5).json()["result"]
    assert time.monotonic() - started < 2
    assert update["update_id"] == sent["update_id"]
    assert update["message"]["text"] == "hej"
    assert client.get(f"/sandbox/updates/{sent['update_id']}") == {
        "delivered": True, "confirmed": False}
    again = call(sandbox, "getUpdates", timeout=0).json()["result"]
    assert [u["update_id"] for u in again] == [sent["update_id"]]  # not confirmed yet
    confirmed = call(sandbox, "getUpdates", offset=sent["update_id"] + 1, timeout=0).json()
    assert confirmed["result"] == []
    assert client.get(f"/sandbox/updates/{sent['update_id']}")["confirmed"]


def test_faults_look_like_telegrams(sandbox: SandboxThread, client: Client) -> None:
    client.post("/sandbox/faults", method="sendMessage", status=429, retry_after=7, count=1)
    response = call(sandbox, "sendMessage", chat_id=DEMO_USER_ID, text="hej")
    assert response.status_code == 429
    assert response.json() == {"ok": False, "error_code": 429,
                               "description": "Too Many Requests: retry after 7",
                               "parameters": {"retry_after": 7}}
    assert call(sandbox, "sendMessage", chat_id=DEMO_USER_ID, text="hej").json()["ok"]
    client.post("/sandbox/block", user_id=DEMO_USER_ID)
    blocked = call(sandbox, "sendMessage", chat_id=DEMO_USER_ID, text="hej")
    assert blocked.json()["description"] == "Forbidden: bot was blocked by the user"


def test_python_telegram_bot_talks_to_it_unmodified(sandbox: SandboxThread,
                                                    client: Client) -> None:
    async def scenario() -> None:
        bot = Bot(DEMO_TOKEN, base_url=f"{sandbox.url}/bot")
        async with bot:
            assert bot.username == "ssp_ballerup_bot"
            message = await bot.send_message(DEMO_USER_ID, "<i>Hej</i>", parse_mode="HTML")
            edited = await bot.edit_message_text("Farvel", DEMO_USER_ID, message.message_id)
            assert not isinstance(edited, bool) and edited.text == "Farvel"
            with pytest.raises(BadRequest, match="too long"):
                await bot.send_message(DEMO_USER_ID, "x" * 5000)
            client.post("/sandbox/faults", method="sendMessage", status=429, retry_after=3)
            with pytest.raises(RetryAfter):
                await bot.send_message(DEMO_USER_ID, "hej")
            topic = await bot.create_forum_topic(STAFF_GROUP_ID, "Sag 1 · 13–15 år")
            thread = topic.message_thread_id
            await bot.send_message(STAFF_GROUP_ID, "Resumé", message_thread_id=thread)
            assert await bot.close_forum_topic(STAFF_GROUP_ID, thread)

    asyncio.run(scenario())
    assert [m["text"] for m in client.messages()] == ["Farvel"]
    assert [t["name"] for t in client.get(f"/sandbox/chats/{STAFF_GROUP_ID}/topics")] == [
        "Sag 1 · 13–15 år"]
