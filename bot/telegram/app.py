"""Builds the bot from settings and runs it: the application, inbox, outbox and handlers."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass
from datetime import timedelta
from typing import Final
from zoneinfo import ZoneInfo

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ChatMemberHandler,
    ContextTypes,
    TypeHandler,
)

from bot.core.content import Content
from bot.core.keys import Keys
from bot.core.store import Store
from bot.desk.desk import Desk, DeskSettings
from bot.review import approvals
from bot.settings import Settings, SettingsError
from bot.telegram.inbox import Inbox
from bot.telegram.outbox import Outbox
from bot.telegram.processor import PerChatUpdateProcessor
from bot.telegram.seam import Conversations, Seam, utc_now
from bot.telegram.staff_group import StaffGroup
from flows import build_flows
from flows.commands import MENU_COMMANDS
from flows.hours import OfficeHours
from flows.report import DESCRIPTION_LIMIT

log = logging.getLogger(__name__)


REMIND_EVERY: Final = 60.0  # seconds between looks for cases nobody has taken
PRUNE_EVERY_TICKS: Final = 60  # retention runs hourly


@dataclass
class Bot:
    application: Application  # type: ignore[type-arg]
    store: Store
    inbox: Inbox
    outbox: Outbox
    content: Content
    desk: Desk


def content_globals(settings: Settings, hours: OfficeHours) -> dict[str, object]:
    """Numbers the texts mention that come from configuration, not from the texts."""
    return {"session_days": settings.session_days, "report_text_days": settings.report_text_days,
            "desk_hours": hours.blocks(), "description_limit": DESCRIPTION_LIMIT}


def build(settings: Settings) -> Bot:
    token = settings.require_token()
    keys = Keys(settings.require_secret())
    store = Store(settings.database_path, keys)
    hours = settings.office()
    content = Content(settings.content_dir, content_globals(settings, hours))
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
    outbox = Outbox(application.bot, store, utc_now, settings.send_rate)
    desk = Desk(store, content, DeskSettings(
        staff_group_id=settings.staff_group_id,
        staff=settings.staff_names(),
        hours=hours,
        timezone=ZoneInfo(settings.timezone),
        remind_after=timedelta(minutes=settings.remind_minutes),
    ), utc_now)
    outbox.hooks = desk
    conversations = Conversations(build_flows(), content, store, desk, utc_now)
    seam = Seam(conversations, store, outbox, desk, StaffGroup(desk), utc_now)

    # Handlers, in order; order matters.
    # -1: an update already answered before a crash goes no further.
    application.add_handler(TypeHandler(Update, seam.skip_if_done), group=-1)
    # 0: the bot joined or left a chat; it leaves any group but the staff group.
    application.add_handler(ChatMemberHandler(seam.on_membership,
                                              ChatMemberHandler.MY_CHAT_MEMBER))
    # 1: the consultants' staff group: buttons, relay, /sager, /luk, /svar. Stops here.
    application.add_handler(TypeHandler(Update, seam.on_staff), group=1)
    # 2: everything from a private chat: commands, text, buttons, media, edits. Anything
    #    else (channel posts, other groups' messages) is ignored there and marked done by
    #    the inbox.
    application.add_handler(TypeHandler(Update, seam.on_private), group=2)
    application.add_error_handler(_log_error)
    return Bot(application, store, inbox, outbox, content, desk)


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the kind of failure and the update number, never the update's content."""
    number = update.update_id if isinstance(update, Update) else None
    error = context.error
    log.error("handling update %s failed: %s", number, type(error).__name__,
              exc_info=(type(error), error, error.__traceback__) if error else None)


async def _remind(bot: Bot, settings: Settings) -> None:
    """Once a minute: remind of unclaimed cases; once an hour: retention."""
    ticks = 0
    while True:
        await asyncio.sleep(REMIND_EVERY)
        if bot.desk.remind():
            bot.outbox.wake()
        ticks += 1
        if ticks % PRUNE_EVERY_TICKS == 0:
            bot.store.prune(utc_now(), settings.session_days, settings.report_text_days)


def check_approvals(settings: Settings) -> None:
    """Unapproved texts: refused when the deployment requires approval, else a warning."""
    review = approvals.status(settings.content_dir)
    if not review.unapproved:
        return
    if settings.require_approved:
        raise SettingsError(
            f"SSPBOT_REQUIRE_APPROVED is set, but {len(review.changed)} texts changed since "
            f"approval and {len(review.never)} were never approved; see `sspbot content status`"
        )
    log.warning("%d texts changed since approval and %d were never approved",
                len(review.changed), len(review.never))


async def run(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM: replay the inbox, then poll, handle and send."""
    check_approvals(settings)
    bot = build(settings)
    application = bot.application
    await application.initialize()
    await application.bot.delete_webhook()
    descriptions = bot.content.command_descriptions()
    await application.bot.set_my_commands(
        [BotCommand(name, descriptions[name]) for name in MENU_COMMANDS]
    )
    bot.store.prune(utc_now(), settings.session_days, settings.report_text_days)
    await application.start()
    bot.outbox.start()
    await bot.inbox.replay()
    polling = asyncio.create_task(bot.inbox.run(), name="inbox")
    reminders = asyncio.create_task(_remind(bot, settings), name="reminders")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("bot running")
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({polling, stopped}, return_when=asyncio.FIRST_COMPLETED)
    polling.cancel()
    reminders.cancel()
    await asyncio.gather(polling, reminders, return_exceptions=True)
    await application.stop()
    await bot.outbox.stop()
    await application.shutdown()
    bot.store.close()
    if polling.done() and not polling.cancelled() and polling.exception():
        raise polling.exception()  # type: ignore[misc]
