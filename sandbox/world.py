"""The sandbox's Telegram: users, chats, messages, topics and the queue of updates."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Final

from sandbox.errors import ApiError, bad_request
from sandbox.telegram_html import parse, to_html

BOT_ID: Final = 7000000001
DEMO_USER_ID: Final = 1000001
STAFF_GROUP_ID: Final = -1002000000001
CONSULTANTS: Final = ((2000001, "Mette"), (2000002, "Jonas"))
TEXT_LIMIT: Final = 4096
CAPTION_LIMIT: Final = 1024
DELETE_WINDOW: Final = 48 * 3600  # a bot may delete messages younger than this
NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
MEDIA_KINDS: Final = {
    "photo": lambda: [{"file_id": "sandbox-photo", "file_unique_id": "p1", "width": 640,
                       "height": 480}],
    "video": lambda: {"file_id": "sandbox-video", "file_unique_id": "v1", "width": 640,
                      "height": 480, "duration": 3},
    "document": lambda: {"file_id": "sandbox-doc", "file_unique_id": "d1", "file_name": "x.pdf"},
    "voice": lambda: {"file_id": "sandbox-voice", "file_unique_id": "o1", "duration": 2},
    "sticker": lambda: {"file_id": "sandbox-sticker", "file_unique_id": "s1", "width": 512,
                        "height": 512, "is_animated": False, "is_video": False,
                        "type": "regular"},
    "location": lambda: {"latitude": 55.73, "longitude": 12.36},
    "contact": lambda: {"phone_number": "+4512345678", "first_name": "Kontakt"},
    "dice": lambda: {"emoji": "🎲", "value": 4},
}


@dataclass
class Fault:
    """A rule that makes the next `count` calls of a method fail or stall."""

    method: str  # a Bot API method name, or "*"
    status: int = 0  # 0: no error, only the delay
    count: int = 1
    retry_after: int | None = None
    delay: float = 0.0
    description: str = ""
    chat_id: int | None = None  # only calls to this chat
    after: bool = False  # do what was asked, then stall: the answer comes late, or never
    raw: str | None = None  # answer with this body (not JSON) and `status`, e.g. a proxy's page
    migrate_to: int | None = None  # "the group was upgraded to a supergroup with this id"

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.count <= 0 or self.method not in (method, "*"):
            return False
        return self.chat_id is None or str(params.get("chat_id")) == str(self.chat_id)


@dataclass
class Chat:
    info: dict[str, Any]
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_message_id: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    topics: dict[int, dict[str, Any]] = field(default_factory=dict)
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    bot_is_member: bool = True
    version: int = 0  # counts every new, edited or deleted message, for waiting on a chat


class World:
    """Everything the fake Telegram knows. One instance per sandbox server."""

    def __init__(self) -> None:
        self.changed = asyncio.Condition()
        self.reset()

    def reset(self) -> None:
        self.seq = 0
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, Chat] = {}
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = itertools.count(100001)
        self.delivered: set[int] = set()
        self.confirmed_below = 0
        self.blocked: set[int] = set()
        self.migrated: dict[int, int] = {}  # a group's old id -> its new one
        self.webhook: dict[str, str] = {}  # url and secret_token, while a webhook is set
        self.descriptions: dict[str, str] = {}  # description, short_description
        self.faults: list[Fault] = []
        self.calls: list[dict[str, Any]] = []
        self.commands: list[dict[str, Any]] = []  # what a person's chat shows
        self.scoped_commands: dict[str, list[dict[str, Any]]] = {}  # scope -> commands
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.poll_generation = 0
        self.bot: dict[str, Any] = {"id": BOT_ID, "is_bot": True, "first_name": "SSP Ballerup",
                    "username": "ssp_ballerup_bot", "can_join_groups": True,
                    "can_read_all_group_messages": True, "supports_inline_queries": False}
        self.add_user(DEMO_USER_ID, "Freja")
        staff = self.add_chat({"id": STAFF_GROUP_ID, "type": "supergroup",
                               "title": "SSP Ballerup · konsulenter", "is_forum": True})
        staff.members[BOT_ID] = "administrator"
        for user_id, name in CONSULTANTS:
            self.add_user(user_id, name, private_chat=False)
            staff.members[user_id] = "member"

    # --- people and chats -------------------------------------------------------------

    def add_user(self, user_id: int, first_name: str, private_chat: bool = True) -> dict[str, Any]:
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "da"}
        self.users[user_id] = user
        if private_chat:
            self.add_chat({"id": user_id, "type": "private", "first_name": first_name})
        return user

    def add_chat(self, info: dict[str, Any]) -> Chat:
        chat = self.chats.get(info["id"]) or Chat(info)
        self.chats[info["id"]] = chat
        return chat

    def migrate(self, old: int, new: int) -> None:
        """Telegram upgrades a group: the same chat under a new id; the old id refuses calls."""
        chat = self.chats.pop(old)
        chat.info = {**chat.info, "id": new}
        self.chats[new] = chat
        self.migrated[old] = new

    def user(self, user_id: int) -> dict[str, Any]:
        return self.users.get(user_id) or self.add_user(user_id, f"Bruger{user_id % 1000}")

    def chat(self, chat_id: Any) -> Chat:
        if isinstance(chat_id, int) and chat_id in self.migrated:
            error = bad_request("group chat was upgraded to a supergroup chat")
            error.migrate_to = self.migrated[chat_id]
            raise error
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None or not chat.bot_is_member:
            raise bad_request("chat not found")
        if chat.info["type"] == "private" and chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    # --- updates ----------------------------------------------------------------------

    async def push(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = next(self.next_update_id)
        self.updates.append({"update_id": update_id, kind: payload})
        await self.touch()
        return update_id

    async def touch(self) -> None:
        async with self.changed:
            self.seq += 1
            self.changed.notify_all()

    async def get_updates(self, offset: int | None, limit: int, wait: float) -> list[Any]:
        if offset is not None and offset > 0:
            self.confirmed_below = max(self.confirmed_below, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        self.poll_generation += 1
        generation = self.poll_generation
        deadline = time.monotonic() + wait
        async with self.changed:
            while not self.updates:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self.changed.wait(), remaining)
                except TimeoutError:
                    break
                if generation != self.poll_generation:
                    raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                        "make sure that only one bot instance is running")
        batch = self.updates[: max(1, min(limit, 100))]
        self.delivered.update(update["update_id"] for update in batch)
        return batch

    # --- messages ---------------------------------------------------------------------

    def new_message(self, chat: Chat, sender: dict[str, Any], thread: int | None = None,
                    **content: Any) -> dict[str, Any]:
        message_id = next(chat.next_message_id)
        message = {"message_id": message_id, "from": sender, "chat": chat.info,
                   "date": int(time.time()), **content}
        if thread is not None:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        chat.messages[message_id] = message
        chat.version += 1
        return message

    def formatted(self, params: dict[str, Any], key: str, limit: int) -> dict[str, Any]:
        """Text and entities as Telegram stores them, checked after parsing."""
        source = params.get(key, "")
        mode = (params.get("parse_mode") or "").lower()
        if mode == "html":
            text, entities = parse(source)
        elif mode:
            raise bad_request(f"unsupported parse_mode {params['parse_mode']} in the sandbox")
        else:
            text, entities = source, params.get("entities", [])
        if key == "text" and not text.strip():
            raise bad_request("message text is empty")
        if len(text.encode("utf-16-le")) // 2 > limit:
            raise bad_request("message is too long" if key == "text"
                              else "message caption is too long")
        out: dict[str, Any] = {key: text}
        if entities:
            out["entities" if key == "text" else "caption_entities"] = entities
        return out

    def message(self, chat: Chat, message_id: int, missing: str) -> dict[str, Any]:
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request(missing)
        return message

    def thread_of(self, chat: Chat, params: dict[str, Any]) -> int | None:
        thread = params.get("message_thread_id")
        if thread is None:
            return None
        if not chat.info.get("is_forum") or thread not in chat.topics:
            raise bad_request("message thread not found")
        if chat.topics[thread].get("closed"):
            raise bad_request("TOPIC_CLOSED")
        return int(thread)

    # --- the page's view --------------------------------------------------------------

    def view(self, chat_id: int) -> list[dict[str, Any]]:
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [self.view_message(message) for message in chat.messages.values()]

    @staticmethod
    def view_message(message: dict[str, Any]) -> dict[str, Any]:
        text = message.get("text", message.get("caption", ""))
        entities = message.get("entities", message.get("caption_entities", []))
        return {
            "message_id": message["message_id"],
            "from_bot": message["from"]["is_bot"],
            "sender": message["from"]["first_name"],
            "text": text,
            "html": to_html(text, entities),
            "media": next((kind for kind in MEDIA_KINDS if kind in message), None),
            "thread": message.get("message_thread_id"),
            "edited": "edit_date" in message,
            "service": message.get("service"),
            "buttons": [
                [{"text": button["text"], "data": button.get("callback_data", "")}
                 for button in row]
                for row in message.get("reply_markup", {}).get("inline_keyboard", [])
            ],
        }
