"""`sspbot setup`: learn the ids during set-up and check the bot's rights, while the bot is stopped.

It reads what Telegram keeps for the bot without taking it: `getUpdates` is asked without an
offset (so nothing is confirmed; the bot gets every update later) and without `allowed_updates`
(which Telegram would remember). Private chats are skipped unread: only groups are listed, with
the people who wrote in the staff group once SSPBOT_STAFF_GROUP_ID names it (consultants; in
no other group), never what anyone wrote. The token is never printed.
Exit 0 when everything is in place, 1 when something is missing (each with its fix), 2 when
Telegram cannot be asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

READY: Final = 0
MISSING: Final = 1
CANNOT_ASK: Final = 2
GROUP_TYPES: Final = ("group", "supergroup")
MEMBER_STATUSES: Final = ("creator", "administrator", "member")
# Update kinds that say who did something in a chat; the keys of a user and a chat in each.
USER_AND_CHAT: Final = {
    "message": ("from", "chat"),
    "edited_message": ("from", "chat"),
    "my_chat_member": ("from", "chat"),
    "chat_member": ("from", "chat"),
}
TIMEOUT: Final = 20.0


class CannotAsk(Exception):
    """Telegram did not answer, or refused the token: nothing could be checked."""


@dataclass
class Refused(Exception):
    """Telegram answered a call with an error."""

    code: int
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)


class BotApi:
    """The few Bot API calls set-up needs, over plain HTTP. Errors never carry the URL, which
    holds the token."""

    def __init__(self, api_url: str, token: str, http: httpx.Client | None = None) -> None:
        self._base = f"{api_url.rstrip('/')}/bot{token}/"
        self._http = http or httpx.Client(timeout=TIMEOUT)

    def call(self, method: str, **params: Any) -> Any:
        try:
            response = self._http.post(self._base + method, json=params)
            answer = response.json()
        except httpx.HTTPError as error:
            raise CannotAsk(f"no answer from Telegram ({type(error).__name__}); check "
                            "TELEGRAM_API_URL, the network and any proxy (HTTPS_PROXY)") from None
        except ValueError:
            raise CannotAsk(f"Telegram's address answered HTTP {response.status_code} with "
                            "something that is not the Bot API; check TELEGRAM_API_URL and any "
                            "proxy") from None
        if not isinstance(answer, dict):
            raise CannotAsk("an answer that is not the Bot API's; check TELEGRAM_API_URL")
        if answer.get("ok"):
            return answer.get("result")
        raise Refused(int(answer.get("error_code", 0)), str(answer.get("description", "")),
                      dict(answer.get("parameters") or {}))

    def close(self) -> None:
        self._http.close()


@dataclass
class Findings:
    """What set-up saw (`lines`) and what is still to do, each with its fix (`todo`)."""

    lines: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def code(self) -> int:
        return MISSING if self.todo else READY

    def text(self) -> str:
        out = list(self.lines)
        if self.notes:
            out += ["", "Notes:", *(f"  - {note}" for note in self.notes)]
        if self.todo:
            out += ["", "Still to do:", *(f"  {n}. {item}" for n, item in
                                          enumerate(self.todo, start=1))]
        else:
            out += ["", "Everything set-up can check is in place."]
        return "\n".join(out)


@dataclass
class Seen:
    """Groups and the people in them, from the updates Telegram is keeping."""

    groups: dict[int, dict[str, Any]] = field(default_factory=dict)
    people: dict[int, tuple[str, set[int]]] = field(default_factory=dict)  # id -> name, groups
    moved: dict[int, int] = field(default_factory=dict)  # a group's old id -> its new id

    def add_person(self, user: dict[str, Any] | None, group: int) -> None:
        if not user or user.get("is_bot"):
            return
        name = str(user.get("first_name", ""))
        self.people.setdefault(int(user["id"]), (name, set()))[1].add(group)


def read_groups(updates: Iterable[dict[str, Any]]) -> Seen:
    """Groups and who did something in them; every update of a private chat is passed over
    without looking further into it."""
    seen = Seen()
    for update in updates:
        for kind, (user_key, chat_key) in USER_AND_CHAT.items():
            payload = update.get(kind)
            if not isinstance(payload, dict):
                continue
            chat = payload.get(chat_key) or {}
            if chat.get("type") not in GROUP_TYPES:
                break
            group = int(chat["id"])
            seen.groups[group] = chat
            seen.add_person(payload.get(user_key), group)
            for joined in payload.get("new_chat_members") or []:
                seen.add_person(joined, group)
            if "migrate_to_chat_id" in payload:
                seen.moved[group] = int(payload["migrate_to_chat_id"])
    return seen


def check(api: BotApi, staff_group: int | None, staff: dict[int, str]) -> Findings:
    found = Findings()
    try:
        me = api.call("getMe")
    except Refused as error:
        if error.code in (401, 404):
            raise CannotAsk("Telegram refused TELEGRAM_BOT_TOKEN: copy it again from BotFather "
                            "(/mybots, choose the bot, API Token)") from None
        raise CannotAsk(f"getMe failed: {error.description}") from None
    found.lines.append(f"The bot: @{me.get('username')} (id {me['id']}), "
                       f"named {me.get('first_name', '')!r}.")
    _list_groups(api, staff_group, found)
    if staff_group is None:
        found.todo.append("Set SSPBOT_STAFF_GROUP_ID to the staff group's id (see the groups "
                          "above), then run `sspbot setup` again: it lists the people who wrote "
                          "there (the consultants' ids) and checks the bot's rights.")
    else:
        _check_group(api, int(me["id"]), staff_group, staff, found)
    if me.get("can_join_groups"):
        found.todo.append("Stop others adding the bot to their groups: once it is in the staff "
                          "group, send /setjoingroups to @BotFather, choose the bot, and choose "
                          "Disable.")
    if me.get("can_read_all_group_messages"):
        found.notes.append("Privacy mode is off. The bot reads the staff group as an admin, so "
                           "it needs no more: /setprivacy in @BotFather, choose the bot, Enable.")
    return found


def _list_groups(api: BotApi, staff_group: int | None, found: Findings) -> None:
    try:
        updates = api.call("getUpdates", timeout=0)  # no offset: nothing is confirmed
    except Refused as error:
        if error.code == 409:
            found.todo.append("Telegram will not show the waiting updates while the bot runs "
                              "or a webhook is set: stop the bot (systemctl stop sspbot, or "
                              "docker compose stop sspbot) and run `sspbot setup` again. In "
                              f"webhook mode this stays so (Telegram said: {error.description})."
                              " The groups and ids can then be read off the staff group instead.")
            return
        raise CannotAsk(f"getUpdates failed: {error.description}") from None
    seen = read_groups(updates or [])
    if not seen.groups:
        found.lines.append("No group appears in the updates Telegram is keeping (it keeps them "
                           "for 24 hours, until a running bot takes them). Add the bot to the "
                           "staff group, let each consultant write a message there (a command "
                           "such as /start@ the bot's name, if privacy mode is on and the bot is "
                           "not an admin yet), and run `sspbot setup` again.")
        return
    found.lines += ["", "Groups the bot is in or was added to:"]
    for group_id, chat in sorted(seen.groups.items()):
        topics = "topics on" if chat.get("is_forum") else "topics off"
        moved = (f"; became a supergroup, now id {seen.moved[group_id]}"
                 if group_id in seen.moved else "")
        staff_mark = "  <- SSPBOT_STAFF_GROUP_ID" if group_id == staff_group else ""
        found.lines.append(f"  {group_id}  {chat.get('title', '')!r}  {chat.get('type')}, "
                           f"{topics}{moved}{staff_mark}")
    if staff_group is None:
        return  # people are listed for the staff group alone, once it is named
    people = sorted((user_id, name) for user_id, (name, groups) in seen.people.items()
                    if staff_group in groups)
    if people:
        found.lines += ["", "People who wrote in the staff group (for SSPBOT_STAFF as id:name):"]
        found.lines += [f"  {user_id}  {name}" for user_id, name in people]
    else:
        found.lines.append("Nobody has written in the staff group yet: let each consultant "
                           "write a message there, then run `sspbot setup` again to see their "
                           "ids.")


def _check_group(api: BotApi, bot_id: int, group: int, staff: dict[int, str],
                 found: Findings) -> None:
    found.lines += ["", f"The staff group SSPBOT_STAFF_GROUP_ID={group}:"]
    try:
        chat = api.call("getChat", chat_id=group)
    except Refused as error:
        moved = error.parameters.get("migrate_to_chat_id")
        if moved:
            found.todo.append(f"The group {group} became a supergroup with the id {moved} (turning "
                              f"topics on does that): set SSPBOT_STAFF_GROUP_ID={moved}.")
        else:
            found.todo.append(f"Telegram does not let the bot see the group {group} ("
                              f"{error.description}): add the bot to the staff group, and check "
                              "SSPBOT_STAFF_GROUP_ID against the groups listed above.")
        return
    found.lines.append(f"  {chat.get('title', '')!r}, {chat.get('type')}, "
                       f"topics {'on' if chat.get('is_forum') else 'off'}")
    if not chat.get("is_forum"):
        found.todo.append("Turn on topics in the staff group: open the group, tap its name, "
                          "Edit, and switch Topics on. A basic group becomes a supergroup with a "
                          "new id then: run `sspbot setup` again to see it.")
    _check_bot_rights(api, bot_id, group, found)
    _check_staff(api, group, staff, found)


def _check_bot_rights(api: BotApi, bot_id: int, group: int, found: Findings) -> None:
    try:
        member = api.call("getChatMember", chat_id=group, user_id=bot_id)
    except Refused as error:
        found.todo.append(f"Telegram would not say the bot's rights in the group "
                          f"({error.description}): add the bot to the staff group.")
        return
    status = member.get("status")
    if status != "administrator":
        found.lines.append(f"  the bot is {status}, not an administrator")
        found.todo.append("Make the bot an administrator of the staff group that may manage "
                          "topics and delete messages: the group's settings, Administrators, "
                          "Add Admin, the bot; switch on 'Manage Topics' and 'Delete Messages'.")
        return
    rights = {"can_manage_topics": "Manage Topics", "can_delete_messages": "Delete Messages"}
    lacking = [label for key, label in rights.items() if not member.get(key)]
    found.lines.append("  the bot is an administrator" + (
        f", without {' and '.join(lacking)}" if lacking else
        " that may manage topics and delete messages"))
    if lacking:
        found.todo.append(f"Give the bot the right{'s' if len(lacking) > 1 else ''} "
                          f"{' and '.join(repr(label) for label in lacking)} in the staff group "
                          "(the group's settings, Administrators, the bot). It opens a topic per "
                          "case and deletes it when the case's time is up.")


def _check_staff(api: BotApi, group: int, staff: dict[int, str], found: Findings) -> None:
    if not staff:
        found.todo.append("SSPBOT_STAFF is empty: write the consultants as id:name, separated by "
                          "commas (ids from the list of people above), e.g. "
                          "SSPBOT_STAFF=2000001:Mette, 2000002:Jonas")
        return
    for user_id, name in staff.items():
        try:
            member = api.call("getChatMember", chat_id=group, user_id=user_id)
        except Refused as error:
            found.lines.append(f"  {user_id} ({name}): unknown to Telegram in this group")
            found.todo.append(f"Telegram does not know {user_id} ({name}) in the staff group "
                              f"({error.description}): check the id in SSPBOT_STAFF; let them "
                              "write in the group and run `sspbot setup` to see it.")
            continue
        status = member.get("status")
        is_member = status in MEMBER_STATUSES or (status == "restricted"
                                                  and member.get("is_member"))
        found.lines.append(f"  {user_id} ({name}): {status}")
        if not is_member:
            found.todo.append(f"{name} ({user_id}) is in SSPBOT_STAFF but not a member of the "
                              "staff group: add them to the group, or take them off the list.")


def run(api_url: str, token: str, staff_group: int | None, staff: dict[int, str]) -> tuple[
        int, str]:
    """The exit code and what to print."""
    api = BotApi(api_url, token)
    try:
        found = check(api, staff_group, staff)
    except CannotAsk as error:
        return CANNOT_ASK, f"sspbot setup: {error}"
    finally:
        api.close()
    return found.code, found.text()
