"""The pure flows, table-driven: no Telegram, no database, no event loop."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows import build_flows
from flows.commands import DEEP_LINKS
from flows.engine import (
    AUDIENCES,
    MEDIA_NOT_STORED,
    STALE_BUTTON,
    UNSUPPORTED,
    USE_BUTTONS,
    Event,
    EventKind,
    Outcome,
    Session,
)

FLOWS = build_flows()
MENU_FOR = {
    "child": ["report", "follow", "images", "consultant", "help", "privacy", "change_audience"],
    "teen": ["report", "follow", "images", "consultant", "help", "privacy", "change_audience"],
    "youth": ["report", "follow", "images", "consultant", "help", "privacy", "change_audience"],
    "parent": ["parents", "consultant", "help", "privacy", "change_audience"],
    "professional": ["action_card", "consultant", "help", "privacy", "change_audience"],
}


def choices(outcome: Outcome) -> list[str]:
    return [b.choice for row in outcome.replies[-1].buttons for b in row]


def press(session: Session, choice: str) -> Outcome:
    return FLOWS.step(session, Event(EventKind.CHOICE, choice, step=session.step))


def at_menu(audience: str) -> Session:
    return replace(FLOWS.new_session(), state="at_menu", audience=audience, step=5)


def test_a_first_message_of_any_kind_asks_who_you_are() -> None:
    for event in (Event(EventKind.TEXT, "hej"), Event(EventKind.MEDIA, "photo"),
                  Event(EventKind.CHOICE, "x", step=3)):
        outcome = FLOWS.step(None, event)
        assert outcome.session.state == "choosing_audience"
        assert [r.template for r in outcome.replies] == ["start/choosing_audience"]
        assert choices(outcome) == list(AUDIENCES)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_choosing_an_audience_shows_that_audiences_menu(audience: str) -> None:
    outcome = press(FLOWS.new_session(), audience)
    assert outcome.session.audience == audience
    assert outcome.session.state == "at_menu"
    assert choices(outcome) == MENU_FOR[audience]
    assert outcome.replies[-1].replaces_pressed


ENTRY_FLOWS = {"report": ("report", "choosing_category"),
               "follow": ("start", "awaiting_code"),
               "images": ("images", "choosing_situation"),
               "parents": ("parents", "asking_child_age"),
               "action_card": ("action_card", "asking_danger"),
               "consultant": ("consultant", "intro_open")}


@pytest.mark.parametrize(("audience", "entry"),
                         [(a, e) for a, entries in MENU_FOR.items() for e in entries
                          if e not in ("change_audience", "help", "privacy")])
def test_every_menu_entry_opens_its_flow_and_leads_back(audience: str, entry: str) -> None:
    outcome = press(at_menu(audience), entry)
    assert (outcome.session.flow, outcome.session.state) == ENTRY_FLOWS[entry]
    back = FLOWS.step(outcome.session, Event(EventKind.COMMAND, "menu"))
    assert back.session.state == "at_menu"
    assert choices(back) == MENU_FOR[audience]


def test_changing_audience_asks_again() -> None:
    outcome = press(at_menu("teen"), "change_audience")
    assert outcome.session.state == "choosing_audience"
    assert press(outcome.session, "parent").session.audience == "parent"


@pytest.mark.parametrize(
    ("session", "event", "note"),
    [
        (at_menu("teen"), Event(EventKind.CHOICE, "report", step=2), STALE_BUTTON),
        (at_menu("child"), Event(EventKind.CHOICE, "action_card", step=5), STALE_BUTTON),
        (at_menu("teen"), Event(EventKind.CHOICE, "no-such-choice", step=5), STALE_BUTTON),
        (at_menu("teen"), Event(EventKind.CHOICE, "", step=-1), STALE_BUTTON),
        (at_menu("teen"), Event(EventKind.TEXT, "hjælp mig"), USE_BUTTONS),
        (at_menu("teen"), Event(EventKind.MEDIA, "photo"), MEDIA_NOT_STORED),
        (at_menu("teen"), Event(EventKind.UNSUPPORTED), UNSUPPORTED),
    ],
    ids=["stale step", "not offered to audience", "forged choice", "malformed", "text",
         "photo", "sticker"],
)
def test_odd_input_gets_a_note_and_the_same_prompt_again(
    session: Session, event: Event, note: str
) -> None:
    outcome = FLOWS.step(session, event)
    assert outcome.session == session
    assert [r.template for r in outcome.replies] == [note, "start/at_menu"]
    assert outcome.replies[-1].step == session.step
    assert not outcome.effects


def test_an_edited_message_changes_nothing_and_says_nothing() -> None:
    assert FLOWS.step(at_menu("teen"), Event(EventKind.EDITED)) == Outcome(at_menu("teen"))


@pytest.mark.parametrize(("payload", "audience"), sorted(DEEP_LINKS.items()))
def test_deep_links_skip_the_audience_question(payload: str, audience: str) -> None:
    outcome = FLOWS.step(None, Event(EventKind.COMMAND, "start", argument=payload))
    assert outcome.session.audience == audience
    assert outcome.session.state == "at_menu"
    assert [r.template for r in outcome.replies] == ["start/welcome", "start/at_menu"]


@pytest.mark.parametrize("payload", ["", "ukendt", "../etc", "x" * 64])
def test_start_without_a_known_link_asks_who_you_are(payload: str) -> None:
    outcome = FLOWS.step(at_menu("teen"), Event(EventKind.COMMAND, "start", argument=payload))
    assert outcome.session.state == "choosing_audience"
    assert outcome.session.step > at_menu("teen").step  # old buttons go stale


@pytest.mark.parametrize("command", ["hjaelp", "help", "privatliv", "hvadsaa"])
def test_note_commands_answer_and_keep_the_place(command: str) -> None:
    session = Session("images", "considering_consent", "youth", 7)
    outcome = FLOWS.step(session, Event(EventKind.COMMAND, command))
    assert outcome.session == session
    assert outcome.replies[-1].template == "images/considering_consent"
    assert outcome.replies[-1].step == session.step


def test_menu_command_returns_to_the_menu_or_asks_first() -> None:
    session = Session("parents", "talk_rules", "parent", 6, {"child_age": "10_12"})
    assert FLOWS.step(session, Event(EventKind.COMMAND, "menu")).session.state == "at_menu"
    fresh = FLOWS.new_session()
    assert FLOWS.step(fresh, Event(EventKind.COMMAND, "menu")).session.state == (
        "choosing_audience")


def test_slet_asks_the_shell_to_forget_and_starts_over() -> None:
    outcome = FLOWS.step(at_menu("teen"), Event(EventKind.COMMAND, "slet"))
    assert [e.kind for e in outcome.effects] == ["forget"]
    assert outcome.session == FLOWS.new_session()
    assert [r.template for r in outcome.replies] == ["general/forgotten"]


def test_a_session_from_an_older_version_starts_over() -> None:
    old = Session(flow="removed_flow", state="gone", audience="teen", step=9)
    outcome = FLOWS.step(old, Event(EventKind.TEXT, "hej"))
    assert outcome.session == FLOWS.new_session()


def test_steps_are_pure() -> None:
    session = at_menu("teen")
    event = Event(EventKind.CHOICE, "images", step=session.step)
    first, second = FLOWS.step(session, event), FLOWS.step(session, event)
    assert first == second
    assert session == at_menu("teen")  # the input is untouched


@pytest.mark.parametrize(("choice", "note"), [("help", "general/help"),
                                              ("privacy", "general/privacy")])
def test_help_lines_and_privacy_are_one_tap_from_every_menu(choice: str, note: str) -> None:
    """Nobody has to know a slash command to find the 24-hour lines or what is stored."""
    for audience in MENU_FOR:
        menu = press(FLOWS.new_session(), audience)
        shown = press(menu.session, choice)
        assert [r.template for r in shown.replies] == [note, "start/at_menu"]
        assert shown.session.state == "at_menu"
        assert not shown.replies[0].replaces_pressed
