"""The running bot, assembled from settings: the core, the desk and every channel."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol
from zoneinfo import ZoneInfo

from bot.core.codes import new_code
from bot.core.content import Content
from bot.core.conversation import Conversations
from bot.core.delivery import Dispatch
from bot.core.keys import Keys
from bot.core.store import Store
from bot.desk.desk import Desk, DeskSettings
from bot.review import approvals
from bot.settings import Settings, SettingsError
from bot.tools import systemd
from flows import build_flows
from flows.hours import OfficeHours
from flows.report import DESCRIPTION_LIMIT

log = logging.getLogger(__name__)

TICK: Final = 60.0  # seconds between looks for cases nobody has taken
PRUNE_EVERY_TICKS: Final = 60  # retention runs hourly


def utc_now() -> datetime:
    return datetime.now(UTC)


def content_globals(settings: Settings, hours: OfficeHours) -> dict[str, object]:
    """Numbers the texts mention that come from configuration, not from the texts."""
    return {"session_days": settings.session_days, "report_text_days": settings.report_text_days,
            "topic_days": settings.topic_days, "desk_hours": hours.blocks(),
            "description_limit": DESCRIPTION_LIMIT, "web_url": settings.web_public_url}


@dataclass
class Core:
    """What every channel shares: the store, the words, the conversations and the desk."""

    settings: Settings
    store: Store
    content: Content
    dispatch: Dispatch
    conversations: Conversations
    desk: Desk


def build_core(settings: Settings) -> Core:
    keys = Keys(settings.require_secret())
    store = Store(settings.database_path, keys)
    hours = settings.office()
    content = Content(settings.content_dir, content_globals(settings, hours))
    dispatch = Dispatch(store, utc_now)
    conversations = Conversations(build_flows(), content, store, dispatch, utc_now, new_code)
    desk = Desk(store, content, DeskSettings(
        staff_group_id=settings.staff_group_id,
        staff=settings.staff_names(),
        hours=hours,
        timezone=ZoneInfo(settings.timezone),
        remind_after=timedelta(minutes=settings.remind_minutes),
        urgent_remind_every=timedelta(minutes=settings.urgent_remind_minutes),
        reports_per_hour=settings.reports_per_hour,
        cases_per_hour=settings.cases_per_hour,
        topic_days=settings.topic_days,
    ), utc_now, dispatch, conversations)
    return Core(settings, store, content, dispatch, conversations, desk)


def check_approvals(settings: Settings) -> None:
    """Unapproved texts: refused when the deployment requires approval, else said once."""
    review = approvals.status(settings.content_dir)
    if not review.unapproved:
        return
    if settings.require_approved:
        raise SettingsError(
            f"SSPBOT_REQUIRE_APPROVED is set, but {len(review.changed)} texts changed since "
            f"approval and {len(review.never)} were never approved; see `sspbot content status`"
        )
    log.info("%d texts changed since approval and %d were never approved",
             len(review.changed), len(review.never))


async def _tick(core: Core) -> None:
    """Once a minute: remind of unclaimed cases; once an hour: retention and old topics."""
    ticks = 0
    while True:
        await asyncio.sleep(TICK)
        try:
            core.desk.remind()
            ticks += 1
            if ticks % PRUNE_EVERY_TICKS == 0:
                _retention(core)
        except Exception as error:  # a bad hour must not stop the next one
            log.error("periodic work failed: %s", type(error).__name__)


async def _watchdog(health: Health) -> None:
    """Ping systemd's watchdog while healthy; a bot stuck in retries stops pinging, and is
    restarted."""
    interval = systemd.watchdog_interval()
    if interval is None:
        return
    while True:
        if health.health().get("ok"):
            systemd.notify(systemd.WATCHDOG)
        else:
            log.warning("unhealthy: the watchdog is not fed")
        await asyncio.sleep(interval)


class Health(Protocol):
    def health(self) -> dict[str, Any]: ...


def _retention(core: Core) -> None:
    settings = core.settings
    core.store.prune(utc_now(), settings.session_days, settings.report_text_days)
    core.desk.expire_topics()


async def run(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM: the Telegram channel and the web chat, on one store."""
    from bot.telegram.app import TelegramSide
    from bot.telegram.webhook import PATH as WEBHOOK_PATH
    from bot.web.server import WebSide

    check_approvals(settings)
    core = build_core(settings)
    core.store.group_commits()
    telegram = TelegramSide(settings, core.store, core.content, core.dispatch,
                            core.conversations, core.desk, utc_now)
    web = (WebSide(settings, core.store, core.content, core.dispatch, core.conversations,
                   health=telegram) if settings.web else None)
    if web is not None and telegram.webhook is not None:
        web.app.router.add_post(WEBHOOK_PATH, telegram.webhook.receive)
    _retention(core)
    try:
        await telegram.start()
        if web is not None:
            await web.start()
    except BaseException:
        await telegram.close()  # nothing left open behind a failed start
        core.store.close()
        raise
    ticking = asyncio.create_task(_tick(core), name="tick")
    watching = asyncio.create_task(_watchdog(telegram), name="watchdog")
    systemd.notify(systemd.READY)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("bot running")
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({telegram.polling, stopped}, return_when=asyncio.FIRST_COMPLETED)
    ticking.cancel()
    watching.cancel()
    systemd.notify(systemd.STOPPING)
    if web is not None:
        await web.stop()
    await telegram.stop()
    await asyncio.gather(ticking, watching, return_exceptions=True)
    core.store.close()
    polling = telegram.polling
    if polling.done() and not polling.cancelled() and polling.exception():
        raise polling.exception()  # type: ignore[misc]
