"""Telling SSP what happened: what, for whom, danger now, where, when, who, own words, send.

"Tilbage" steps back one question; "Ret" on the summary clears an answer and those that depend
on it, asks them again and returns to the summary, so a corrected report is the same as a fresh
one with its answers (flows/report_questions.py holds the questions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from transitions import EventData

from flows.engine import (
    YOUNG,
    Choice,
    Effect,
    Flow,
    Prompt,
    Reply,
    enter_flow,
    quick_exit,
    turn_of,
)
from flows.report_questions import (
    ANSWERS,
    BY_STATE,
    CATEGORIES,
    DESCRIPTION_LIMIT,
    INVOLVED,
    ONGOING,
    PLACES,
    QUESTIONS,
    TIMES,
    State,
    answer_of,
    continues_to,
    goes_back_to,
    leads_to,
)
from flows.triage import triage

NAME: Final = "report"
__all__ = ["CATEGORIES", "DESCRIPTION_LIMIT", "FLOW", "NOTES", "State"]


# --- actions and conditions ----------------------------------------------------------------

def remember(event: EventData) -> None:
    turn = turn_of(event)
    turn.data[BY_STATE[State(turn.state)].key] = answer_of(event)


def description_too_long(event: EventData) -> bool:
    turn = turn_of(event)
    return (turn.state == State.AWAITING_DESCRIPTION and turn.event.kind == "text"
            and len(turn.event.value) > DESCRIPTION_LIMIT)


def say_too_long(event: EventData) -> None:
    turn = turn_of(event)
    turn.notes.append(Reply("report/description_too_long", {
        "limit": DESCRIPTION_LIMIT, "length": len(turn.event.value)}))


def start_editing(key: str) -> Callable[[EventData], None]:
    """"Ret": the answer and those that depend on it are asked again."""
    def action(event: EventData) -> None:
        turn = turn_of(event)
        for question in QUESTIONS:
            if question.key == key or question.depends_on == key:
                turn.data.pop(question.key, None)
        turn.data["editing"] = True

    action.__name__ = f"edit_{key}"
    return action


def stop_editing(event: EventData) -> None:
    turn_of(event).data.pop("editing", None)


def may_send(event: EventData) -> bool:
    return turn_of(event).facts.reports_left


def say_limit_reached(event: EventData) -> None:
    turn_of(event).notes.append(Reply("report/limit_reached"))


def send_report(event: EventData) -> None:
    """Store the report (the shell commits it before the code is shown), then forget it here."""
    turn = turn_of(event)
    answers = {key: turn.data.get(key) for key in ANSWERS}
    level = triage(answers)
    code = turn.facts.fresh_code
    turn.effects.append(Effect("store_report", {"answers": answers, "triage": level,
                                                "code": code}))
    turn.notes.append(Reply("report/sent", {"code": code, "triage": level,
                                            "category": answers["category"],
                                            "victim": answers.get("victim")}))
    turn.data.clear()
    turn.data["pending_code"] = code  # only until the follow-up question is answered
    turn.data["triage"] = level  # what the next texts say depends on how urgent it is


def cancel_report(event: EventData) -> None:
    turn = turn_of(event)
    turn.data.clear()
    turn.notes.append(Reply("report/cancelled"))


def follow_up(event: EventData) -> None:
    turn = turn_of(event)
    turn.effects.append(Effect("connect_report", {"code": turn.data.get("pending_code", "")}))
    turn.data.clear()


def decline_follow_up(event: EventData) -> None:
    """No link to the person is kept at all; only how urgent it was, for the last words."""
    turn = turn_of(event)
    level = turn.data.get("triage")
    turn.data.clear()
    turn.data["triage"] = level


def forget_answers(event: EventData) -> None:
    turn_of(event).data.clear()


def chose(value: str) -> Callable[[EventData], bool]:
    def condition(event: EventData) -> bool:
        return turn_of(event).event.value == value

    condition.__name__ = f"chose_{value}"
    return condition


# --- prompts -------------------------------------------------------------------------------

BACK: Final = Choice("back", "went_back", label="back")
CANCEL: Final = Choice("cancel", "report_cancelled")
HIDE: Final = Choice("hide", "conversation_hidden", label="hide")
FIRST_FOOTER: Final = (CANCEL, HIDE)
FOOTER: Final = (BACK, CANCEL, HIDE)


def answers(values: tuple[str, ...]) -> tuple[Choice, ...]:
    return tuple(Choice(value, "answered") for value in values)


def edit(key: str) -> Choice:
    """"Ret" for an answer that was asked for: none for questions that were not."""
    question = next(q for q in QUESTIONS if q.key == key)
    return Choice(f"edit_{key}", f"edit_{key}_asked", shown_if=question.asked)


PROMPTS: Final = (
    Prompt(State.CHOOSING_CATEGORY, "report/choosing_category", answers(CATEGORIES),
           footer=FIRST_FOOTER),
    Prompt(State.CHOOSING_VICTIM, "report/choosing_victim", answers(("me", "friend")),
           footer=FOOTER, columns=2),
    Prompt(State.CHOOSING_IMAGE_KIND, "report/choosing_image_kind",
           answers(("nude", "not_nude", "rather_not")), footer=FOOTER),
    Prompt(State.ASKING_DANGER, "report/asking_danger", answers(("yes", "no")),
           footer=FOOTER, columns=2),
    Prompt(State.DANGER_NOW, "report/danger_now", (Choice("continue", "report_continued"),),
           footer=FOOTER, keep=True),
    Prompt(State.CHOOSING_PLACE, "report/choosing_place", answers(PLACES), footer=FOOTER,
           columns=2),
    Prompt(State.CHOOSING_TIME, "report/choosing_time", answers(TIMES), footer=FOOTER),
    Prompt(State.ASKING_ONGOING, "report/asking_ongoing", answers(ONGOING), footer=FOOTER,
           columns=3),
    Prompt(State.CHOOSING_INVOLVED, "report/choosing_involved",
           (*answers(INVOLVED), Choice("skip", "answered")), footer=FOOTER),
    Prompt(State.AWAITING_DESCRIPTION, "report/awaiting_description",
           (Choice("skip", "answered"),), footer=FOOTER, text_trigger="answered"),
    Prompt(State.REVIEWING, "report/reviewing",
           (Choice("send", "report_sent"), *(edit(key) for key in ANSWERS)),
           footer=FOOTER, columns=2),
    Prompt(State.ASKING_FOLLOW_UP, "report/asking_follow_up",
           answers(("yes", "no")), footer=(HIDE,), columns=2),
    Prompt(State.FOLLOW_UP_DECLINED, "report/follow_up_declined",
           (Choice("menu", "menu_asked", label="menu"),), footer=(HIDE,), keep=True),
)

_TO_MENU: Final = enter_flow("start", "at_menu")
_ALL: Final = [state for state in State]
_QUESTION_STATES: Final = [question.state for question in QUESTIONS]
_AFTER_ANSWERS: Final = [*_QUESTION_STATES, State.DANGER_NOW, State.REVIEWING]


def _answer_moves() -> list[dict[str, Any]]:
    """An answer leads to one of the later questions, the danger page or the summary: one row
    per place it can lead to, each with the condition that picks it."""
    moves: list[dict[str, Any]] = [
        {"trigger": "answered", "source": State.AWAITING_DESCRIPTION, "dest": None,
         "conditions": description_too_long, "after": say_too_long}]
    for source in _QUESTION_STATES:
        for dest in _AFTER_ANSWERS:
            if dest != source:
                moves.append({"trigger": "answered", "source": source, "dest": dest,
                              "conditions": leads_to(dest), "before": remember,
                              "after": stop_editing if dest == State.REVIEWING else []})
    moves += [{"trigger": "report_continued", "source": State.DANGER_NOW, "dest": dest,
               "conditions": continues_to(dest),
               "after": stop_editing if dest == State.REVIEWING else []}
              for dest in _AFTER_ANSWERS if dest != State.DANGER_NOW]
    moves += [{"trigger": "went_back", "source": source, "dest": dest,
               "conditions": goes_back_to(dest), "before": stop_editing}
              for source in (*_QUESTION_STATES[1:], State.DANGER_NOW, State.REVIEWING)
              for dest in _QUESTION_STATES if dest != source]
    return moves


TRANSITIONS: Final[list[dict[str, Any]]] = [
    *_answer_moves(),
    # The summary: "Ret" asks one answer again (and what depends on it), "Send" stores it.
    *({"trigger": f"edit_{key}_asked", "source": State.REVIEWING, "dest": state,
       "after": start_editing(key)} for state, key in
      ((q.state, q.key) for q in QUESTIONS)),
    {"trigger": "report_sent", "source": State.REVIEWING, "dest": None, "unless": may_send,
     "after": say_limit_reached},
    {"trigger": "report_sent", "source": State.REVIEWING, "dest": State.ASKING_FOLLOW_UP,
     "after": send_report},
    {"trigger": "answered", "source": State.ASKING_FOLLOW_UP, "dest": None,
     "conditions": chose("yes"), "after": [follow_up, enter_flow("consultant", "waiting")]},
    {"trigger": "answered", "source": State.ASKING_FOLLOW_UP,
     "dest": State.FOLLOW_UP_DECLINED, "after": decline_follow_up},
    {"trigger": "menu_asked", "source": State.FOLLOW_UP_DECLINED, "dest": None,
     "after": [forget_answers, _TO_MENU]},
    # Leaving, from any step: cancel stores nothing; hiding also clears the screen.
    {"trigger": "report_cancelled", "source": _ALL, "dest": None,
     "after": [cancel_report, _TO_MENU]},
    {"trigger": "conversation_hidden", "source": _ALL, "dest": None, "after": quick_exit},
]

FLOW: Final = Flow(NAME, State, State.CHOOSING_CATEGORY, PROMPTS, TRANSITIONS, YOUNG,
                   consult_anywhere=True)
NOTES: Final = ("report/sent", "report/cancelled", "report/description_too_long",
                "report/limit_reached")
