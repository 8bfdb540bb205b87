"""The consultants' desk: cases as topics in the staff group, what a person's flow asks of it,
and the words the staff group reads. Updates from the staff group: bot/staff_group.py."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from telegram import Update

from bot.core.codes import normalize
from bot.core.content import Content
from bot.core.store import Send, Store, is_person_lane
from bot.desk.cases import LOOKUP_FAILURES_PER_HOUR, Case, Cases
from bot.telegram.format import telegram_message
from flows.case import OUTCOMES, CaseState, next_state
from flows.engine import Button, Effect, Facts, Reply
from flows.hours import OfficeHours

if TYPE_CHECKING:
    from bot.telegram.seam import Conversations

log = logging.getLogger(__name__)

NOTE_MARKER: Final = "//"
GENERAL_LANE: Final = "staff"
SUBJECT_CONVERSATION: Final = "conversation"
BUTTON_PREFIX: Final = "c"
CANNED_DIR: Final = "canned"
DESK_TEMPLATES: Final = ("desk/topic_name", "desk/summary", "desk/claim_refused",
                         "desk/not_allowed", "desk/case_gone", "desk/from_person",
                         "desk/media_withheld", "desk/choose_outcome", "desk/closed",
                         "desk/person_blocked", "desk/not_delivered", "desk/cases",
                         "desk/reminder", "desk/canned_list", "desk/canned_sent",
                         "desk/use_a_topic", "desk/claimed_note", "desk/report_summary",
                         "desk/report_connected", "desk/reply_saved", "desk/reply_how",
                         "consultant/from_consultant")


CLAIM: Final = Button("claim", shared_label="claim")
CLOSE: Final = Button("close", shared_label="close_case")


def case_lane(case_id: int) -> str:
    return f"case:{case_id}"


@dataclass(frozen=True)
class DeskSettings:
    staff_group_id: int | None
    staff: Mapping[int, str]  # consultant's Telegram id -> the name people see
    hours: OfficeHours
    timezone: ZoneInfo
    remind_after: timedelta


class Desk:
    def __init__(self, store: Store, content: Content, settings: DeskSettings,
                 clock: Callable[[], datetime]) -> None:
        self.store = store
        self.cases = Cases(store)
        self.content = content
        self.settings = settings
        self.clock = clock
        self.conversations: Conversations | None = None  # set once both exist

    # --- what the person's flow needs to know ------------------------------------------

    def local_now(self) -> datetime:
        return self.clock().astimezone(self.settings.timezone)

    def facts(self, person_key: str) -> Facts:
        now = self.local_now()
        case = self.cases.of_person(person_key)
        is_open = self.settings.hours.is_open(now)
        connected = case is not None and case.connected
        status = None if not connected else (
            "waiting" if case is not None and case.state == CaseState.WAITING else "claimed")
        return Facts(
            desk_open=is_open,
            desk_opens_at=None if is_open else self.settings.hours.next_opening(now),
            queue_position=self.cases.waiting_position(case if connected else None),
            open_case=status,
        )

    # --- effects of the person's flow (inside the caller's transaction) -------------------

    def apply(self, effect: Effect, person_key: str, chat_id: int,
              audience: str | None) -> list[tuple[str, Send]]:
        if effect.kind == "open_case":
            return self._open_case(person_key, chat_id, audience or "youth", effect.payload)
        if effect.kind == "feedback":
            self.cases.add_feedback(str(effect.payload["answer"]), audience, self.clock())
            return []
        if effect.kind == "store_report":
            return self._store_report(effect.payload, audience or "youth")
        if effect.kind == "connect_report":
            return self._connect_report(str(effect.payload["code"]), person_key, chat_id)
        if effect.kind == "lookup_case":
            return self._look_up(str(effect.payload["code"]), person_key, chat_id, audience)
        if effect.kind == "hide_conversation":
            return self._hide(person_key, chat_id)
        if effect.kind == "forget":
            self.cases.forget_person(person_key)
        case = self.cases.of_person(person_key)
        if case is None or self.settings.staff_group_id is None:
            return []
        if effect.kind == "relay_text":
            return [self.to_topic(case, Reply("desk/from_person", {
                "person": case.audience, "text": effect.payload["text"]}))]
        if effect.kind == "media_withheld":
            return [self.to_topic(case, Reply("desk/media_withheld", {
                "person": case.audience, "kind": effect.payload["kind"]}))]
        if effect.kind in ("end_case", "forget"):
            return self.person_ended(case)
        raise ValueError(f"unknown effect {effect.kind}")

    def _open_case(self, person_key: str, chat_id: int, audience: str,
                   payload: Mapping[str, Any]) -> list[tuple[str, Send]]:
        if self.cases.of_person(person_key) is not None:
            return []  # one open case per person
        first_message = payload.get("first_message")
        case = self.cases.open(audience, str(payload.get("subject", SUBJECT_CONVERSATION)),
                               bool(payload.get("urgent")), person_key, chat_id, self.clock())
        group = self.settings.staff_group_id
        if group is None:
            log.warning("case %s opened, but no staff group is configured", case.id)
            return []
        lane = case_lane(case.id)
        name = self.topic_name(case)
        summary = self.summary(case, first_message)
        log.info("case %s opened", case.id)
        return [
            (lane, Send("createForumTopic", {"chat_id": group, "name": name},
                        case_id=case.id, record="thread")),
            (lane, Send("sendMessage", {"chat_id": group, **summary}, case_id=case.id,
                        record="summary")),
        ]

    def _store_report(self, payload: Mapping[str, Any], audience: str) -> list[tuple[str, Send]]:
        answers = dict(payload["answers"])
        code = normalize(str(payload["code"]))
        assert code is not None, "the flow sends the code the shell drew"
        case, created = self.cases.open_report(audience, str(answers["category"]),
                                               str(payload["triage"]), answers,
                                               self.store.keys.code_hash(code), self.clock())
        group = self.settings.staff_group_id
        if not created or group is None:
            return []
        log.info("report %s stored (%s)", case.id, case.triage)
        lane = case_lane(case.id)
        summary = self.render(Reply("desk/report_summary", {
            "label": case.id, "person": case.audience, "answers": answers,
            "triage": case.triage}, ((CLAIM, CLOSE),)), case)
        return [
            (lane, Send("createForumTopic", {"chat_id": group, "name": self.topic_name(case)},
                        case_id=case.id, record="thread")),
            (lane, Send("sendMessage", {"chat_id": group, **summary}, case_id=case.id,
                        record="summary")),
        ]

    def _connect_report(self, code: str, person_key: str, chat_id: int) -> list[tuple[str, Send]]:
        normalized = normalize(code)
        case = self.cases.by_code_hash(self.store.keys.code_hash(normalized)) if normalized \
            else None
        if case is None or case.state == CaseState.CLOSED or self.cases.of_person(person_key):
            return []
        self.cases.connect(case.id, person_key, chat_id)
        return [self.to_topic(case, Reply("desk/report_connected"))]

    def _look_up(self, typed: str, person_key: str, chat_id: int,
                 audience: str | None) -> list[tuple[str, Send]]:
        """The status of a report, for the holder of its code. A wrong code says only that."""
        now = self.clock()
        if self.cases.failures(person_key, now) >= LOOKUP_FAILURES_PER_HOUR:
            return [self.to_person(person_key, chat_id, Reply("report/lookups_limited"),
                                    audience)]
        normalized = normalize(typed)
        case = self.cases.by_code_hash(self.store.keys.code_hash(normalized)) if normalized \
            else None
        if case is None:
            self.cases.add_failure(person_key, now)
            return [self.to_person(person_key, chat_id, Reply("report/code_unknown"), audience)]
        status = {CaseState.WAITING: "received", CaseState.CLOSED: "closed"}.get(
            CaseState(case.state), "in_progress")
        return [self.to_person(person_key, chat_id, Reply("report/status", {
            "status": status, "reply": case.reply}), audience)]

    def _hide(self, person_key: str, chat_id: int) -> list[tuple[str, Send]]:
        """Quick exit: delete what Telegram lets a bot delete (under 48 hours old)."""
        since = self.clock() - timedelta(hours=47, minutes=50)
        ids = self.cases.take_messages(person_key, since)
        return [(person_key, Send("deleteMessages", {"chat_id": chat_id,
                                                     "message_ids": ids[i : i + 100]}))
                for i in range(0, len(ids), 100)]

    def to_person(self, person_key: str, chat_id: int, reply: Reply,
                   audience: str | None) -> tuple[str, Send]:
        rendered = self.content.render(reply, audience)
        return person_key, Send("sendMessage", {"chat_id": chat_id, **telegram_message(rendered)})

    def person_ended(self, case: Case) -> list[tuple[str, Send]]:
        self.cases.disconnect(case.id)
        after = next_state(case.state, "person_ended")
        if after is None:  # already closing: the consultant is choosing an outcome
            return []
        self.cases.update(case.id, state=after)
        return [self.to_topic(case, Reply("desk/choose_outcome", {"person_ended": True},
                                           self.outcome_buttons()))]

    # --- rendering for the staff group -------------------------------------------------

    def render(self, reply: Reply, case: Case | None = None) -> dict[str, Any]:
        prefix = f"{BUTTON_PREFIX}:{case.id}:" if case else ""
        return telegram_message(self.content.render(reply, None), prefix)

    def to_topic(self, case: Case, reply: Reply) -> tuple[str, Send]:
        params = {"chat_id": self.settings.staff_group_id, **self.render(reply, case)}
        return case_lane(case.id), Send("sendMessage", params, case_id=case.id)

    def topic_name(self, case: Case) -> str:
        rendered = self.content.render(Reply("desk/topic_name", {
            "label": case.id, "person": case.audience, "subject": case.subject,
            "urgent": bool(case.urgent), "consultant": case.consultant}), None)
        return rendered.text[:128]

    def summary(self, case: Case, first_message: str | None) -> dict[str, Any]:
        return self.render(Reply("desk/summary", {
            "label": case.id, "person": case.audience, "subject": case.subject,
            "first_message": first_message,
            "desk_open": self.settings.hours.is_open(self.local_now())},
            ((CLAIM, CLOSE),)), case)

    def claimed_buttons(self, case: Case) -> dict[str, Any]:
        """Once claimed, the summary keeps only «Luk sagen»."""
        rendered = self.render(Reply("desk/summary", {
            "label": case.id, "person": case.audience, "subject": case.subject,
            "first_message": None, "desk_open": True}, ((CLOSE,),)), case)
        return dict(rendered["reply_markup"])

    @staticmethod
    def outcome_buttons() -> tuple[tuple[Button, ...], ...]:
        return tuple((Button(outcome, shared_label=f"outcome_{outcome}"),) for outcome in OUTCOMES)

    def alert(self, template: str, **variables: Any) -> str:
        return self.content.render(Reply(template, variables), None).text

    # --- the staff group ----------------------------------------------------------------

    def is_staff_chat(self, update: Update) -> bool:
        chat = update.effective_chat
        return chat is not None and chat.id == self.settings.staff_group_id

    def general(self, reply: Reply, thread: int | None) -> tuple[str, Send]:
        """A message to the staff group's general topic, or to the thread it was asked in."""
        params: dict[str, Any] = {"chat_id": self.settings.staff_group_id, **self.render(reply)}
        if thread is not None:
            params["message_thread_id"] = thread
        return GENERAL_LANE, Send("sendMessage", params)

    # --- periodic work and outbox callbacks ----------------------------------------------

    def remind(self) -> int:
        """Remind the staff group of cases nobody has taken, inside office hours."""
        if self.settings.staff_group_id is None or not self.settings.hours.is_open(
                self.local_now()):
            return 0
        now = self.clock()
        with self.store.transaction():
            due = self.cases.unclaimed_before(now - self.settings.remind_after)
            for case in due:
                minutes = int((now.timestamp() - case.opened_at) // 60)
                self.store.queue([self.general(Reply("desk/reminder", {
                    "label": case.id, "waiting_minutes": minutes}), None)], now)
                self.cases.update(case.id, reminded=1)
        return len(due)

    def person_blocked(self, lane: str) -> None:
        """The person blocked the bot: tell the case's topic, once."""
        with self.store.transaction():
            case = self.cases.of_person(lane)
            if case is None or case.blocked_notified:
                return
            self.cases.update(case.id, blocked_notified=1)
            self.store.queue([self.to_topic(case, Reply("desk/person_blocked"))], self.clock())

    def record(self, lane: str, send: Send, result: Any) -> None:
        """Remember what Telegram answered, inside the outbox's transaction: a case's topic
        and summary, and the ids of messages in a person's chat (for the quick exit)."""
        if not isinstance(result, dict):
            return
        if send.case_id is None:
            if "message_id" in result and is_person_lane(lane):
                self.cases.remember_message(lane, int(result["message_id"]), self.clock())
        elif send.record == "thread" and "message_thread_id" in result:
            self.cases.update(send.case_id, thread_id=result["message_thread_id"])
        elif send.record == "summary" and "message_id" in result:
            self.cases.update(send.case_id, summary_message_id=result["message_id"])

    def thread_of(self, case_id: int) -> int | None:
        case = self.cases.get(case_id)
        return case.thread_id if case else None
