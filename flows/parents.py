"""Parents: talking with your child about online life, signs, when something has happened;
every page reads the child's age."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from transitions import EventData

from flows.consultant import enter_consultant
from flows.engine import Choice, Flow, Prompt, enter_flow, pages, turn_of

NAME: Final = "parents"
CHILD_AGES: Final = ("under_10", "10_12", "13_15", "16_plus")
PARENT: Final = frozenset({"parent"})


class State(StrEnum):
    ASKING_CHILD_AGE = "asking_child_age"
    AT_PARENT_MENU = "at_parent_menu"
    # Talking with your child about online life
    TALK_INTEREST = "talk_interest"
    TALK_RULES = "talk_rules"
    TALK_PROMISE = "talk_promise"
    # Signs that something is wrong
    SIGNS_LIST = "signs_list"
    SIGNS_NEXT = "signs_next"
    # When something has happened
    CHOOSING_WHAT_HAPPENED = "choosing_what_happened"
    BULLIED_LISTEN = "bullied_listen"
    BULLIED_SCHOOL = "bullied_school"
    BULLIED_HELP = "bullied_help"
    EXPOSED_CALM = "exposed_calm"
    EXPOSED_EVIDENCE = "exposed_evidence"
    EXPOSED_HELP = "exposed_help"
    SHARED_STEPS = "shared_steps"
    SHARED_STEPS_MORE = "shared_steps_more"
    DONT_LIST = "dont_list"
    # The parents of a class together
    CLASS_TOGETHER = "class_together"
    FINISHED = "finished"


TOPICS: Final = {
    "talk": (State.TALK_INTEREST, State.TALK_RULES, State.TALK_PROMISE),
    "signs": (State.SIGNS_LIST, State.SIGNS_NEXT),
    "class": (State.CLASS_TOGETHER,),
}
HAPPENINGS: Final = {
    "bullied": (State.BULLIED_LISTEN, State.BULLIED_SCHOOL, State.BULLIED_HELP),
    "exposed": (State.EXPOSED_CALM, State.EXPOSED_EVIDENCE, State.EXPOSED_HELP),
    "shared": (State.SHARED_STEPS, State.SHARED_STEPS_MORE),
    "dont": (State.DONT_LIST,),
}
READING: Final = [page for group in (*TOPICS.values(), *HAPPENINGS.values()) for page in group]
# Pages with phone numbers or links stay on screen when the parent reads on.
CARRIES_CONTACTS: Final = frozenset({State.SIGNS_NEXT, State.BULLIED_HELP, State.EXPOSED_HELP,
                                     State.SHARED_STEPS_MORE})


def remember_child_age(event: EventData) -> None:
    turn = turn_of(event)
    turn.data["child_age"] = turn.event.value


def chosen(value: str) -> Any:
    def condition(event: EventData) -> bool:
        return turn_of(event).event.value == value

    condition.__name__ = f"chose_{value}"
    return condition


BACK: Final = Choice("menu", "menu_asked", label="menu")
NEXT: Final = Choice("next", "next_asked", label="next")

PROMPTS: Final = (
    Prompt(State.ASKING_CHILD_AGE, "parents/asking_child_age",
           tuple(Choice(age, "child_age_given") for age in CHILD_AGES), footer=(BACK,),
           columns=2),
    Prompt(State.AT_PARENT_MENU, "parents/at_parent_menu",
           (Choice("talk", "topic_chosen"), Choice("signs", "topic_chosen"),
            Choice("happened", "happened_chosen"), Choice("class", "topic_chosen"),
            Choice("consultant", "consultant_asked"), Choice("child_age", "child_age_asked")),
           footer=(BACK,)),
    Prompt(State.CHOOSING_WHAT_HAPPENED, "parents/choosing_what_happened",
           tuple(Choice(name, "happening_chosen") for name in HAPPENINGS), footer=(BACK,)),
    *(Prompt(page, f"parents/{page}", (NEXT,), footer=(BACK,), keep=page in CARRIES_CONTACTS)
      for page in READING),
    Prompt(State.FINISHED, "parents/finished",
           (Choice("consultant", "consultant_asked"), Choice("more", "more_asked")),
           footer=(BACK,)),
)

TRANSITIONS: Final[list[dict[str, Any]]] = [
    {"trigger": "child_age_given", "source": State.ASKING_CHILD_AGE,
     "dest": State.AT_PARENT_MENU, "before": remember_child_age},
    {"trigger": "child_age_asked", "source": State.AT_PARENT_MENU,
     "dest": State.ASKING_CHILD_AGE},
    *({"trigger": "topic_chosen", "source": State.AT_PARENT_MENU, "dest": group[0],
       "conditions": chosen(name)} for name, group in TOPICS.items()),
    {"trigger": "happened_chosen", "source": State.AT_PARENT_MENU,
     "dest": State.CHOOSING_WHAT_HAPPENED},
    *({"trigger": "happening_chosen", "source": State.CHOOSING_WHAT_HAPPENED, "dest": group[0],
       "conditions": chosen(name)} for name, group in HAPPENINGS.items()),
    *(move for group in (*TOPICS.values(), *HAPPENINGS.values())
      for move in pages(group, State.FINISHED)),
    {"trigger": "more_asked", "source": State.FINISHED, "dest": State.AT_PARENT_MENU},
    {"trigger": "consultant_asked", "source": [State.AT_PARENT_MENU, State.FINISHED],
     "dest": None, "after": enter_consultant},
    {"trigger": "menu_asked", "source": list(State), "dest": None,
     "after": enter_flow("start", "at_menu")},
]

FLOW: Final = Flow(NAME, State, State.ASKING_CHILD_AGE, PROMPTS, TRANSITIONS, PARENT,
                   consult_anywhere=True)
