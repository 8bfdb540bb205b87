"""The Bot API methods the sandbox answers, each taking checked parameters."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

from sandbox.errors import ApiError, bad_request
from sandbox.world import CAPTION_LIMIT, DELETE_WINDOW, NOT_MODIFIED, TEXT_LIMIT, World

Params = dict[str, Any]
Method = Callable[[World, Params], Awaitable[Any]]


async def get_me(world: World, params: Params) -> Any:
    return world.bot


async def get_updates(world: World, params: Params) -> Any:
    if world.webhook:
        raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use "
                            "deleteWebhook to delete the webhook first")
    return await world.get_updates(
        params.get("offset"), params.get("limit", 100), float(params.get("timeout", 0))
    )


async def delete_webhook(world: World, params: Params) -> Any:
    if params.get("drop_pending_updates"):
        world.updates.clear()
    world.webhook = {}
    return True


async def set_webhook(world: World, params: Params) -> Any:
    """Updates are posted to the url from now on (the sandbox server delivers them)."""
    url = str(params["url"])
    if not url.startswith(("http://127.0.0.1:", "https://")):
        raise bad_request("bad webhook: HTTPS url must be provided for webhook")
    world.webhook = {"url": url, "secret": str(params.get("secret_token", ""))}
    await world.touch()
    return True


async def get_webhook_info(world: World, params: Params) -> Any:
    return {"url": world.webhook.get("url", ""), "has_custom_certificate": False,
            "pending_update_count": len(world.updates)}


async def set_description(world: World, params: Params, key: str) -> Any:
    world.descriptions[key] = str(params.get(key, ""))
    return True


async def set_my_description(world: World, params: Params) -> Any:
    return await set_description(world, params, "description")


async def set_my_short_description(world: World, params: Params) -> Any:
    return await set_description(world, params, "short_description")


async def get_my_description(world: World, params: Params) -> Any:
    return {"description": world.descriptions.get("description", "")}


async def get_my_short_description(world: World, params: Params) -> Any:
    return {"short_description": world.descriptions.get("short_description", "")}


async def get_chat(world: World, params: Params) -> Any:
    chat = world.chat(params["chat_id"])
    return {**chat.info, "accent_color_id": 0, "max_reaction_count": 11,
            "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                    "unique_gifts": False, "premium_subscription": False}}


def _scope(params: Params) -> str:
    """Telegram's scopes, as one key: default, all_private_chats, chat:<id>, ..."""
    scope = params.get("scope") or {"type": "default"}
    return ":".join(str(part) for part in (scope.get("type"), scope.get("chat_id")) if part)


async def set_my_commands(world: World, params: Params) -> Any:
    scope = _scope(params)
    world.scoped_commands[scope] = params["commands"]
    if scope in ("default", "all_private_chats"):
        world.commands = params["commands"]
    return True


async def get_my_commands(world: World, params: Params) -> Any:
    return world.scoped_commands.get(_scope(params), [])


async def send_message(world: World, params: Params) -> Any:
    chat = world.chat(params["chat_id"])
    thread = world.thread_of(chat, params)
    content = world.formatted(params, "text", TEXT_LIMIT)
    if "reply_markup" in params:
        content["reply_markup"] = params["reply_markup"]
    message = world.new_message(chat, world.bot, thread, **content)
    await world.touch()
    return message


async def edit_message_text(world: World, params: Params) -> Any:
    if "inline_message_id" in params:
        raise bad_request("inline messages are not supported by the sandbox")
    chat = world.chat(params.get("chat_id"))
    message = world.message(chat, params.get("message_id", 0), "message to edit not found")
    if message["from"]["id"] != world.bot["id"] or "text" not in message:
        raise bad_request("message can't be edited")
    content = world.formatted(params, "text", TEXT_LIMIT)
    markup = params.get("reply_markup")
    current = {key: message.get(key) for key in ("text", "entities", "reply_markup")}
    if current == {"text": content["text"], "entities": content.get("entities"),
                   "reply_markup": markup}:
        raise bad_request(NOT_MODIFIED)
    message.pop("entities", None)
    message.pop("reply_markup", None)
    message.update(content, edit_date=int(time.time()))
    if markup:
        message["reply_markup"] = markup
    chat.version += 1
    await world.touch()
    return message


async def edit_message_reply_markup(world: World, params: Params) -> Any:
    chat = world.chat(params.get("chat_id"))
    message = world.message(chat, params.get("message_id", 0), "message to edit not found")
    markup = params.get("reply_markup")
    if message.get("reply_markup") == markup:
        raise bad_request(NOT_MODIFIED)
    message.pop("reply_markup", None)
    if markup:
        message["reply_markup"] = markup
    message["edit_date"] = int(time.time())
    chat.version += 1
    await world.touch()
    return message


async def answer_callback_query(world: World, params: Params) -> Any:
    query_id = params["callback_query_id"]
    if query_id not in world.callback_answers or world.callback_answers[query_id]:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    world.callback_answers[query_id] = {"text": params.get("text", ""),
                                        "show_alert": params.get("show_alert", False)}
    return True


async def delete_message(world: World, params: Params) -> Any:
    chat = world.chat(params["chat_id"])
    _delete(world, chat.messages, params["message_id"])
    chat.version += 1
    await world.touch()
    return True


async def delete_messages(world: World, params: Params) -> Any:
    chat = world.chat(params["chat_id"])
    for message_id in params["message_ids"]:
        if message_id in chat.messages:
            _delete(world, chat.messages, message_id)
    chat.version += 1
    await world.touch()
    return True


def _delete(world: World, messages: dict[int, Any], message_id: int) -> None:
    message = messages.get(message_id)
    if message is None:
        raise bad_request("message to delete not found")
    if time.time() - message["date"] > DELETE_WINDOW:
        raise bad_request("message can't be deleted for everyone")
    del messages[message_id]


async def copy_message(world: World, params: Params) -> Any:
    source = world.chat(params["from_chat_id"])
    original = world.message(source, params["message_id"], "message to copy not found")
    chat = world.chat(params["chat_id"])
    thread = world.thread_of(chat, params)
    content = {key: value for key, value in original.items()
               if key not in ("message_id", "from", "chat", "date", "message_thread_id",
                              "is_topic_message", "reply_markup", "edit_date")}
    if "caption" in params:
        content.update(world.formatted(params, "caption", CAPTION_LIMIT))
    if "reply_markup" in params:
        content["reply_markup"] = params["reply_markup"]
    message = world.new_message(chat, world.bot, thread, **content)
    await world.touch()
    return {"message_id": message["message_id"]}


async def create_forum_topic(world: World, params: Params) -> Any:
    chat = world.chat(params["chat_id"])
    if not chat.info.get("is_forum"):
        raise bad_request("the chat is not a forum")
    if chat.members.get(world.bot["id"]) != "administrator":
        raise bad_request("not enough rights to create a topic")
    created = world.new_message(chat, world.bot, None, service="Emnet blev oprettet",
                                forum_topic_created={"name": params["name"],
                                                     "icon_color": 7322096})
    thread = created["message_id"]
    created["message_thread_id"] = thread
    topic = {"message_thread_id": thread, "name": params["name"],
             "icon_color": params.get("icon_color", 7322096), "closed": False}
    chat.topics[thread] = topic
    # The group learns of the new topic by its service message, the bot's own included.
    service = {key: value for key, value in created.items() if key != "service"}
    service["is_topic_message"] = True
    await world.push("message", service)
    return {key: topic[key] for key in ("message_thread_id", "name", "icon_color")}


async def edit_forum_topic(world: World, params: Params) -> Any:
    topic = _topic(world, params)
    if "name" in params:
        topic["name"] = params["name"]
    await world.touch()
    return True


async def delete_forum_topic(world: World, params: Params) -> Any:
    chat = world.chat(params["chat_id"])
    thread = params["message_thread_id"]
    if thread not in chat.topics:
        raise bad_request("message thread not found")
    del chat.topics[thread]
    for message_id in [m for m, message in chat.messages.items()
                       if message.get("message_thread_id") == thread]:
        del chat.messages[message_id]
    chat.version += 1
    await world.touch()
    return True


async def close_forum_topic(world: World, params: Params) -> Any:
    topic = _topic(world, params)
    if topic["closed"]:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic["closed"] = True
    await world.touch()
    return True


async def reopen_forum_topic(world: World, params: Params) -> Any:
    topic = _topic(world, params)
    topic["closed"] = False
    await world.touch()
    return True


def _topic(world: World, params: Params) -> dict[str, Any]:
    chat = world.chat(params["chat_id"])
    topic = chat.topics.get(params["message_thread_id"])
    if topic is None:
        raise bad_request("message thread not found")
    return topic


async def get_chat_member(world: World, params: Params) -> Any:
    chat = world.chat(params["chat_id"])
    user_id = params["user_id"]
    status = chat.members.get(user_id, "left")
    user = world.bot if user_id == world.bot["id"] else world.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "administrator":
        member.update(can_be_edited=False, is_anonymous=False, can_manage_chat=True,
                      can_delete_messages=True, can_manage_video_chats=False,
                      can_restrict_members=False, can_promote_members=False,
                      can_change_info=False, can_invite_users=True, can_post_stories=False,
                      can_edit_stories=False, can_delete_stories=False,
                      can_manage_topics=True)
    return member


async def leave_chat(world: World, params: Params) -> Any:
    chat = world.chat(params["chat_id"])
    if chat.info["type"] == "private":
        raise bad_request("chat member status can't be changed in private chats")
    chat.bot_is_member = False
    await world.touch()
    return True


async def send_chat_action(world: World, params: Params) -> Any:
    world.chat(params["chat_id"])
    return True


METHODS: Final[dict[str, Method]] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "deleteWebhook": delete_webhook,
    "setWebhook": set_webhook,
    "getWebhookInfo": get_webhook_info,
    "setMyDescription": set_my_description,
    "setMyShortDescription": set_my_short_description,
    "getMyDescription": get_my_description,
    "getMyShortDescription": get_my_short_description,
    "getChat": get_chat,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "answerCallbackQuery": answer_callback_query,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
    "copyMessage": copy_message,
    "createForumTopic": create_forum_topic,
    "editForumTopic": edit_forum_topic,
    "closeForumTopic": close_forum_topic,
    "deleteForumTopic": delete_forum_topic,
    "reopenForumTopic": reopen_forum_topic,
    "getChatMember": get_chat_member,
    "leaveChat": leave_chat,
    "sendChatAction": send_chat_action,
}


def not_implemented(method: str) -> ApiError:
    return ApiError(501, f"Not Implemented: the sandbox does not answer {method} yet")
