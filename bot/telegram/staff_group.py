"""The consultants' staff group: who may act, the case buttons, the relay, the commands."""

from __future__ import annotations

import logging
from typing import Final

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.core.store import Send
from bot.desk.cases import Case
from bot.desk.desk import BUTTON_PREFIX, CANNED_DIR, NOTE_MARKER, Desk, case_lane
from bot.telegram.format import command_of, telegram_message
from flows.case import OUTCOMES, CaseState, next_state
from flows.engine import Event, EventKind, Reply

log = logging.getLogger(__name__)

STAFF_STATUSES: Final = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR,
                                   ChatMemberStatus.MEMBER})


class StaffGroup:
    """Handles every update from the staff group; the desk keeps the cases and the words."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    async def is_staff(self, user_id: int, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """On the allow-list and, asked of Telegram each time, a member of the staff group."""
        if user_id not in self.desk.settings.staff or self.desk.settings.staff_group_id is None:
            return False
        try:
            member = await context.bot.get_chat_member(self.desk.settings.staff_group_id, user_id)
        except TelegramError as error:
            log.warning("staff check failed: %s", type(error).__name__)
            return False
        return member.status in STAFF_STATUSES

    async def on_staff(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self.desk.is_staff_chat(update):
            return
        user = update.effective_user
        if update.callback_query is not None:
            await self._on_button(update, update.callback_query, context)
        elif (update.message is not None and user is not None and not user.is_bot
              and await self.is_staff(user.id, context)):
            self._on_message(update.update_id, update.message, user.id)

    async def _on_button(self, update: Update, query: CallbackQuery,
                         context: ContextTypes.DEFAULT_TYPE) -> None:
        prefix, _, rest = (query.data or "").partition(":")
        case_id, _, action = rest.partition(":")
        if not await self.is_staff(query.from_user.id, context):
            await self._answer(query, self.desk.alert("desk/not_allowed"))
            return
        case = self.desk.cases.get(int(case_id)) if prefix == BUTTON_PREFIX and case_id.isdigit() \
            else None
        if case is None or case.state == CaseState.CLOSED:
            await self._answer(query, self.desk.alert("desk/case_gone"))
            return
        name = self.desk.settings.staff[query.from_user.id]
        alert = None
        with self.desk.store.transaction():
            if action == "claim":
                alert = self._claim(case, query.from_user.id, name)
            elif action == "close":
                self.request_close(case)
            elif action in OUTCOMES:
                alert = self._close(case, action, name, query.message)
            self.desk.store.finish(update.update_id)
        await self._answer(query, alert)

    @staticmethod
    async def _answer(query: CallbackQuery, alert: str | None = None) -> None:
        try:
            await query.answer(alert, show_alert=alert is not None)
        except TelegramError as error:
            log.info("callback query not answered: %s", type(error).__name__)

    def _claim(self, case: Case, user_id: int, name: str) -> str | None:
        after = next_state(case.state, "consultant_claimed")
        if after is None:
            return self.desk.alert("desk/claim_refused", consultant=case.consultant or "")
        self.desk.cases.update(case.id, state=after, consultant=name, consultant_id=user_id)
        claimed = self.desk.cases.get(case.id)
        assert claimed is not None
        sends: list[tuple[str, Send]] = []
        group = self.desk.settings.staff_group_id
        lane = case_lane(case.id)
        if claimed.summary_message_id is not None:
            sends.append((lane, Send("editMessageReplyMarkup", {
                "chat_id": group, "message_id": claimed.summary_message_id,
                "reply_markup": self.desk.claimed_buttons(claimed)})))
        sends.append((lane, Send("editForumTopic", {"chat_id": group,
                                                    "name": self.desk.topic_name(claimed)},
                                 case_id=case.id)))
        sends.append(self.desk.to_topic(claimed, Reply("desk/claimed_note", {"consultant": name})))
        self.desk.store.queue(sends, self.desk.clock())
        self._tell_person(claimed, Event(EventKind.DESK, "case_claimed", argument=name))
        log.info("case %s claimed", case.id)
        return None

    def request_close(self, case: Case) -> None:
        after = next_state(case.state, "close_requested")
        if after is None:
            return
        self.desk.cases.update(case.id, state=after)
        self.desk.store.queue([self.desk.to_topic(case, Reply(
            "desk/choose_outcome", {"person_ended": False}, self.desk.outcome_buttons()))],
            self.desk.clock())

    def _close(self, case: Case, outcome: str, name: str, pressed: object) -> str | None:
        after = next_state(case.state, "outcome_chosen")
        if after is None:
            return self.desk.alert("desk/case_gone")
        self._tell_person(case, Event(EventKind.DESK, "case_closed"))
        self.desk.cases.close(case.id, outcome, self.desk.clock())
        group = self.desk.settings.staff_group_id
        closed = self.desk.render(Reply("desk/closed", {"consultant": name, "outcome": outcome}))
        sends: list[tuple[str, Send]] = []
        lane = case_lane(case.id)
        if isinstance(pressed, Message):
            sends.append((lane, Send("editMessageText", {
                "chat_id": group, "message_id": pressed.message_id, **closed})))
        else:
            sends.append(self.desk.to_topic(case, Reply("desk/closed", {"consultant": name,
                                                                    "outcome": outcome})))
        sends.append((lane, Send("closeForumTopic", {"chat_id": group}, case_id=case.id)))
        self.desk.store.queue(sends, self.desk.clock())
        log.info("case %s closed: %s", case.id, outcome)
        return None

    def _tell_person(self, case: Case, event: Event) -> None:
        chat_id = self.desk.cases.chat_id(case)
        if chat_id is None or case.person_key is None or self.desk.conversations is None:
            return
        self.desk.conversations.converse(case.person_key, chat_id, event)

    def _on_message(self, update_id: int, message: Message, user_id: int) -> None:
        text = message.text or ""
        command, argument = command_of(message)
        thread = message.message_thread_id if message.is_topic_message else None
        case = self.desk.cases.in_thread(thread) if thread is not None else None
        name = self.desk.settings.staff[user_id]
        with self.desk.store.transaction():
            sends: list[tuple[str, Send]] = []
            if command == "sager":
                sends.append(self.desk.general(self._open_cases_reply(), thread))
            elif command == "note" or text.startswith(NOTE_MARKER):
                pass  # an internal note stays in the topic
            elif case is None or case.state == CaseState.CLOSED:
                if command is not None or thread is not None:
                    sends.append(self.desk.general(Reply("desk/use_a_topic"), thread))
            elif command == "luk":
                self.request_close(case)
            elif command == "svar":
                sends += self._canned(case, argument)
            elif command == "besvar":
                sends += self._leave_reply(case, argument)
            elif not case.connected:
                sends.append(self.desk.to_topic(case, Reply("desk/not_delivered",
                                                        {"is_report": bool(case.is_report)})))
            else:
                sends += self._relay_to_person(case, message, user_id, name)
            self.desk.store.queue(sends, self.desk.clock())
            self.desk.store.finish(update_id)

    def _relay_to_person(self, case: Case, message: Message, user_id: int,
                         name: str) -> list[tuple[str, Send]]:
        if case.state == CaseState.WAITING:  # writing to the person takes the case
            self._claim(case, user_id, name)
        chat_id = self.desk.cases.chat_id(case)
        assert case.person_key is not None and chat_id is not None
        if message.text is None:
            return [(case.person_key, Send("copyMessage", {
                "chat_id": chat_id, "from_chat_id": self.desk.settings.staff_group_id,
                "message_id": message.message_id}))]
        rendered = self.desk.content.render(Reply("consultant/from_consultant", {
            "consultant": name, "text": message.text}), case.audience)
        return [(case.person_key, Send("sendMessage",
                                       {"chat_id": chat_id, **telegram_message(rendered)}))]

    def _canned(self, case: Case, name: str) -> list[tuple[str, Send]]:
        """/svar <navn>: a reviewed reply from content/common/canned/, in the person's words."""
        names = self.desk.content.names_in(CANNED_DIR)
        chat_id = self.desk.cases.chat_id(case)
        if chat_id is None or case.person_key is None:
            return [self.desk.to_topic(case, Reply("desk/not_delivered"))]
        if name not in names:
            return [self.desk.to_topic(case, Reply("desk/canned_list", {"names": names}))]
        rendered = self.desk.content.render(Reply(f"{CANNED_DIR}/{name}"), case.audience)
        return [(case.person_key, Send("sendMessage",
                                       {"chat_id": chat_id, **telegram_message(rendered)})),
                self.desk.to_topic(case, Reply("desk/canned_sent", {"name": name}))]

    def _leave_reply(self, case: Case, text: str) -> list[tuple[str, Send]]:
        """/besvar <tekst>: an answer the report's author reads with their code."""
        if not case.is_report or not text:
            return [self.desk.to_topic(case, Reply("desk/reply_how"))]
        self.desk.cases.update(case.id, reply=text)
        if case.state == CaseState.WAITING:
            self.desk.cases.update(case.id, state=str(CaseState.CLAIMED))
        return [self.desk.to_topic(case, Reply("desk/reply_saved"))]

    def _open_cases_reply(self) -> Reply:
        now = self.desk.clock().timestamp()
        cases = [{"label": c.id, "audience": c.audience, "subject": c.subject,
                  "urgent": bool(c.urgent), "consultant": c.consultant,
                  "waiting_minutes": int((now - c.opened_at) // 60)}
                 for c in self.desk.cases.all_open()]
        return Reply("desk/cases", {"cases": cases})
