"""The report's questions as data: which are asked depends on the answers so far (no "for
whom" when it was seen happen to someone else, the image question only for images), and where
an answer, a "Tilbage" or a correction leads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from transitions import EventData

from flows.engine import turn_of

DESCRIPTION_LIMIT: Final = 1500  # characters of the person's own words
CATEGORIES: Final = ("bullying", "harassment", "image_shared", "fake_image", "extortion",
                     "grooming", "hacking", "witnessed", "other")
IMAGES: Final = frozenset({"image_shared", "fake_image"})
PLACES: Final = ("snapchat", "instagram", "tiktok", "discord", "games", "messages", "school",
                 "other")
TIMES: Final = ("today", "this_week", "longer_ago")
ONGOING: Final = ("yes", "no", "unknown")
INVOLVED: Final = ("classmate", "online_only", "adult", "unknown")


class State(StrEnum):
    CHOOSING_CATEGORY = "choosing_category"
    CHOOSING_VICTIM = "choosing_victim"  # me or a friend
    CHOOSING_IMAGE_KIND = "choosing_image_kind"  # only when an image was shared or faked
    ASKING_DANGER = "asking_danger"
    DANGER_NOW = "danger_now"  # 112 and the 24/7 lines first; the report can go on after
    CHOOSING_PLACE = "choosing_place"
    CHOOSING_TIME = "choosing_time"
    ASKING_ONGOING = "asking_ongoing"
    CHOOSING_INVOLVED = "choosing_involved"
    AWAITING_DESCRIPTION = "awaiting_description"
    REVIEWING = "reviewing"
    ASKING_FOLLOW_UP = "asking_follow_up"  # sent; may a consultant write here?
    FOLLOW_UP_DECLINED = "follow_up_declined"


@dataclass(frozen=True)
class Question:
    state: State
    key: str  # where the answer is kept
    asked: Callable[[Mapping[str, Any]], bool] = lambda answers: True
    depends_on: str | None = None  # a correction of that answer asks this one again


QUESTIONS: Final = (
    Question(State.CHOOSING_CATEGORY, "category"),
    Question(State.CHOOSING_VICTIM, "victim", lambda a: a.get("category") != "witnessed",
             "category"),
    Question(State.CHOOSING_IMAGE_KIND, "image_kind", lambda a: a.get("category") in IMAGES,
             "category"),
    Question(State.ASKING_DANGER, "danger"),
    Question(State.CHOOSING_PLACE, "place"),
    Question(State.CHOOSING_TIME, "time"),
    Question(State.ASKING_ONGOING, "ongoing"),
    Question(State.CHOOSING_INVOLVED, "involved"),
    Question(State.AWAITING_DESCRIPTION, "description"),
)
BY_STATE: Final = {question.state: question for question in QUESTIONS}
ANSWERS: Final = tuple(question.key for question in QUESTIONS)


def asked(answers: Mapping[str, Any]) -> list[Question]:
    return [question for question in QUESTIONS if question.asked(answers)]


def next_state(here: State, answers: Mapping[str, Any], editing: bool) -> State:
    """Where an answer leads: the next question; when correcting, the next one still without
    an answer (those depending on the corrected one were cleared), then the summary."""
    questions = asked(answers)
    if editing:
        return next((q.state for q in questions if q.key not in answers), State.REVIEWING)
    states = [q.state for q in questions]
    later = states[states.index(here) + 1 :] if here in states else []
    return later[0] if later else State.REVIEWING


def previous_state(here: State, answers: Mapping[str, Any]) -> State:
    states = [q.state for q in asked(answers)]
    if here in (State.REVIEWING, State.DANGER_NOW):
        return State.ASKING_DANGER if here == State.DANGER_NOW else states[-1]
    index = states.index(here) if here in states else 1
    return states[max(index - 1, 0)]


# --- conditions: where this answer leads, or this "Tilbage" -----------------------------

def answer_of(event: EventData) -> Any:
    turn = turn_of(event)
    if turn.state == State.AWAITING_DESCRIPTION:
        return turn.event.value if turn.event.kind == "text" else None
    return turn.event.value


def with_answer(event: EventData) -> dict[str, Any]:
    turn = turn_of(event)
    return {**turn.data, BY_STATE[State(turn.state)].key: answer_of(event)}


def leads_to(dest: State) -> Callable[[EventData], bool]:
    def condition(event: EventData) -> bool:
        turn = turn_of(event)
        if turn.state == State.ASKING_DANGER and answer_of(event) == "yes":
            return dest == State.DANGER_NOW
        answers = with_answer(event)
        return next_state(State(turn.state), answers, bool(answers.get("editing"))) == dest

    condition.__name__ = f"leads_to_{dest}"
    return condition


def after_danger(event: EventData) -> State:
    turn = turn_of(event)
    return next_state(State.ASKING_DANGER, turn.data, bool(turn.data.get("editing")))


def continues_to(dest: State) -> Callable[[EventData], bool]:
    def condition(event: EventData) -> bool:
        return after_danger(event) == dest

    condition.__name__ = f"continues_to_{dest}"
    return condition


def go_back(event: EventData) -> State:
    turn = turn_of(event)
    return previous_state(State(turn.state), turn.data)


def goes_back_to(dest: State) -> Callable[[EventData], bool]:
    def condition(event: EventData) -> bool:
        return go_back(event) == dest

    condition.__name__ = f"goes_back_to_{dest}"
    return condition
