"""The desk's timed work on a real store and real content, with time passed in."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.content import Content
from bot.core.conversation import Conversations
from bot.core.delivery import Dispatch, Person, Route
from bot.core.keys import Keys
from bot.core.store import Store
from bot.desk.desk import Desk, DeskSettings
from bot.telegram.channel import VISIBLE_KEPT, StaffChannel, TelegramChannel
from flows import build_flows
from flows.engine import Effect
from flows.hours import OfficeHours

ROOT = Path(os.environ.get("SSPBOT_CONTENT_DIR",
                           Path(__file__).resolve().parent.parent / "content"))
MONDAY_TEN = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 10:00 in Copenhagen
GROUP = -100555


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_desk(tmp_path: Path, clock: Clock) -> Desk:
    store = Store(tmp_path / "bot.sqlite3", Keys(b"s" * 32))
    hours = OfficeHours.parse("mon-fri 09:00-15:00")
    content = Content(ROOT, {"session_days": 30, "desk_hours": hours.blocks(), "topic_days": 30,
                             "report_text_days": 30, "description_limit": 1500})
    dispatch = Dispatch(store, clock)
    dispatch.register(TelegramChannel(store, clock))
    dispatch.register(StaffChannel())
    conversations = Conversations(build_flows(), content, store, dispatch, clock,
                                  lambda: "K7M-Q2X-9TB")
    return Desk(store, content, DeskSettings(GROUP, {1: "Mette"}, hours,
                                             ZoneInfo("Europe/Copenhagen"),
                                             timedelta(minutes=10)), clock, dispatch,
                conversations)


def person(name: str) -> Person:
    return Person(name * 64, Route("telegram", "42"))


def open_case(desk: Desk, who: Person, urgent: bool = False, audience: str = "teen") -> None:
    with desk.store.transaction():
        desk.dispatch.post(desk.apply(Effect("open_case", {"first_message": None,
                                                           "urgent": urgent}), who, audience))


def general_texts(desk: Desk) -> list[str]:
    rows = desk.store.db.execute("SELECT id FROM outbox WHERE lane = 'staff'").fetchall()
    return [desk.store.lane_rows("staff", row[0] - 1, 1)[0].payload["params"]["text"]
            for row in rows]


def test_an_unclaimed_case_is_reminded_once_inside_office_hours(tmp_path: Path) -> None:
    clock = Clock(MONDAY_TEN)
    desk = make_desk(tmp_path, clock)
    open_case(desk, person("a"))
    methods = [row.payload["method"] for row in desk.store.lane_rows("case:1")]
    assert methods == ["createForumTopic", "sendMessage"]
    clock.now += timedelta(minutes=5)
    assert desk.remind() == 0
    clock.now += timedelta(minutes=6)
    assert desk.remind() == 1
    assert "Sag 1 har ventet i 11 minutter" in general_texts(desk)[-1]
    clock.now += timedelta(hours=1)
    assert desk.remind() == 0  # only once


def test_an_urgent_case_is_reminded_until_someone_takes_it(tmp_path: Path) -> None:
    clock = Clock(MONDAY_TEN)
    desk = make_desk(tmp_path, clock)
    open_case(desk, person("u"), urgent=True)
    reminders = 0
    for _ in range(4):
        clock.now += timedelta(minutes=11)
        reminders += desk.remind()
    assert reminders == 4
    case = desk.cases.get(1)
    assert case is not None
    with desk.store.transaction():
        desk.claim(case, 1, "Mette")
    clock.now += timedelta(minutes=11)
    assert desk.remind() == 0


def test_no_reminders_outside_office_hours(tmp_path: Path) -> None:
    clock = Clock(MONDAY_TEN + timedelta(hours=10))  # 20:00
    desk = make_desk(tmp_path, clock)
    open_case(desk, person("k"), audience="child")
    clock.now += timedelta(hours=1)
    assert desk.remind() == 0
    facts = desk.facts("k" * 64)
    assert not facts.desk_open
    assert facts.desk_opens_at == datetime(2026, 12, 1, 9, 0,
                                           tzinfo=ZoneInfo("Europe/Copenhagen"))
    assert facts.open_case == "waiting" and facts.queue_position == 1


def test_queue_positions_put_urgent_cases_first(tmp_path: Path) -> None:
    clock = Clock(MONDAY_TEN)
    desk = make_desk(tmp_path, clock)
    for name, urgent in (("a", False), ("b", False), ("c", True)):
        clock.now += timedelta(seconds=1)
        open_case(desk, person(name), urgent=urgent)
    assert [desk.facts(p * 64).queue_position for p in "cab"] == [1, 2, 3]
    assert desk.facts("d" * 64).queue_position == 4  # where a new case would land
    assert desk.facts("d" * 64).open_case is None


def test_cases_per_hour_are_limited(tmp_path: Path) -> None:
    clock = Clock(MONDAY_TEN)
    desk = make_desk(tmp_path, clock)
    who = person("f")
    for _ in range(3):
        assert desk.facts(who.key).cases_left
        open_case(desk, who)
        case = desk.cases.of_person(who.key)
        assert case is not None
        with desk.store.transaction():
            desk.person_ended(case)
    assert not desk.facts(who.key).cases_left
    clock.now += timedelta(hours=1)
    assert desk.facts(who.key).cases_left


def test_reports_per_hour_are_limited_and_no_trace_of_who_is_written_down(
        tmp_path: Path) -> None:
    clock = Clock(MONDAY_TEN)
    desk = make_desk(tmp_path, clock)
    who = person("r")
    answers = {"category": "bullying", "victim": "me", "image_kind": None, "danger": "no",
               "place": "school", "time": "today", "ongoing": "yes", "involved": "online_only",
               "description": None}
    made = 0
    while desk.facts(who.key).reports_left:
        with desk.store.transaction():
            desk.dispatch.post(desk.apply(Effect("store_report", {
                "answers": answers, "code": f"AAA-AAA-AA{'ABCDEFGH'[made]}", "triage": "green"}),
                who, "teen"))
        made += 1
        assert made < 8
    assert made >= 1 and desk.cases.get(made) is not None
    # The limit holds, yet nothing on disk puts this person's key beside the hour of a report.
    rows = desk.store.db.execute("SELECT count(*) FROM person_counts WHERE person_key = ?",
                                 [who.key]).fetchone()[0]
    assert rows == 0
    clock.now += timedelta(hours=1)
    assert desk.facts(who.key).reports_left


def test_office_hours_parse_and_next_opening() -> None:
    hours = OfficeHours.parse("mon-thu 09:00-15:00, fri 09:00-13:00", "2026-12-24")
    tz = ZoneInfo("Europe/Copenhagen")
    wednesday_23 = datetime(2026, 12, 23, 23, 0, tzinfo=tz)
    assert not hours.is_open(wednesday_23)
    assert hours.next_opening(wednesday_23) == datetime(2026, 12, 25, 9, 0, tzinfo=tz)
    assert hours.is_open(datetime(2026, 12, 25, 12, 59, tzinfo=tz))
    assert not hours.is_open(datetime(2026, 12, 25, 13, 0, tzinfo=tz))
    assert OfficeHours.parse("").next_opening(wednesday_23) is None


def test_a_quick_exit_remembers_only_the_newest_messages(tmp_path: Path) -> None:
    """However the ids fall (a bot's messages and a person's alternate in one chat)."""
    clock = Clock(MONDAY_TEN)
    desk = make_desk(tmp_path, clock)
    channel = TelegramChannel(desk.store, clock)
    with desk.store.transaction():
        for message_id in range(1, 2 * VISIBLE_KEPT * 2, 2):  # odd ids only
            channel.remember("p", message_id)
    kept = channel.take_visible("p")
    assert len(kept) <= VISIBLE_KEPT and kept[-1] == 2 * VISIBLE_KEPT * 2 - 1


def test_slet_leaves_nothing_keyed_by_the_person(tmp_path: Path) -> None:
    clock = Clock(MONDAY_TEN)
    desk = make_desk(tmp_path, clock)
    who = person("p")
    open_case(desk, who)
    channel = TelegramChannel(desk.store, clock)
    with desk.store.transaction():
        channel.remember(who.key, 7)
        desk.dispatch.post(desk.apply(Effect("lookup_case", {"code": "AAA-AAA-AAA"}), who,
                                      "teen"))
        desk.dispatch.post(desk.apply(Effect("forget"), who, "teen"))
    topic = [row.payload["params"].get("text", "") for row in desk.store.lane_rows("case:1")]
    assert topic[-1].startswith("Personen")
    for table in ("visible_messages", "person_counts", "cases", "web_inputs"):
        rows = desk.store.db.execute(
            f"SELECT count(*) FROM {table} WHERE person_key = ?", [who.key]).fetchone()[0]
        assert rows == 0, table
    assert desk.store.lane_rows(who.key) == []  # nothing still queued for them
    assert desk.cases.get(1).route is None  # type: ignore[union-attr]
