"""The consultants' desk: cases from opened to closed, what a person's flow asks of it, and
what consultants do, in channel-neutral terms. The Telegram staff group (bot/telegram) turns
consultants' updates into calls here, and the channels deliver what it posts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.core.codes import normalize
from bot.core.content import Content, Rendered
from bot.core.conversation import Conversations
from bot.core.delivery import (
    CarryOver,
    Dispatch,
    Hide,
    Outgoing,
    Person,
    StaffMedia,
    StaffPost,
    ToPerson,
)
from bot.core.store import Store
from bot.desk.cases import CASE, LOOKUP_FAILURE, REPORT, Case, Cases
from flows.case import OUTCOMES, CaseState, next_state
from flows.engine import Button, Effect, Event, EventKind, Facts, Reply

log = logging.getLogger(__name__)

SUBJECT_CONVERSATION: Final = "conversation"
CANNED_DIR: Final = "canned"
LOOKUP_FAILURES_PER_HOUR: Final = 5
GROUP_KEY: Final = "staff_group_id"  # kept when Telegram moves the group to a new id
DESK_TEMPLATES: Final = ("desk/topic_name", "desk/summary", "desk/claim_refused",
                         "desk/not_allowed", "desk/case_gone", "desk/from_person",
                         "desk/media_withheld", "desk/choose_outcome", "desk/closed",
                         "desk/person_blocked", "desk/not_delivered", "desk/cases",
                         "desk/reminder", "desk/canned_list", "desk/canned_sent",
                         "desk/use_a_topic", "desk/claimed_note", "desk/report_summary",
                         "desk/report_connected", "desk/reply_saved", "desk/reply_how",
                         "desk/not_owner", "desk/take_over", "desk/taken_over",
                         "desk/case_closed_already", "desk/send_failed", "desk/not_sent",
                         "desk/media_not_for_web", "desk/statistics",
                         "consultant/from_consultant",
                         "consultant/media_not_shown", "desk/person_hid", "desk/person_back")

CLAIM: Final = Button("claim", shared_label="claim")
CLOSE: Final = Button("close", shared_label="close_case")
TAKE_OVER: Final = Button("take_over", shared_label="take_over")


@dataclass(frozen=True)
class DeskSettings:
    staff_group_id: int | None
    staff: Mapping[int, str]  # consultant's Telegram id -> the name people see
    hours: Any  # flows.hours.OfficeHours
    timezone: ZoneInfo
    remind_after: timedelta
    urgent_remind_every: timedelta = timedelta(minutes=10)
    reports_per_hour: int = 3
    cases_per_hour: int = 3
    topic_days: int = 30


class Desk:
    def __init__(self, store: Store, content: Content, settings: DeskSettings,
                 clock: Callable[[], datetime], dispatch: Dispatch,
                 conversations: Conversations) -> None:
        self.store = store
        self.cases = Cases(store)
        self.content = content
        self.settings = settings
        self.clock = clock
        self.dispatch = dispatch
        self.conversations = conversations
        conversations.desk = self
        moved = store.get_value(GROUP_KEY)
        self.group: int | None = int(moved) if moved else settings.staff_group_id
        if self.group is not None:  # topics made before they were known by group and thread
            store.db.execute("UPDATE cases SET topic_chat = ? WHERE topic_chat IS NULL AND "
                             "thread_id IS NOT NULL", [self.group])

    # --- what the person's flow needs to know ------------------------------------------

    def local_now(self) -> datetime:
        return self.clock().astimezone(self.settings.timezone)

    def is_open(self) -> bool:
        return bool(self.settings.hours.is_open(self.local_now()))

    def facts(self, person_key: str) -> Facts:
        now = self.local_now()
        case = self.cases.of_person(person_key)
        is_open = self.settings.hours.is_open(now)
        connected = case is not None and case.connected
        status = None if not connected else (
            "waiting" if case is not None and case.state == CaseState.WAITING else "claimed")
        counts = self.cases.counts_of(person_key, now)
        return Facts(
            desk_open=is_open,
            desk_opens_at=None if is_open else self.settings.hours.next_opening(now),
            queue_position=self.cases.waiting_position(case if connected else None),
            open_case=status,
            cases_left=counts.get(CASE, 0) < self.settings.cases_per_hour,
            reports_left=counts.get(REPORT, 0) < self.settings.reports_per_hour,
        )

    # --- effects of the person's flow (inside the caller's transaction) -------------------

    def apply(self, effect: Effect, person: Person, audience: str | None) -> list[Outgoing]:
        payload = effect.payload
        if effect.kind == "open_case":
            return self._open_case(person, audience or "youth", payload)
        if effect.kind == "store_report":
            return self._store_report(person, payload, audience or "youth")
        if effect.kind == "connect_report":
            return self._connect_report(str(payload["code"]), person)
        if effect.kind == "lookup_case":
            return self._look_up(str(payload["code"]), person, audience)
        if effect.kind == "resume_case":
            return self._resume(str(payload["code"]), person)
        if effect.kind == "feedback":
            self.cases.add_feedback(str(payload["answer"]), audience, person.route.channel,
                                    self.clock())
            return []
        if effect.kind == "hide_conversation":
            return [Hide(person)]
        case = self.cases.of_person(person.key)
        if effect.kind == "forget":
            return self._forget(person, case)
        if case is None:
            return []
        if effect.kind == "relay_text":
            return [self._relay_from_person(case, str(payload["text"]))]
        if effect.kind == "media_withheld":
            return [self.to_topic(case, Reply("desk/media_withheld", {
                "person": case.audience, "kind": payload["kind"]}))]
        if effect.kind == "end_case":
            return self.person_ended(case)
        if effect.kind == "person_hid":
            return [self.to_topic(case, Reply("desk/person_hid"))]
        raise ValueError(f"unknown effect {effect.kind}")

    def _open_case(self, person: Person, audience: str,
                   payload: Mapping[str, Any]) -> list[Outgoing]:
        if self.cases.of_person(person.key) is not None:
            return []  # one open case per person
        now = self.clock()
        self.cases.add_count(person.key, CASE, now)
        case = self.cases.open(audience, str(payload.get("subject", SUBJECT_CONVERSATION)),
                               bool(payload.get("urgent")), person, now, self.is_open())
        log.info("case %s opened", case.id)
        first = payload.get("first_message")
        return self._new_topic(case, Reply("desk/summary", {
            "label": case.id, "person": case.audience, "subject": case.subject,
            "first_message": first, "desk_open": self.is_open(),
            "person_channel": case.channel, "urgent": bool(case.urgent)}, ((CLAIM, CLOSE),)))

    def _store_report(self, person: Person, payload: Mapping[str, Any],
                      audience: str) -> list[Outgoing]:
        answers = dict(payload["answers"])
        code = normalize(str(payload["code"]))
        assert code is not None, "the flow sends the code the shell drew"
        now = self.clock()
        case, created = self.cases.open_report(audience, str(answers["category"]),
                                               str(payload["triage"]), answers,
                                               self.store.keys.code_hash(code),
                                               person.route.channel, now, self.is_open())
        if not created:
            return []
        self.cases.add_count(person.key, REPORT, now)
        self.store.count("report", now, audience, person.route.channel)
        log.info("report %s stored (%s)", case.id, case.triage)
        return self._new_topic(case, Reply("desk/report_summary", {
            "label": case.id, "person": case.audience, "answers": answers,
            "triage": case.triage, "person_channel": case.channel}, ((CLAIM, CLOSE),)))

    def _new_topic(self, case: Case, summary: Reply) -> list[Outgoing]:
        """A topic for the case and its summary as the first message in it. The name asked
        for is recorded first, so that a topic made twice around a crash is recognised."""
        if self.group is None:
            log.warning("case %s opened, but no staff group is configured", case.id)
            return []
        name = self.topic_name(case)
        self.cases.update(case.id, topic_name=name)
        return [StaffPost("open_topic", case.id, name=name, record="thread"),
                StaffPost("post", case.id, self.render(summary), record="summary")]

    def _by_code(self, typed: str) -> tuple[str, Case | None]:
        """What a person typed as a code (normalized; "" when it cannot be one), and its case."""
        normalized = normalize(typed)
        if normalized is None:
            return "", None
        return normalized, self.cases.by_code_hash(self.store.keys.code_hash(normalized))

    def _connect_report(self, code: str, person: Person) -> list[Outgoing]:
        case = self._by_code(code)[1]
        if case is None or case.state == CaseState.CLOSED or self.cases.of_person(person.key):
            return []
        self.cases.connect(case.id, person)
        return [self.to_topic(case, Reply("desk/report_connected"))]

    def _look_up(self, typed: str, person: Person, audience: str | None) -> list[Outgoing]:
        """The status of a report, for the holder of its code. A wrong code says only that."""
        now = self.clock()
        if self.cases.count_of(person.key, LOOKUP_FAILURE, now) >= LOOKUP_FAILURES_PER_HOUR:
            return [self.to_person(person, Reply("report/lookups_limited"), audience)]
        normalized, case = self._by_code(typed)
        if case is None:
            self.cases.add_count(person.key, LOOKUP_FAILURE, now)
            return [self.to_person(person, Reply("report/code_unknown"), audience)]
        status = {CaseState.WAITING: "received", CaseState.CLOSED: "closed"}.get(
            CaseState(case.state), "in_progress")
        if self._held_elsewhere(case, person):  # once this step is saved: go on here?
            held = "|".join((normalized, case.state, case.consultant or ""))
            self.conversations.later(partial(self.conversations.converse, person,
                                             Event(EventKind.DESK, "case_found", held)))
        now_here = self.local_now()
        is_open = self.settings.hours.is_open(now_here)
        return [self.to_person(person, Reply("report/status", {
            "status": status, "reply": self.cases.reply(case), "desk_open": is_open,
            "desk_opens_at": None if is_open else self.settings.hours.next_opening(now_here)}),
            audience)]

    def _held_elsewhere(self, case: Case, person: Person) -> bool:
        """A chat with SSP that its code's holder may go on with here: open, someone else's
        address on it (a closed page, another phone), and no other chat open here."""
        return (case.state in (CaseState.WAITING, CaseState.CLAIMED)
                and case.person_key not in (None, person.key)
                and self.cases.of_person(person.key) is None)

    def _resume(self, code: str, person: Person) -> list[Outgoing]:
        """The holder of the code goes on with the chat here: the case is theirs at this
        address, what the earlier page never showed is shown here, the earlier address is told,
        and so is the topic. Anything changed meanwhile: say it could not be done."""
        case = self._by_code(code)[1]
        if case is None or not self._held_elsewhere(case, person):
            self.conversations.later(partial(self.conversations.converse, person,
                                             Event(EventKind.DESK, "case_not_resumed")))
            return []
        earlier = self.cases.person(case)
        self.cases.connect(case.id, person)
        carried = earlier is not None and earlier.route.channel == person.route.channel
        if earlier is not None:
            if carried:  # before the earlier address is told: that stays where it is
                self.dispatch.post([CarryOver(person, earlier.key)])
            self.conversations.converse(earlier, Event(EventKind.DESK, "case_moved"))
        log.info("case %s goes on at a new address", case.id)
        return [self.to_topic(case, Reply("desk/person_back", {
            "person_channel": person.route.channel, "carried": carried}))]

    def _forget(self, person: Person, case: Case | None) -> list[Outgoing]:
        """/slet: everything keyed by the person goes, queued messages to them included (the
        confirmation is queued after this), and the bytes leave the WAL once committed."""
        self.cases.forget_person(person.key)
        self.store.drop_lane(person.key)
        self.store.after_commit(self.store.checkpoint)
        return self.person_ended(case) if case is not None else []

    def _relay_from_person(self, case: Case, text: str) -> StaffPost:
        return StaffPost("post", case.id, self.render(Reply("desk/from_person", {
            "person": case.audience, "text": text}), case), relay=True)

    def to_person(self, person: Person, reply: Reply, audience: str | None) -> ToPerson:
        return ToPerson(person, self.content.render(reply, audience, person.route.channel))

    def person_ended(self, case: Case) -> list[Outgoing]:
        self.cases.disconnect(case.id)
        after = next_state(case.state, "person_ended")
        if after is None:  # already closing: the consultant is choosing an outcome
            return []
        self.cases.update(case.id, state=after)
        return [self.to_topic(case, Reply("desk/choose_outcome", {"person_ended": True},
                                           self.outcome_buttons()))]

    # --- rendering for the staff group -------------------------------------------------

    def render(self, reply: Reply, case: Case | None = None) -> Rendered:
        return self.content.render(reply, None)

    def to_topic(self, case: Case, reply: Reply) -> StaffPost:
        return StaffPost("post", case.id, self.render(reply, case))

    def general(self, reply: Reply, thread: int | None = None) -> StaffPost:
        """A message to the staff group's general topic, or to the thread it was asked in."""
        return StaffPost("general", rendered=self.render(reply), thread=thread)

    def topic_name(self, case: Case) -> str:
        rendered = self.content.render(Reply("desk/topic_name", {
            "label": case.id, "person": case.audience, "subject": case.subject,
            "urgent": bool(case.urgent), "consultant": case.consultant,
            "person_channel": case.channel}), None)
        return rendered.text[:128]

    def claimed_buttons(self, case: Case) -> Rendered:
        """Once claimed, the summary keeps «Luk sagen» and offers a colleague to take over."""
        return self.render(Reply("desk/claimed_note", {"consultant": case.consultant or ""},
                                 ((CLOSE, TAKE_OVER),)))

    @staticmethod
    def outcome_buttons() -> tuple[tuple[Button, ...], ...]:
        return tuple((Button(outcome, shared_label=f"outcome_{outcome}"),) for outcome in OUTCOMES)

    def alert(self, template: str, **variables: Any) -> str:
        return self.content.render(Reply(template, variables), None).text

    # --- what consultants do (the staff group calls these inside a transaction) ----------

    def claim(self, case: Case, consultant_id: int, name: str) -> str | None:
        """The first consultant to claim owns the case. Returns an alert for a refused claim."""
        after = next_state(case.state, "consultant_claimed")
        if after is None:
            return self.alert("desk/claim_refused", consultant=case.consultant or "")
        now = self.clock().timestamp()
        self.cases.update(case.id, state=after, consultant=name, consultant_id=consultant_id,
                          claimed_at=now, wait_minutes=max(0, round((now - case.opened_at) / 60)))
        claimed = self.cases.get(case.id)
        assert claimed is not None
        self._announce_owner(claimed, Reply("desk/claimed_note", {"consultant": name}))
        self._tell_person(claimed, Event(EventKind.DESK, "case_claimed", argument=name))
        log.info("case %s claimed", case.id)
        return None

    def take_over(self, case: Case, consultant_id: int, name: str) -> None:
        """A colleague takes over a claimed case with one confirmed tap; the topic says so."""
        if case.state != CaseState.CLAIMED or case.consultant_id == consultant_id:
            return
        before = case.consultant or ""
        self.cases.update(case.id, consultant=name, consultant_id=consultant_id)
        taken = self.cases.get(case.id)
        assert taken is not None
        self._announce_owner(taken, Reply("desk/taken_over", {"consultant": name,
                                                              "before": before}))
        self._tell_person(taken, Event(EventKind.DESK, "case_claimed", argument=name))
        log.info("case %s taken over", case.id)

    def _announce_owner(self, case: Case, note: Reply) -> None:
        posts: list[Outgoing] = []
        if case.summary_message_id is not None:
            posts.append(StaffPost("set_buttons", case.id, self.claimed_buttons(case),
                                   message_id=case.summary_message_id))
        posts.append(StaffPost("rename_topic", case.id, name=self.topic_name(case)))
        posts.append(self.to_topic(case, note))
        self.dispatch.post(posts)

    def offer_take_over(self, case: Case, name: str) -> None:
        self.dispatch.post([self.to_topic(case, Reply(
            "desk/take_over", {"consultant": case.consultant or "", "asker": name},
            ((TAKE_OVER,),)))])

    def may_act(self, case: Case, consultant_id: int) -> bool:
        """Only the owner writes to the person and closes a claimed case."""
        return case.state == CaseState.WAITING or case.consultant_id in (None, consultant_id)

    def request_close(self, case: Case) -> None:
        after = next_state(case.state, "close_requested")
        if after is None:
            return
        self.cases.update(case.id, state=after)
        self.dispatch.post([self.to_topic(case, Reply(
            "desk/choose_outcome", {"person_ended": False}, self.outcome_buttons()))])

    def close(self, case: Case, outcome: str, name: str, pressed: int | None) -> str | None:
        after = next_state(case.state, "outcome_chosen")
        if after is None:
            return self.alert("desk/case_gone")
        self._tell_person(case, Event(EventKind.DESK, "case_closed"))
        self.cases.close(case.id, outcome, self.clock())
        closed = self.render(Reply("desk/closed", {"consultant": name, "outcome": outcome}))
        posts: list[Outgoing] = []
        if pressed is not None:
            posts.append(StaffPost("edit", case.id, closed, message_id=pressed))
        else:
            posts.append(StaffPost("post", case.id, closed))
        posts.append(StaffPost("close_topic", case.id))
        self.dispatch.post(posts)
        self.store.after_commit(self.store.checkpoint)
        log.info("case %s closed: %s", case.id, outcome)
        return None

    def _tell_person(self, case: Case, event: Event) -> None:
        person = self.cases.person(case)
        if person is not None:
            self.conversations.converse(person, event)

    def relay_to_person(self, case: Case, consultant_id: int, name: str, text: str) -> None:
        """A consultant's text for the person; writing to a waiting case takes it."""
        person = self._reachable(case, consultant_id, name)
        if person is not None:
            self.dispatch.post([self.to_person(person, Reply("consultant/from_consultant", {
                "consultant": name, "text": text}), case.audience)])

    def relay_media_to_person(self, case: Case, consultant_id: int, name: str,
                              source_chat: int, source_message: int) -> None:
        """A photo or file from a consultant: copied where the channel can, else a note
        saying it could not be shown, and the topic learns it did not arrive."""
        person = self._reachable(case, consultant_id, name)
        if person is None:
            return
        note = self.content.render(Reply("consultant/media_not_shown", {"consultant": name}),
                                   case.audience, person.route.channel)
        posts: list[Outgoing] = [StaffMedia(person, source_chat, source_message, note)]
        if person.route.channel != "telegram":
            posts.append(self.to_topic(case, Reply("desk/media_not_for_web")))
        self.dispatch.post(posts)

    def _reachable(self, case: Case, consultant_id: int, name: str) -> Person | None:
        if case.state == CaseState.WAITING:
            self.claim(case, consultant_id, name)
        return self.cases.person(case)

    def canned(self, case: Case, name: str) -> None:
        """/svar <navn>: a reviewed reply from content/common/canned/, in the person's words."""
        names = self.content.names_in(CANNED_DIR)
        person = self.cases.person(case)
        if person is None:
            self.dispatch.post([self.to_topic(case, Reply(
                "desk/not_delivered", {"is_report": bool(case.is_report)}))])
        elif name not in names:
            self.dispatch.post([self.to_topic(case, Reply("desk/canned_list",
                                                          {"names": names}))])
        else:
            self.dispatch.post([
                self.to_person(person, Reply(f"{CANNED_DIR}/{name}"), case.audience),
                self.to_topic(case, Reply("desk/canned_sent", {"name": name}))])

    def leave_reply(self, case: Case, consultant_id: int, name: str, text: str) -> None:
        """/besvar <tekst>: an answer the report's author reads with their code. On a report
        nobody has taken, it takes it, as writing to a person does."""
        if not case.is_report or not text:
            self.dispatch.post([self.to_topic(case, Reply("desk/reply_how"))])
            return
        if case.state == CaseState.WAITING:
            self.claim(case, consultant_id, name)
        self.cases.set_reply(case.id, text)
        self.dispatch.post([self.to_topic(case, Reply("desk/reply_saved"))])

    def open_cases_reply(self) -> Reply:
        now = self.clock().timestamp()
        cases = [{"label": c.id, "audience": c.audience, "subject": c.subject,
                  "urgent": bool(c.urgent), "consultant": c.consultant,
                  "waiting_minutes": int((now - c.opened_at) // 60),
                  "person_channel": c.channel}
                 for c in self.cases.all_open()]
        return Reply("desk/cases", {"cases": cases})

    # --- periodic work ------------------------------------------------------------------

    def remind(self) -> int:
        """Remind the staff group of cases nobody has taken, inside office hours: each once,
        urgent ones until someone takes them."""
        if self.group is None or not self.is_open():
            return 0
        now = self.clock()
        with self.store.transaction():
            due = self.cases.to_remind(now, self.settings.remind_after,
                                       self.settings.urgent_remind_every)
            for case in due:
                minutes = int((now.timestamp() - case.opened_at) // 60)
                self.dispatch.post([self.general(Reply("desk/reminder", {
                    "label": case.id, "waiting_minutes": minutes,
                    "urgent": bool(case.urgent)}))])
                self.cases.update(case.id, reminded=1, reminded_at=now.timestamp())
        return len(due)

    def expire_topics(self) -> int:
        """Delete the topics of cases closed longer ago than the retention period: the
        report and every relayed message in them go with them."""
        if self.group is None:
            return 0
        cutoff = self.clock() - timedelta(days=self.settings.topic_days)
        with self.store.transaction():
            expired = self.cases.topics_expired(cutoff)
            for case in expired:
                self.dispatch.post([StaffPost("delete_topic", case.id)])
                self.cases.update(case.id, topic_deleted=1)
        return len(expired)

    # --- what a channel learned while delivering ------------------------------------------

    def person_blocked(self, person_key: str) -> None:
        """The person blocked the bot: tell the case's topic, once."""
        with self.store.transaction():
            case = self.cases.of_person(person_key)
            if case is None or case.blocked_notified:
                return
            self.cases.update(case.id, blocked_notified=1)
            self.dispatch.post([self.to_topic(case, Reply("desk/person_blocked"))])

    def not_delivered(self, case_id: int | None, to_person: bool) -> None:
        """A delivery was set aside for good: say so in the staff group's general topic (not in
        the case's own, which may be what failed)."""
        if self.group is None:
            return
        with self.store.transaction():
            self.dispatch.post([self.general(Reply("desk/send_failed", {
                "label": case_id, "to_person": to_person}))])

    def group_moved(self, new_id: int) -> None:
        """Telegram upgraded the staff group to a supergroup with a new id: follow it."""
        with self.store.transaction():
            self.store.set_value(GROUP_KEY, str(new_id))
        self.group = new_id
        log.warning("the staff group moved to a new id; following it")

    def thread_of(self, case_id: int) -> tuple[int | None, int | None]:
        """(group, thread) of a case's topic; thread None while it does not exist yet."""
        case = self.cases.get(case_id)
        if case is None:
            return self.group, None
        return case.topic_chat or self.group, case.thread_id

    def record_thread(self, case_id: int, chat: int, thread_id: int) -> bool:
        """Telegram made the case's topic. False when the case has another one already (this
        one was made twice around a crash or a lost answer): the caller deletes it."""
        case = self.cases.get(case_id)
        if case is not None and case.thread_id not in (None, thread_id):
            return False
        self.cases.record_thread(case_id, chat, thread_id)
        return True

    def record_summary(self, case_id: int, message_id: int) -> None:
        self.cases.update(case_id, summary_message_id=message_id)

    def topic_seen(self, chat: int, thread_id: int, name: str) -> bool:
        """Telegram announced a topic the bot made. If it is a case's, whose own topic was
        never recorded (a crash between making it and recording it), it becomes that case's.
        Returns False when it belongs to no case or to one that already has a topic: an orphan,
        for the caller to delete."""
        row = self.store.db.execute(
            "SELECT id, thread_id FROM cases WHERE topic_name = ? ORDER BY id DESC LIMIT 1",
            [name]).fetchone()
        if row is None:
            return False
        case_id, known = row
        if known == thread_id:
            return True
        if known is not None:
            return False
        self.cases.record_thread(case_id, chat, thread_id)
        return True

    def case_of_topic(self, chat: int, thread_id: int) -> Case | None:
        return self.cases.in_thread(chat, thread_id)

