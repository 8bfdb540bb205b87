"""The Telegram channel assembled: the application, its handlers, the inbox and the sender."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationBuilder,
    ChatMemberHandler,
    ContextTypes,
    TypeHandler,
)

from bot.core.content import Content
from bot.core.conversation import Conversations
from bot.core.delivery import Dispatch
from bot.core.store import Store
from bot.desk.desk import Desk
from bot.logs import describe
from bot.settings import Settings, SettingsError
from bot.telegram.calls import TELEGRAM
from bot.telegram.channel import StaffChannel, TelegramChannel
from bot.telegram.format import shown_length
from bot.telegram.inbox import Inbox
from bot.telegram.processor import PerChatUpdateProcessor
from bot.telegram.seam import Seam
from bot.telegram.sender import Retries, Sender
from bot.telegram.staff_group import StaffGroup
from bot.telegram.transport import AiohttpRequest
from bot.telegram.webhook import Webhook, WebhookSettings
from flows.commands import MENU_COMMANDS

log = logging.getLogger(__name__)

PERSON_COMMANDS: Final = "general/commands"
DESCRIPTION: Final = "telegram/description"  # shown only in Telegram, before Start
WEBHOOK_CONNECTIONS: Final = 40
CONNECTIONS: Final = 100  # to Telegram at once; the sender keeps at most this many in flight
STAFF_COMMANDS: Final = "desk/commands"
SETUP_RETRY_AT_MOST: Final = 300.0  # seconds between tries of the start-up calls
# Telegram's limits on the bot's descriptions, in UTF-16 units (Bot API: setMyDescription).
DESCRIPTION_LIMITS: Final = {"short_description": 120, "description": 512}


class TelegramSide:
    """Everything of the Telegram channel that runs: polling, handling, sending."""

    def __init__(self, settings: Settings, store: Store, content: Content, dispatch: Dispatch,
                 conversations: Conversations, desk: Desk,
                 clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.content = content
        self.desk = desk
        check_descriptions(content)
        self._updates_request = AiohttpRequest(connections=2)
        holder: dict[str, Inbox] = {}
        processor = PerChatUpdateProcessor(
            on_finished=lambda update: holder["inbox"].finished(update))
        self.application = (
            ApplicationBuilder()
            .token(settings.require_token())
            .base_url(settings.bot_base_url)
            .base_file_url(settings.bot_file_url)
            .updater(None)  # the durable inbox polls instead
            .concurrent_updates(processor)
            .request(AiohttpRequest(connections=CONNECTIONS))
            .get_updates_request(self._updates_request)
            .build()
        )
        self.inbox = holder["inbox"] = Inbox(self.application, store, settings.poll_timeout,
                                             clock)
        self.webhook = (Webhook(WebhookSettings(settings.webhook_url,
                                                settings.require_webhook_secret()),
                                self.inbox, store, clock) if settings.webhook_url else None)
        self.channel = TelegramChannel(store, clock)
        self.sender = Sender(self.application.bot, store, desk, self.channel, clock,
                             settings.send_rate,
                             Retries(settings.send_attempts, settings.send_give_up_seconds))
        dispatch.register(self.channel)
        dispatch.register(StaffChannel())
        dispatch.wake_on(TELEGRAM, self.sender.wake)
        seam = Seam(self.application.bot, conversations, content, store, self.channel, desk,
                    StaffGroup(desk), clock)
        self.inbox.private = seam.on_private  # people's chats: read lean, handled in order

        application = self.application
        # Handlers, in order; order matters. (An update answered before a crash never gets
        # here: the inbox does not hand it out again.)
        # 0: the bot joined or left a chat; it leaves any group but the staff group.
        application.add_handler(ChatMemberHandler(seam.on_membership,
                                                  ChatMemberHandler.MY_CHAT_MEMBER))
        # 1: the consultants' staff group: buttons, relay, commands. Stops here.
        application.add_handler(TypeHandler(Update, seam.on_staff), group=1)
        # (People's private chats never get here: the inbox hands them to seam.on_private.
        #  Anything else, channel posts, other groups' messages, is marked done by the inbox.)
        application.add_error_handler(_log_error)
        self._tasks: list[asyncio.Task[None]] = []
        self.started = time.time()
        self._unhandled_since: dict[int, float] = {}  # update id -> first seen unfinished

    async def start(self) -> None:
        """Replay what was left, then poll and send. Telegram's start-up settings (command
        menus) are retried in the background: a failing call there stops nothing."""
        self.started = time.time()
        await self.application.initialize()
        await self.application.start()
        self.sender.start()
        await self.inbox.replay()
        # With a webhook, Telegram posts to the web server: no polling to run.
        receiving = self.inbox.run() if self.webhook is None else _until_stopped()
        self._tasks = [asyncio.create_task(receiving, name="inbox"),
                       asyncio.create_task(self._set_up(), name="telegram-setup")]

    @property
    def polling(self) -> asyncio.Task[None]:
        return self._tasks[0]

    def health(self) -> dict[str, Any]:
        """Is Telegram answering, are updates handled, is the outbox draining."""
        now = time.time()
        store = self.sender.store
        polled = self.inbox.last_poll
        oldest = store.oldest_due()
        unhandled = self._unhandled(store.inbox_pending_ids(), now)
        report: dict[str, Any] = {
            "last_poll_seconds": None if polled is None else round(now - polled, 1),
            "last_send_seconds": (None if self.sender.last_success is None
                                  else round(now - self.sender.last_success, 1)),
            "inbox_pending": len(self._unhandled_since),
            "inbox_oldest_seconds": None if unhandled is None else round(unhandled, 1),
            "outbox": store.outbox_size(),
            "outbox_oldest_seconds": None if oldest is None else round(now - oldest, 1),
            "dead_letters": store.dead_letter_count(),
        }
        grace = self.settings.health_grace
        poll_limit = self.settings.poll_timeout + grace
        moving = oldest is None or now - oldest < self.settings.send_give_up_seconds + grace
        # An update is handled in well under a second: one left for longer is stuck.
        moving = moving and (unhandled is None or unhandled < grace)
        if self.webhook is not None:  # no polls to watch: Telegram posts when it has something
            report.update(self.webhook.health())
            report["ok"] = moving
        else:  # the first poll has a poll's time to come back, like any other
            since = polled if polled is not None else self.started
            report["ok"] = now - since < poll_limit and moving
        return report

    def _unhandled(self, pending: list[int], now: float) -> float | None:
        """How long the oldest update still unfinished has been so, as far as the health
        checks have seen (the inbox keeps only the hour it arrived)."""
        seen = self._unhandled_since
        for update_id in set(seen) - set(pending):
            del seen[update_id]
        for update_id in pending:
            seen.setdefault(update_id, now)
        return now - min(seen.values()) if seen else None

    async def close(self) -> None:
        """After a failed start: close the connections to Telegram, whatever was opened."""
        with contextlib.suppress(Exception):
            await self.application.shutdown()
        for request in (self.application.bot.request, self._updates_request):
            with contextlib.suppress(Exception):
                await request.shutdown()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.application.stop()
        await self.sender.stop()
        await self.application.shutdown()

    async def _set_up(self) -> None:
        wait = 2.0
        while True:
            try:
                await self._configure()
                return
            except TelegramError as error:
                log.warning("Telegram's start-up settings failed (%s); retrying in %.0fs",
                            type(error).__name__, wait)
                await asyncio.sleep(wait * random.uniform(0.8, 1.2))
                wait = min(SETUP_RETRY_AT_MOST, wait * 2)

    async def _configure(self) -> None:
        """What Telegram shows before anyone writes, and how updates arrive: the command menus
        (a person's in private chats, the consultants' in the staff group), the bot's
        descriptions, and the webhook, or none (polling)."""
        bot = self.application.bot
        if self.webhook is None:
            await bot.delete_webhook()
        else:
            await bot.set_webhook(self.webhook.url, secret_token=self.webhook.secret,
                                  max_connections=WEBHOOK_CONNECTIONS)
        words = self.content.command_descriptions(DESCRIPTION)
        await bot.set_my_short_description(words["short_description"])
        await bot.set_my_description(words["description"])
        people = self.content.command_descriptions(PERSON_COMMANDS)
        await bot.set_my_commands([BotCommand(name, people[name]) for name in MENU_COMMANDS],
                                  scope=BotCommandScopeAllPrivateChats())
        if self.desk.group is not None:
            staff = self.content.command_descriptions(STAFF_COMMANDS)
            await bot.set_my_commands([BotCommand(name, text) for name, text in staff.items()],
                                      scope=BotCommandScopeChat(self.desk.group))
        log.info("Telegram's command menus set")


def check_descriptions(content: Content) -> None:
    """Refuse to start with descriptions Telegram would refuse (a long SSPBOT_WEB_PUBLIC_URL can
    push them over), instead of retrying the start-up calls for ever."""
    words = content.command_descriptions(DESCRIPTION)
    for name, limit in DESCRIPTION_LIMITS.items():
        if (length := shown_length(words[name])) > limit:
            raise SettingsError(
                f"the bot's {name.replace('_', ' ')} is {length} characters, Telegram takes at "
                f"most {limit}: shorten SSPBOT_WEB_PUBLIC_URL or {DESCRIPTION}.j2")


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the kind of failure, where, and the update number; never the update's content,
    not even in the exception's message (it may quote what someone sent)."""
    number = update.update_id if isinstance(update, Update) else None
    log.error("handling update %s failed: %s", number, describe(context.error))


async def _until_stopped() -> None:
    await asyncio.Event().wait()
