"""The person's side of talking with a consultant, and the case lifecycle: pure tables."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows import build_flows
from flows.case import CaseState, next_state
from flows.engine import MEDIA_NOT_STORED, Effect, Event, EventKind, Facts, Outcome, Session

FLOWS = build_flows()


def at(state: str, **data: object) -> Session:
    return Session("consultant", state, "teen", 10, dict(data))


def press(session: Session, choice: str, facts: Facts | None = None) -> Outcome:
    return FLOWS.step(session, Event(EventKind.CHOICE, choice, step=session.step), facts)


@pytest.mark.parametrize(
    ("facts", "state"),
    [(Facts(desk_open=True), "intro_open"), (Facts(desk_open=False), "intro_closed"),
     (Facts(open_case="waiting"), "waiting"), (Facts(open_case="claimed"), "in_chat")],
)
def test_the_menu_entry_leads_to_the_right_place(facts: Facts, state: str) -> None:
    for audience in ("child", "teen", "youth", "parent", "professional"):
        menu = Session("start", "at_menu", audience, 4)
        outcome = press(menu, "consultant", facts)
        assert (outcome.session.flow, outcome.session.state) == ("consultant", state)
        assert outcome.replies[-1].template == f"consultant/{state}"


@pytest.mark.parametrize(("intro", "choice"), [("intro_open", "start_chat"),
                                               ("intro_closed", "leave_message")])
def test_a_first_message_opens_a_case(intro: str, choice: str) -> None:
    asked = press(at(intro), choice)
    assert asked.session.state == "awaiting_first_message"
    given = FLOWS.step(asked.session, Event(EventKind.TEXT, "Nogen deler et billede af mig"))
    assert given.session.state == "waiting"
    first = {"first_message": "Nogen deler et billede af mig", "urgent": False,
             "subject": "conversation"}
    assert given.effects == (Effect("open_case", first),)


def test_the_first_message_can_be_skipped_or_the_whole_thing_cancelled() -> None:
    skipped = press(at("awaiting_first_message"), "skip")
    assert skipped.effects == (Effect("open_case", {"first_message": None, "urgent": False,
                                                    "subject": "conversation"}),)
    cancelled = press(at("awaiting_first_message"), "cancel")
    assert (cancelled.session.flow, cancelled.session.state) == ("start", "at_menu")
    assert not cancelled.effects


@pytest.mark.parametrize(("state", "note"), [("waiting", "consultant/relayed_while_waiting"),
                                             ("in_chat", None)])
def test_texts_in_a_case_are_relayed_without_moving(state: str, note: str | None) -> None:
    session = at(state)
    outcome = FLOWS.step(session, Event(EventKind.TEXT, "æøå " * 500),
                         Facts(queue_position=3, open_case="waiting"))
    assert outcome.session == session
    assert outcome.effects == (Effect("relay_text", {"text": "æøå " * 500}),)
    assert [r.template for r in outcome.replies] == ([note] if note else [])


def test_media_in_a_case_is_withheld_and_the_desk_is_told() -> None:
    outcome = FLOWS.step(at("in_chat"), Event(EventKind.MEDIA, "photo"))
    assert outcome.effects == (Effect("media_withheld", {"kind": "photo"}),)
    assert outcome.replies[0].template == MEDIA_NOT_STORED


def test_media_outside_a_case_is_refused_but_reported_to_nobody() -> None:
    outcome = FLOWS.step(at("intro_open"), Event(EventKind.MEDIA, "photo"))
    assert outcome.effects == ()


@pytest.mark.parametrize(("state", "case"), [("waiting", "waiting"), ("in_chat", "claimed")])
def test_the_person_can_end_at_any_time_after_saying_yes_once_more(state: str,
                                                                   case: str) -> None:
    facts = Facts(open_case=case)
    asked = press(at(state), "end", facts)
    assert asked.session.state == "confirming_end" and asked.effects == ()
    regretted = press(asked.session, "no", facts)
    assert regretted.session.state == state and regretted.effects == ()
    outcome = press(asked.session, "yes", facts)
    assert outcome.session.state == "asking_feedback"
    assert outcome.effects == (Effect("end_case"),)
    assert [r.template for r in outcome.replies] == ["consultant/ended_by_you",
                                                     "consultant/asking_feedback"]


@pytest.mark.parametrize("state", ["waiting", "in_chat"])
def test_quick_exit_while_talking_hides_and_tells_the_consultants(state: str) -> None:
    hidden = press(at(state, consultant="Mette"), "hide")
    assert [e.kind for e in hidden.effects] == ["person_hid", "hide_conversation"]
    assert (hidden.session.flow, hidden.session.state) == ("start", "hidden")


def test_too_many_cases_in_an_hour_are_refused_kindly() -> None:
    refused = press(at("intro_open"), "start_chat", Facts(cases_left=False))
    assert refused.session.state == "intro_open"
    assert refused.replies[0].template == "consultant/limit_reached"


def test_after_the_chat_the_person_is_back_where_they_were() -> None:
    parked = {"parked": {"flow": "images", "state": "pressured_steps", "data": {"x": 1}}}
    thanked = press(at("asking_feedback", **parked), "helped_yes")
    assert (thanked.session.flow, thanked.session.state) == ("images", "pressured_steps")
    assert thanked.session.data == {"x": 1}
    menu = press(at("asking_feedback"), "skip")
    assert (menu.session.flow, menu.session.state) == ("start", "at_menu")


def test_afslut_works_anywhere_while_a_case_is_open() -> None:
    menu = Session("start", "at_menu", "youth", 3)
    ended = FLOWS.step(menu, Event(EventKind.COMMAND, "afslut"), Facts(open_case="claimed"))
    assert ended.effects == (Effect("end_case"),)
    nothing = FLOWS.step(menu, Event(EventKind.COMMAND, "afslut"), Facts())
    assert nothing.session == menu and not nothing.effects


def test_a_claim_brings_the_person_into_the_chat_with_the_consultants_name() -> None:
    for session in (at("waiting"), Session("start", "at_menu", "child", 2)):
        outcome = FLOWS.step(session, Event(EventKind.DESK, "case_claimed", argument="Mette"))
        assert outcome.session.state == "in_chat"
        assert outcome.replies[-1].variables["consultant"] == "Mette"


def test_a_closed_case_asks_one_optional_question() -> None:
    outcome = FLOWS.step(at("in_chat", consultant="Mette"),
                         Event(EventKind.DESK, "case_closed"))
    assert [r.template for r in outcome.replies] == ["consultant/closed_by_consultant",
                                                     "consultant/asking_feedback"]
    for answer in ("helped_yes", "helped_some", "helped_no"):
        given = press(outcome.session, answer)
        assert given.effects == (Effect("feedback", {"answer": answer}),)
        assert (given.session.flow, given.session.state) == ("start", "at_menu")
        assert "consultant" not in given.session.data
    skipped = press(outcome.session, "skip")
    assert skipped.effects == () and skipped.session.state == "at_menu"


def test_waiting_offers_help_while_waiting() -> None:
    outcome = press(at("waiting"), "help")
    assert [r.template for r in outcome.replies] == ["general/help", "consultant/waiting"]
    assert outcome.session.state == "waiting"


@pytest.mark.parametrize(
    ("state", "trigger", "after"),
    [
        (CaseState.WAITING, "consultant_claimed", CaseState.CLAIMED),
        (CaseState.CLAIMED, "consultant_claimed", None),  # the second press is refused
        (CaseState.WAITING, "close_requested", CaseState.AWAITING_OUTCOME),
        (CaseState.CLAIMED, "close_requested", CaseState.AWAITING_OUTCOME),
        (CaseState.CLAIMED, "person_ended", CaseState.AWAITING_OUTCOME),
        (CaseState.AWAITING_OUTCOME, "person_ended", None),
        (CaseState.AWAITING_OUTCOME, "outcome_chosen", CaseState.CLOSED),
        (CaseState.CLAIMED, "outcome_chosen", None),
        (CaseState.CLOSED, "consultant_claimed", None),
        (CaseState.CLOSED, "close_requested", None),
    ],
)
def test_case_lifecycle(state: CaseState, trigger: str, after: CaseState | None) -> None:
    assert next_state(str(state), trigger) == (str(after) if after else None)


def test_facts_reach_the_templates() -> None:
    facts = Facts(desk_open=False, queue_position=4)
    reply = FLOWS.prompt_reply(replace(at("waiting"), data={}), facts)
    assert reply.variables["queue_position"] == 4 and reply.variables["desk_open"] is False


# --- going on with a chat from a new address, with the report's code --------------------------

def found(session: Session, state: str = "claimed") -> Outcome:
    return FLOWS.step(session, Event(EventKind.DESK, "case_found",
                                     argument=f"K7MQ2X9TB|{state}|Mette"))


@pytest.mark.parametrize(("state", "into"), [("claimed", "in_chat"), ("waiting", "waiting")])
def test_the_holder_of_the_code_may_go_on_with_the_chat_here(state: str, into: str) -> None:
    menu = Session("start", "at_menu", "child", 4)
    offered = found(menu, state)
    assert offered.session.state == "offered_resume"
    assert offered.replies[-1].template == "consultant/offered_resume"
    resumed = press(offered.session, "resume", Facts(open_case=state))
    assert resumed.effects == (Effect("resume_case", {"code": "K7MQ2X9TB"}),)
    assert (resumed.session.flow, resumed.session.state) == ("consultant", into)
    assert resumed.replies[-1].template == f"consultant/{into}"
    assert "resume_code" not in str(resumed.session.data)  # the code is not kept
    if into == "in_chat":
        assert resumed.replies[-1].variables["consultant"] == "Mette"


def test_no_thanks_leads_back_to_where_the_person_was_and_forgets_the_code() -> None:
    page = Session("images", "choosing_situation", "teen", 7, {"answer": 1})
    declined = press(found(page).session, "no")
    assert (declined.session.flow, declined.session.state) == ("images", "choosing_situation")
    assert declined.session.data == {"answer": 1} and not declined.effects


@pytest.mark.parametrize("event", ["case_moved", "case_not_resumed"])
def test_a_chat_taken_elsewhere_or_not_taken_ends_here_with_a_word(event: str) -> None:
    chatting = at("in_chat", consultant="Mette")
    outcome = FLOWS.step(chatting, Event(EventKind.DESK, event))
    assert (outcome.session.flow, outcome.session.state) == ("start", "at_menu")
    note = {"case_moved": "consultant/moved_elsewhere",
            "case_not_resumed": "consultant/not_resumed"}[event]
    assert outcome.replies[0].template == note
    elsewhere = FLOWS.step(Session("start", "at_menu", "teen", 3), Event(EventKind.DESK, event))
    assert elsewhere.session.state == "at_menu" and elsewhere.replies[0].template == note
