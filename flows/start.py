"""The start flow: greet, learn who the reader is, and show that audience's main menu."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from transitions import EventData

from flows.consultant import enter_consultant
from flows.engine import (
    AUDIENCES,
    YOUNG,
    Choice,
    Effect,
    Flow,
    Prompt,
    Reply,
    enter_flow,
    turn_of,
)

PARENT: Final = frozenset({"parent"})
PROFESSIONAL: Final = frozenset({"professional"})


class State(StrEnum):
    CHOOSING_AUDIENCE = "choosing_audience"
    AT_MENU = "at_menu"
    AWAITING_CODE = "awaiting_code"  # "follow my case": asks for the code of a report
    HIDDEN = "hidden"  # after a quick exit: one neutral line, nothing else on the screen


def remember_audience(event: EventData) -> None:
    turn = turn_of(event)
    turn.audience = turn.event.value


# The main menu: each entry opens its flow; who sees which entry is part of the table.
def look_up_code(event: EventData) -> None:
    turn = turn_of(event)
    turn.effects.append(Effect("lookup_case", {"code": turn.event.value}))


def show(note: str) -> Any:
    """An action that says one note (help lines, privacy) and then shows the menu again."""

    def action(event: EventData) -> None:
        turn_of(event).notes.append(Reply(note))

    action.__name__ = f"show_{note.replace('/', '_')}"
    return action


MENU: Final = (
    Choice("report", "report_chosen", YOUNG),
    Choice("follow", "follow_chosen", YOUNG),
    Choice("images", "images_chosen", YOUNG),
    Choice("parents", "parents_chosen", PARENT),
    Choice("action_card", "action_card_chosen", PROFESSIONAL),
    Choice("consultant", "consultant_chosen"),
    Choice("help", "help_asked", label="help_lines"),
    Choice("privacy", "privacy_asked", label="privacy"),
    Choice("change_audience", "audience_change_asked"),
)

PROMPTS: Final = (
    Prompt(
        State.CHOOSING_AUDIENCE,
        "start/choosing_audience",
        tuple(Choice(audience, "audience_chosen") for audience in AUDIENCES),
    ),
    Prompt(State.AT_MENU, "start/at_menu", MENU),
    Prompt(State.AWAITING_CODE, "start/awaiting_code", (Choice("menu", "menu_asked",
                                                               label="menu"),),
           text_trigger="code_given"),
    Prompt(State.HIDDEN, "start/hidden", text_trigger="conversation_restarted"),
)

TRANSITIONS: Final[list[dict[str, Any]]] = [
    {
        "trigger": "audience_chosen",
        "source": State.CHOOSING_AUDIENCE,
        "dest": State.AT_MENU,
        "before": remember_audience,
    },
    {
        "trigger": "audience_change_asked",
        "source": State.AT_MENU,
        "dest": State.CHOOSING_AUDIENCE,
    },
    {"trigger": "menu_asked", "source": State.AWAITING_CODE, "dest": State.AT_MENU},
    {"trigger": "report_chosen", "source": State.AT_MENU, "dest": None,
     "after": enter_flow("report")},
    {"trigger": "follow_chosen", "source": State.AT_MENU, "dest": State.AWAITING_CODE},
    {"trigger": "images_chosen", "source": State.AT_MENU, "dest": None,
     "after": enter_flow("images")},
    {"trigger": "parents_chosen", "source": State.AT_MENU, "dest": None,
     "after": enter_flow("parents")},
    {"trigger": "action_card_chosen", "source": State.AT_MENU, "dest": None,
     "after": enter_flow("action_card")},
    {"trigger": "code_given", "source": State.AWAITING_CODE, "dest": State.AT_MENU,
     "after": look_up_code},
    {"trigger": "conversation_restarted", "source": State.HIDDEN,
     "dest": State.CHOOSING_AUDIENCE},
    {"trigger": "consultant_chosen", "source": State.AT_MENU, "dest": None,
     "after": enter_consultant},
    {"trigger": "help_asked", "source": State.AT_MENU, "dest": None,
     "after": show("general/help")},
    {"trigger": "privacy_asked", "source": State.AT_MENU, "dest": None,
     "after": show("general/privacy")},
]

FLOW: Final = Flow("start", State, State.CHOOSING_AUDIENCE, PROMPTS, TRANSITIONS)
