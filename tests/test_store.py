"""The store on a real SQLite file: sessions, inbox, outbox, retention, migrations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.keys import Keys
from bot.core.store import MIGRATIONS, Send, Store, hour_of
from flows.engine import Session

NOW = datetime(2026, 11, 24, 21, 47, 13, tzinfo=UTC)
CHAT_ID = 5550001234


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "bot.sqlite3", Keys(b"k" * 32))


def commit_turn(store: Store, update_id: int, key: str, session: Session | None,
                sends: list[tuple[str, Send]], now: datetime) -> None:
    """What the seam does for one update: one transaction for all of it."""
    with store.transaction():
        store.save_session(key, session, now)
        store.queue(sends, now)
        store.finish(update_id)


def test_a_turn_is_stored_whole(store: Store) -> None:
    key = store.keys.chat_key(CHAT_ID)
    store.inbox_add([(7, b'{"update_id": 7}')])
    session = Session("start", "at_menu", "teen", 3, {"entry": "images"})
    commit_turn(store, 7, key, session, [(key, Send("sendMessage", {"chat_id": CHAT_ID}))], NOW)
    assert store.load_session(key) == session
    assert store.inbox_is_done(7) and store.inbox_pending() == []
    (queued,) = store.outbox_due(NOW, 10)
    assert queued.send == Send("sendMessage", {"chat_id": CHAT_ID})


def test_a_failed_turn_leaves_nothing_behind(store: Store) -> None:
    key = store.keys.chat_key(CHAT_ID)
    store.inbox_add([(7, b"{}")])
    with pytest.raises(TypeError):
        commit_turn(store, 7, key, Session("start", "at_menu", data={"x": object()}),
                    [(key, Send("sendMessage", {}))], NOW)
    assert store.load_session(key) is None
    assert store.outbox_due(NOW, 10) == []
    assert store.inbox_pending() == [(7, b"{}")]


def test_an_update_stored_twice_is_kept_once(store: Store) -> None:
    store.inbox_add([(1, b"a"), (2, b"b")])
    store.inbox_add([(2, b"b"), (3, b"c")])
    assert store.inbox_pending() == [(1, b"a"), (2, b"b"), (3, b"c")]
    assert store.next_offset() == 4
    store.inbox_finish(2)
    assert [uid for uid, _ in store.inbox_pending()] == [1, 3]


def test_the_outbox_keeps_each_chats_order_and_waits_for_retries(store: Store) -> None:
    with store.transaction():
        store.queue([("a", Send("sendMessage", {"n": 1})), ("b", Send("sendMessage", {"n": 2})),
                     ("a", Send("sendMessage", {"n": 3}))], NOW)
    first = store.outbox_due(NOW, 10)
    assert [q.send.params["n"] for q in first] == [1, 2]  # one per lane, oldest first
    store.outbox_retry(first[0], NOW + timedelta(seconds=30))
    store.outbox_done(first[1].id)
    assert store.outbox_due(NOW, 10) == []  # lane a waits behind its retried head
    later = store.outbox_due(NOW + timedelta(seconds=31), 10)
    assert [(q.send.params["n"], q.attempts) for q in later] == [(1, 1)]
    assert store.outbox_next_due() == (NOW + timedelta(seconds=30)).timestamp()


def test_retention_forgets_idle_sessions(store: Store) -> None:
    old, fresh = store.keys.chat_key(1), store.keys.chat_key(2)
    store.inbox_add([(1, b""), (2, b"")])
    commit_turn(store, 1, old, Session("start", "at_menu"), [], NOW - timedelta(days=31))
    commit_turn(store, 2, fresh, Session("start", "at_menu"), [], NOW - timedelta(days=29))
    store.prune(NOW, session_days=30)
    assert store.load_session(old) is None
    assert store.load_session(fresh) is not None


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
                      [(key, Send("sendMessage", {"chat_id": CHAT_ID, "text": "Hej Freja"}))],
                      NOW)
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert str(CHAT_ID).encode() not in files and b"Freja" not in files


def test_retention_deletes_free_text_but_keeps_the_counts(store: Store) -> None:
    from bot.desk.cases import Cases

    cases = Cases(store)
    with store.transaction():
        case, _ = cases.open_report("teen", "bullying", "green",
                                    {"category": "bullying", "description": "Mit navn er X"},
                                    "h" * 64, NOW)
        cases.update(case.id, reply="Vi har talt med skolen.")
        cases.close(case.id, "advice_given", NOW)
    store.prune(NOW + timedelta(days=29), session_days=30, report_text_days=30)
    assert b"Mit navn er X" in store.db.execute("SELECT answers FROM cases").fetchone()[0].encode()
    store.prune(NOW + timedelta(days=31), session_days=30, report_text_days=30)
    answers, reply, category, outcome = store.db.execute(
        "SELECT answers, reply, subject, outcome FROM cases").fetchone()
    assert answers == '{"category":"bullying"}' and reply is None
    assert (category, outcome) == ("bullying", "advice_given")
