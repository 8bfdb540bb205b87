"""Webhook instead of polling, with the inbox's guarantee kept: an update is committed to the
store before Telegram gets its 200, so a crash after the answer loses nothing, and an update
Telegram sends again (no 200 came) is recognised and answered once."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from aiohttp import web

from bot.core.store import Store
from bot.telegram.inbox import Inbox

log = logging.getLogger(__name__)

PATH: Final = "/telegram/webhook"
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
UPDATE_LIMIT: Final = 1024 * 1024  # bytes: Telegram's updates are far smaller


@dataclass(frozen=True)
class WebhookSettings:
    url: str  # the public https address Telegram posts to
    secret: str  # Telegram's secret_token: only Telegram knows it


class Webhook:
    """The handler Telegram posts updates to."""

    def __init__(self, settings: WebhookSettings, inbox: Inbox, store: Store,
                 clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.url = settings.url
        self.secret = settings.secret
        self.inbox = inbox
        self.store = store
        self.clock = clock
        self.last_update: float | None = None
        self._handling: set[asyncio.Task[None]] = set()

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return web.Response(status=403)  # not Telegram: nothing is read or kept
        if (request.content_length or 0) > UPDATE_LIMIT:
            return web.Response(status=413)
        raw = await request.read()
        try:
            update = json.loads(raw)
            update_id = int(update["update_id"])
        except (ValueError, KeyError, TypeError):
            log.warning("a webhook post that is no update was refused")
            return web.Response(status=400)
        handled = self.store.inbox_add([(update_id, raw)], self.clock())
        await self.store.durable()  # committed (with others of this moment): now say 200
        if update_id not in handled:  # sent again, but answered before: not answered twice
            task = asyncio.create_task(self.inbox.dispatch(update))
            self._handling.add(task)
            task.add_done_callback(self._handling.discard)
        self.last_update = self.clock().timestamp()
        return web.Response(status=200)

    def health(self) -> dict[str, Any]:
        return {"webhook": True, "last_update_seconds": None if self.last_update is None else
                round(self.clock().timestamp() - self.last_update, 1)}
