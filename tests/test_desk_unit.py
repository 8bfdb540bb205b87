"""The desk's timed work on a real store and real content, with time passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.content import Content
from bot.core.keys import Keys
from bot.core.store import Store
from bot.desk.desk import Desk, DeskSettings
from flows.engine import Effect
from flows.hours import OfficeHours

ROOT = Path(__file__).resolve().parent.parent / "content"
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
    content = Content(ROOT, {"session_days": 30, "desk_hours": hours.blocks()})
    return Desk(store, content, DeskSettings(GROUP, {1: "Mette"}, hours,
                                             ZoneInfo("Europe/Copenhagen"),
                                             timedelta(minutes=10)), clock)


def test_an_unclaimed_case_is_reminded_once_inside_office_hours(tmp_path: Path) -> None:
    clock = Clock(MONDAY_TEN)
    desk = make_desk(tmp_path, clock)
    with desk.store.transaction():
        sends = desk.apply(Effect("open_case", {"first_message": None}), "k" * 64, 42, "teen")
        desk.store.queue(sends, clock())
    assert [send.method for _, send in sends] == ["createForumTopic", "sendMessage"]
    clock.now += timedelta(minutes=5)
    assert desk.remind() == 0
    clock.now += timedelta(minutes=6)
    assert desk.remind() == 1
    reminder = desk.store.outbox_due(clock.now + timedelta(hours=1), 50)[-1].send
    assert "Sag 1 har ventet i 11 minutter" in reminder.params["text"]
    assert desk.remind() == 0  # only once


def test_no_reminders_outside_office_hours(tmp_path: Path) -> None:
    clock = Clock(MONDAY_TEN + timedelta(hours=10))  # 20:00
    desk = make_desk(tmp_path, clock)
    with desk.store.transaction():
        desk.apply(Effect("open_case", {"first_message": "hej"}), "k" * 64, 42, "child")
    clock.now += timedelta(hours=1)
    assert desk.remind() == 0
    facts = desk.facts("k" * 64)
    assert not facts.desk_open
    assert facts.desk_opens_at == datetime(2026, 12, 1, 9, 0,
                                           tzinfo=ZoneInfo("Europe/Copenhagen"))
    assert facts.open_case == "waiting" and facts.queue_position == 1


def test_queue_positions_count_waiting_cases(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, Clock(MONDAY_TEN))
    with desk.store.transaction():
        for person in ("a", "b", "c"):
            desk.apply(Effect("open_case", {"first_message": None}), person * 64, 1, "teen")
    assert [desk.facts(p * 64).queue_position for p in "abc"] == [1, 2, 3]
    assert desk.facts("d" * 64).queue_position == 4  # where a new case would land
    assert desk.facts("d" * 64).open_case is None


def test_office_hours_parse_and_next_opening() -> None:
    hours = OfficeHours.parse("mon-thu 09:00-15:00, fri 09:00-13:00", "2026-12-24")
    tz = ZoneInfo("Europe/Copenhagen")
    wednesday_23 = datetime(2026, 12, 23, 23, 0, tzinfo=tz)
    assert not hours.is_open(wednesday_23)
    assert hours.next_opening(wednesday_23) == datetime(2026, 12, 25, 9, 0, tzinfo=tz)
    assert hours.is_open(datetime(2026, 12, 25, 12, 59, tzinfo=tz))
    assert not hours.is_open(datetime(2026, 12, 25, 13, 0, tzinfo=tz))
    assert OfficeHours.parse("").next_opening(wednesday_23) is None


def test_slet_leaves_nothing_keyed_by_the_person(tmp_path: Path) -> None:
    clock = Clock(MONDAY_TEN)
    desk = make_desk(tmp_path, clock)
    person = "p" * 64
    with desk.store.transaction():
        desk.apply(Effect("open_case", {"first_message": "hej"}), person, 42, "teen")
        desk.cases.remember_message(person, 7, clock())
        desk.apply(Effect("lookup_case", {"code": "AAA-AAA-AAA"}), person, 42, "teen")
        sends = desk.apply(Effect("forget"), person, 42, "teen")
    assert [s.params["text"].startswith("Personen") for _, s in sends] == [True]
    for table in ("visible_messages", "lookup_failures", "cases"):
        rows = desk.store.db.execute(
            f"SELECT count(*) FROM {table} WHERE person_key = ?", [person]).fetchone()[0]
        assert rows == 0, table
    assert desk.cases.get(1).route is None  # type: ignore[union-attr]
