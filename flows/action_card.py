"""The action card: a checklist a teacher or club worker follows while a pupil is waiting."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from transitions import EventData

from flows.consultant import enter_consultant
from flows.engine import Choice, Flow, Prompt, Reply, enter_flow, pages, turn_of

NAME: Final = "action_card"
PROFESSIONAL: Final = frozenset({"professional"})
LEVELS: Final = ("green", "yellow", "red")  # the strategy's three levels


class State(StrEnum):
    ASKING_DANGER = "asking_danger"  # 1. is the child in danger now?
    DANGER_NOW = "danger_now"  # call 112, then go on
    TAKING_CARE = "taking_care"  # 2. listen, don't blame, don't promise secrecy
    SECURING_EVIDENCE = "securing_evidence"  # 3. without spreading it
    ASSESSING = "assessing"  # 4. green, yellow or red
    INVOLVING = "involving"  # 5. parents, leadership, SSP, the duty to notify, police
    FOLLOWING_UP = "following_up"  # 6. the class, the one who did it
    FINISHED = "finished"  # summary to keep, contact SSP


def remember_level(event: EventData) -> None:
    turn = turn_of(event)
    turn.data["level"] = turn.event.value


def send_summary(event: EventData) -> None:
    """The checklist as one compact message the teacher keeps in their own chat."""
    turn = turn_of(event)
    turn.notes.append(Reply("action_card/summary", {
        "level": turn.data.get("level"), "danger": turn.data.get("danger", False)}))


def mark_danger(event: EventData) -> None:
    turn_of(event).data["danger"] = True


BACK: Final = Choice("menu", "menu_asked", label="menu")
NEXT: Final = Choice("next", "next_asked", label="done_next")

PROMPTS: Final = (
    Prompt(State.ASKING_DANGER, "action_card/asking_danger",
           (Choice("yes", "danger_answered"), Choice("no", "no_danger")), footer=(BACK,),
           columns=2),
    Prompt(State.DANGER_NOW, "action_card/danger_now", (NEXT,), footer=(BACK,)),
    Prompt(State.TAKING_CARE, "action_card/taking_care", (NEXT,), footer=(BACK,)),
    Prompt(State.SECURING_EVIDENCE, "action_card/securing_evidence", (NEXT,), footer=(BACK,)),
    Prompt(State.ASSESSING, "action_card/assessing",
           tuple(Choice(level, "level_chosen") for level in LEVELS), footer=(BACK,)),
    Prompt(State.INVOLVING, "action_card/involving", (NEXT,), footer=(BACK,)),
    Prompt(State.FOLLOWING_UP, "action_card/following_up", (NEXT,), footer=(BACK,)),
    Prompt(State.FINISHED, "action_card/finished",
           (Choice("summary", "summary_asked"), Choice("consultant", "consultant_asked"),
            Choice("again", "restarted")), footer=(BACK,)),
)

TRANSITIONS: Final[list[dict[str, Any]]] = [
    {"trigger": "danger_answered", "source": State.ASKING_DANGER, "dest": State.DANGER_NOW,
     "after": mark_danger},
    {"trigger": "no_danger", "source": State.ASKING_DANGER, "dest": State.TAKING_CARE},
    *pages((State.DANGER_NOW, State.TAKING_CARE, State.SECURING_EVIDENCE), State.ASSESSING),
    {"trigger": "level_chosen", "source": State.ASSESSING, "dest": State.INVOLVING,
     "before": remember_level},
    *pages((State.INVOLVING, State.FOLLOWING_UP), State.FINISHED),
    {"trigger": "summary_asked", "source": State.FINISHED, "dest": None,
     "after": send_summary},
    {"trigger": "consultant_asked", "source": State.FINISHED, "dest": None,
     "after": enter_consultant},
    {"trigger": "restarted", "source": State.FINISHED, "dest": State.ASKING_DANGER,
     "after": lambda event: turn_of(event).data.clear()},
    {"trigger": "menu_asked", "source": list(State), "dest": None,
     "after": enter_flow("start", "at_menu")},
]

FLOW: Final = Flow(NAME, State, State.ASKING_DANGER, PROMPTS, TRANSITIONS, PROFESSIONAL)
NOTES: Final = ("action_card/summary",)
