"""Advice on images: every situation, every age, every way out. Pure and table-driven."""

from __future__ import annotations

import pytest

from flows import build_flows
from flows.engine import Event, EventKind, Facts, Outcome, Session
from flows.images import AGES, SENSITIVE, SITUATIONS, URGENT

FLOWS = build_flows()


def press(session: Session, choice: str, facts: Facts | None = None) -> Outcome:
    return FLOWS.step(session, Event(EventKind.CHOICE, choice, step=session.step), facts)


def choices(outcome: Outcome) -> list[str]:
    return [b.choice for row in outcome.replies[-1].buttons for b in row]


def open_situation(situation: str, audience: str) -> Outcome:
    menu = Session("start", "at_menu", audience, 2)
    chooser = press(menu, "images")
    assert chooser.session.state == "choosing_situation"
    return press(chooser.session, situation)


EVERY_READING = [(situation, audience) for situation, ages in SITUATIONS.items()
                 for audience in ages]


@pytest.mark.parametrize(("situation", "audience"), EVERY_READING)
def test_each_situation_reads_page_by_page_to_the_end(situation: str, audience: str) -> None:
    outcome = open_situation(situation, audience)
    seen = []
    while outcome.session.state not in ("finished", "finished_urgent"):
        seen.append(outcome.session.state)
        assert outcome.replies[-1].template == f"images/{outcome.session.state}"
        buttons = choices(outcome)
        assert "menu" in buttons  # leave at any step
        assert ("hide" in buttons) == (situation in SENSITIVE)
        prompt = FLOWS.by_name["images"].prompts[outcome.session.state]
        assert prompt.keep or situation not in SENSITIVE  # numbers and links stay on screen
        answer = "b" if "b" in buttons else "next"
        outcome = press(outcome.session, answer)
        if seen[-1].startswith("quiz_") and not seen[-1].endswith("_feedback"):
            assert outcome.replies[-1].variables["answer"] == "b"
    assert tuple(seen) == SITUATIONS[situation][audience]
    assert choices(outcome)[:3] == ["report", "consultant", "more"]
    assert outcome.session.state == ("finished_urgent" if situation in URGENT else "finished")


def test_each_age_is_offered_only_its_own_situations() -> None:
    for audience in AGES:
        chooser = press(Session("start", "at_menu", audience, 2), "images")
        # The last two: a consultant from here, and the way back to the menu.
        offered = choices(chooser)[:-2]
        assert offered == [s for s, ages in SITUATIONS.items() if audience in ages]
    assert "grooming" not in SITUATIONS or "child" not in SITUATIONS["grooming"]
    refused = press(press(Session("start", "at_menu", "child", 2), "images").session, "grooming")
    assert refused.replies[0].template == "general/stale_button"


def test_the_youngest_get_fewer_pages_than_the_oldest() -> None:
    for situation, ages in SITUATIONS.items():
        assert len(ages.get("child", ())) <= len(ages["youth"]), situation
    assert "considering_law" not in SITUATIONS["considering"]["child"]


@pytest.mark.parametrize("answer", ["a", "b", "c"])
def test_every_quiz_answer_gets_its_own_kind_feedback(answer: str) -> None:
    quiz = open_situation("consent", "teen")
    feedback = press(quiz.session, answer)
    assert feedback.session.state == "quiz_1_feedback"
    assert feedback.replies[-1].variables["answer"] == answer


@pytest.mark.parametrize("situation", sorted(URGENT))
@pytest.mark.parametrize("desk_open", [True, False])
def test_serious_situations_offer_an_urgent_consultant_directly(situation: str,
                                                                desk_open: bool) -> None:
    outcome = open_situation(situation, "youth")
    while outcome.session.state != "finished_urgent":
        outcome = press(outcome.session, "next")
    facts = Facts(desk_open=desk_open)
    chat = press(outcome.session, "consultant", facts)
    assert (chat.session.flow, chat.session.state) == (
        "consultant", "intro_open" if desk_open else "intro_closed")
    asked = press(chat.session, "start_chat" if desk_open else "leave_message", facts)
    opened = FLOWS.step(asked.session, Event(EventKind.TEXT, "De truer mig"), facts)
    (effect,) = opened.effects
    assert effect.payload["urgent"] is True and effect.payload["subject"] == URGENT[situation]


def test_leaving_for_the_menu_forgets_the_urgency() -> None:
    outcome = open_situation("pressured", "teen")
    while outcome.session.state != "finished_urgent":
        outcome = press(outcome.session, "next")
    at_menu = press(outcome.session, "menu")
    assert (at_menu.session.state, dict(at_menu.session.data)) == ("at_menu", {})


@pytest.mark.parametrize(("choice", "flow", "state"), [
    ("report", "report", "choosing_category"),
    ("consultant", "consultant", "intro_open"),
    ("more", "images", "choosing_situation"),
    ("menu", "start", "at_menu"),
])
def test_the_end_leads_on(choice: str, flow: str, state: str) -> None:
    end = Session("images", "finished", "teen", 9)
    moved = press(end, choice, Facts(desk_open=True))
    assert (moved.session.flow, moved.session.state) == (flow, state)


@pytest.mark.parametrize("situation", sorted(SENSITIVE))
def test_quick_exit_on_sensitive_pages(situation: str) -> None:
    page = open_situation(situation, "teen")
    hidden = press(page.session, "hide")
    assert [e.kind for e in hidden.effects] == ["hide_conversation"]
    assert hidden.session.state == "hidden"


def test_adults_cannot_open_the_images_flow() -> None:
    for audience in ("parent", "professional"):
        menu = Session("start", "at_menu", audience, 2)
        outcome = press(menu, "images")
        assert outcome.replies[0].template == "general/stale_button"
