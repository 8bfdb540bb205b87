"""The one place where Telegram updates become flow events (people's private chats, read by
bot/telegram/private.py) or the desk's work (the staff group), and groups are left."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from telegram import Bot, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.core.content import Content
from bot.core.conversation import Conversations
from bot.core.delivery import Person, Route
from bot.core.store import Row, Store
from bot.desk.desk import Desk
from bot.logs import describe
from bot.telegram.calls import TELEGRAM, Send
from bot.telegram.channel import TelegramChannel
from bot.telegram.format import telegram_message
from bot.telegram.private import Incoming
from bot.telegram.staff_group import StaffGroup
from flows.engine import PRIVATE_ONLY, Reply

log = logging.getLogger(__name__)

def person_of(chat_id: int, store: Store) -> Person:
    return Person(store.keys.chat_key(chat_id), Route(TELEGRAM, str(chat_id)))


class Seam:
    """Turns updates into events for the conversations; the Telegram side of the bot."""

    def __init__(self, bot: Bot, conversations: Conversations, content: Content, store: Store,
                 channel: TelegramChannel, desk: Desk, staff_group: StaffGroup,
                 clock: Callable[[], datetime]) -> None:
        self.bot = bot
        self.conversations = conversations
        self.content = content
        self.store = store
        self.channel = channel
        self.desk = desk
        self.staff_group = staff_group
        self.clock = clock
        self._answering: set[asyncio.Task[None]] = set()

    def on_private(self, incoming: Incoming) -> None:
        """Every update from a private chat comes through here, in the order it came: the
        session, the replies and the "handled" mark in one transaction."""
        person = person_of(incoming.chat_id, self.store)
        try:
            with self.store.transaction():
                if incoming.message_id is not None:  # its id, for a quick exit; not its content
                    self.channel.remember(person.key, incoming.message_id)
                if incoming.event is not None:
                    self.conversations.converse(person, incoming.event, incoming.pressed)
                self.store.finish(incoming.update_id)
        except Exception as error:  # a bug: the person still gets an answer
            log.error("handling update %s failed: %s", incoming.update_id, describe(error))
            with self.store.transaction():
                self.conversations.apologise(person)
                self.store.finish(incoming.update_id)
        log.debug("update %s handled", incoming.update_id)
        if incoming.query_id is not None:  # stop the button's spinner, without waiting
            task = asyncio.create_task(self._answer(incoming.query_id))
            self._answering.add(task)
            task.add_done_callback(self._answering.discard)

    async def _answer(self, query_id: str) -> None:
        try:
            await self.bot.answer_callback_query(query_id)
        except TelegramError as error:  # best effort: the reply itself is durable
            log.info("callback query not answered: %s", type(error).__name__)

    async def on_staff(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The consultants' group: claims, closes, the relay to the person."""
        chat = update.effective_chat
        message = update.message
        if (chat is not None and message is not None and message.migrate_from_chat_id
                and message.migrate_from_chat_id == self.desk.group):
            self.desk.group_moved(chat.id)  # the staff group became a supergroup: follow it
        if chat is None or chat.id != self.desk.group or update.my_chat_member is not None:
            return
        await self.staff_group.on_update(update, context)
        raise ApplicationHandlerStop

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Added to a group that is not the staff group: say why in one line, then leave."""
        change = update.my_chat_member
        assert change is not None
        chat = change.chat
        joined = change.new_chat_member.status in (ChatMemberStatus.MEMBER,
                                                   ChatMemberStatus.ADMINISTRATOR)
        if chat.type == ChatType.PRIVATE or chat.id == self.desk.group or not joined:
            return
        text = telegram_message(self.content.render(Reply(PRIVATE_ONLY), None))
        lane = f"group:{self.store.keys.chat_key(chat.id)}"
        with self.store.transaction():
            self.store.queue([
                Row(lane, TELEGRAM, Send("sendMessage", {"chat_id": chat.id, **text}).payload()),
                Row(lane, TELEGRAM, Send("leaveChat", {"chat_id": chat.id}).payload()),
            ], self.clock())
            self.store.finish(update.update_id)
        self.desk.dispatch.wake_now(TELEGRAM)
        log.info("update %s: added to a group that is not the staff group; leaving",
                 update.update_id)
