"""Parents' advice and the professionals' action card: every path, pure and table-driven."""

from __future__ import annotations

import pytest

from flows import build_flows
from flows.engine import Event, EventKind, Facts, Outcome, Session
from flows.parents import CARRIES_CONTACTS, CHILD_AGES, HAPPENINGS, TOPICS

FLOWS = build_flows()


def press(session: Session, choice: str) -> Outcome:
    return FLOWS.step(session, Event(EventKind.CHOICE, choice, step=session.step),
                      Facts(desk_open=True))


def read_to_end(outcome: Outcome, button: str = "next") -> list[str]:
    seen = []
    while outcome.session.state != "finished":
        seen.append(outcome.session.state)
        outcome = press(outcome.session, button)
    return seen


def parent_menu(age: str = "10_12") -> Session:
    asked = press(Session("start", "at_menu", "parent", 2), "parents")
    assert asked.session.state == "asking_child_age"
    return press(asked.session, age).session


@pytest.mark.parametrize("age", CHILD_AGES)
@pytest.mark.parametrize("topic", list(TOPICS))
def test_each_parent_topic_for_each_age(topic: str, age: str) -> None:
    menu = parent_menu(age)
    assert menu.data == {"child_age": age}
    opened = press(menu, topic)
    assert opened.replies[-1].variables["child_age"] == age
    assert read_to_end(opened) == [str(page) for page in TOPICS[topic]]


@pytest.mark.parametrize("happening", list(HAPPENINGS))
def test_when_something_has_happened(happening: str) -> None:
    chooser = press(parent_menu(), "happened")
    assert chooser.session.state == "choosing_what_happened"
    assert read_to_end(press(chooser.session, happening)) == [
        str(page) for page in HAPPENINGS[happening]]


def test_parents_reach_a_consultant_and_can_change_the_age() -> None:
    menu = parent_menu("16_plus")
    assert press(menu, "consultant").session.flow == "consultant"
    again = press(menu, "child_age")
    assert again.session.state == "asking_child_age"
    assert press(again.session, "under_10").session.data == {"child_age": "under_10"}
    done = Session("parents", "finished", "parent", 9, {"child_age": "13_15"})
    assert press(done, "more").session.state == "at_parent_menu"
    assert press(done, "consultant").session.state == "intro_open"


def card() -> Outcome:
    return press(Session("start", "at_menu", "professional", 2), "action_card")


@pytest.mark.parametrize(("danger", "level"), [("yes", "red"), ("no", "yellow"),
                                               ("no", "green")])
def test_the_action_card_step_by_step(danger: str, level: str) -> None:
    outcome = press(card().session, danger)
    steps = [outcome.session.state]
    while outcome.session.state != "assessing":
        outcome = press(outcome.session, "next")
        steps.append(outcome.session.state)
    expected = ["danger_now"] if danger == "yes" else []
    assert steps == [*expected, "taking_care", "securing_evidence", "assessing"]
    involving = press(outcome.session, level)
    assert involving.replies[-1].variables["level"] == level
    following = press(involving.session, "next")
    finished = press(following.session, "next")
    assert finished.session.state == "finished"
    summary = press(finished.session, "summary")
    assert summary.replies[0].template == "action_card/summary"
    variables = summary.replies[0].variables
    assert {k: variables[k] for k in ("level", "danger")} == {"level": level,
                                                               "danger": danger == "yes"}
    assert summary.session.state == "finished"
    contact = press(summary.session, "consultant")
    assert (contact.session.flow, contact.session.state) == ("consultant", "intro_open")


def test_the_card_can_be_left_at_any_step_and_started_again() -> None:
    outcome = press(card().session, "no")
    while outcome.session.state != "finished":
        assert press(outcome.session, "menu").session.state == "at_menu"
        outcome = press(outcome.session, "green" if outcome.session.state == "assessing"
                        else "next")
    restarted = press(outcome.session, "again")
    assert restarted.session.state == "asking_danger" and restarted.session.data == {}


def test_young_people_cannot_open_the_adult_flows() -> None:
    for entry in ("parents", "action_card"):
        outcome = press(Session("start", "at_menu", "teen", 2), entry)
        assert outcome.replies[0].template == "general/stale_button"


@pytest.mark.parametrize("danger", ["yes", "no"])
def test_every_step_of_the_card_goes_back_one_step_or_stops(danger: str) -> None:
    """"Tilbage" returns to the step before (after danger now, to danger now); "Afbryd" ends."""
    outcome = press(card().session, danger)
    walked = ["asking_danger"]
    while outcome.session.state != "finished":
        state = outcome.session.state
        buttons = [b.choice for row in outcome.replies[-1].buttons for b in row]
        assert buttons[-2:] == ["back", "menu"], state
        back = press(outcome.session, "back")
        assert back.session.state == walked[-1], state
        assert press(outcome.session, "menu").session.state == "at_menu"
        walked.append(state)
        outcome = press(outcome.session, "red" if state == "assessing" else "next")
    assert press(outcome.session, "back").session.state == "following_up"
    first = [b.choice for row in card().replies[-1].buttons for b in row]
    assert "back" not in first and "menu" in first


def test_going_back_past_danger_now_and_answering_no_forgets_the_danger() -> None:
    danger = press(card().session, "yes")
    asked_again = press(danger.session, "back")
    assert asked_again.session.state == "asking_danger"
    care = press(asked_again.session, "no")
    assert press(care.session, "back").session.state == "asking_danger"
    assert care.session.data["danger"] is False


def test_bullying_has_its_own_path_for_parents() -> None:
    chooser = press(parent_menu("13_15"), "happened")
    pages = read_to_end(press(chooser.session, "bullied"))
    assert pages == ["bullied_listen", "bullied_school", "bullied_help"]
    assert not set(pages) & {str(page) for page in HAPPENINGS["exposed"]}


def test_parent_pages_with_numbers_stay_on_screen() -> None:
    prompts = FLOWS.by_name["parents"].prompts
    assert all(prompts[str(page)].keep for page in CARRIES_CONTACTS)
