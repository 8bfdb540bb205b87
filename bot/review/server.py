"""`sspbot review`: a local web page where the youth council reads every message and approves
it or asks for changes, with plain HTML forms (no JavaScript, nothing from outside).

It listens on 127.0.0.1 only. Every form carries a token drawn when the server starts, and a
request must name this machine as its host: another web site open in the same browser cannot
approve anything. Decisions go to content/approvals.toml (bot/review/approvals.py), each with
the fingerprint of what the reviewer saw; if the text changed meanwhile, nothing is recorded
and the page shows the new text.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, unquote, urlencode

from aiohttp import web
from jinja2 import Environment

from bot.review import approvals
from bot.review.messages import review_content
from bot.review.overview import Overview, build, pages, with_decisions
from flows import build_flows
from flows.engine import AUDIENCES, Flows

HOST: Final = "127.0.0.1"
LOCAL_NAMES: Final = frozenset({"127.0.0.1", "localhost"})
PAGE: Final = "booklet/review.html"
REVIEWER_COOKIE: Final = "reviewer"
NAME_LIMIT: Final = 80
COMMENT_LIMIT: Final = 2000
BODY_LIMIT: Final = 64 * 1024
APPROVE: Final = "approve"
CHANGE: Final = "change"
HEADERS: Final = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
AUDIENCE_FILTER: Final = (*AUDIENCES, "staff")


@dataclass
class _Texts:
    """The texts as they are now: the overview (diagrams included) and the page templates."""

    signature: str
    overview: Overview
    pages: Environment


class ReviewServer:
    """The review page for one content folder."""

    def __init__(self, root: Path, flows: Flows | None = None,
                 today: Callable[[], date] = date.today) -> None:
        self.root = root
        self.flows = flows or build_flows()
        self.today = today
        self.token = secrets.token_urlsafe(32)
        self._texts: _Texts | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- the texts, worked out again only when a file under content/ changed --------------

    def _signature(self) -> str:
        digest = hashlib.sha256()
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and path.name != approvals.RECORD and not path.name.startswith("."):
                digest.update(str(path.relative_to(self.root)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
        return digest.hexdigest()

    def texts(self) -> _Texts:
        signature = self._signature()
        if self._texts is None or self._texts.signature != signature:
            content = review_content(self.root)
            overview = build(self.flows, content)
            self._texts = _Texts(signature, overview, pages(content, overview.names))
        with_decisions(self._texts.overview, self.root)
        return self._texts

    # --- the web side ----------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], client_max_size=BODY_LIMIT)
        app.router.add_get("/", self.index)
        app.router.add_get("/section/{name}", self.section)
        app.router.add_post("/decide", self.decide)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Only this machine, by its own name (no DNS tricks); strict headers on every answer."""
        if request.host.rsplit(":", 1)[0].strip("[]") not in LOCAL_NAMES:
            raise web.HTTPForbidden()
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException as error:
            response = error
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    async def start(self, port: int = 0) -> str:
        # A local page: on stop, a request still being answered gets a moment, not a minute.
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, HOST, port).start()
        self.port = int(self._runner.addresses[0][1])
        return f"http://{HOST}:{self.port}/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _render(self, texts: _Texts, request: web.Request, status: int = 200,
                **values: Any) -> web.Response:
        audience = request.query.get("for")
        values.setdefault("audience", audience if audience in AUDIENCE_FILTER else None)
        values.setdefault("saved", request.query.get("saved"))
        html = texts.pages.get_template(PAGE).render(
            overview=texts.overview, status=texts.overview.status, token=self.token,
            reviewer=unquote(request.cookies.get(REVIEWER_COOKIE, "")),
            audiences=AUDIENCE_FILTER, **values)
        return web.Response(text=html, content_type="text/html", status=status)

    async def index(self, request: web.Request) -> web.Response:
        texts = await asyncio.to_thread(self.texts)
        return self._render(texts, request, section=None)

    async def section(self, request: web.Request) -> web.Response:
        texts = await asyncio.to_thread(self.texts)
        section = texts.overview.section(request.match_info["name"])
        if section is None:
            raise web.HTTPNotFound()
        return self._render(texts, request, section=section)

    async def decide(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        if not hmac.compare_digest(str(form.get("token", "")), self.token):
            raise web.HTTPForbidden()
        texts = await asyncio.to_thread(self.texts)
        file = str(form.get("file", ""))
        found = texts.overview.card(file)
        if found is None:
            raise web.HTTPNotFound()
        section, card = found
        name = " ".join(str(form.get("name", "")).split())[:NAME_LIMIT]
        comment = str(form.get("comment", "")).strip()[:COMMENT_LIMIT]
        decision = str(form.get("decision", ""))
        problem = None
        if not name:
            problem = "name_missing"
        elif decision not in (APPROVE, CHANGE):
            problem = "no_decision"
        elif decision == CHANGE and not comment:
            problem = "comment_missing"
        elif form.get("fingerprint") != texts.overview.fingerprints[file]:
            problem = "changed_meanwhile"
        back = {k: v for k, v in (("for", str(form.get("for", ""))),) if v in AUDIENCE_FILTER}
        if problem:
            return self._render(texts, request, status=409 if problem.startswith("changed")
                                else 400, section=section, problem=problem,
                                problem_at=card.anchor, draft={"name": name, "comment": comment},
                                audience=back.get("for"))
        current = texts.overview.fingerprints
        if decision == APPROVE:
            approvals.approve(self.root, [file], name, self.today(), comment, current)
        else:
            approvals.ask_changes(self.root, file, name, self.today(), comment, current)
        query = urlencode({**back, "saved": card.anchor})
        response = web.Response(status=303, headers={
            "Location": f"/section/{section.name}?{query}#{card.anchor}"})
        response.set_cookie(REVIEWER_COOKIE, quote(name), httponly=True, samesite="Strict",
                            path="/")
        return response


async def serve(root: Path, port: int, say: Callable[[str], None]) -> None:
    """Run the review page until interrupted; `say` gets the address once it listens."""
    server = ReviewServer(root)
    await asyncio.to_thread(server.texts)  # the first page opens at once
    say(await server.start(port))
    # Ctrl-C and SIGTERM stop it whatever they were set to before (a job started in the
    # background inherits SIGINT ignored, and would never stop).
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()
