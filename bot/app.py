"""Builds the bot from settings and runs it: the application, inbox, outbox and handlers."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ChatMemberHandler,
    ContextTypes,
    TypeHandler,
)

from bot.content import Content
from bot.inbox import Inbox
from bot.keys import Keys
from bot.outbox import Outbox
from bot.processor import PerChatUpdateProcessor
from bot.seam import Seam, utc_now
from bot.settings import Settings
from bot.store import Store
from flows import build_flows
from flows.commands import MENU_COMMANDS

log = logging.getLogger(__name__)


@dataclass
class Bot:
    application: Application  # type: ignore[type-arg]
    store: Store
    inbox: Inbox
    outbox: Outbox
    content: Content


def build(settings: Settings) -> Bot:
    token = settings.require_token()
    keys = Keys(settings.require_secret())
    store = Store(settings.database_path, keys)
    content = Content(settings.content_dir, {"session_days": settings.session_days})
    holder: dict[str, Inbox] = {}
    processor = PerChatUpdateProcessor(on_finished=lambda update: holder["inbox"].finished(update))
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.bot_base_url)
        .base_file_url(settings.bot_file_url)
        .updater(None)  # the durable inbox polls instead
        .concurrent_updates(processor)
        .build()
    )
    inbox = holder["inbox"] = Inbox(application, store, settings.poll_timeout)
    staff_lane = keys.chat_key(settings.staff_group_id) if settings.staff_group_id else None
    outbox = Outbox(application.bot, store, utc_now, staff_lane, settings.send_rate)
    seam = Seam(build_flows(), content, store, outbox, settings.staff_group_id, utc_now)

    # Handlers, in order; order matters.
    # -1: an update already answered before a crash goes no further.
    application.add_handler(TypeHandler(Update, seam.skip_if_done), group=-1)
    # 0: the bot joined or left a chat; it leaves any group but the staff group.
    application.add_handler(ChatMemberHandler(seam.on_membership,
                                              ChatMemberHandler.MY_CHAT_MEMBER))
    # 1: everything from a private chat: commands, text, buttons, media, edits. Anything
    #    else (channel posts, other groups' messages) is ignored there and marked done by
    #    the inbox.
    application.add_handler(TypeHandler(Update, seam.on_private), group=1)
    application.add_error_handler(_log_error)
    return Bot(application, store, inbox, outbox, content)


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the kind of failure and the update number, never the update's content."""
    number = update.update_id if isinstance(update, Update) else None
    error = context.error
    log.error("handling update %s failed: %s", number, type(error).__name__,
              exc_info=(type(error), error, error.__traceback__) if error else None)


async def run(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM: replay the inbox, then poll, handle and send."""
    bot = build(settings)
    application = bot.application
    await application.initialize()
    await application.bot.delete_webhook()
    descriptions = bot.content.command_descriptions()
    await application.bot.set_my_commands(
        [BotCommand(name, descriptions[name]) for name in MENU_COMMANDS]
    )
    bot.store.prune(utc_now(), settings.session_days)
    await application.start()
    bot.outbox.start()
    await bot.inbox.replay()
    polling = asyncio.create_task(bot.inbox.run(), name="inbox")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("bot running as @%s", application.bot.username)
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({polling, stopped}, return_when=asyncio.FIRST_COMPLETED)
    polling.cancel()
    await asyncio.gather(polling, return_exceptions=True)
    await application.stop()
    await bot.outbox.stop()
    await application.shutdown()
    bot.store.close()
    if polling.done() and not polling.cancelled() and polling.exception():
        raise polling.exception()  # type: ignore[misc]
