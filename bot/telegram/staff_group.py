"""The consultants' staff group in Telegram: who may act, the case buttons, the relay to the
person, the commands. The desk keeps the cases and the words; this turns updates into its calls.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Final

from telegram import Bot, CallbackQuery, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.core.store import Row
from bot.desk.cases import Case
from bot.desk.desk import Desk
from bot.logs import describe
from bot.stats.summary import statistics_reply
from bot.telegram.calls import TELEGRAM, Send
from bot.telegram.channel import BUTTON_PREFIX, STAFF_LANE
from bot.telegram.format import command_of
from bot.telegram.sender import seconds
from flows.case import OUTCOMES, CaseState
from flows.engine import Reply

log = logging.getLogger(__name__)

NOTE_MARKER: Final = "//"
STAFF_STATUSES: Final = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR,
                                   ChatMemberStatus.MEMBER})
MEMBER_FOR: Final = 300.0  # seconds a "yes, a member" answer is trusted
CHECK_TRIES: Final = 3
CHECK_WAIT_AT_MOST: Final = 5.0  # seconds: longer flood waits are not worth a consultant's wait
_BUTTON = re.compile(rf"^{BUTTON_PREFIX}:(\d{{1,18}}):(\w+)$", re.ASCII)  # fits SQLite


class Unknown(Exception):
    """Telegram could not say whether someone is a member right now."""


class StaffGroup:
    """Handles every update from the staff group."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self._members: dict[int, float] = {}  # consultant's id -> when Telegram said yes

    async def is_staff(self, user_id: int, bot: Bot) -> bool:
        """On the allow-list and a member of the staff group, asked of Telegram (an answer is
        trusted for a few minutes). Raises Unknown when Telegram cannot tell: an error is never
        an answer."""
        group = self.desk.group
        if user_id not in self.desk.settings.staff or group is None:
            return False
        if time.monotonic() - self._members.get(user_id, -MEMBER_FOR) < MEMBER_FOR:
            return True
        for attempt in range(CHECK_TRIES):
            try:
                member = await bot.get_chat_member(group, user_id)
            except RetryAfter as error:
                wait = seconds(error.retry_after)
                if wait > CHECK_WAIT_AT_MOST:
                    break
                await asyncio.sleep(wait)
            except TelegramError as error:
                log.warning("staff check failed (%s), attempt %d", type(error).__name__,
                            attempt + 1)
                await asyncio.sleep(0.5 * 2**attempt)
            else:
                if member.status in STAFF_STATUSES:
                    self._members[user_id] = time.monotonic()
                    return True
                self._members.pop(user_id, None)
                return False
        raise Unknown

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self._handle(update, context)
        except Exception as error:
            # A bug must not leave a consultant guessing: what they did was rolled back with
            # its transaction, and they are told that nothing was sent or done.
            log.error("staff update %s failed: %s", update.update_id, describe(error))
            await self._say_failed(update)

    async def _say_failed(self, update: Update) -> None:
        failed = Reply("desk/not_sent", {"reason": "error"})
        try:
            if update.callback_query is not None:
                await self._answer(update.callback_query, self.desk.alert(
                    failed.template, **failed.variables))
            elif update.message is not None and not (
                    update.effective_user is None or update.effective_user.is_bot):
                message = update.message
                thread = message.message_thread_id if message.is_topic_message else None
                with self.desk.store.transaction():
                    self.desk.dispatch.post([self.desk.general(failed, thread)])
                    self.desk.store.finish(update.update_id)
        except Exception as error:
            log.error("staff update %s: not even the failure could be said: %s",
                      update.update_id, describe(error))

    async def _handle(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is not None and message.forum_topic_created is not None:
            self._topic_created(update.update_id, message)
            return
        if message is not None and isinstance(message.reply_to_message, Message) and (
                message.reply_to_message.forum_topic_created is not None):
            # Every message in a topic answers the topic's first message: a topic the bot made
            # but never recorded is recognised here too.
            self._topic_created(None, message.reply_to_message)
        user = update.effective_user
        if user is None or user.is_bot:
            return
        if update.callback_query is not None:
            await self._on_button(update, update.callback_query, context.bot)
        elif message is not None:
            await self._on_message(update.update_id, message, user.id, context.bot)

    def _topic_created(self, update_id: int | None, message: Message) -> None:
        """The bot made a topic. A case's topic made twice around a crash: keep one, delete the
        other."""
        created = message.forum_topic_created
        thread = message.message_thread_id or message.message_id
        sender = message.from_user
        with self.desk.store.transaction():
            if created is not None and sender is not None and sender.is_bot and (
                    self.desk.case_of_topic(message.chat.id, thread) is None) and (
                    not self.desk.topic_seen(message.chat.id, thread, created.name)):
                log.warning("a topic the bot made twice is deleted")
                self.desk.store.queue([Row(STAFF_LANE, TELEGRAM, Send("deleteForumTopic", {
                    "chat_id": message.chat.id, "message_thread_id": thread},
                    best_effort=True).payload())], self.desk.clock())
                self.desk.dispatch.wake_now(TELEGRAM)
            if update_id is not None:
                self.desk.store.finish(update_id)

    # --- buttons ------------------------------------------------------------------------

    async def _on_button(self, update: Update, query: CallbackQuery, bot: Bot) -> None:
        match = _BUTTON.match(query.data or "")
        try:
            allowed = await self.is_staff(query.from_user.id, bot)
        except Unknown:
            await self._answer(query, self.desk.alert("desk/not_sent", reason="check"))
            return
        if not allowed:
            await self._answer(query, self.desk.alert("desk/not_allowed"))
            return
        case = self.desk.cases.get(int(match[1])) if match else None
        if case is None or case.state == CaseState.CLOSED:
            await self._answer(query, self.desk.alert("desk/case_gone"))
            return
        action = match[2] if match else ""
        user = query.from_user.id
        name = self.desk.settings.staff[user]
        alert = None
        pressed = query.message.message_id if isinstance(query.message, Message) else None
        with self.desk.store.transaction():
            if action == "claim":
                alert = self.desk.claim(case, user, name)
            elif action == "take_over":
                self.desk.take_over(case, user, name)
            elif not self.desk.may_act(case, user):
                alert = self.desk.alert("desk/not_owner", consultant=case.consultant or "")
            elif action == "close":
                self.desk.request_close(case)
            elif action in OUTCOMES:
                alert = self.desk.close(case, action, name, pressed)
            self.desk.store.finish(update.update_id)
        await self._answer(query, alert)

    @staticmethod
    async def _answer(query: CallbackQuery, alert: str | None = None) -> None:
        try:
            await query.answer(alert, show_alert=alert is not None)
        except TelegramError as error:
            log.info("callback query not answered: %s", type(error).__name__)

    # --- messages -------------------------------------------------------------------------

    async def _on_message(self, update_id: int, message: Message, user_id: int,
                          bot: Bot) -> None:
        thread = message.message_thread_id if message.is_topic_message else None
        try:
            if not await self.is_staff(user_id, bot):
                return
        except Unknown:
            with self.desk.store.transaction():
                self.desk.dispatch.post([self.desk.general(
                    Reply("desk/not_sent", {"reason": "check"}), thread)])
                self.desk.store.finish(update_id)
            return
        with self.desk.store.transaction():
            self._act(message, user_id, thread)
            self.desk.store.finish(update_id)

    def _act(self, message: Message, user_id: int, thread: int | None) -> None:
        desk = self.desk
        text = message.text or ""
        command, argument = command_of(message)
        case = desk.case_of_topic(message.chat.id, thread) if thread is not None else None
        name = desk.settings.staff[user_id]
        if command == "sager":
            desk.dispatch.post([desk.general(desk.open_cases_reply(), thread)])
        elif command == "statistik":
            desk.dispatch.post([desk.general(statistics_reply(desk.store, desk.clock()), thread)])
        elif command == "note" or text.startswith(NOTE_MARKER):
            pass  # an internal note stays in the topic
        elif case is None:
            if command is not None or thread is not None:
                desk.dispatch.post([desk.general(Reply("desk/use_a_topic"), thread)])
        elif case.state == CaseState.CLOSED:  # said in the general topic: this one is closed
            desk.dispatch.post([desk.general(Reply("desk/case_closed_already",
                                                   {"label": case.id}))])
        elif command == "besvar":
            self._if_owner(case, user_id, lambda: desk.leave_reply(case, user_id, name,
                                                                    argument))
        elif command == "luk":
            self._if_owner(case, user_id, lambda: desk.request_close(case))
        elif command == "svar":
            self._if_owner(case, user_id, lambda: desk.canned(case, argument))
        elif command is not None:
            desk.dispatch.post([desk.general(Reply("desk/use_a_topic"), thread)])
        elif not case.connected:
            desk.dispatch.post([desk.to_topic(case, Reply(
                "desk/not_delivered", {"is_report": bool(case.is_report)}))])
        elif message.text is not None:
            self._if_owner(case, user_id, lambda: desk.relay_to_person(
                case, user_id, name, message.text or ""))
        else:
            self._if_owner(case, user_id, lambda: desk.relay_media_to_person(
                case, user_id, name, message.chat.id, message.message_id))

    def _if_owner(self, case: Case, user_id: int, act: object) -> None:
        """Only the consultant who has the case writes to the person and closes it; anyone
        else is told who has it and may take over with one tap."""
        if self.desk.may_act(case, user_id):
            act()  # type: ignore[operator]
        else:
            self.desk.offer_take_over(case, self.desk.settings.staff[user_id])
