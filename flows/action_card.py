"""The handlekort (the strategy's tiltag 4): a checklist for a teacher or club worker after a
child has told them about a digital violation. Every step can go back one step or stop."""

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
    SECURING_EVIDENCE = "securing_evidence"  # 3. the child's own words, evidence not spread
    ASSESSING = "assessing"  # 4. green, yellow or red
    INVOLVING = "involving"  # 5. parents, leadership, SSP, both centres, the duty to notify
    FOLLOWING_UP = "following_up"  # 6. the exposed child, mediation, the class, the one who did it
    FINISHED = "finished"  # summary to keep, contact SSP


# The step before each step, for "Tilbage"; after danger now, step 2 goes back to it.
PREVIOUS: Final = {
    State.DANGER_NOW: State.ASKING_DANGER,
    State.SECURING_EVIDENCE: State.TAKING_CARE,
    State.ASSESSING: State.SECURING_EVIDENCE,
    State.INVOLVING: State.ASSESSING,
    State.FOLLOWING_UP: State.INVOLVING,
    State.FINISHED: State.FOLLOWING_UP,
}


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


def mark_no_danger(event: EventData) -> None:
    turn_of(event).data["danger"] = False


def came_through_danger(event: EventData) -> bool:
    return bool(turn_of(event).data.get("danger"))


BACK: Final = Choice("back", "back_asked", label="back")
CANCEL: Final = Choice("menu", "menu_asked", label="cancel")
NEXT: Final = Choice("next", "next_asked", label="done_next")
STEP_FOOTER: Final = (BACK, CANCEL)
# Steps with a phone number stay on screen when the reader moves on.
CARRIES_CONTACTS: Final = frozenset({State.DANGER_NOW, State.INVOLVING})


def step(state: State, *choices: Choice, columns: int = 1) -> Prompt:
    return Prompt(state, f"action_card/{state}", choices or (NEXT,), footer=STEP_FOOTER,
                  columns=columns, keep=state in CARRIES_CONTACTS)


PROMPTS: Final = (
    Prompt(State.ASKING_DANGER, "action_card/asking_danger",
           (Choice("yes", "danger_answered"), Choice("no", "no_danger")), footer=(CANCEL,),
           columns=2),
    step(State.DANGER_NOW),
    step(State.TAKING_CARE),
    step(State.SECURING_EVIDENCE),
    step(State.ASSESSING, *(Choice(level, "level_chosen") for level in LEVELS), columns=3),
    step(State.INVOLVING),
    step(State.FOLLOWING_UP),
    step(State.FINISHED, Choice("summary", "summary_asked"),
         Choice("consultant", "consultant_asked"), Choice("again", "restarted")),
)

TRANSITIONS: Final[list[dict[str, Any]]] = [
    {"trigger": "danger_answered", "source": State.ASKING_DANGER, "dest": State.DANGER_NOW,
     "after": mark_danger},
    {"trigger": "no_danger", "source": State.ASKING_DANGER, "dest": State.TAKING_CARE,
     "after": mark_no_danger},
    *pages((State.DANGER_NOW, State.TAKING_CARE, State.SECURING_EVIDENCE), State.ASSESSING),
    {"trigger": "level_chosen", "source": State.ASSESSING, "dest": State.INVOLVING,
     "before": remember_level},
    *pages((State.INVOLVING, State.FOLLOWING_UP), State.FINISHED),
    # One step back, from every step but the first.
    {"trigger": "back_asked", "source": State.TAKING_CARE, "dest": State.DANGER_NOW,
     "conditions": came_through_danger},
    {"trigger": "back_asked", "source": State.TAKING_CARE, "dest": State.ASKING_DANGER},
    *({"trigger": "back_asked", "source": here, "dest": there}
      for here, there in PREVIOUS.items()),
    {"trigger": "summary_asked", "source": State.FINISHED, "dest": None,
     "after": send_summary},
    {"trigger": "consultant_asked", "source": State.FINISHED, "dest": None,
     "after": enter_consultant},
    {"trigger": "restarted", "source": State.FINISHED, "dest": State.ASKING_DANGER,
     "after": lambda event: turn_of(event).data.clear()},
    {"trigger": "menu_asked", "source": list(State), "dest": None,
     "after": enter_flow("start", "at_menu")},
]

FLOW: Final = Flow(NAME, State, State.ASKING_DANGER, PROMPTS, TRANSITIONS, PROFESSIONAL,
                   consult_anywhere=True)
NOTES: Final = ("action_card/summary",)
