"""The Telegram channel's half of delivery: what the core and the desk deliver, as Bot API
calls queued in the outbox (bot/telegram/sender.py sends them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from bot.core.delivery import (
    STAFF,
    CarryOver,
    Hide,
    Outgoing,
    Person,
    Retire,
    StaffMedia,
    StaffPost,
    ToPerson,
)
from bot.core.store import Row, Store
from bot.telegram.calls import TELEGRAM, THREAD, VISIBLE, Send
from bot.telegram.format import keyboard, split_html, telegram_message

STAFF_LANE: Final = "staff"
BUTTON_PREFIX: Final = "c"
DELETABLE_FOR: Final = timedelta(hours=47, minutes=50)  # Telegram: 48 hours, with a margin
VISIBLE_KEPT: Final = 300  # message ids per person a quick exit deletes, newest first
NO_BUTTONS: Final[dict[str, list[Any]]] = {"inline_keyboard": []}
CONTROL: Final = 1  # the desk's own messages go before relayed text in the group's budget
RELAY: Final = 0


def case_lane(case_id: int) -> str:
    return f"case:{case_id}"


def staff_prefix(case_id: int) -> str:
    return f"{BUTTON_PREFIX}:{case_id}:"


class TelegramChannel:
    """People who write to the bot in Telegram."""

    name = TELEGRAM

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    def rows(self, item: Outgoing) -> list[Row]:
        assert not isinstance(item, StaffPost)
        person = item.person
        chat = int(person.route.address)
        if isinstance(item, ToPerson):
            return self._message(person, chat, item)
        if isinstance(item, CarryOver):
            return []  # what was sent to a Telegram chat stays in it; nothing is moved
        if isinstance(item, Retire):
            return [self._row(person, Send("editMessageReplyMarkup", {
                "chat_id": chat, "message_id": int(item.handle), "reply_markup": NO_BUTTONS},
                best_effort=True))]
        if isinstance(item, Hide):
            ids = self.take_visible(person.key)
            return [self._row(person, Send("deleteMessages", {
                "chat_id": chat, "message_ids": ids[i : i + 100]}, best_effort=True))
                for i in range(0, len(ids), 100)]
        assert isinstance(item, StaffMedia)
        return [self._row(person, Send("copyMessage", {
            "chat_id": chat, "from_chat_id": item.source_chat,
            "message_id": item.source_message}, record=VISIBLE))]

    def _message(self, person: Person, chat: int, item: ToPerson) -> list[Row]:
        params = {"chat_id": chat, **telegram_message(item.rendered)}
        pieces = split_html(params["text"])
        if len(pieces) == 1 and item.replaces is not None:
            return [self._row(person, Send("editMessageText", {
                **params, "message_id": int(item.replaces)}))]
        rows = []
        for number, piece in enumerate(pieces, start=1):
            last = number == len(pieces)
            part = {**params, "text": piece}
            if not last:
                part.pop("reply_markup", None)
            rows.append(self._row(person, Send("sendMessage", part, record=VISIBLE)))
        return rows

    @staticmethod
    def _row(person: Person, send: Send) -> Row:
        return Row(person.key, TELEGRAM, send.payload())

    # --- the message ids a quick exit deletes (never their content) --------------------

    def remember(self, person_key: str, message_id: int) -> None:
        """A message id in a person's chat, kept for a quick exit: the newest few hundred, for
        48 hours at most (older ones Telegram will not let a bot delete)."""
        self.store.db.execute(
            "INSERT OR IGNORE INTO visible_messages (person_key, message_id, at) VALUES (?, ?, ?)",
            [person_key, message_id, float(int(self.clock().timestamp()) // 60 * 60)])
        self.store.db.execute(  # on the primary key: one step, nothing found most times
            "DELETE FROM visible_messages WHERE person_key = ? AND message_id <= ?",
            [person_key, message_id - VISIBLE_KEPT])

    def take_visible(self, person_key: str) -> list[int]:
        """The person's messages young enough to delete, forgotten as they are taken."""
        since = (self.clock() - DELETABLE_FOR).timestamp()
        rows = self.store.db.execute(
            "SELECT message_id FROM visible_messages WHERE person_key = ? AND at >= ?",
            [person_key, since]).fetchall()
        self.store.db.execute("DELETE FROM visible_messages WHERE person_key = ?", [person_key])
        return sorted(row[0] for row in rows)


class StaffChannel:
    """The consultants' group. Calls carry no chat id: the sender fills in the group (which
    Telegram may move) and the case's topic when it sends."""

    name = STAFF

    def rows(self, item: Outgoing) -> list[Row]:
        assert isinstance(item, StaffPost)
        lane = case_lane(item.case_id) if item.case_id is not None else STAFF_LANE
        priority = RELAY if item.relay else CONTROL
        return [Row(lane, TELEGRAM, send.payload(), priority) for send in self.sends(item)]

    def sends(self, post: StaffPost) -> list[Send]:
        case = post.case_id
        prefix = staff_prefix(case) if case is not None else ""
        if post.op == "open_topic":
            return [Send("createForumTopic", {"name": post.name}, case, THREAD)]
        if post.op in ("post", "general"):
            assert post.rendered is not None
            params = telegram_message(post.rendered, prefix)
            if post.thread is not None:
                params["message_thread_id"] = post.thread
            return self._pieces(post, params)
        if post.op == "set_buttons":
            assert post.rendered is not None
            return [Send("editMessageReplyMarkup", {
                "message_id": post.message_id,
                "reply_markup": keyboard(post.rendered, prefix)}, case, best_effort=True)]
        if post.op == "edit":
            assert post.rendered is not None
            params = telegram_message(post.rendered, prefix)
            return [Send("editMessageText", {**params, "message_id": post.message_id}, case)]
        method = {"rename_topic": "editForumTopic", "close_topic": "closeForumTopic",
                  "reopen_topic": "reopenForumTopic", "delete_topic": "deleteForumTopic"}
        named: dict[str, Any] = {"name": post.name} if post.op == "rename_topic" else {}
        return [Send(method[post.op], named, case, best_effort=post.op != "delete_topic")]

    @staticmethod
    def _pieces(post: StaffPost, params: dict[str, Any]) -> list[Send]:
        """A long message in pieces; the buttons, and what is recorded, on the last one."""
        pieces = split_html(params["text"])
        if len(pieces) == 1:
            relay = None
            if post.relay:
                head, _, body = params["text"].partition("\n")
                relay = {"head": head, "body": body}
            return [Send("sendMessage", params, post.case_id, post.record, relay=relay)]
        sends = []
        for number, piece in enumerate(pieces, start=1):
            last = number == len(pieces)
            part = {**params, "text": piece}
            if not last:
                part.pop("reply_markup", None)
            sends.append(Send("sendMessage", part, post.case_id, post.record if last else None))
        return sends
