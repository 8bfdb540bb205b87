"""The store on a real SQLite file: sessions, inbox, outbox, retention, migrations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.keys import Keys
from bot.core.migrations import MIGRATIONS
from bot.core.store import Row, Store, hour_of
from flows.engine import Session

NOW = datetime(2026, 11, 24, 21, 47, 13, tzinfo=UTC)
CHAT_ID = 5550001234


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "bot.sqlite3", Keys(b"k" * 32))


def send(lane: str, **params: object) -> Row:
    return Row(lane, "telegram", {"method": "sendMessage", "params": params})


def commit_turn(store: Store, update_id: int, key: str, session: Session | None,
                sends: list[Row], now: datetime) -> None:
    """What the seam does for one update: one transaction for all of it."""
    with store.transaction():
        store.save_session(key, session, now)
        store.queue(sends, now)
        store.finish(update_id)


def test_a_turn_is_stored_whole(store: Store) -> None:
    key = store.keys.chat_key(CHAT_ID)
    store.inbox_add([(7, b'{"update_id": 7}')])
    session = Session("start", "at_menu", "teen", 3, {"entry": "images"})
    commit_turn(store, 7, key, session, [send(key, chat_id=CHAT_ID)], NOW)
    assert store.load_session(key) == session
    assert store.inbox_is_done(7) and store.inbox_pending() == []
    (queued,) = store.lane_heads("telegram", NOW, 10)
    assert queued.payload == {"method": "sendMessage", "params": {"chat_id": CHAT_ID}}


def test_a_failed_turn_leaves_nothing_behind(store: Store) -> None:
    key = store.keys.chat_key(CHAT_ID)
    store.inbox_add([(7, b"{}")])
    with pytest.raises(TypeError):
        commit_turn(store, 7, key, Session("start", "at_menu", data={"x": object()}),
                    [send(key)], NOW)
    assert store.load_session(key) is None
    assert store.lane_heads("telegram", NOW, 10) == []
    assert store.inbox_pending() == [(7, b"{}")]


def test_an_update_stored_twice_is_kept_once(store: Store) -> None:
    store.inbox_add([(1, b"a"), (2, b"b")])
    store.inbox_add([(2, b"b"), (3, b"c")])
    assert store.inbox_pending() == [(1, b"a"), (2, b"b"), (3, b"c")]
    store.inbox_finish(2)
    assert [uid for uid, _ in store.inbox_pending()] == [1, 3]


def test_a_handled_update_is_remembered_until_telegram_confirms_it(store: Store) -> None:
    """Redelivery after a crash is recognised by id; once confirmed, nothing stays."""
    store.inbox_add([(5, b"a"), (6, b"b")])
    store.inbox_finish(5)
    assert store.inbox_is_done(5)
    assert store.inbox_confirmed([5, 6]) == {6}  # 6 is still being handled
    store.inbox_add([(7, b"c")])  # confirmed ones go with the next write, no commit of its own
    assert not store.inbox_is_done(5) and store.inbox_pending() == [(6, b"b"), (7, b"c")]
    store.inbox_finish(6)
    store.inbox_forget(6)
    assert store.db.execute("SELECT update_id FROM inbox").fetchall() == [(7,)]


def test_lower_update_ids_after_a_restart_are_not_ignored(store: Store) -> None:
    """Telegram may start counting anew: an id lower than any seen is an update like any."""
    store.inbox_add([(900, b"old")])
    store.inbox_finish(900)
    store.inbox_add([(1, b"new")])
    assert store.inbox_pending() == [(1, b"new")]


def test_the_outbox_keeps_each_lanes_order_and_waits_for_retries(store: Store) -> None:
    with store.transaction():
        store.queue([send("a", n=1), send("b", n=2), send("a", n=3)], NOW)
    first = store.lane_heads("telegram", NOW, 10)
    assert [q.payload["params"]["n"] for q in first] == [1, 2]  # one per lane, oldest first
    store.retry_send(first[0], NOW + timedelta(seconds=30))
    with store.transaction():
        store.remove_sends([first[1].id])
    assert store.lane_heads("telegram", NOW, 10) == []  # lane a waits behind its retried head
    later = store.lane_heads("telegram", NOW + timedelta(seconds=31), 10)
    assert [(q.payload["params"]["n"], q.attempts) for q in later] == [(1, 1)]
    assert store.next_due("telegram") == (NOW + timedelta(seconds=30)).timestamp()
    assert store.lane_heads("telegram", NOW + timedelta(seconds=31), 10, busy=["a"]) == []


def test_a_dead_letter_keeps_what_failed_never_what_it_said(store: Store) -> None:
    with store.transaction():
        store.queue([send("case:3", text="Hemmelig tekst")], NOW)
    (queued,) = store.lane_heads("telegram", NOW, 10)
    with store.transaction():
        store.dead_letter(queued, "sendMessage", "Bad Request: chat not found", NOW)
    assert store.outbox_size() == 0
    assert store.db.execute("SELECT lane_kind, method, error FROM dead_letters").fetchall() == [
        ("case", "sendMessage", "Bad Request: chat not found")]


def test_retention_forgets_idle_sessions(store: Store) -> None:
    old, fresh = store.keys.chat_key(1), store.keys.chat_key(2)
    store.inbox_add([(1, b""), (2, b"")])
    commit_turn(store, 1, old, Session("start", "at_menu"), [], NOW - timedelta(days=31))
    commit_turn(store, 2, fresh, Session("start", "at_menu"), [], NOW - timedelta(days=29))
    store.prune(NOW, session_days=30)
    assert store.load_session(old) is None
    assert store.load_session(fresh) is not None


def test_a_web_message_nobody_came_back_for_is_not_kept_for_ever(store: Store) -> None:
    """A closed tab never fetches its last replies: retention removes them, and only them."""
    with store.transaction():
        store.queue([Row("web:old", "web", {"text": "gammel"})], NOW - timedelta(days=31))
        store.queue([Row("web:new", "web", {"text": "ny"}), send("chat")],
                    NOW - timedelta(days=29))
    store.prune(NOW, session_days=30)
    left = store.db.execute("SELECT lane FROM outbox ORDER BY lane").fetchall()
    assert left == [("chat",), ("web:new",)]


def test_times_are_kept_to_the_hour() -> None:
    assert hour_of(NOW) == "2026-11-24T21:00:00+00:00"


def test_reopening_migrates_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    Store(path, Keys(b"k" * 32)).close()
    again = Store(path, Keys(b"k" * 32))
    assert again.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert {"sessions", "inbox", "outbox", "cases", "feedback"} <= set(again.db.table_names())


def test_no_chat_id_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = Store(path, Keys(b"k" * 32))
    key = store.keys.chat_key(CHAT_ID)
    raw = f'{{"message": {{"chat": {{"id": {CHAT_ID}, "first_name": "Freja"}}}}}}'.encode()
    store.inbox_add([(9, raw)])
    commit_turn(store, 9, key, Session("start", "at_menu"),
                [send(key, chat_id=CHAT_ID, text="Hej Freja")], NOW)
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert str(CHAT_ID).encode() not in files and b"Freja" not in files


def test_retention_deletes_free_text_but_keeps_the_counts(store: Store) -> None:
    from bot.desk.cases import Cases

    cases = Cases(store)
    with store.transaction():
        case, _ = cases.open_report("teen", "bullying", "green",
                                    {"category": "bullying", "description": "Mit navn er X"},
                                    "h" * 64, "telegram", NOW)
        cases.set_reply(case.id, "Vi har talt med skolen.")
        cases.close(case.id, "advice_given", NOW)
    store.prune(NOW + timedelta(days=29), session_days=30, report_text_days=30)
    kept = cases.get(case.id)
    assert kept is not None and cases.answers(kept)["description"] == "Mit navn er X"
    assert cases.reply(kept) == "Vi har talt med skolen."
    store.prune(NOW + timedelta(days=31), session_days=30, report_text_days=30)
    gone = cases.get(case.id)
    assert gone is not None and cases.answers(gone) == {} and cases.reply(gone) is None
    assert (gone.subject, gone.outcome) == ("bullying", "advice_given")


def test_free_text_is_sealed_at_rest_and_deleted_even_if_never_closed(tmp_path: Path) -> None:
    from bot.desk.cases import Cases

    path = tmp_path / "bot.sqlite3"
    store = Store(path, Keys(b"k" * 32))
    cases = Cases(store)
    with store.transaction():
        case, _ = cases.open_report("teen", "bullying", "green",
                                    {"category": "bullying", "description": "Klassens Ole"},
                                    "h" * 64, "web", NOW)
        cases.set_reply(case.id, "Tal med din lærer")
    raw = path.read_bytes() + path.with_name(path.name + "-wal").read_bytes()
    assert b"Klassens Ole" not in raw and b"Tal med din l" not in raw
    store.prune(NOW + timedelta(days=31), session_days=30, report_text_days=30)
    left = cases.get(case.id)
    assert left is not None and left.answers_sealed is None and left.reply_sealed is None


def test_sealed_values_carry_no_time() -> None:
    """Fernet tokens carry the second they were made; the store's seals must not."""
    keys = Keys(b"k" * 32)
    first, second = keys.seal(b"same"), keys.seal(b"same")
    assert first != second and keys.open(first) == keys.open(second) == b"same"
    assert not first.startswith(b"gAAAA")  # Fernet's version byte and time stamp


def test_files_are_the_services_alone(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bot.sqlite3"
    store = Store(path, Keys(b"k" * 32))
    store.inbox_add([(1, b"{}")])
    for file in (path, path.with_name(path.name + "-wal")):
        assert file.stat().st_mode & 0o777 == 0o600, file
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_deleted_rows_leave_no_bytes_after_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = Store(path, Keys(b"k" * 32))
    with store.transaction():
        store.queue([send("p" * 64, text="Kanarie-123")], NOW)
    store.checkpoint()
    with store.transaction():
        store.drop_lane("p" * 64)
    store.checkpoint()
    raw = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert b"Kanarie" not in raw  # sealed anyway; and the row's bytes are overwritten
