"""`sspbot setup` against the sandbox, with the bot stopped: it lists groups and the consultants'
ids without taking an update or reading a private chat, and names what is missing with its fix."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sandbox.cli import DEMO_TOKEN
from sandbox.server import SandboxThread
from sandbox.world import BOT_ID, CONSULTANTS, DEMO_USER_ID, STAFF_GROUP_ID, World
from tests.harness import Client, Staff

REPO = Path(__file__).resolve().parent.parent
(METTE, _), (JONAS, _) = CONSULTANTS
CLASS_GROUP = -4000000001
PRIVATE_WORDS = "Jeg hedder Freja Hansen og går i 7.b"
STAFF = f"{METTE}:Mette, {JONAS}:Jonas"


def setup(url: str, token: str = DEMO_TOKEN, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SSPBOT_", "TELEGRAM_"))}
    env.update(TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_URL=url, **settings)
    return subprocess.run([sys.executable, "-m", "bot", "setup"], capture_output=True, text=True,
                          env=env, check=False, timeout=60, cwd=REPO)


def change(sandbox: SandboxThread, what: Callable[[World], None]) -> None:
    """Change the sandbox's Telegram on its own loop (what no control call can do)."""

    async def apply() -> None:
        what(sandbox.sandbox.world)

    asyncio.run_coroutine_threadsafe(apply(), sandbox.loop).result(timeout=10)


def test_it_lists_groups_then_consultants_and_takes_no_update(client: Client) -> None:
    staff = Staff(client)
    sent = [client.send(PRIVATE_WORDS)["update_id"],
            staff.write("Hej, jeg er Mette", METTE, None)["update_id"],
            staff.write("/start@ssp_ballerup_bot", JONAS, None)["update_id"],
            client.post("/sandbox/add_to_group", user_id=DEMO_USER_ID, group_id=CLASS_GROUP,
                        title="7.b")["update_id"]]

    first = setup(client.url)
    assert first.returncode == 1, first.stderr
    out = first.stdout
    assert "The bot: @ssp_ballerup_bot (id 7000000001)" in out
    assert f"  {STAFF_GROUP_ID}  'SSP Ballerup · konsulenter'  supergroup, topics on" in out
    assert f"  {CLASS_GROUP}  '7.b'  group, topics off" in out
    assert "Set SSPBOT_STAFF_GROUP_ID" in out
    assert str(METTE) not in out  # nobody is listed before the staff group is named

    second = setup(client.url, SSPBOT_STAFF_GROUP_ID=str(STAFF_GROUP_ID), SSPBOT_STAFF=STAFF)
    out = second.stdout
    assert f"  {METTE}  Mette\n  {JONAS}  Jonas\n" in out
    assert "the bot is an administrator that may manage topics and delete messages" in out
    assert f"  {METTE} (Mette): member" in out and f"  {JONAS} (Jonas): member" in out
    assert "/setjoingroups" in out  # the one thing left in the sandbox
    assert second.returncode == 1

    for run in (first, second):
        shown = run.stdout + run.stderr
        for private in (PRIVATE_WORDS, "Freja", str(DEMO_USER_ID), "Hej, jeg er Mette",
                        DEMO_TOKEN, DEMO_TOKEN.split(":")[1]):
            assert private not in shown, private
    polls = [call["params"] for call in client.calls("getUpdates") if call["ok"]]
    assert polls and all("offset" not in p and "allowed_updates" not in p for p in polls)
    assert not any(client.acknowledged(update_id) for update_id in sent)


def test_it_names_each_thing_missing_with_its_fix(client: Client, sandbox: SandboxThread) -> None:
    def break_the_group(world: World) -> None:
        group = world.chats[STAFF_GROUP_ID]
        group.info["is_forum"] = False
        group.members[BOT_ID] = "member"
        group.members[JONAS] = "left"

    change(sandbox, break_the_group)
    run = setup(client.url, SSPBOT_STAFF_GROUP_ID=str(STAFF_GROUP_ID),
                SSPBOT_STAFF=f"{STAFF}, 2000099:Ole")
    assert run.returncode == 1
    out = run.stdout
    assert "No group appears in the updates Telegram is keeping" in out
    todo = out.split("Still to do:")[1]
    assert "Turn on topics in the staff group" in todo
    assert "Make the bot an administrator of the staff group that may manage topics and " \
           "delete messages" in todo
    assert f"Jonas ({JONAS}) is in SSPBOT_STAFF but not a member of the staff group" in todo
    assert "Telegram does not know 2000099 (Ole)" in todo
    assert f"Mette ({METTE})" not in todo


def test_it_follows_a_group_that_became_a_supergroup(client: Client) -> None:
    new_id = -1002000000077
    client.post("/sandbox/migrate", chat_id=STAFF_GROUP_ID, new_id=new_id)
    run = setup(client.url, SSPBOT_STAFF_GROUP_ID=str(STAFF_GROUP_ID), SSPBOT_STAFF=STAFF)
    assert run.returncode == 1
    assert f"set SSPBOT_STAFF_GROUP_ID={new_id}" in run.stdout


def test_all_in_place_exits_0(client: Client, sandbox: SandboxThread) -> None:
    def finish(world: World) -> None:
        world.bot["can_join_groups"] = False
        world.bot["can_read_all_group_messages"] = False

    change(sandbox, finish)
    run = setup(client.url, SSPBOT_STAFF_GROUP_ID=str(STAFF_GROUP_ID), SSPBOT_STAFF=STAFF)
    assert run.returncode == 0, run.stdout
    assert "Everything set-up can check is in place." in run.stdout
    assert "Notes:" not in run.stdout


def test_a_running_bot_a_wrong_token_or_no_telegram(client: Client) -> None:
    client.post("/sandbox/faults", method="getUpdates", status=409, count=1,
                description="Conflict: terminated by other getUpdates request; make sure that "
                "only one bot instance is running")
    running = setup(client.url, SSPBOT_STAFF_GROUP_ID=str(STAFF_GROUP_ID), SSPBOT_STAFF=STAFF)
    assert running.returncode == 1
    assert "stop the bot (systemctl stop sspbot" in running.stdout
    assert "the bot is an administrator" in running.stdout  # the group is checked all the same

    wrong = setup(client.url, token=f"{BOT_ID}:not-the-token-of-this-bot")
    assert wrong.returncode == 2
    assert "Telegram refused TELEGRAM_BOT_TOKEN" in wrong.stdout
    assert "not-the-token" not in wrong.stdout + wrong.stderr

    nowhere = setup("http://127.0.0.1:9")
    assert nowhere.returncode == 2
    assert "no answer from Telegram (ConnectError)" in nowhere.stdout
    assert DEMO_TOKEN.split(":")[1] not in nowhere.stdout + nowhere.stderr
