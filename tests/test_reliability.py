"""The bot never goes silent: every answer Telegram can give has a defined outcome. The real bot
in its own process, the sandbox answering as Telegram does, faults injected."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from telegram.error import BadRequest

from bot.telegram.sender import not_modified
from sandbox.world import CONSULTANTS, DEMO_USER_ID, STAFF_GROUP_ID
from tests import texts as T
from tests.harness import DEMO_TOKEN, BotProcess, Client, Staff, claim, open_case, wait_for

METTE, JONAS = (user_id for user_id, _ in CONSULTANTS)
SOMEONE_ELSE = 1000002


@pytest.fixture
def staff(client: Client) -> Staff:
    return Staff(client)


def start_bot(client: Client, tmp_path: Path, **env: str) -> BotProcess:
    process = BotProcess(client.url, tmp_path / "data", tmp_path / "bot.log")
    process.env.update(env)
    process.start(client)
    return process


@pytest.fixture
def quick_giving_up(client: Client, tmp_path: Path) -> Iterator[BotProcess]:
    """A bot that sets a failing call aside after 3 tries within 20 seconds."""
    process = start_bot(client, tmp_path, SSPBOT_SEND_ATTEMPTS="3",
                        SSPBOT_SEND_GIVE_UP_SECONDS="20")
    yield process
    process.stop()


def dead_letters(tmp_path: Path) -> list[tuple[str, str]]:
    database = sqlite3.connect(tmp_path / "data" / "sspbot.sqlite3")
    return database.execute("SELECT lane_kind, method FROM dead_letters").fetchall()


def greet(client: Client, user: int) -> None:
    client.send("/start 13-15", user=user)
    client.wait_text(T.MENU, chat=user)


def staff_sends(client: Client) -> list[dict[str, object]]:
    return [call for call in client.calls("sendMessage") if call.get("ok")
            and str(call["params"]["chat_id"]) == str(STAFF_GROUP_ID)]  # type: ignore[index]


# --- 0. young people never wait behind the staff group ------------------------------------

def test_young_people_never_wait_behind_the_staff_group(bot: BotProcess, client: Client,
                                                         staff: Staff) -> None:
    open_case(client)
    thread = claim(client, staff)
    client.post("/sandbox/faults", method="sendMessage", chat_id=STAFF_GROUP_ID, delay=8,
                count=3)
    for text in ("en", "to", "tre"):
        client.send(f"Besked nummer {text}")
        time.sleep(0.3)  # three relays, not one merged
    before = len(staff_sends(client))
    client.send("/start 13-15", user=SOMEONE_ELSE)
    client.wait_text(T.MENU, chat=SOMEONE_ELSE)
    # Answered while the staff group's slow calls were still waiting for Telegram.
    assert len(staff_sends(client)) - before < 3
    staff.wait_text("Besked nummer tre", thread, timeout=60)


# --- 1. one unexpected answer stops nothing ----------------------------------------------

@pytest.mark.parametrize("status", [400, 401, 404])
def test_a_send_telegram_refuses_is_set_aside_and_nothing_else_stops(
        bot: BotProcess, client: Client, tmp_path: Path, status: int) -> None:
    greet(client, DEMO_USER_ID)
    client.post("/sandbox/faults", method="sendMessage", status=status, count=1,
                chat_id=DEMO_USER_ID, description=f"Error {status}: refused")
    client.send("/hjaelp")
    wait_for(lambda: dead_letters(tmp_path), what="the refused send to be set aside")
    assert dead_letters(tmp_path) == [("person", "sendMessage")]
    client.send("/privatliv")  # the same person is answered again at once
    client.wait_text(T.PRIVACY)
    greet(client, SOMEONE_ELSE)  # and so is everybody else
    log = bot.log
    assert "set aside" in log and "Traceback" not in log


def test_an_answer_that_is_not_json_is_retried(bot: BotProcess, client: Client) -> None:
    greet(client, DEMO_USER_ID)
    client.post("/sandbox/faults", method="sendMessage", status=502, count=2,
                raw="<html><body>Bad gateway</body></html>")
    client.send("/hjaelp")
    client.wait_text(T.HELP, timeout=30)


@pytest.mark.parametrize("method", ["sendMessage", "getUpdates"])
def test_an_answer_that_is_not_json_never_puts_its_words_in_the_log(
        bot: BotProcess, client: Client, method: str) -> None:
    greet(client, DEMO_USER_ID)
    canary = "Hemmelig besked fra Sofie"  # as if a proxy had mangled what a person wrote
    client.post("/sandbox/faults", method=method, status=200, count=2,
                raw='{"ok": true, "result": [{"update_id": 1, "message": {"text": "' + canary)
    client.send("/hjaelp")
    client.wait_text(T.HELP, timeout=60)
    wait_for(lambda: sum(1 for call in client.calls(method) if call.get("raw")) >= 2,
             what="both broken answers given")
    client.send("/privatliv")
    client.wait_text(T.PRIVACY, timeout=60)
    assert canary not in bot.log and "Traceback" not in bot.log


def test_a_refused_staff_message_is_told_in_the_staff_group(bot: BotProcess, client: Client,
                                                            staff: Staff) -> None:
    open_case(client)
    thread = claim(client, staff)
    client.post("/sandbox/faults", method="sendMessage", status=400, count=1,
                chat_id=STAFF_GROUP_ID, description="Bad Request: message is too long")
    client.send("Det her kommer ikke frem")
    alert = staff.wait_text(T.SEND_FAILED)
    assert alert["thread"] is None  # in the general topic, where everybody sees it
    client.send("Men det her gør")
    staff.wait_text("Men det her gør", thread)


def test_an_alert_the_group_refuses_is_sent_again_as_bare_text(
        bot: BotProcess, client: Client, staff: Staff, tmp_path: Path) -> None:
    open_case(client)
    thread = claim(client, staff)
    for chat in (DEMO_USER_ID, STAFF_GROUP_ID):  # the reply, then the alert that it failed
        client.post("/sandbox/faults", method="sendMessage", chat_id=chat, status=400, count=1,
                    description="Bad Request: can't parse entities")
    staff.write("Kommer dette frem?", METTE, thread)
    alert = staff.wait_text(T.SEND_FAILED, timeout=30)
    assert alert["thread"] is None and "<b>" not in alert["text"]
    assert sorted(dead_letters(tmp_path)) == [("person", "sendMessage"),
                                              ("staff", "sendMessage")]


def test_a_refused_call_that_may_fail_is_no_failure(bot: BotProcess, client: Client,
                                                    staff: Staff, tmp_path: Path) -> None:
    open_case(client)
    client.post("/sandbox/faults", method="editForumTopic", status=403, count=1,
                description="Forbidden: not enough rights to manage topics")
    thread = claim(client, staff)  # the topic's new name is refused; the claim stands
    staff.write("Hej, jeg er her nu.", METTE, thread)
    client.wait_text("Hej, jeg er her nu.")
    assert any(call["method"] == "editForumTopic" and not call.get("ok")
               for call in client.calls("editForumTopic"))
    assert dead_letters(tmp_path) == [] and "set aside" not in bot.log


def test_the_staff_group_is_followed_when_it_becomes_a_supergroup(
        bot: BotProcess, client: Client, tmp_path: Path) -> None:
    new_id = -1009999999999
    client.post("/sandbox/migrate", chat_id=STAFF_GROUP_ID, new_id=new_id)
    open_case(client)
    wait_for(lambda: client.get(f"/sandbox/chats/{new_id}/topics"),
             what="the case's topic in the group under its new id")
    database = sqlite3.connect(tmp_path / "data" / "sspbot.sqlite3")
    moved = database.execute("SELECT value FROM kv WHERE name = 'staff_group_id'").fetchone()
    assert moved == (str(new_id),)


# --- 2. a send that keeps failing is set aside, and the person is answered ---------------

def test_a_call_that_keeps_failing_is_set_aside(quick_giving_up: BotProcess, client: Client,
                                               tmp_path: Path) -> None:
    greet(client, DEMO_USER_ID)
    client.press(T.BUTTON_REPORT)
    question = client.wait_text(T.REPORT_ASKS)
    client.post("/sandbox/faults", method="deleteMessages", status=500, count=100)
    client.press(T.BUTTON_HIDE, message=question)  # quick exit: its deletions keep failing
    wait_for(lambda: ("person", "deleteMessages") in dead_letters(tmp_path), timeout=60,
             what="the failing deletions to be set aside")
    client.send("hej")
    client.wait_text(T.GREETING)


# --- 3. update ids that start again are not ignored ----------------------------------------

def test_a_telegram_that_counts_anew_is_still_answered(bot: BotProcess,
                                                       client: Client) -> None:
    for _ in range(3):
        greet(client, DEMO_USER_ID)
    bot.kill()
    client.reset()  # Telegram forgets: update ids start again from the beginning
    bot.start(client)
    # Real Telegram goes on counting message ids in a chat; the sandbox starts them again, so
    # the first greeting sent again within the same second would be the very same update,
    # rightly taken as one already answered. Something else said is a new update.
    client.send("/hjaelp")
    client.wait_text(T.HELP)


# --- 4. long messages are split, never dropped ---------------------------------------------

def test_long_messages_are_split_both_ways(bot: BotProcess, client: Client,
                                           staff: Staff) -> None:
    long_first = "Først " + "ord " * 1100  # about 4,400 characters: the summary is split
    open_case(client, first=long_first.strip())
    topic = staff.wait_topic()
    thread = topic["message_thread_id"]
    summary = staff.wait_text(T.CLAIM, thread)
    assert T.CLAIM in [b["text"] for row in summary["buttons"] for b in row]
    staff.press(summary, T.CLAIM, METTE)
    client.wait_text(T.CLAIMED)
    words = "æ" + "ø" * 4080 + " slut"  # with its signature, over Telegram's 4,096
    client.send(words)
    wait_for(lambda: "slut" in "".join(m["text"] for m in staff.messages(thread)),
             what="the end of the long message in the topic")
    relayed = "".join(m["text"] for m in staff.messages(thread) if "øøøøø" in m["text"])
    assert relayed.count("ø") == 4080
    staff.write("å" * 4090, METTE, thread)
    wait_for(lambda: sum(m["text"].count("å") for m in client.bot_messages()
                         if "ååååå" in m["text"]) == 4090,
             what="every letter of the consultant's long message")


# --- 5. start-up and polling ------------------------------------------------------------------

def test_a_failing_set_my_commands_does_not_stop_the_bot(client: Client,
                                                         tmp_path: Path) -> None:
    client.post("/sandbox/faults", method="setMyCommands", status=500, count=2)
    process = start_bot(client, tmp_path)
    try:
        greet(client, DEMO_USER_ID)
        wait_for(lambda: client.get("/sandbox/commands"), timeout=30,
                 what="the command menu, set on a later try")
    finally:
        process.stop()


def test_polling_backs_off_when_telegram_fails_at_once(bot: BotProcess,
                                                       client: Client) -> None:
    client.post("/sandbox/faults", method="getUpdates", status=500, count=4)
    started = time.monotonic()
    wait_for(lambda: len([c for c in client.calls("getUpdates") if not c["ok"]]) >= 4,
             timeout=60, what="four failed polls")
    assert time.monotonic() - started > (1 + 2 + 4) * 0.8  # waits that grow, not a tight loop
    client.send("/start 13-15")
    client.wait_text(T.MENU, timeout=60)


class NotTelegram(BaseHTTPRequestHandler):
    """A web server that is not the Bot API: a captive portal's page for every request."""

    def do_GET(self) -> None:
        body = "<html><body>Log ind for at bruge netværket</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def not_telegram() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), NotTelegram)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("url", "token", "says"), [
    ("sandbox", "123456789:wrong-token-for-this-bot", "refused TELEGRAM_BOT_TOKEN"),
    ("sandbox-page", DEMO_TOKEN, "TELEGRAM_API_URL does not lead to the Bot API"),
    ("portal", DEMO_TOKEN, "did not answer as the Bot API does"),
    ("http://127.0.0.1:9", DEMO_TOKEN, "cannot reach Telegram"),
])
def test_a_wrong_token_or_address_is_said_in_one_line(client: Client, tmp_path: Path,
                                                      not_telegram: str, url: str, token: str,
                                                      says: str) -> None:
    address = {"sandbox": client.url, "sandbox-page": client.url + "/sandbox/commands",
               "portal": not_telegram}.get(url, url)
    env = {**BotProcess(client.url, tmp_path / "data", tmp_path / "log").env,
           "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": address}
    done = subprocess.run([sys.executable, "-m", "bot", "run"], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert says in done.stderr
    assert "Traceback" not in done.stderr and token not in done.stderr + done.stdout
    assert token.split(":")[1] not in done.stderr


# --- 6. messages twice ------------------------------------------------------------------

def test_not_modified_is_recognised_as_the_library_writes_it() -> None:
    error = BadRequest("Bad Request: message is not modified: specified new message content "
                       "and reply markup are exactly the same")
    assert not_modified(error)
    assert not not_modified(BadRequest("Bad Request: message to edit not found"))


def test_a_slow_answer_does_not_make_a_message_twice(bot: BotProcess, client: Client) -> None:
    greet(client, DEMO_USER_ID)
    client.post("/sandbox/faults", method="sendMessage", chat_id=DEMO_USER_ID, after=True,
                delay=7, count=1)
    client.send("/hjaelp")
    client.wait_text(T.HELP, timeout=30)
    client.send("/menu")
    client.wait_text(T.MENU)
    helps = [m for m in client.bot_messages() if T.HELP in m["text"]]
    assert len(helps) == 1


def test_a_topic_made_twice_is_made_once(client: Client, staff: Staff,
                                         tmp_path: Path) -> None:
    """Telegram makes the topic but its answer never comes: the bot finds its topic again by
    Telegram's notice of it, and never makes a second."""
    client.post("/sandbox/faults", method="createForumTopic", after=True, delay=60, count=1)
    process = start_bot(client, tmp_path)
    try:
        open_case(client)
        topic = staff.wait_topic()
        staff.summary(topic["message_thread_id"], timeout=60)
        topics = staff.topics()
        assert len(topics) == 1
        process.kill()
        process.start(client)
        client.send("Er der nogen?")
        staff.wait_text("Er der nogen?", topics[0]["message_thread_id"])
        assert len(staff.topics()) == 1
    finally:
        process.stop()


# --- 7. topics are known by group and thread ----------------------------------------------

def test_a_new_case_in_a_group_that_counts_anew_gets_its_own_topic(
        bot: BotProcess, client: Client, staff: Staff) -> None:
    open_case(client)
    first = claim(client, staff)
    bot.kill()
    client.reset()  # the group's topics start again from 1
    bot.start(client)
    open_case(client, user=SOMEONE_ELSE)
    topic = staff.wait_topic()
    assert topic["message_thread_id"] == first  # the same number as the old case's topic
    thread = claim(client, staff, user=SOMEONE_ELSE)
    assert thread == first
    staff.write("Hej, det er Mette.", METTE, thread)
    client.wait_text("Hej, det er Mette.", chat=SOMEONE_ELSE)


# --- 10. staff checks and ownership -------------------------------------------------------

def test_a_failed_membership_check_is_retried_and_never_an_answer(
        bot: BotProcess, client: Client, staff: Staff) -> None:
    open_case(client)
    client.post("/sandbox/faults", method="getChatMember", status=500, count=1)
    thread = claim(client, staff, consultant=METTE)  # the check is asked again, and passes
    client.post("/sandbox/faults", method="getChatMember", status=429, retry_after=1, count=1)
    staff.write("Hej fra Jonas", JONAS, thread)  # a fresh check, answered 429 first
    staff.wait_text(T.TAKE_OVER_OFFER, thread)  # understood as Jonas: not Mette's case
    client.post("/sandbox/faults", method="getChatMember", status=500, count=10)
    staff.write("/sager", JONAS, None)
    staff.wait_text(T.OPEN_CASES)  # Jonas's yes is trusted a few minutes: no new check


def test_only_the_owner_writes_and_a_colleague_takes_over_with_one_tap(
        bot: BotProcess, client: Client, staff: Staff) -> None:
    open_case(client)
    thread = claim(client, staff, consultant=METTE)
    staff.write("Jeg er Jonas", JONAS, thread)
    offer = staff.wait_text(T.TAKE_OVER_OFFER, thread)
    assert not any("Jeg er Jonas" in m["text"] for m in client.bot_messages())
    staff.press(offer, T.TAKE_OVER, JONAS)
    client.wait_text("Jonas fra SSP")
    staff.wait_text(T.TAKEN_OVER, thread)
    staff.write("Nu er det mig, Jonas", JONAS, thread)
    client.wait_text("Nu er det mig, Jonas")


# --- 12. a closed topic, and writing there -------------------------------------------------

def test_writing_in_a_closed_case_says_it_was_not_sent(bot: BotProcess, client: Client,
                                                       staff: Staff) -> None:
    open_case(client)
    thread = claim(client, staff)
    staff.write("/luk", METTE, thread)
    choose = staff.wait_text(T.CHOOSE_OUTCOME, thread)
    staff.press(choose, T.OUTCOME_ADVICE, METTE)
    wait_for(lambda: staff.topics()[0]["closed"], what="the topic to close")
    staff.write("Hov, en sidste ting", METTE, thread)
    staff.wait_text(T.CASE_CLOSED_ALREADY)


# --- 14. nothing readable after /slet, even with the secret ----------------------------------

def test_slet_leaves_nothing_readable_even_with_the_secret(bot: BotProcess, client: Client,
                                                           staff: Staff, tmp_path: Path) -> None:
    from bot.core.keys import Keys

    canary = "Kanarie-7731 hemmelig"
    open_case(client, first=canary)
    thread = claim(client, staff)
    client.send(canary + " igen")
    staff.wait_text(canary + " igen", thread)
    client.send("/slet")
    client.wait_text(T.FORGOTTEN)
    data = tmp_path / "data"
    keys = Keys((data / "demo-secret").read_text().strip().encode())

    def readable() -> bytes:
        raw = b"".join(p.read_bytes() for p in data.iterdir() if p.name.startswith("sspbot"))
        database = sqlite3.connect(data / "sspbot.sqlite3")
        opened = []
        for table, column in (("inbox", "payload"), ("outbox", "payload"),
                              ("sessions", "data"), ("cases", "route"),
                              ("cases", "answers_sealed")):
            for (blob,) in database.execute(f"SELECT {column} FROM {table}"):
                if blob:
                    opened.append(keys.open(blob))
        return raw + b"".join(opened)

    wait_for(lambda: canary.encode() not in readable(), what="every trace to be gone")
    assert str(DEMO_USER_ID).encode() not in readable()


# --- 16. what a person sends never reaches the log ------------------------------------------

def test_forged_buttons_never_reach_the_log(bot: BotProcess, client: Client) -> None:
    greet(client, DEMO_USER_ID)
    for data in ("²:report", "9" * 40 + ":x", "1:" + "é" * 60):
        client.press("", data=data)
        client.wait_text(T.STALE_BUTTON)
    assert "²" not in bot.log and "é" * 10 not in bot.log and "Traceback" not in bot.log


def test_a_forged_staff_button_with_a_huge_case_number_is_answered(
        bot: BotProcess, client: Client) -> None:
    """A case number beyond SQLite's integers is a case that is not there, not a crash."""
    pressed_on = {"message_id": 1, "date": int(time.time()), "text": "Sag 1",
                  "chat": {"id": STAFF_GROUP_ID, "type": "supergroup", "title": "SSP",
                           "is_forum": True}}
    client.post("/sandbox/update", callback_query={
        "id": "forged-staff", "chat_instance": "ci", "data": "c:" + "9" * 20 + ":claim",
        "from": {"id": CONSULTANTS[0][0], "is_bot": False, "first_name": "Mette"},
        "message": pressed_on})
    answer = wait_for(lambda: client.get("/sandbox/callback_answers/forged-staff") or None,
                      what="the press answered")
    assert T.CASE_GONE in answer.get("text", "")
    assert "handling update" not in bot.log


# --- 17. a flood from one person cannot hold up the desk ---------------------------------

def test_a_flood_is_merged_and_the_desk_goes_first(bot: BotProcess, client: Client,
                                                   staff: Staff) -> None:
    open_case(client)
    thread = claim(client, staff)
    # Telegram answers the group slowly for a while: what the person writes piles up.
    client.post("/sandbox/faults", method="sendMessage", chat_id=STAFF_GROUP_ID, delay=1.5,
                count=4)
    for number in range(40):
        client.send(f"flod {number:02d}")
    staff.write("/luk", METTE, thread)
    prompt = staff.wait_text(T.CHOOSE_OUTCOME, thread)
    wait_for(lambda: "flod 39" in "".join(m["text"] for m in staff.messages(thread)),
             timeout=120, what="the whole flood in the topic")
    relays = [m for m in staff.messages(thread) if "flod" in m["text"]]
    assert len(relays) < 40  # what piled up went as one message
    assert all(f"flod {n:02d}" in "".join(m["text"] for m in relays) for n in range(40))
    last = next(m for m in relays if "flod 39" in m["text"])
    assert prompt["message_id"] < last["message_id"]  # closing did not wait for the flood


# --- a bug in handling still gets the person an answer ----------------------------------------

def test_a_failure_while_handling_is_answered_not_silent(bot: BotProcess, client: Client,
                                                          tmp_path: Path) -> None:
    from bot.core.keys import Keys

    greet(client, DEMO_USER_ID)
    data = tmp_path / "data"
    keys = Keys((data / "demo-secret").read_text().strip().encode())
    database = sqlite3.connect(data / "sspbot.sqlite3")
    database.execute("UPDATE sessions SET data = ? WHERE key = ?",  # a session nobody can open
                     [b"\x01" + b"\x00" * 40, keys.chat_key(DEMO_USER_ID)])
    database.commit()
    client.send("/hjaelp")
    client.wait_text(T.FAILED)
    assert "handling update" in bot.log and "Traceback" not in bot.log


def test_a_failure_in_the_staff_group_is_said_to_the_consultant(bot: BotProcess, client: Client,
                                                                 staff: Staff,
                                                                 tmp_path: Path) -> None:
    open_case(client)
    thread = claim(client, staff)
    database = sqlite3.connect(tmp_path / "data" / "sspbot.sqlite3")
    database.execute("UPDATE cases SET route = ?", [b"\x01" + b"\x00" * 40])  # unreadable
    database.commit()
    staff.write("Hej, jeg er her nu.", CONSULTANTS[0][0], thread)
    said = staff.wait_text(T.STAFF_FAILED, thread)
    assert said["thread"] == thread and "Traceback" not in bot.log
    assert not any("Hej, jeg er her nu." in m["text"] for m in client.bot_messages())
