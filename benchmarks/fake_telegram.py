"""A lean fake of the Telegram Bot API, built for benchmarks: one bot, many users, little work.

Not the project's `sandbox/`: no spec checks, no HTML parsing, no page, no faults. What it keeps
is what a bot library needs to run unchanged against it:

- `getUpdates` is real long polling (`offset`, `limit`, `timeout`): updates wait in one queue,
  and a new update wakes only the one waiting poller (a future), never every client;
- `sendMessage`, `editMessageText` and `editMessageReplyMarkup` answer with Telegram-shaped
  `Message` objects (message_id, date, chat, from, text, reply_markup) and keep the chat's
  messages, so that a later button press carries the message it was pressed on;
- `getMe`, `getMyCommands`, `getChatMember`, `getChat` answer plausibly; every other method
  (`deleteWebhook`, `setMyCommands`, `answerCallbackQuery`, `sendChatAction`, ...) answers
  `{"ok": true, "result": true}`, so a bot that calls more at start-up still works;
- bodies may be JSON, form-encoded or multipart (python-telegram-bot and aiogram both post
  forms, with nested values as JSON strings).

The driver runs in the same process and event loop: `send_text` and `press` put an update in
the queue and return an `Action`, whose future resolves when the bot answers that chat (the
first `sendMessage`/`editMessageText`/`editMessageReplyMarkup` for it after the action). Both
ends of the latency are taken here, with `time.perf_counter()` (monotonic): when the update is
queued, and when the answering request arrives.

Text is stored as the bot sent it (with its HTML tags); bots do not read it back, and keeping it
verbatim lets the benchmark compare what different bots said.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from aiohttp import web

BOT_USER: Final = {"id": 0, "is_bot": True, "first_name": "SSP Ballerup",
                   "username": "ssp_ballerup_bot", "can_join_groups": True,
                   "can_read_all_group_messages": False, "supports_inline_queries": False}
ANSWERS: Final = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup"})
JSON_START: Final = tuple("{[-0123456789tfn\"")


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(body, ensure_ascii=False).encode(), status=status,
                        content_type="application/json")


def _bad_request(description: str) -> web.Response:
    return _json({"ok": False, "error_code": 400, "description": f"Bad Request: {description}"},
                 400)


def _value(raw: Any) -> Any:
    """A form field: JSON-encoded unless it is a plain string (what both libraries send)."""
    if isinstance(raw, str) and raw.startswith(JSON_START):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


@dataclass(eq=False)
class Action:
    """One thing a user did, and when the bot answered it."""

    chat_id: int
    kind: str  # "start" or the pressed label
    started: float
    future: asyncio.Future[dict[str, Any]]
    answered: float | None = None

    @property
    def seconds(self) -> float | None:
        return None if self.answered is None else self.answered - self.started


@dataclass(eq=False)
class Chat:
    info: dict[str, Any]
    user: dict[str, Any]
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    pending: deque[Action] = field(default_factory=deque)
    answered: list[Action] = field(default_factory=list)


class FakeTelegram:
    """The fake on one port. `reset()` between bots: the next bot sees a new, empty world."""

    def __init__(self) -> None:
        self.app = web.Application(client_max_size=8 * 1024 * 1024)
        self.app.router.add_route("*", "/bot{token}/{method}", self.bot_api)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.reset()

    # --- lifecycle ----------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, backlog=1024)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self.url

    async def stop(self) -> None:
        self._wake(closing=True)
        if self._runner is not None:
            await self._runner.cleanup()

    def reset(self) -> None:
        """Forget everything; a poller still waiting (a bot that was stopped) gets nothing."""
        if hasattr(self, "_poller"):
            self._wake(closing=True)
        self.updates: deque[tuple[int, bytes]] = deque()
        self.update_ids = itertools.count(1)
        self.query_ids = itertools.count(1)
        self.chats: dict[int, Chat] = {}
        self.commands: list[Any] = []
        self.calls: Counter[str] = Counter()
        self.bot_user: dict[str, Any] = dict(BOT_USER)
        self._poller: asyncio.Future[None] | None = None
        self.first_call: float | None = None

    def _wake(self, closing: bool = False) -> None:
        poller = self._poller
        if poller is not None and not poller.done():
            poller.set_result(None)
        if closing:
            self._poller = None

    # --- the driver's side: users act, the fake times the answers -------------------

    def chat(self, user_id: int) -> Chat:
        chat = self.chats.get(user_id)
        if chat is None:
            name = f"Bruger{user_id % 10_000}"
            user = {"id": user_id, "is_bot": False, "first_name": name, "language_code": "da"}
            chat = Chat({"id": user_id, "type": "private", "first_name": name}, user)
            self.chats[user_id] = chat
        return chat

    def _push(self, kind: str, payload: dict[str, Any]) -> None:
        update_id = next(self.update_ids)
        self.updates.append((update_id, json.dumps({"update_id": update_id, kind: payload},
                                                   ensure_ascii=False).encode()))
        self._wake()

    def _action(self, chat: Chat, kind: str) -> Action:
        action = Action(chat.info["id"], kind, time.perf_counter(),
                        asyncio.get_running_loop().create_future())
        chat.pending.append(action)
        return action

    def send_text(self, user_id: int, text: str) -> Action:
        """The user writes `text` (a command gets its bot_command entity)."""
        chat = self.chat(user_id)
        message: dict[str, Any] = {"message_id": next(chat.message_ids), "from": chat.user,
                                   "chat": chat.info, "date": int(time.time()), "text": text}
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        action = self._action(chat, text)
        self._push("message", message)
        return action

    def find_button(self, user_id: int, label: str) -> tuple[dict[str, Any], str] | None:
        """The newest bot message in the chat with a button labelled `label`, and its data."""
        chat = self.chat(user_id)
        for message in reversed(chat.messages.values()):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("text") == label and "callback_data" in button:
                        return message, button["callback_data"]
        return None

    def press(self, user_id: int, label: str) -> Action:
        """The user presses the button labelled `label` on the newest message that has one."""
        found = self.find_button(user_id, label)
        if found is None:
            raise LookupError(f"no button {label!r} in chat {user_id}")
        message, data = found
        chat = self.chat(user_id)
        action = self._action(chat, label)
        self._push("callback_query", {"id": str(next(self.query_ids)), "from": chat.user,
                                      "message": message, "chat_instance": str(user_id),
                                      "data": data})
        return action

    def _answered(self, chat: Chat, message: dict[str, Any]) -> None:
        if chat.pending:
            action = chat.pending.popleft()
            action.answered = time.perf_counter()
            chat.answered.append(action)
            if not action.future.done():
                action.future.set_result(dict(message))  # as it was answered, not later edits

    # --- the Bot API ----------------------------------------------------------------

    async def bot_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls[method] += 1
        if self.first_call is None:
            self.first_call = time.perf_counter()
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                form = await request.post()
                params.update((key, _value(value)) for key, value in form.items()
                              if isinstance(value, str))
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "sendMessage":
            return self._send_message(params)
        if method in ("editMessageText", "editMessageReplyMarkup"):
            return self._edit(method, params)
        if method == "getMe":
            token = request.match_info["token"]
            self.bot_user["id"] = int(token.partition(":")[0]) if token[:1].isdigit() else 1
            return _json({"ok": True, "result": self.bot_user})
        if method == "setMyCommands":
            self.commands = params.get("commands", [])
        elif method == "getMyCommands":
            return _json({"ok": True, "result": self.commands})
        elif method == "getChatMember":
            user_id = int(params.get("user_id", 0))
            user = self.chats[user_id].user if user_id in self.chats else {
                "id": user_id, "is_bot": False, "first_name": "Ukendt"}
            return _json({"ok": True, "result": {"status": "member", "user": user}})
        elif method == "getChat":
            chat_id = int(params.get("chat_id", 0))
            info = self.chats[chat_id].info if chat_id in self.chats else {
                "id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
            return _json({"ok": True, "result": {**info, "accent_color_id": 0,
                                                 "max_reaction_count": 11}})
        elif method == "deleteWebhook" and params.get("drop_pending_updates") in (True, "true"):
            self.updates.clear()
        return web.Response(body=b'{"ok":true,"result":true}', content_type="application/json")

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = float(params.get("timeout") or 0)
        updates = self.updates
        if offset > 0:
            while updates and updates[0][0] < offset:
                updates.popleft()
        if not updates and timeout > 0:
            self._wake()  # Telegram ends an older poll when a new one comes; here it gets []
            poller = self._poller = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(poller, timeout)
            except TimeoutError:
                pass
            finally:
                if self._poller is poller:
                    self._poller = None
            updates = self.updates  # reset() may have replaced the queue meanwhile
        batch = b",".join(raw for _, raw in itertools.islice(updates, limit))
        return web.Response(body=b'{"ok":true,"result":[' + batch + b"]}",
                            content_type="application/json")

    def _send_message(self, params: dict[str, Any]) -> web.Response:
        chat = self.chats.get(_int(params.get("chat_id")))
        if chat is None:
            return _bad_request("chat not found")
        message: dict[str, Any] = {"message_id": next(chat.message_ids), "from": self.bot_user,
                                   "chat": chat.info, "date": int(time.time()),
                                   "text": params.get("text", "")}
        markup = params.get("reply_markup")
        if markup:
            message["reply_markup"] = markup
        chat.messages[message["message_id"]] = message
        self._answered(chat, message)
        return _json({"ok": True, "result": message})

    def _edit(self, method: str, params: dict[str, Any]) -> web.Response:
        chat = self.chats.get(_int(params.get("chat_id")))
        message = chat.messages.get(_int(params.get("message_id"))) if chat else None
        if chat is None or message is None or message["from"] is not self.bot_user:
            return _bad_request("message to edit not found")
        if method == "editMessageText":
            message["text"] = params.get("text", "")
        message.pop("reply_markup", None)
        markup = params.get("reply_markup")
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        self._answered(chat, message)
        return _json({"ok": True, "result": message})


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
