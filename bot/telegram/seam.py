"""The one place where Telegram updates from people become flow events."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Final

from telegram import Message, Update
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
from bot.telegram.format import CALLBACK_SEPARATOR, command_of, telegram_message
from bot.telegram.staff_group import StaffGroup
from flows.engine import PRIVATE_ONLY, Event, EventKind, Reply

log = logging.getLogger(__name__)

# Message content the bot never keeps or passes on; the person is told why.
MEDIA: Final = ("photo", "video", "video_note", "animation", "document", "voice", "audio",
                "paid_media")
_STEP = re.compile(r"^\d{1,9}$", re.ASCII)


def to_event(update: Update) -> Event | None:
    """Map any update from a private chat to a flow event; None means: nothing to answer."""
    if update.callback_query is not None:
        step, _, choice = (update.callback_query.data or "").partition(CALLBACK_SEPARATOR)
        return Event(EventKind.CHOICE, choice, step=int(step) if _STEP.match(step) else -1)
    if update.edited_message is not None:
        return Event(EventKind.EDITED)
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return _text_event(message)
    for kind in MEDIA:
        if getattr(message, kind, None):
            return Event(EventKind.MEDIA, kind)
    if _is_service(message):
        return None
    return Event(EventKind.UNSUPPORTED)


def _text_event(message: Message) -> Event:
    name, argument = command_of(message)
    if name is not None:
        return Event(EventKind.COMMAND, name, argument=argument)
    return Event(EventKind.TEXT, message.text or "")


def _is_service(message: Message) -> bool:
    """Pins, chat photo changes and the like: things that happened, not things said."""
    return bool(message.pinned_message or message.new_chat_members or message.left_chat_member
                or message.new_chat_title or message.new_chat_photo or message.delete_chat_photo
                or message.forum_topic_created or message.forum_topic_closed)


def person_of(chat_id: int, store: Store) -> Person:
    return Person(store.keys.chat_key(chat_id), Route(TELEGRAM, str(chat_id)))


class Seam:
    """Turns updates into events for the conversations; the Telegram side of the bot."""

    def __init__(self, conversations: Conversations, content: Content, store: Store,
                 channel: TelegramChannel, desk: Desk, staff_group: StaffGroup,
                 clock: Callable[[], datetime]) -> None:
        self.conversations = conversations
        self.content = content
        self.store = store
        self.channel = channel
        self.desk = desk
        self.staff_group = staff_group
        self.clock = clock
        self._answering: set[asyncio.Task[None]] = set()

    async def skip_if_done(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An update redelivered after a crash, already answered: stop here."""
        if self.store.inbox_is_done(update.update_id):
            raise ApplicationHandlerStop

    async def on_private(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every update from a private chat comes through here."""
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE or update.my_chat_member is not None:
            return
        event = to_event(update)
        query = update.callback_query
        if event is not None:
            person = person_of(chat.id, self.store)
            pressed = None
            if query is not None and isinstance(query.message, Message) and query.message.text:
                pressed = str(query.message.message_id)
            try:
                with self.store.transaction():
                    if update.message is not None:  # its id, for a quick exit, never its content
                        self.channel.remember(person.key, update.message.message_id)
                    self.conversations.converse(person, event, pressed)
                    self.store.finish(update.update_id)
            except Exception as error:  # a bug: the person still gets an answer
                log.error("handling update %s failed: %s", update.update_id, describe(error))
                with self.store.transaction():
                    self.conversations.apologise(person)
                    self.store.finish(update.update_id)
            log.debug("update %s handled", update.update_id)
        if query is not None:  # stop the button's spinner, without holding up this update
            task = asyncio.create_task(self._answer(context, query.id))
            self._answering.add(task)
            task.add_done_callback(self._answering.discard)

    @staticmethod
    async def _answer(context: ContextTypes.DEFAULT_TYPE, query_id: str) -> None:
        try:
            await context.bot.answer_callback_query(query_id)
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
