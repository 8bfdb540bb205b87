"""The one place where Telegram updates become flow events and replies become Bot API calls."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.core.codes import new_code
from bot.core.content import Content
from bot.core.store import Send, Store
from bot.desk.desk import Desk
from bot.telegram.format import CALLBACK_SEPARATOR, command_of, telegram_message
from bot.telegram.outbox import Outbox
from bot.telegram.staff_group import StaffGroup
from flows.engine import PRIVATE_ONLY, Event, EventKind, Flows, Reply

log = logging.getLogger(__name__)

# Message content the bot never keeps or passes on; the person is told why.
MEDIA: Final = ("photo", "video", "video_note", "animation", "document", "voice", "audio",
                "paid_media")


def to_event(update: Update) -> Event | None:
    """Map any update from a private chat to a flow event; None means: nothing to answer."""
    if update.callback_query is not None:
        step, _, choice = (update.callback_query.data or "").partition(CALLBACK_SEPARATOR)
        return Event(EventKind.CHOICE, choice, step=int(step) if step.isdigit() else -1)
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


class Conversations:
    """Steps one person's conversation and queues what follows, inside a transaction."""

    def __init__(self, flows: Flows, content: Content, store: Store, desk: Desk,
                 clock: Callable[[], datetime]) -> None:
        self.flows = flows
        self.content = content
        self.store = store
        self.desk = desk
        self.clock = clock
        desk.conversations = self

    def converse(self, key: str, chat_id: int, event: Event, pressed: Any = None) -> None:
        session = self.store.load_session(key)
        facts = replace(self.desk.facts(key), fresh_code=new_code())
        outcome = self.flows.step(session, event, facts)
        audience = outcome.session.audience
        sends: list[tuple[str, Send]] = []
        for effect in outcome.effects:
            sends += self.desk.apply(effect, key, chat_id, audience)
        for reply in outcome.replies:
            params = {"chat_id": chat_id, **telegram_message(self.content.render(reply, audience))}
            if reply.replaces_pressed and isinstance(pressed, Message) and pressed.text:
                sends.append((key, Send("editMessageText",
                                        {**params, "message_id": pressed.message_id})))
            else:
                sends.append((key, Send("sendMessage", params)))
        forget = any(effect.kind == "forget" for effect in outcome.effects)
        now = self.clock()
        self.store.save_session(key, None if forget else outcome.session, now)
        self.store.queue(sends, now)
        log.info("%s -> %s.%s, %d sends", event.kind, outcome.session.flow,
                 outcome.session.state, len(sends))


class Seam:
    """Turns updates into events for the conversations; the Telegram side of the bot."""

    def __init__(self, conversations: Conversations, store: Store, outbox: Outbox,
                 desk: Desk, staff_group: StaffGroup, clock: Callable[[], datetime]) -> None:
        self.conversations = conversations
        self.content = conversations.content
        self.store = store
        self.outbox = outbox
        self.desk = desk
        self.staff_group = staff_group
        self.clock = clock

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
            key = self.store.keys.chat_key(chat.id)
            with self.store.transaction():
                if update.message is not None:  # its id, for a quick exit; never its content
                    self.desk.cases.remember_message(key, update.message.message_id,
                                                     self.clock())
                self.conversations.converse(key, chat.id, event,
                                            query.message if query else None)
                self.store.finish(update.update_id)
            self.outbox.wake()
            log.info("update %s handled", update.update_id)
        if query is not None:
            try:
                await context.bot.answer_callback_query(query.id)
            except TelegramError as error:  # best effort: the reply itself is durable
                log.info("callback query not answered: %s", type(error).__name__)

    async def on_staff(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The consultants' group: claims, closes, the relay to the person."""
        if not self.desk.is_staff_chat(update) or update.my_chat_member is not None:
            return
        await self.staff_group.on_staff(update, context)
        self.outbox.wake()
        raise ApplicationHandlerStop

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Added to a group that is not the staff group: say why in one line, then leave."""
        change = update.my_chat_member
        assert change is not None
        chat = change.chat
        joined = change.new_chat_member.status in (ChatMemberStatus.MEMBER,
                                                   ChatMemberStatus.ADMINISTRATOR)
        if chat.type == ChatType.PRIVATE or self.desk.is_staff_chat(update) or not joined:
            return
        text = telegram_message(self.content.render(Reply(PRIVATE_ONLY), None))
        lane = f"group:{self.store.keys.chat_key(chat.id)}"
        self.store.finish_with(update.update_id, [
            (lane, Send("sendMessage", {"chat_id": chat.id, **text})),
            (lane, Send("leaveChat", {"chat_id": chat.id})),
        ], self.clock())
        self.outbox.wake()
        log.info("update %s: added to a group that is not the staff group; leaving",
                 update.update_id)


def utc_now() -> datetime:
    return datetime.now(UTC)
