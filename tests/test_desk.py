"""The consultant desk end to end: the person's chat, the staff group, and the bot between."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sandbox.world import CONSULTANTS, DEMO_USER_ID, STAFF_GROUP_ID
from tests import texts as T
from tests.harness import FIRST_MESSAGE, BotProcess, Client, Staff, claim, open_case, wait_for

METTE, JONAS = (user_id for user_id, _ in CONSULTANTS)
OUTSIDER = 2000099
FIRST = FIRST_MESSAGE


@pytest.fixture
def staff(client: Client) -> Staff:
    return Staff(client)


def test_a_whole_hand_off(bot: BotProcess, client: Client, staff: Staff,
                          tmp_path: Path) -> None:
    open_case(client)
    topic = staff.wait_topic()
    assert topic["name"] == T.TOPIC_FIRST
    thread = topic["message_thread_id"]
    summary = staff.wait_text(T.SUMMARY_FIRST_MESSAGE, thread)
    assert FIRST in summary["text"] and "Freja" not in summary["text"]
    assert str(DEMO_USER_ID) not in summary["text"]
    assert [b["text"] for row in summary["buttons"] for b in row] == [T.CLAIM, T.CLOSE]

    staff.press(summary, T.CLAIM, METTE)
    claimed = client.wait_text("Mette fra SSP har taget din sag")
    assert T.BUTTON_END in [b["text"] for row in claimed["buttons"] for b in row]
    wait_for(lambda: staff.topics()[0]["name"].endswith("· Mette"), what="the topic to show Mette")

    long_text = "Det startede i 7. klasse, og nu er det værre. " * 70  # about 3,300 characters
    client.send(long_text)
    relayed = staff.wait_text(T.FROM_PERSON, thread)
    assert relayed["text"] == T.FROM_PERSON + "\n" + long_text.strip()

    staff.write("Hej! Godt du skriver. Har du taget skærmbilleder?", METTE, thread)
    answer = client.wait_text("Godt du skriver")
    assert answer["text"] == T.FROM_CONSULTANT + "Hej! Godt du skriver. Har du taget skærmbilleder?"

    staff.write("// ring til skolen i morgen", METTE, thread)
    staff.write("/note tal med Jonas om sagen", METTE, thread)
    staff.write("Du må gerne sende dem til en voksen, du stoler på.", METTE, thread)
    client.wait_text("sende dem til en voksen")
    person_texts = [m["text"] for m in client.bot_messages()]
    assert not any("skolen i morgen" in t or "Jonas" in t for t in person_texts)

    client.post("/sandbox/send", user_id=DEMO_USER_ID, media="photo")
    client.wait_text(T.MEDIA_NOT_STORED)
    staff.wait_text(T.MEDIA_WITHHELD, thread)
    assert not [m for m in staff.messages(thread) if m["media"]]  # nothing was copied over
    assert not client.calls("forwardMessage")

    database = tmp_path / "data" / "sspbot.sqlite3"
    raw = database.read_bytes() + (tmp_path / "data" / "sspbot.sqlite3-wal").read_bytes()
    for needle in (str(DEMO_USER_ID).encode(), b"Freja", "skærmbilleder".encode(),
                   b"Snap. Hvad"):
        assert needle not in raw, needle


def test_two_consultants_race_to_claim(bot: BotProcess, client: Client, staff: Staff) -> None:
    open_case(client)
    topic = staff.wait_topic()
    summary = staff.wait_text(T.CLAIM, topic["message_thread_id"])
    first = staff.press(summary, T.CLAIM, JONAS)
    second = staff.press(summary, T.CLAIM, METTE)
    assert staff.alert(first) == ""
    assert staff.alert(second) == T.CLAIM_REFUSED
    client.wait_text("Jonas fra SSP har taget din sag")
    time.sleep(0.5)
    assert not any("Mette" in m["text"] for m in client.bot_messages())


@pytest.mark.parametrize("setup", ["not on the allow-list", "left the group"])
def test_outsiders_can_neither_act_nor_read(bot: BotProcess, client: Client, staff: Staff,
                                             setup: str) -> None:
    outsider = OUTSIDER if setup == "not on the allow-list" else JONAS
    status = "member" if setup == "not on the allow-list" else "left"
    client.post("/sandbox/members", chat_id=STAFF_GROUP_ID, user_id=outsider, status=status)
    open_case(client)
    topic = staff.wait_topic()
    thread = topic["message_thread_id"]
    summary = staff.wait_text(T.CLAIM, thread)
    press = staff.press(summary, T.CLAIM, outsider)
    assert staff.alert(press) == T.NOT_ALLOWED
    staff.write("Hej, hvem er du?", outsider, thread)
    staff.write("/sager", outsider, None)
    time.sleep(1.0)
    assert not any("hvem er du" in m["text"] for m in client.bot_messages())
    assert not any(T.OPEN_CASES in m["text"] for m in staff.messages())
    claim(client, staff, METTE)  # the case is still there for a real consultant


def test_close_with_an_outcome_and_optional_feedback(bot: BotProcess, client: Client,
                                                     staff: Staff, tmp_path: Path) -> None:
    open_case(client, first=None)
    thread = claim(client, staff)
    summary = staff.wait_text(T.SUMMARY_NO_FIRST_MESSAGE, thread)
    staff.press(summary, T.CLOSE, METTE)
    choose = staff.wait_text(T.CHOOSE_OUTCOME, thread)
    assert [b["text"] for row in choose["buttons"] for b in row] == [
        T.OUTCOME_ADVICE, T.OUTCOME_PARENTS, T.OUTCOME_MEDIATION, T.OUTCOME_POLICE,
        T.OUTCOME_HELPLINES, "Andet"]
    staff.press(choose, T.OUTCOME_ADVICE, METTE)
    client.wait_text(T.ENDED_BY_CONSULTANT)
    question = client.wait_text(T.FEEDBACK)
    wait_for(lambda: staff.topics()[0]["closed"], what="the topic to close")
    staff.wait_text(T.CLOSED_BY, thread)
    client.press("Ja", message=question)
    client.wait_text(T.THANKS)
    database = sqlite3.connect(tmp_path / "data" / "sspbot.sqlite3")
    wait_for(lambda: database.execute("SELECT count(*) FROM feedback").fetchone()[0] == 1,
             what="the answer to be stored")
    assert database.execute("SELECT answer, audience FROM feedback").fetchall() == [
        ("helped_yes", "teen")]
    assert database.execute("SELECT state, outcome, route, person_key FROM cases").fetchall() == [
        ("closed", "advice_given", None, None)]
    staff.write("Er du der stadig?", METTE, thread)
    time.sleep(0.5)
    assert not any("stadig" in m["text"] for m in client.bot_messages())


def test_the_person_ends_and_the_consultant_records_the_outcome(
    bot: BotProcess, client: Client, staff: Staff
) -> None:
    open_case(client)
    thread = claim(client, staff)
    client.send("/afslut")
    client.wait_text(T.ENDED_BY_YOU)
    choose = staff.wait_text(T.PERSON_ENDED, thread)
    staff.write("Hallo?", METTE, thread)
    staff.wait_text(T.NOT_CONNECTED, thread)
    staff.press(choose, T.OUTCOME_MEDIATION, METTE)
    wait_for(lambda: staff.topics()[0]["closed"], what="the topic to close")


def test_relay_survives_flood_control_errors_and_timeouts(bot: BotProcess, client: Client,
                                                          staff: Staff) -> None:
    open_case(client)
    thread = claim(client, staff)
    before_person = len(client.bot_messages())
    before_topic = len(staff.messages(thread))
    client.post("/sandbox/faults", method="sendMessage", status=429, retry_after=1, count=1)
    client.post("/sandbox/faults", method="sendMessage", status=500, count=1)
    client.post("/sandbox/faults", method="sendMessage", status=504, delay=7, count=1)
    client.send("Første besked efter fejl")
    staff.write("Svar trods fejl", METTE, thread)
    staff.wait_text("Første besked efter fejl", thread)
    client.wait_text("Svar trods fejl")
    time.sleep(1.5)
    assert len(client.bot_messages()) == before_person + 1
    assert len(staff.messages(thread)) == before_topic + 2  # Mette's own message and the relay
    refused = [c.get("error_code") for c in client.calls("sendMessage") if not c["ok"]]
    assert sorted(refused) == [429, 500, 504]


def test_a_restart_mid_hand_off_changes_nothing(bot: BotProcess, client: Client,
                                               staff: Staff) -> None:
    open_case(client)
    thread = claim(client, staff)
    bot.kill()
    client.send("Er du der endnu?")
    staff.write("Ja, jeg er her.", METTE, thread)
    bot.start(client)
    staff.wait_text("Er du der endnu?", thread)
    client.wait_text("Ja, jeg er her.")


def test_a_person_who_blocked_the_bot_is_reported_once(bot: BotProcess, client: Client,
                                                      staff: Staff) -> None:
    open_case(client)
    thread = claim(client, staff)
    client.post("/sandbox/block", user_id=DEMO_USER_ID)
    staff.write("Hej igen", METTE, thread)
    staff.wait_text(T.PERSON_BLOCKED, thread)
    staff.write("Hallo?", METTE, thread)
    wait_for(lambda: len([c for c in client.calls("sendMessage") if c.get("error_code") == 403])
             == 2, what="the second refused send")
    time.sleep(1.0)
    notes = [m for m in staff.messages(thread) if "blokeret" in m["text"]]
    assert len(notes) == 1
    assert len([c for c in client.calls("sendMessage") if c.get("error_code") == 403]) == 2


def test_staff_commands(bot: BotProcess, client: Client, staff: Staff) -> None:
    open_case(client)
    staff.wait_topic()
    staff.write("/sager", JONAS, None)
    listing = staff.wait_text(T.OPEN_CASES)
    assert T.CASES_LINE in listing["text"]
    thread = claim(client, staff)
    staff.write("/svar", METTE, thread)
    staff.wait_text("/svar police", thread)
    staff.write("/svar snapchat", METTE, thread)
    client.wait_text(T.CANNED_SNAPCHAT)
    staff.wait_text(T.CANNED_SENT, thread)
    staff.write("/luk", METTE, thread)
    staff.wait_text(T.CHOOSE_OUTCOME, thread)
    assert not staff.topics()[0]["closed"]  # /luk only asks for the outcome; nothing closed yet


def test_staff_commands_in_a_private_chat_reveal_nothing(bot: BotProcess,
                                                         client: Client) -> None:
    client.send("/start 16-19")
    client.wait_text(T.MENU)
    for command in ("/sager", "/luk", "/svar police"):
        client.send(command)
        wait_for(lambda: client.last()["text"].startswith(T.MENU)
                 and T.UNKNOWN_COMMAND in client.bot_messages()[-2]["text"],
                 what="the unknown-command answer")
    assert not any("Sag " in m["text"] for m in client.bot_messages())


@pytest.fixture
def closed_bot(client: Client, tmp_path: Path) -> Iterator[BotProcess]:
    """The bot on a day the desk is closed."""
    today = datetime.now(ZoneInfo("Europe/Copenhagen")).date().isoformat()
    process = BotProcess(client.url, tmp_path / "data", tmp_path / "bot.log")
    process.env["SSPBOT_OFFICE_HOURS"] = "mon-sun 09:00-15:00"
    process.env["SSPBOT_CLOSED_DATES"] = today
    process.start(client)
    yield process
    process.stop()


def test_outside_office_hours_a_message_can_be_left(closed_bot: BotProcess, client: Client,
                                                    staff: Staff) -> None:
    client.send("/start 10-12")
    client.wait_text(T.MENU)
    client.press(T.BUTTON_CONSULTANT_CHILD)
    closed = client.wait_text(T.INTRO_CLOSED)
    assert "kl. 9" in closed["text"] and "116 111" in closed["text"]
    client.press(T.BUTTON_LEAVE_MESSAGE)
    client.send("Jeg vil gerne snakke i morgen")
    client.wait_text(T.WAITING_CLOSED)
    summary = staff.wait_text(T.SUMMARY_OUT_OF_HOURS)
    assert "Jeg vil gerne snakke i morgen" in summary["text"]
