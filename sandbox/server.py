"""The sandbox's HTTP face: the Bot API, a control API for tests and a page for people."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import threading
import time
from importlib import resources
from typing import Any, Final

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from sandbox.errors import ApiError, bad_request
from sandbox.methods import METHODS, not_implemented
from sandbox.spec import check_request, method_names
from sandbox.world import DEMO_USER_ID, MEDIA_KINDS, STAFF_GROUP_ID, Fault, World

log = logging.getLogger(__name__)
TOKEN: Final = re.compile(r"^\d+:[A-Za-z0-9_-]{10,}$")
PAGE_WAIT: Final = 25.0


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(body, ensure_ascii=False), status=status,
                        content_type="application/json")


class Sandbox:
    """A fake Telegram on one port. `token` pins the one bot token it accepts."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token
        self.world = World()
        self.app = web.Application(client_max_size=8 * 1024 * 1024)
        routes = [
            web.route("*", r"/bot{token}/{method}", self.bot_api),
            web.post("/sandbox/reset", self.reset),
            web.post("/sandbox/send", self.send),
            web.post("/sandbox/press", self.press),
            web.post("/sandbox/edit", self.edit),
            web.post("/sandbox/update", self.raw_update),
            web.post("/sandbox/add_to_group", self.add_to_group),
            web.post("/sandbox/block", self.block),
            web.post("/sandbox/members", self.set_member),
            web.post("/sandbox/migrate", self.migrate),
            web.post("/sandbox/faults", self.add_fault),
            web.delete("/sandbox/faults", self.clear_faults),
            web.get("/sandbox/chats/{chat_id}/messages", self.messages),
            web.get("/sandbox/chats/{chat_id}/topics", self.topics),
            web.get("/sandbox/chats/{chat_id}/wait", self.wait_chat),
            web.get("/sandbox/chats/{chat_id}", self.chat_info),
            web.get("/sandbox/updates/{update_id}", self.update_status),
            web.get("/sandbox/calls", self.calls),
            web.get("/sandbox/commands", self.commands),
            web.get("/sandbox/callback_answers/{query_id}", self.callback_answer),
            web.get("/sandbox/state", self.state),
            web.get("/", self.page),
            web.get("/static/{name}", self.static),
        ]
        self.app.add_routes(routes)
        self._runner: web.AppRunner | None = None
        self._delivery: asyncio.Task[None] | None = None
        self.port = 0

    # --- lifecycle ----------------------------------------------------------------

    async def deliver_webhook(self) -> None:
        """With a webhook set, post each update to it in order, the secret in its header, until
        it answers 2xx; a failing webhook is tried again a second later, as Telegram does."""
        async with ClientSession() as session:
            while True:
                world = self.world
                if not world.webhook or not world.updates:
                    async with world.changed:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(world.changed.wait(), 1.0)
                    continue
                update = world.updates[0]
                hook = dict(world.webhook)
                try:
                    async with session.post(hook["url"], json=update, timeout=ClientTimeout(10),
                                            headers={"X-Telegram-Bot-Api-Secret-Token":
                                                     hook["secret"]}) as answer:
                        delivered = 200 <= answer.status < 300
                except (OSError, TimeoutError, ClientError):
                    delivered = False
                world.delivered.add(update["update_id"])
                if delivered and world.updates and world.updates[0] is update:
                    world.updates.pop(0)
                    world.confirmed_below = max(world.confirmed_below, update["update_id"] + 1)
                elif not delivered:
                    await asyncio.sleep(1.0)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._delivery = asyncio.create_task(self.deliver_webhook(), name="webhook")
        # Long polls (the bot's getUpdates, the page's state) must not hold up a stop.
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self.port

    async def stop(self) -> None:
        if self._delivery is not None:
            self._delivery.cancel()
            await asyncio.gather(self._delivery, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()

    # --- the Bot API --------------------------------------------------------------

    async def bot_api(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        if not TOKEN.match(token) or (self.token is not None and token != self.token):
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        name = method_names().get(method.lower())
        if name is None:
            return _json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        late: Fault | None = None
        try:
            params = await self._params(request)
            fault = self._fault(name, params)
            if fault is not None and fault.raw is not None:
                self.world.calls.append({"method": name, "ok": False,
                                         "error_code": fault.status or 200, "raw": True})
                return web.Response(text=fault.raw, status=fault.status or 200,
                                    content_type="text/html")
            if fault is not None and fault.after:
                late = fault
            elif fault is not None:
                await self._apply(fault)
            checked = check_request(name, params)
            implementation = METHODS.get(name)
            if implementation is None:
                raise not_implemented(name)
            result = await implementation(self.world, checked)
        except ApiError as error:
            self.world.calls.append({"method": name, "ok": False, "error_code": error.code,
                                     "description": error.description})
            return _json(error.body(), error.code)
        self.world.calls.append({"method": name, "ok": True, "params": checked})
        if late is not None:  # done, but the answer is slow (and may never be read)
            await asyncio.sleep(late.delay)
        return _json({"ok": True, "result": result})

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise bad_request("request body must be a JSON object")
                params.update(body)
            else:
                form = await request.post()
                params.update({key: value for key, value in form.items()
                               if isinstance(value, str)})
        return params

    def _fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        for fault in self.world.faults:
            if fault.matches(method, params):
                fault.count -= 1
                return fault
        return None

    @staticmethod
    async def _apply(fault: Fault) -> None:
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status == 429:
            retry = fault.retry_after or 1
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry)
        if fault.migrate_to is not None:
            error = bad_request("group chat was upgraded to a supergroup chat")
            error.migrate_to = fault.migrate_to
            raise error
        if fault.status:
            raise ApiError(fault.status, fault.description or _reason(fault.status))

    # --- the control API: play users, read what the bot did, inject faults ---------

    async def reset(self, request: web.Request) -> web.Response:
        self.world.reset()
        await self.world.touch()
        return _json({"ok": True})

    async def send(self, request: web.Request) -> web.Response:
        body = await request.json()
        world = self.world
        user = world.user(int(body.get("user_id", DEMO_USER_ID)))
        chat_id = int(body.get("chat_id", user["id"]))
        chat = world.chats.get(chat_id) or world.add_chat(
            {"id": chat_id, "type": "private", "first_name": user["first_name"]})
        content: dict[str, Any] = {}
        if "media" in body:
            kind = body["media"]
            content[kind] = MEDIA_KINDS[kind]()
            if body.get("text"):
                content["caption"] = body["text"]
        else:
            text = str(body.get("text", ""))
            content["text"] = text
            command = re.match(r"/[A-Za-z0-9_]+(@\w+)?", text)
            if command:
                content["entities"] = [{"type": "bot_command", "offset": 0,
                                        "length": len(command[0])}]
        message = world.new_message(chat, user, body.get("thread"), **content)
        kind = "channel_post" if chat.info["type"] == "channel" else "message"
        update_id = await world.push(kind, message)
        return _json({"update_id": update_id, "message_id": message["message_id"]})

    async def press(self, request: web.Request) -> web.Response:
        body = await request.json()
        world = self.world
        user = world.user(int(body.get("user_id", DEMO_USER_ID)))
        chat = world.chats[int(body.get("chat_id", user["id"]))]
        message = chat.messages.get(int(body["message_id"]))
        if message is None:
            return _json({"ok": False, "description": "no such message"}, 404)
        data = body.get("data")
        if data is None:
            buttons = [button for row in message.get("reply_markup", {}).get(
                "inline_keyboard", []) for button in row]
            match = [b for b in buttons if b["text"] == body.get("label")]
            if not match:
                return _json({"ok": False, "description": "no such button"}, 404)
            data = match[0]["callback_data"]
        query_id = secrets.token_hex(8)
        world.callback_answers[query_id] = {}
        query = {"id": query_id, "from": user, "message": message,
                 "chat_instance": f"ci{chat.info['id']}", "data": data}
        update_id = await world.push("callback_query", query)
        return _json({"update_id": update_id, "callback_query_id": query_id})

    async def edit(self, request: web.Request) -> web.Response:
        body = await request.json()
        world = self.world
        user = world.user(int(body.get("user_id", DEMO_USER_ID)))
        chat = world.chats[int(body.get("chat_id", user["id"]))]
        message = chat.messages[int(body["message_id"])]
        message.update(text=body["text"], edit_date=int(time.time()))
        update_id = await world.push("edited_message", dict(message))
        return _json({"update_id": update_id})

    async def raw_update(self, request: web.Request) -> web.Response:
        body = await request.json()
        (kind, payload), = body.items()
        if kind == "callback_query" and isinstance(payload, dict) and "id" in payload:
            # A press Telegram delivers may be answered, whatever its data says.
            self.world.callback_answers.setdefault(str(payload["id"]), {})
        return _json({"update_id": await self.world.push(kind, payload)})

    async def add_to_group(self, request: web.Request) -> web.Response:
        """Someone adds the bot to a group: a my_chat_member update, as Telegram sends it."""
        body = await request.json()
        world = self.world
        user = world.user(int(body.get("user_id", DEMO_USER_ID)))
        group = world.add_chat({"id": int(body["group_id"]), "type": "group",
                                "title": body.get("title", "Klassens gruppe")})
        group.bot_is_member = True
        member = {"chat": group.info, "from": user, "date": 0,
                  "old_chat_member": {"status": "left", "user": world.bot},
                  "new_chat_member": {"status": "member", "user": world.bot}}
        return _json({"update_id": await world.push("my_chat_member", member)})

    async def block(self, request: web.Request) -> web.Response:
        body = await request.json()
        user_id = int(body["user_id"])
        if body.get("blocked", True):
            self.world.blocked.add(user_id)
        else:
            self.world.blocked.discard(user_id)
        return _json({"ok": True})

    async def set_member(self, request: web.Request) -> web.Response:
        """Someone joins or leaves a group: `status` member, administrator or left."""
        body = await request.json()
        user = self.world.user(int(body["user_id"]))
        chat = self.world.chats[int(body["chat_id"])]
        chat.members[user["id"]] = body.get("status", "member")
        return _json({"ok": True})

    async def migrate(self, request: web.Request) -> web.Response:
        """A group becomes a supergroup with a new id (Telegram's ChatMigrated)."""
        body = await request.json()
        old, new = int(body["chat_id"]), int(body["new_id"])
        self.world.migrate(old, new)
        chat = self.world.chats[new]
        note = self.world.new_message(chat, self.world.bot, None, migrate_from_chat_id=old,
                                      service="Gruppen blev opgraderet")
        await self.world.push("message", {k: v for k, v in note.items() if k != "service"})
        return _json({"ok": True})

    async def add_fault(self, request: web.Request) -> web.Response:
        self.world.faults.append(Fault(**await request.json()))
        return _json({"ok": True})

    async def clear_faults(self, request: web.Request) -> web.Response:
        self.world.faults.clear()
        return _json({"ok": True})

    async def messages(self, request: web.Request) -> web.Response:
        return _json(self.world.view(int(request.match_info["chat_id"])))

    async def wait_chat(self, request: web.Request) -> web.Response:
        """Long poll until the chat has changed after version `after`; then its last message."""
        chat = self.world.chats.get(int(request.match_info["chat_id"]))
        if chat is None:
            return _json({"ok": False}, 404)
        after = int(request.query.get("after", -1))
        deadline = time.monotonic() + float(request.query.get("timeout", PAGE_WAIT))
        async with self.world.changed:
            while chat.version <= after and (remaining := deadline - time.monotonic()) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.world.changed.wait(), remaining)
        last = next(reversed(chat.messages.values()), None)
        return _json({"version": chat.version,
                      "last": self.world.view_message(last) if last else None})

    async def topics(self, request: web.Request) -> web.Response:
        chat = self.world.chats.get(int(request.match_info["chat_id"]))
        return _json(list(chat.topics.values()) if chat else [])

    async def chat_info(self, request: web.Request) -> web.Response:
        chat = self.world.chats.get(int(request.match_info["chat_id"]))
        if chat is None:
            return _json({"ok": False}, 404)
        return _json({**chat.info, "bot_is_member": chat.bot_is_member})

    async def update_status(self, request: web.Request) -> web.Response:
        update_id = int(request.match_info["update_id"])
        return _json({"delivered": update_id in self.world.delivered,
                      "confirmed": update_id < self.world.confirmed_below})

    async def calls(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        calls = [c for c in self.world.calls if method is None or c["method"] == method]
        return _json(calls)

    async def commands(self, request: web.Request) -> web.Response:
        """The commands a person's chat shows, or those of one scope (`?scope=chat:<id>`)."""
        scope = request.query.get("scope")
        return _json(self.world.commands if scope is None
                     else self.world.scoped_commands.get(scope, []))

    async def callback_answer(self, request: web.Request) -> web.Response:
        return _json(self.world.callback_answers.get(request.match_info["query_id"]))

    async def state(self, request: web.Request) -> web.Response:
        """Long poll for the page: answers when anything changed after `after`."""
        after = int(request.query.get("after", -1))
        world = self.world
        async with world.changed:
            if world.seq <= after:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(world.changed.wait(), PAGE_WAIT)
        staff = world.chats.get(STAFF_GROUP_ID)
        return _json({
            "seq": world.seq,
            "user": world.users[DEMO_USER_ID],
            "chat": world.view(DEMO_USER_ID),
            "staff": {
                "id": STAFF_GROUP_ID,
                "title": staff.info["title"] if staff else "",
                "topics": list(staff.topics.values()) if staff else [],
                "messages": world.view(STAFF_GROUP_ID),
                "consultants": [world.users[uid] for uid in (staff.members if staff else {})
                                if uid in world.users],
            },
            "commands": world.commands,
        })

    async def page(self, request: web.Request) -> web.StreamResponse:
        return await self.static_file("index.html")

    async def static(self, request: web.Request) -> web.StreamResponse:
        return await self.static_file(request.match_info["name"])

    @staticmethod
    async def static_file(name: str) -> web.StreamResponse:
        if name not in ("index.html", "app.js", "style.css"):
            raise web.HTTPNotFound()
        data = resources.files("sandbox").joinpath("static", name).read_bytes()
        kind = {"html": "text/html", "js": "text/javascript", "css": "text/css"}
        return web.Response(body=data, content_type=kind[name.rsplit(".", 1)[1]],
                            charset="utf-8")


def _reason(status: int) -> str:
    return {500: "Internal Server Error", 502: "Bad Gateway", 403: "Forbidden: bot was blocked "
            "by the user"}.get(status, f"Error {status}")


async def _cancel_others() -> None:
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class SandboxThread:
    """The sandbox on its own event loop in a thread, for tests and benchmarks."""

    def __init__(self, token: str | None = None) -> None:
        self.sandbox = Sandbox(token)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                        name="sandbox")

    async def _shutdown(self) -> None:
        await self.sandbox.stop()
        await _cancel_others()  # long polls of bots that were killed

    def __enter__(self) -> SandboxThread:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self.sandbox.start(), self.loop)
        self.port = future.result(timeout=10)
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()
