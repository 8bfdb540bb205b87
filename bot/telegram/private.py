"""Updates from people's private chats, read straight from Telegram's JSON.

This is the bot's common path, so it is kept lean: no library objects are built for these
updates (that costs more than everything else the bot does with one), and each is handled at
once, in the order Telegram sent them. Anything that is not plainly a private chat's update goes
to python-telegram-bot's application instead (the staff group, groups the bot was added to).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from bot.telegram.format import CALLBACK_SEPARATOR
from flows.engine import Event, EventKind

# Message content the bot never keeps or passes on; the person is told why.
MEDIA: Final = ("photo", "video", "video_note", "animation", "document", "voice", "audio",
                "paid_media")
# Things that happened in a chat rather than things said: nothing to answer.
SERVICE: Final = ("pinned_message", "new_chat_members", "left_chat_member", "new_chat_title",
                  "new_chat_photo", "delete_chat_photo", "forum_topic_created",
                  "forum_topic_closed", "forum_topic_reopened", "forum_topic_edited",
                  "migrate_to_chat_id", "migrate_from_chat_id", "group_chat_created",
                  "message_auto_delete_timer_changed", "chat_background_set",
                  "write_access_allowed", "users_shared", "chat_shared")
# Update kinds of a private chat that carry nothing to answer.
QUIET: Final = ("message_reaction", "message_reaction_count", "my_chat_member",
                "edited_business_message", "deleted_business_messages")
_STEP = re.compile(r"^\d{1,9}$", re.ASCII)


@dataclass(frozen=True)
class Incoming:
    """A private chat's update, as much as the bot uses of it."""

    update_id: int
    chat_id: int
    event: Event | None  # None: nothing to answer (a reaction, a pin, ...)
    message_id: int | None = None  # what the person sent (its id, for a quick exit)
    pressed: str | None = None  # the message whose button was pressed, when it has text
    query_id: str | None = None  # the button press to answer, to stop its spinner


def read(update: dict[str, Any]) -> Incoming | None:
    """The update, if it plainly comes from a private chat; None sends it the other way."""
    try:
        return _read(update)
    except (TypeError, ValueError, KeyError, AttributeError):
        return None  # odd: let the library read it (it skips what it cannot)


def _private(message: Any) -> int | None:
    if not isinstance(message, dict):
        return None
    chat = message.get("chat")
    if isinstance(chat, dict) and chat.get("type") == "private":
        chat_id = chat.get("id")
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            return chat_id
    return None


def _read(update: dict[str, Any]) -> Incoming | None:
    update_id = int(update["update_id"])
    query = update.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        chat = _private(message)
        if chat is None or not isinstance(message, dict) or not isinstance(query.get("id"), str):
            return None
        data = query.get("data")
        step, _, choice = (data if isinstance(data, str) else "").partition(CALLBACK_SEPARATOR)
        pressed = str(message["message_id"]) if message.get("text") and isinstance(
            message.get("message_id"), int) else None
        return Incoming(update_id, chat,
                        Event(EventKind.CHOICE, choice, step=int(step) if _STEP.match(step)
                              else -1), pressed=pressed, query_id=query["id"])
    edited = update.get("edited_message")
    if edited is not None:
        chat = _private(edited)
        return None if chat is None else Incoming(update_id, chat, Event(EventKind.EDITED))
    message = update.get("message")
    if message is not None:
        chat = _private(message)
        if chat is None:
            return None
        message_id = message.get("message_id")
        seen = message_id if isinstance(message_id, int) else None
        return Incoming(update_id, chat, _event_of(message), message_id=seen)
    for kind in QUIET:
        payload = update.get(kind)
        chat = _private(payload)
        if chat is not None:
            return Incoming(update_id, chat, None)
    return None


def _event_of(message: dict[str, Any]) -> Event | None:
    text = message.get("text")
    if isinstance(text, str):
        return _text_event(text, message.get("entities"))
    for kind in MEDIA:
        if message.get(kind):
            return Event(EventKind.MEDIA, kind)
    if any(message.get(kind) for kind in SERVICE):
        return None
    return Event(EventKind.UNSUPPORTED)


def _text_event(text: str, entities: Any) -> Event:
    """`/name@bot argument` when Telegram marked a command at the start; else plain text."""
    first = entities[0] if isinstance(entities, list) and entities else None
    if (isinstance(first, dict) and first.get("type") == "bot_command"
            and first.get("offset") == 0 and isinstance(first.get("length"), int)):
        length = first["length"]
        name = text[1:length].split("@", 1)[0].lower()
        if name:
            return Event(EventKind.COMMAND, name, argument=text[length:].strip())
    return Event(EventKind.TEXT, text)
