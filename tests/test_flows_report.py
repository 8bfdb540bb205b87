"""The report flow and its triage table, table-driven and pure."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows import build_flows
from flows.engine import DETOUR, Event, EventKind, Facts, Outcome, Session
from flows.report import CATEGORIES, DESCRIPTION_LIMIT
from flows.report_questions import ANSWERS as KEYS
from flows.report_questions import IMAGES, INVOLVED, ONGOING, PLACES, QUESTIONS, TIMES, asked
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
    **{c: ["choosing_victim", "choosing_image_kind", "asking_danger"] for c in IMAGES},
    "witnessed": ["asking_danger"],
    **{c: ["choosing_victim", "asking_danger"] for c in CATEGORIES
       if c not in (*IMAGES, "witnessed")},
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


# Every value each question can take, and the state that asks it.
OPTIONS = {"category": CATEGORIES, "victim": ("me", "friend"),
           "image_kind": ("nude", "not_nude", "rather_not"), "danger": ("yes", "no"),
           "place": PLACES, "time": TIMES, "ongoing": ONGOING, "involved": (*INVOLVED, "skip"),
           "description": ("Ny tekst.", None)}
STATE_OF = {q.key: str(q.state) for q in QUESTIONS}
KEY_OF = {state: key for key, state in STATE_OF.items()}


def give(session: Session, key: str, value: str | None) -> Outcome:
    if key == "description":
        return write(session, value) if value else press(session, "skip")
    return press(session, value or "")


def answer_until_review(outcome: Outcome, answers: dict[str, str | None]) -> Outcome:
    """Answer whatever is asked from `answers` (the danger page is read and passed)."""
    for _ in range(20):
        state = outcome.session.state
        if state == "reviewing":
            return outcome
        if state == "danger_now":
            outcome = press(outcome.session, "continue")
            continue
        outcome = give(outcome.session, KEY_OF[state], answers[KEY_OF[state]])
    raise AssertionError("never reached the summary")


def fresh(answers: dict[str, str | None]) -> Session:
    return answer_until_review(press(start(), str(answers["category"])), answers).session


def corrections() -> list[tuple[str, str, str | None]]:
    """(the first category, the answer corrected, its new value): every correction path."""
    return [(first, key, value) for first in ("harassment", "image_shared", "witnessed")
            for key in KEYS for value in OPTIONS[key]]


@pytest.mark.parametrize(("first", "key", "value"), corrections())
def test_a_correction_equals_a_fresh_report_with_the_same_answers(
        first: str, key: str, value: str | None) -> None:
    """"Ret" asks again what depends on the corrected answer, and the triage is what a fresh
    report with the final answers gets: a correction never lowers the urgency."""
    review = through_to_review(first)
    if key not in [q.key for q in asked(review.data)]:
        return  # no "Ret" for a question that was not asked
    asked_again = press(review, f"edit_{key}")
    assert asked_again.session.state == STATE_OF[key]
    defaults: dict[str, str | None] = {"victim": "me", "image_kind": "nude", "danger": "no",
                                       **{k: v for k, v in review.data.items() if k in KEYS}}
    corrected = answer_until_review(give(asked_again.session, key, value),
                                    {**defaults, key: value})
    data = {k: v for k, v in corrected.session.data.items() if k in KEYS}
    assert data[key] == value and "editing" not in corrected.session.data
    again = fresh({**defaults, **data})
    assert {k: v for k, v in again.data.items() if k in KEYS} == data
    assert triage(data) == triage(again.data)
    sent = press(corrected.session, "send").effects[0]
    assert sent.payload["triage"] == triage(data)


def test_changing_the_category_to_an_image_asks_about_the_image() -> None:
    """The review's example: a harassment report corrected to a shared image must be asked
    whether the image is nude, and becomes red when it is."""
    review = through_to_review("harassment")
    asked_again = press(press(review, "edit_category").session, "image_shared")
    assert asked_again.session.state == "choosing_victim"
    image = press(asked_again.session, "me")
    assert image.session.state == "choosing_image_kind"
    back = press(image.session, "nude")
    assert back.session.state == "reviewing"
    assert press(back.session, "send").effects[0].payload["triage"] == RED


def test_back_steps_one_question_at_a_time_and_forward_again() -> None:
    session = start()
    states = []
    for answer in ("image_shared", "friend", "not_nude", "no", "tiktok", "today"):
        states.append(session.state)
        session = press(session, answer).session
    walked = [session.state]
    for _ in range(len(states)):
        session = press(session, "back").session
        walked.append(session.state)
    assert walked == ["asking_ongoing", *reversed(states)]
    assert press(session, "bullying").session.state == "choosing_victim"
    assert "back" not in [b.choice for row in start_reply().buttons for b in row]


def start_reply() -> object:
    menu = Session("start", "at_menu", "teen", 3)
    return press(menu, "report").replies[-1]


def test_the_summary_offers_ret_only_for_what_was_asked() -> None:
    witnessed = through_to_review("witnessed")
    reply = FLOWS.prompt_reply(witnessed)
    choices = [b.choice for row in reply.buttons for b in row]
    assert "edit_victim" not in choices and "edit_image_kind" not in choices
    assert {"edit_category", "edit_danger", "edit_description"} <= set(choices)
    image = FLOWS.prompt_reply(through_to_review("image_shared"))
    assert "edit_image_kind" in [b.choice for row in image.buttons for b in row]


def test_a_person_over_the_limit_keeps_the_summary_and_is_told() -> None:
    review = through_to_review("bullying")
    full = Facts(fresh_code="K7M-Q2X-9TB", reports_left=False)
    refused = FLOWS.step(review, Event(EventKind.CHOICE, "send", step=review.step), full)
    assert refused.effects == () and refused.session.state == "reviewing"
    assert refused.session.data == review.data
    assert refused.replies[0].template == "report/limit_reached"


def test_a_consultant_from_the_middle_of_a_report_and_back_with_every_answer() -> None:
    session = press(press(start(), "bullying").session, "me").session
    detour = FLOWS.step(session, Event(EventKind.CHOICE, DETOUR, step=session.step), FACTS)
    assert (detour.session.flow, detour.session.state) == ("consultant", "intro_open")
    back = press(detour.session, "menu")  # "Nej tak"
    assert (back.session.flow, back.session.state) == ("report", "asking_danger")
    assert back.session.data == session.data
    command = FLOWS.step(session, Event(EventKind.COMMAND, "konsulent"), FACTS)
    assert command.session.flow == "consultant"


def test_afbryd_at_any_step_stores_nothing() -> None:
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
