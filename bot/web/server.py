"""The web chat's server: the page, the actions a page sends, the live stream of replies, and
the health check. No cookies, no logs of who asked, strict headers on every answer."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from importlib import resources
from typing import Any, Final, Protocol

from aiohttp import web
from jinja2 import Environment, select_autoescape

from bot.core.commands import command_of_text
from bot.core.content import Content
from bot.core.conversation import Conversations
from bot.core.delivery import Dispatch, Person, Route
from bot.core.store import Store, hour_of
from bot.logs import describe
from bot.settings import Settings
from bot.web.channel import WEB, WebChannel
from bot.web.limits import Limits
from flows.engine import Event, EventKind

log = logging.getLogger(__name__)

TOKEN: Final = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 random bytes, base64url, from the page
TOKEN_HEADER: Final = "X-Chat-Token"
TEXT_LIMIT: Final = 4096  # as in Telegram
BODY_LIMIT: Final = 16 * 1024  # bytes of a request from the page
SERVER_LIMIT: Final = 1024 * 1024  # bytes of any request (a webhook's update may be larger)
KEEPALIVE: Final = 15.0  # seconds between comments on a quiet stream
STREAM_FOR: Final = 300.0  # a stream ends after this long; the page opens the next one
PAGE_LABELS: Final = "web/page"
HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
STATIC: Final = {"chat.js": "text/javascript", "chat.css": "text/css"}
HIDE: Final = "slet"  # the quick exit, as the command that forgets everything


class Health(Protocol):
    def health(self) -> dict[str, Any]: ...


@web.middleware
async def strict_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every answer: no framing, no referrer, no sniffing, no outside source, no cache."""
    try:
        response: web.StreamResponse = await handler(request)
    except web.HTTPException as error:
        response = error
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/api/") or request.path == "/":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


class WebSide:
    """The web server of the running bot: web chat and health, on one port."""

    def __init__(self, settings: Settings, store: Store, content: Content, dispatch: Dispatch,
                 conversations: Conversations, health: Health | None = None) -> None:
        self.settings = settings
        self.store = store
        self.content = content
        self.dispatch = dispatch
        self.conversations = conversations
        self.channel = WebChannel(store)
        dispatch.register(self.channel)
        dispatch.wake_on(WEB, self.channel.wake)
        self.limits = Limits(
            (settings.web_conversation_burst, settings.web_conversation_rate),
            (settings.web_address_burst, settings.web_address_rate))
        self.health_of = health
        self.app = web.Application(client_max_size=SERVER_LIMIT, middlewares=[strict_headers])
        self.app.add_routes([
            web.get("/", self.page),
            web.get("/static/{name}", self.static),
            web.post("/api/action", self.action),
            web.get("/api/events", self.events),
            web.post("/api/ack", self.ack),
            web.post("/api/exit", self.exit),
            web.get("/healthz", self.health),
            web.get("/favicon.ico", self.no_icon),
        ])
        self._page = self._render_page()
        self._runner: web.AppRunner | None = None
        self._streams: set[asyncio.Task[Any]] = set()
        self.port = 0

    # --- lifecycle ----------------------------------------------------------------

    async def start(self) -> int:
        # No access log: it would write addresses and user agents.
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2.0,
                                     handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.web_host, self.settings.web_port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        port_file = self.settings.data_dir / "web.port"  # for the demo and the tests
        partial = port_file.with_suffix(".tmp")
        partial.write_text(str(self.port))
        partial.replace(port_file)
        log.info("web chat listening on port %d", self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- the page ------------------------------------------------------------------

    def _render_page(self) -> bytes:
        labels = self.content.template(PAGE_LABELS, None).make_module()
        page = resources.files("bot.web").joinpath("templates", "page.html").read_text()
        env = Environment(autoescape=select_autoescape(default=True), trim_blocks=True,
                          lstrip_blocks=True)
        html = env.from_string(page).render(
            labels=labels, exit_url=self.settings.web_exit_url,
            contacts=self.content.environment(None).globals["contacts"])
        return html.encode()

    async def page(self, request: web.Request) -> web.Response:
        return web.Response(body=self._page, content_type="text/html", charset="utf-8")

    async def no_icon(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound()
        data = resources.files("bot.web").joinpath("static", name).read_bytes()
        return web.Response(body=data, content_type=STATIC[name], charset="utf-8",
                            headers={"Cache-Control": "no-cache"})

    # --- who is asking -------------------------------------------------------------

    def _person(self, request: web.Request) -> Person:
        token = request.headers.get(TOKEN_HEADER, "")
        if not TOKEN.match(token):
            raise web.HTTPBadRequest(text=json.dumps({"error": "token"}),
                                     content_type="application/json")
        key = self.store.keys.web_key(token)
        return Person(key, Route(WEB, key))

    def _address(self, request: web.Request) -> str:
        """For the limits only; never stored, never logged."""
        if self.settings.web_trust_proxy:
            forwarded = request.headers.get("X-Forwarded-For", "")
            if forwarded:
                return forwarded.split(",")[-1].strip()
        return request.remote or ""

    def _too_fast(self) -> web.Response:
        return web.json_response({"error": "too_fast"}, status=429,
                                 headers={"Retry-After": "2"})

    # --- what the page sends --------------------------------------------------------

    async def action(self, request: web.Request) -> web.Response:
        person = self._person(request)
        if (request.content_length or BODY_LIMIT + 1) > BODY_LIMIT:
            return web.json_response({"error": "too_long"}, status=413)
        if not self.limits.allow(person.key, self._address(request)):
            return self._too_fast()
        try:
            body = await request.json()
            seq = int(body["seq"])
            event = self._event(body)
        except (ValueError, KeyError, TypeError, json.JSONDecodeError):
            return web.json_response({"error": "bad_request"}, status=400)
        if event is None:
            return web.json_response({"error": "too_long"}, status=413)
        if seq <= self._last_seq(person.key):
            return web.json_response({"ok": True, "again": True})
        try:
            self._converse(person, event, seq)
        except Exception as error:  # a bug: the person still gets an answer
            log.error("a web chat action failed: %s", describe(error))
            with self.store.transaction():
                self.conversations.apologise(person)
                self._handled(person.key, seq)
        await self.store.durable()  # accepted only once it is committed
        return web.json_response({"ok": True}, status=202)

    def _converse(self, person: Person, event: Event, seq: int) -> None:
        with self.store.transaction():
            self.conversations.converse(person, event)
            self._handled(person.key, seq)

    def _handled(self, key: str, seq: int) -> None:
        """Inside a transaction: the action numbered `seq` is done (sent again, it is not)."""
        self.store.db.execute(
            """INSERT INTO web_inputs (person_key, last_seq, touched_hour) VALUES (?, ?, ?)
               ON CONFLICT (person_key) DO UPDATE SET last_seq = excluded.last_seq,
               touched_hour = excluded.touched_hour""",
            [key, seq, hour_of(self.dispatch.clock())])

    @staticmethod
    def _event(body: dict[str, Any]) -> Event | None:
        kind = body.get("kind")
        value = body.get("value", "")
        if not isinstance(value, str):
            raise TypeError("value")
        if len(value) > TEXT_LIMIT:
            return None
        if kind == "choice":
            step = body.get("step")
            return Event(EventKind.CHOICE, value, step=step if isinstance(step, int) else -1)
        if kind == "text":
            name, argument = command_of_text(value)
            if name is not None:
                return Event(EventKind.COMMAND, name, argument=argument)
            return Event(EventKind.TEXT, value)
        raise ValueError("kind")

    def _last_seq(self, key: str) -> int:
        row = self.store.db.execute("SELECT last_seq FROM web_inputs WHERE person_key = ?",
                                    [key]).fetchone()
        return int(row[0]) if row else 0

    async def ack(self, request: web.Request) -> web.Response:
        person = self._person(request)
        try:
            upto = int((await request.json())["upto"])
        except (ValueError, KeyError, TypeError, json.JSONDecodeError):
            return web.json_response({"error": "bad_request"}, status=400)
        self.channel.delivered(person.key, upto)
        await self.store.durable()
        return web.json_response({"ok": True})

    async def exit(self, request: web.Request) -> web.Response:
        """Quick exit: the page is already gone; forget the conversation here too."""
        person = self._person(request)
        with self.store.transaction():
            self.conversations.converse(person, Event(EventKind.COMMAND, HIDE))
            self.store.drop_lane(person.key)
            self.store.db.execute("DELETE FROM web_inputs WHERE person_key = ?", [person.key])
        await self.store.durable()
        return web.json_response({"ok": True})

    # --- the live stream ----------------------------------------------------------------

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: everything waiting after `after`, then each new message as it
        is committed. Event ids are the outbox's row ids: the page shows each once."""
        person = self._person(request)
        address = self._address(request)
        try:
            after = int(request.query.get("after", "0"))
        except ValueError:
            raise web.HTTPBadRequest() from None
        if not self.limits.open_stream(address):
            return self._too_fast()
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-store",
            "X-Accel-Buffering": "no"})
        wake = self.channel.listen(person.key)
        try:
            await response.prepare(request)
            if after:
                self.channel.delivered(person.key, after)
            deadline = asyncio.get_running_loop().time() + STREAM_FOR
            while asyncio.get_running_loop().time() < deadline:
                wake.clear()
                for row_id, payload in self.channel.waiting_for(person.key, after):
                    data = json.dumps(payload, ensure_ascii=False)
                    await response.write(f"id: {row_id}\ndata: {data}\n\n".encode())
                    after = row_id
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), KEEPALIVE)
                if not wake.is_set():
                    await response.write(b": still here\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.channel.stop_listening(person.key, wake)
            self.limits.close_stream(address)
        return response

    # --- health -----------------------------------------------------------------------

    async def health(self, request: web.Request) -> web.Response:
        report: dict[str, Any] = (self.health_of.health() if self.health_of is not None
                                  else {"ok": True})
        report["web_streams"] = self.channel.live
        return web.json_response(report, status=200 if report.get("ok") else 503)
