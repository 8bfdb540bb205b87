"""The report flow and its triage table, table-driven and pure."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows import build_flows
from flows.engine import Event, EventKind, Facts, Outcome, Session
from flows.report import CATEGORIES, DESCRIPTION_LIMIT, EDITABLE
from flows.triage import GREEN, RED, YELLOW, triage

FLOWS = build_flows()
FACTS = Facts(fresh_code="K7M-Q2X-9TB")


def press(session: Session, choice: str) -> Outcome:
    return FLOWS.step(session, Event(EventKind.CHOICE, choice, step=session.step), FACTS)


def write(session: Session, text: str) -> Outcome:
    return FLOWS.step(session, Event(EventKind.TEXT, text), FACTS)


def start(audience: str = "teen") -> Session:
    menu = Session("start", "at_menu", audience, 3)
    return press(menu, "report").session


# The questions each category asks before "where", in order.
PATHS = {
    "image_shared": ["choosing_victim", "choosing_image_kind", "asking_danger"],
    "witnessed": ["asking_danger"],
    **{c: ["choosing_victim", "asking_danger"] for c in CATEGORIES
       if c not in ("image_shared", "witnessed")},
}
ANSWERS = {"choosing_victim": "friend", "choosing_image_kind": "nude", "asking_danger": "no"}


def through_to_review(category: str, audience: str = "teen") -> Session:
    session = start(audience)
    outcome = press(session, category)
    for state in PATHS[category]:
        assert outcome.session.state == state
        outcome = press(outcome.session, ANSWERS[state])
    for state, answer in (("choosing_place", "discord"), ("choosing_time", "today"),
                          ("asking_ongoing", "yes"), ("choosing_involved", "online_only")):
        assert outcome.session.state == state
        outcome = press(outcome.session, answer)
    assert outcome.session.state == "awaiting_description"
    outcome = write(outcome.session, "De skriver grimme ting om mig.")
    assert outcome.session.state == "reviewing"
    return outcome.session


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("audience", ["child", "teen", "youth"])
def test_every_category_reaches_the_summary_and_sends(category: str, audience: str) -> None:
    review = through_to_review(category, audience)
    assert review.data["category"] == category
    sent = press(review, "send")
    (effect,) = sent.effects
    assert effect.kind == "store_report"
    assert effect.payload["code"] == "K7M-Q2X-9TB"
    assert effect.payload["answers"]["description"] == "De skriver grimme ting om mig."
    assert [r.template for r in sent.replies] == ["report/sent", "report/asking_follow_up"]
    assert sent.replies[0].variables["code"] == "K7M-Q2X-9TB"
    # The answers are gone; the code and the urgency stay for the next question's words.
    assert sent.session.data == {"pending_code": "K7M-Q2X-9TB",
                                 "triage": effect.payload["triage"]}


@pytest.mark.parametrize("key", EDITABLE)
def test_ret_changes_one_answer_and_returns_to_the_summary(key: str) -> None:
    review = through_to_review("harassment")
    asked = press(review, f"edit_{key}")
    assert asked.session.state != "reviewing"
    new = {"category": "hacking", "place": "tiktok", "time": "longer_ago", "ongoing": "no",
           "involved": "adult"}
    if key == "description":
        changed = write(asked.session, "Ny tekst.")
    else:
        changed = press(asked.session, new[key])
    assert changed.session.state == "reviewing"
    expected = "Ny tekst." if key == "description" else new[key]
    assert changed.session.data[key] == expected
    assert "editing" not in changed.session.data
    others = {k: v for k, v in review.data.items() if k != key}
    assert {k: changed.session.data[k] for k in others} == others


def test_fortryd_at_any_step_stores_nothing() -> None:
    session = start()
    for choice in ("bullying", "me", "no", "snapchat", "today", "yes", "skip", "skip"):
        cancelled = press(session, "cancel")
        assert (cancelled.session.flow, cancelled.session.state) == ("start", "at_menu")
        assert cancelled.effects == () and cancelled.session.data == {}
        assert cancelled.replies[0].template == "report/cancelled"
        session = press(session, choice).session
    assert session.state == "reviewing"
    assert press(session, "cancel").effects == ()


def test_danger_now_comes_first_and_the_report_goes_on() -> None:
    session = press(press(start(), "extortion").session, "me").session
    danger = press(session, "yes")
    assert danger.session.state == "danger_now"
    assert danger.replies[-1].template == "report/danger_now"
    assert press(danger.session, "continue").session.state == "choosing_place"


def test_own_words_have_a_limit_and_nothing_is_lost() -> None:
    session = replace(through_to_review("other"), state="awaiting_description")
    too_long = write(session, "x" * (DESCRIPTION_LIMIT + 1))
    assert too_long.session.state == "awaiting_description"
    assert {"limit": DESCRIPTION_LIMIT, "length": DESCRIPTION_LIMIT + 1}.items() <= (
        too_long.replies[0].variables.items())
    assert write(session, "x" * DESCRIPTION_LIMIT).session.state == "reviewing"
    assert press(session, "skip").session.data["description"] is None


def test_media_during_a_report_is_refused_and_not_kept() -> None:
    session = replace(through_to_review("image_shared"), state="awaiting_description")
    outcome = FLOWS.step(session, Event(EventKind.MEDIA, "photo"), FACTS)
    assert outcome.session == session and outcome.effects == ()
    assert outcome.replies[0].template == "general/media_not_stored"


def test_follow_up_yes_connects_and_waits_no_keeps_no_link() -> None:
    sent = press(through_to_review("bullying"), "send").session
    yes = press(sent, "yes")
    assert yes.effects[0].kind == "connect_report"
    assert yes.effects[0].payload == {"code": "K7M-Q2X-9TB"}
    assert (yes.session.flow, yes.session.state) == ("consultant", "waiting")
    assert yes.session.data == {}
    no = press(sent, "no")
    assert no.effects == () and no.session.data == {"triage": "yellow"}  # no code, no link
    assert no.session.state == "follow_up_declined"
    assert press(no.session, "menu").session.data == {}


def test_double_send_is_stale() -> None:
    review = through_to_review("bullying")
    first = press(review, "send")
    again = FLOWS.step(first.session, Event(EventKind.CHOICE, "send", step=review.step), FACTS)
    assert again.effects == ()
    assert again.replies[0].template == "general/stale_button"


def test_quick_exit_from_any_step() -> None:
    session = start()
    for choice in ("image_shared", "me", "rather_not", "no", "games"):
        hidden = press(session, "hide")
        assert [e.kind for e in hidden.effects] == ["hide_conversation"]
        assert (hidden.session.state, hidden.session.data) == ("hidden", {})
        assert [r.template for r in hidden.replies] == ["start/hidden"]
        session = press(session, choice).session
    back = write(hidden.session, "hej")
    assert back.session.state == "choosing_audience"


def test_follow_my_case_asks_for_a_code_and_looks_it_up() -> None:
    menu = Session("start", "at_menu", "teen", 3)
    asked = press(menu, "follow")
    assert asked.session.state == "awaiting_code"
    looked = write(asked.session, "k7m q2x 9tb")
    assert looked.effects[0].payload == {"code": "k7m q2x 9tb"}
    assert looked.session.state == "at_menu"
    direct = FLOWS.step(menu, Event(EventKind.COMMAND, "sag", argument="K7M-Q2X-9TB"), FACTS)
    assert direct.effects[0].kind == "lookup_case" and direct.session == menu


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({"category": "bullying", "danger": "yes"}, RED),
        ({"category": "extortion", "danger": "no"}, RED),
        ({"category": "image_shared", "image_kind": "nude"}, RED),
        ({"category": "image_shared", "image_kind": "rather_not"}, YELLOW),
        ({"category": "harassment", "involved": "adult"}, RED),
        ({"category": "harassment", "ongoing": "yes"}, YELLOW),
        ({"category": "bullying", "ongoing": "no"}, GREEN),
        ({"category": "other", "involved": "adult"}, YELLOW),
        ({"category": "witnessed"}, GREEN),
        ({}, GREEN),
    ],
)
def test_triage_rules(answers: dict[str, str], level: str) -> None:
    assert triage(answers) == level
