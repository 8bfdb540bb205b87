"""Whole conversations: the real bot in its own process, over HTTP, against the sandbox."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest

from sandbox.world import BOT_ID, DEMO_USER_ID
from tests import texts as T
from tests.harness import DEMO_TOKEN, BotProcess, Client, wait_for

GREETING = T.GREETING
MENU = T.MENU


def start(client: Client, audience_label: str = T.AS_TEEN) -> dict[str, object]:
    client.send("/start")
    client.wait_text(GREETING)
    client.press(audience_label)
    return client.wait_text(MENU)


def test_start_audience_menu_and_back(bot: BotProcess, client: Client) -> None:
    client.send("/start")
    greeting = client.wait_text(GREETING)
    assert client.labels(greeting) == [T.AS_CHILD, T.AS_TEEN, T.AS_YOUTH,
                                       T.AS_PARENT, T.AS_PROFESSIONAL]
    pressed = client.press(T.AS_TEEN)
    menu = client.wait_text(MENU)
    assert menu["message_id"] == greeting["message_id"]  # the pressed message turned into it
    assert client.labels(menu) == [T.BUTTON_REPORT, T.BUTTON_FOLLOW, T.BUTTON_IMAGES,
                                   T.BUTTON_CONSULTANT, T.BUTTON_HELP_LINES, T.BUTTON_PRIVACY,
                                   T.BUTTON_CHANGE_AUDIENCE]
    wait_for(lambda: client.get(f"/sandbox/callback_answers/{pressed['callback_query_id']}")
             is not None, what="the button's spinner to stop")
    client.press(T.BUTTON_IMAGES)
    client.wait_text(T.IMAGES_CHOOSING)
    client.press(T.BUTTON_MENU)
    client.wait_text(MENU)
    assert len(client.bot_messages()) == 1  # one message, edited as the person moved


@pytest.mark.parametrize(
    ("label", "menu_labels"),
    [(T.AS_CHILD, [T.BUTTON_REPORT_CHILD, T.BUTTON_FOLLOW, T.BUTTON_IMAGES_CHILD,
                   T.BUTTON_CONSULTANT_CHILD, T.BUTTON_HELP_LINES, T.BUTTON_PRIVACY,
                   T.BUTTON_CHANGE_AUDIENCE]),
     (T.AS_PARENT, [T.BUTTON_PARENTS, T.BUTTON_CONSULTANT, T.BUTTON_HELP_LINES,
                    T.BUTTON_PRIVACY, T.BUTTON_CHANGE_AUDIENCE]),
     (T.AS_PROFESSIONAL, [T.BUTTON_ACTION_CARD, T.BUTTON_CONSULTANT_PROFESSIONAL,
                          T.BUTTON_HELP_LINES, T.BUTTON_PRIVACY, T.BUTTON_CHANGE_AUDIENCE])],
)
def test_each_audience_gets_its_own_menu(bot: BotProcess, client: Client, label: str,
                                         menu_labels: list[str]) -> None:
    client.send("/start")
    client.wait_text(GREETING)
    client.press(label)
    menu = wait_for(lambda: (lambda m: m if m["buttons"] and GREETING not in m["text"] else None)(
        client.last()), what="the menu")
    assert client.labels(menu) == menu_labels


def test_deep_link_from_a_poster_skips_the_question(bot: BotProcess, client: Client) -> None:
    client.send("/start 13-15")
    menu = client.wait_text(MENU)
    welcome, _ = client.bot_messages()
    assert T.WELCOME in welcome["text"]
    assert T.BUTTON_REPORT in client.labels(menu)


def test_help_privacy_and_the_command_menu(bot: BotProcess, client: Client) -> None:
    commands = client.get("/sandbox/commands")
    assert [c["command"] for c in commands] == ["start", "menu", "sag", "hjaelp", "privatliv",
                                               "afslut", "slet"]
    assert commands[3]["description"] == T.COMMAND_HELP
    start(client)
    client.send("/hjaelp")
    client.wait_text(T.HELP)
    client.send("/privatliv")
    privacy = client.wait_text(T.PRIVACY)
    assert T.PRIVACY_TELEGRAM in privacy["text"]
    wait_for(lambda: client.last()["text"].startswith(MENU), what="the menu, where they were")


def test_kill_between_two_presses_continues(bot: BotProcess, client: Client) -> None:
    start(client)
    bot.kill()
    client.press(T.BUTTON_IMAGES)  # pressed while the bot is down
    bot.start(client)
    client.wait_text(T.IMAGES_CHOOSING)
    client.press(T.BUTTON_MENU)
    client.wait_text(MENU)


def test_kill_after_delivery_still_answers_exactly_once(bot: BotProcess, client: Client) -> None:
    start(client)
    before = len(client.bot_messages())
    sent = client.send("/hjaelp")
    wait_for(lambda: client.get(f"/sandbox/updates/{sent['update_id']}")["delivered"],
             timeout=10, what="delivery")
    bot.kill()
    bot.start(client)
    client.wait_text(T.HELP)
    time.sleep(1.0)  # room for a duplicate to show up, if there were one
    texts = [m["text"] for m in client.bot_messages()[before:]]
    assert sum(T.HELP in t for t in texts) == 1, texts


def test_many_kills_during_a_conversation_lose_and_repeat_nothing(
    bot: BotProcess, client: Client
) -> None:
    start(client)
    for round_ in range(3):
        sent = client.send("/hjaelp")
        time.sleep(0.02 * round_)
        bot.kill()
        bot.start(client)
        update_id = sent["update_id"]
        wait_for(lambda: client.acknowledged(update_id),  # noqa: B023 - used within the iteration
                 what="the update to be answered")
    wait_for(lambda: sum(T.HELP in m["text"] for m in client.bot_messages()) == 3,
             what="three answers")
    time.sleep(1.0)
    assert sum(T.HELP in m["text"] for m in client.bot_messages()) == 3


def test_one_chats_updates_are_answered_in_order(bot: BotProcess, client: Client) -> None:
    start(client)
    before = len(client.bot_messages())
    commands = ["/hjaelp", "/privatliv", "/privatliv", "/hjaelp", "/privatliv"]
    for command in commands:
        client.send(command)
    messages = client.wait_count(before + 2 * len(commands))[before:]
    notes = [m["text"] for m in messages if not m["text"].startswith(MENU)]
    expected = [T.HELP if c == "/hjaelp" else T.PRIVACY for c in commands]
    assert [next(e for e in expected if e in n) for n in notes] == expected


@pytest.mark.parametrize(
    ("action", "answer"),
    [
        (lambda c: c.post("/sandbox/send", user_id=DEMO_USER_ID, media="photo"),
         T.MEDIA_NOT_STORED),
        (lambda c: c.post("/sandbox/send", user_id=DEMO_USER_ID, media="document"),
         T.MEDIA_NOT_STORED),
        (lambda c: c.post("/sandbox/send", user_id=DEMO_USER_ID, media="sticker"),
         T.UNSUPPORTED),
        (lambda c: c.post("/sandbox/send", user_id=DEMO_USER_ID, media="contact"),
         T.UNSUPPORTED),
        (lambda c: c.send("hej hej"), T.USE_BUTTONS),
        (lambda c: c.send("x" * 4096), T.USE_BUTTONS),
        (lambda c: c.send("/findesikke"), T.UNKNOWN_COMMAND),
        (lambda c: c.press("", data="999:report"), T.STALE_BUTTON),
        (lambda c: c.press("", data="forged-data-äöü"), T.STALE_BUTTON),
    ],
    ids=["photo", "file", "sticker", "contact", "text", "longest text", "unknown command",
         "stale button", "forged button"],
)
def test_odd_input_gets_a_danish_answer(bot: BotProcess, client: Client, action: object,
                                        answer: str) -> None:
    start(client)
    action(client)  # type: ignore[operator]
    client.wait_text(answer)
    wait_for(lambda: client.last()["text"].startswith(MENU), what="the menu again")


def test_updates_with_nothing_to_say_are_ignored_safely(bot: BotProcess, client: Client) -> None:
    menu = start(client)
    before = len(client.bot_messages())
    client.post("/sandbox/edit", user_id=DEMO_USER_ID, message_id=1, text="/start rettet")
    channel = {"message_id": 1, "date": 0, "text": "kanal",
               "chat": {"id": -1009, "type": "channel", "title": "Kanal"}}
    quiet = [
        client.post("/sandbox/update", channel_post=channel)["update_id"],
        client.post("/sandbox/update", poll={"id": "1", "question": "?", "options": [],
                                             "total_voter_count": 0, "is_closed": False,
                                             "is_anonymous": True, "type": "regular",
                                             "allows_multiple_answers": False})["update_id"],
        client.post("/sandbox/update", message_reaction={
            "chat": {"id": DEMO_USER_ID, "type": "private"}, "message_id": menu["message_id"],
            "date": 0, "old_reaction": [], "new_reaction": []})["update_id"],
    ]
    for update_id in quiet:
        wait_for(lambda: client.acknowledged(update_id),  # noqa: B023 - used within the iteration
                 what="the update to be handled")
    client.send("/menu")
    client.wait_count(before + 1)
    assert client.last()["text"].startswith(MENU)


def test_added_to_a_group_it_explains_and_leaves(bot: BotProcess, client: Client) -> None:
    client.post("/sandbox/add_to_group", user_id=DEMO_USER_ID, group_id=-4001)
    note = client.wait_text(T.PRIVATE_ONLY, chat=-4001)
    assert note
    wait_for(lambda: not client.get("/sandbox/chats/-4001")["bot_is_member"], what="leaving")


def test_slet_forgets_the_person(bot: BotProcess, client: Client, tmp_path: Path) -> None:
    start(client)
    client.send("/slet")
    client.wait_text(T.FORGOTTEN)
    database = tmp_path / "data" / "sspbot.sqlite3"
    rows = wait_for(lambda: sqlite3.connect(database).execute(
        "SELECT count(*) FROM sessions").fetchone()[0] == 0 or None, what="no session")
    assert rows


def test_replies_survive_telegram_errors_without_duplicates(bot: BotProcess,
                                                            client: Client) -> None:
    start(client)
    before = len(client.bot_messages())
    client.post("/sandbox/faults", method="sendMessage", status=429, retry_after=1, count=2)
    client.post("/sandbox/faults", method="sendMessage", status=500, count=2)
    client.send("/hjaelp")
    client.wait_text(T.HELP, timeout=30)
    wait_for(lambda: client.last()["text"].startswith(MENU), timeout=30, what="the menu")
    time.sleep(1.0)
    assert len(client.bot_messages()) == before + 2
    errors = [c["error_code"] for c in client.calls("sendMessage") if not c["ok"]]
    assert errors == [429, 429, 500, 500]


def test_a_blocked_bot_gives_up_quietly(bot: BotProcess, client: Client) -> None:
    start(client)
    client.post("/sandbox/block", user_id=DEMO_USER_ID)
    client.send("/hjaelp")
    wait_for(lambda: any(c["error_code"] == 403 for c in client.calls("sendMessage")
                         if not c["ok"]), what="a refused send")
    time.sleep(1.5)
    refused = [c for c in client.calls("sendMessage") if not c["ok"]]
    assert len(refused) == 1  # no retry storm
    client.post("/sandbox/block", user_id=DEMO_USER_ID, blocked=False)
    client.send("/menu")
    client.wait_text(MENU)


def test_nothing_identifying_in_the_database_or_the_log(bot: BotProcess, client: Client,
                                                        tmp_path: Path) -> None:
    secret_words = "Min hemmelighed er blå"
    start(client)
    client.send(secret_words)
    client.wait_text("Her skal du trykke")
    client.post("/sandbox/send", user_id=DEMO_USER_ID, media="photo")
    client.wait_text(T.MEDIA_NOT_STORED)
    data = tmp_path / "data"
    running = b"".join(p.read_bytes() for p in data.iterdir() if p.name.startswith("sspbot"))
    assert (data / "sspbot.sqlite3-wal").exists(), "the write-ahead log is read too"
    bot.stop()
    stopped = b"".join(p.read_bytes() for p in data.iterdir() if p.name.startswith("sspbot"))
    for raw in (running, stopped):
        assert raw, "the database files were read"
        for needle in (str(DEMO_USER_ID), "Freja", secret_words, "hemmelighed"):
            assert needle.encode() not in raw, needle
    log = bot.log
    assert "bot running" in log and "update" in log
    for needle in (DEMO_TOKEN, DEMO_TOKEN.split(":")[1], str(DEMO_USER_ID), "Freja",
                   secret_words, str(BOT_ID) + ":"):
        assert needle not in log, needle
    assert not re.search(r"Traceback", log), log


def test_a_page_that_stays_on_screen_loses_its_buttons_when_the_person_moves_on(
        bot: BotProcess, client: Client) -> None:
    client.send("/start 13-15")
    client.wait_text(T.MENU)
    client.press(T.BUTTON_CONSULTANT)
    intro = wait_for(lambda: next((m for m in reversed(client.bot_messages())
                                   if T.INTRO_OPEN in m["text"] or T.INTRO_CLOSED in m["text"]),
                                  None), what="what happens if you write to SSP")
    assert "Ikke nu" in client.labels(intro)
    client.press("Ikke nu", message=intro)
    wait_for(lambda: client.last()["message_id"] > intro["message_id"]
             and T.MENU in client.last()["text"], what="the menu as a new message")

    def the_intro() -> dict[str, object]:
        return next(m for m in client.bot_messages() if m["message_id"] == intro["message_id"])

    wait_for(lambda: not client.labels(the_intro()), what="the old page's buttons taken away")
    assert the_intro()["text"] == intro["text"]  # its words stay


def test_each_conversation_started_is_counted_by_audience_and_channel_only(
        bot: BotProcess, client: Client, tmp_path: Path) -> None:
    for user, deep_link in ((DEMO_USER_ID, "13-15"), (DEMO_USER_ID + 1, "13-15"),
                            (DEMO_USER_ID + 2, "foraelder")):
        client.send(f"/start {deep_link}", user=user)
        client.wait_text(T.MENU if deep_link == "13-15" else "", chat=user)
    client.send("/hjaelp")  # going on in a conversation is not a new one
    client.wait_text(T.HELP)
    database = sqlite3.connect(tmp_path / "data" / "sspbot.sqlite3")
    counted = dict(((audience, channel), n) for audience, channel, n in database.execute(
        "SELECT audience, channel, n FROM counters WHERE name = 'conversation_started'"))
    assert counted == {("teen", "telegram"): 2, ("parent", "telegram"): 1}
    assert [row[1] for row in database.execute("PRAGMA table_info(counters)")] == [
        "month", "name", "audience", "channel", "n"]  # nothing that points to anyone
