"""Anonymous reporting: what happened, danger now, where, when, who, own words, send."""

from __future__ import annotations

from enum import StrEnum
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
from flows.triage import triage

NAME: Final = "report"
DESCRIPTION_LIMIT: Final = 1500  # characters of the person's own words
CATEGORIES: Final = ("bullying", "harassment", "image_shared", "extortion", "hacking",
                     "witnessed", "other")
PLACES: Final = ("snapchat", "instagram", "tiktok", "discord", "games", "messages", "school",
                 "other")
TIMES: Final = ("today", "this_week", "longer_ago")
ONGOING: Final = ("yes", "no", "unknown")
INVOLVED: Final = ("classmate", "online_only", "adult", "unknown")
# The answers a summary shows and "Ret" can change, in the order they are asked.
EDITABLE: Final = ("category", "place", "time", "ongoing", "involved", "description")


class State(StrEnum):
    CHOOSING_CATEGORY = "choosing_category"
    CHOOSING_VICTIM = "choosing_victim"  # me or a friend
    CHOOSING_IMAGE_KIND = "choosing_image_kind"  # only when an image was shared
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


# --- actions: each records an answer; `editing` brings "Ret" back to the summary ------------

def remember(key: str) -> Any:
    def action(event: EventData) -> None:
        turn = turn_of(event)
        turn.data[key] = turn.event.value

    action.__name__ = f"remember_{key}"
    return action


def remember_description(event: EventData) -> None:
    turn = turn_of(event)
    turn.data["description"] = turn.event.value if turn.event.kind == "text" else None


def is_editing(event: EventData) -> bool:
    return bool(turn_of(event).data.get("editing"))


def description_too_long(event: EventData) -> bool:
    turn = turn_of(event)
    return turn.event.kind == "text" and len(turn.event.value) > DESCRIPTION_LIMIT


def say_too_long(event: EventData) -> None:
    turn = turn_of(event)
    turn.notes.append(Reply("report/description_too_long", {
        "limit": DESCRIPTION_LIMIT, "length": len(turn.event.value)}))


def is_witnessed(event: EventData) -> bool:
    # Conditions run before `before` actions: look at the answer being given.
    return turn_of(event).event.value == "witnessed"


def is_image(event: EventData) -> bool:
    return turn_of(event).data.get("category") == "image_shared"


def start_editing(event: EventData) -> None:
    turn_of(event).data["editing"] = True


def stop_editing(event: EventData) -> None:
    turn_of(event).data.pop("editing", None)


def send_report(event: EventData) -> None:
    """Store the report (the shell commits it before the code is shown), then forget it here."""
    turn = turn_of(event)
    answers = {key: turn.data.get(key) for key in (
        "category", "victim", "image_kind", "danger", "place", "time", "ongoing", "involved",
        "description")}
    level = triage(answers)
    code = turn.facts.fresh_code
    turn.effects.append(Effect("store_report", {"answers": answers, "triage": level,
                                                "code": code}))
    turn.notes.append(Reply("report/sent", {"code": code, "triage": level,
                                            "category": answers["category"]}))
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


# --- prompts -------------------------------------------------------------------------------

CANCEL: Final = Choice("cancel", "report_cancelled")
HIDE: Final = Choice("hide", "conversation_hidden", label="hide")
FOOTER: Final = (CANCEL, HIDE)


def answers(values: tuple[str, ...], trigger: str) -> tuple[Choice, ...]:
    return tuple(Choice(value, trigger) for value in values)


PROMPTS: Final = (
    Prompt(State.CHOOSING_CATEGORY, "report/choosing_category",
           answers(CATEGORIES, "category_chosen"), footer=FOOTER),
    Prompt(State.CHOOSING_VICTIM, "report/choosing_victim",
           answers(("me", "friend"), "victim_chosen"), footer=FOOTER, columns=2),
    Prompt(State.CHOOSING_IMAGE_KIND, "report/choosing_image_kind",
           answers(("nude", "not_nude", "rather_not"), "image_kind_chosen"), footer=FOOTER),
    Prompt(State.ASKING_DANGER, "report/asking_danger",
           answers(("yes", "no"), "danger_answered"), footer=FOOTER, columns=2),
    Prompt(State.DANGER_NOW, "report/danger_now",
           (Choice("continue", "report_continued"),), footer=FOOTER),
    Prompt(State.CHOOSING_PLACE, "report/choosing_place",
           answers(PLACES, "place_chosen"), footer=FOOTER, columns=2),
    Prompt(State.CHOOSING_TIME, "report/choosing_time",
           answers(TIMES, "time_chosen"), footer=FOOTER),
    Prompt(State.ASKING_ONGOING, "report/asking_ongoing",
           answers(ONGOING, "ongoing_answered"), footer=FOOTER, columns=3),
    Prompt(State.CHOOSING_INVOLVED, "report/choosing_involved",
           (*answers(INVOLVED, "involved_chosen"), Choice("skip", "involved_chosen")),
           footer=FOOTER),
    Prompt(State.AWAITING_DESCRIPTION, "report/awaiting_description",
           (Choice("skip", "description_given"),), footer=FOOTER,
           text_trigger="description_given"),
    Prompt(State.REVIEWING, "report/reviewing",
           (Choice("send", "report_sent"),
            *(Choice(f"edit_{key}", f"edit_{key}_asked") for key in EDITABLE)),
           footer=FOOTER, columns=2),
    Prompt(State.ASKING_FOLLOW_UP, "report/asking_follow_up",
           answers(("yes", "no"), "follow_up_answered"), footer=(HIDE,), columns=2),
    Prompt(State.FOLLOW_UP_DECLINED, "report/follow_up_declined",
           (Choice("menu", "menu_asked", label="menu"),), footer=(HIDE,)),
)


def step_to(trigger: str, source: State, dest: State, key: str,
            **extra: Any) -> list[dict[str, Any]]:
    """An answer moves on to `dest`, or back to the summary when it was a "Ret"."""
    return [
        {"trigger": trigger, "source": source, "dest": State.REVIEWING,
         "conditions": is_editing, "before": remember(key), "after": stop_editing},
        {"trigger": trigger, "source": source, "dest": dest, "before": remember(key), **extra},
    ]


_TO_MENU: Final = enter_flow("start", "at_menu")
_ALL: Final = [state for state in State]

TRANSITIONS: Final[list[dict[str, Any]]] = [
    # What happened. "I saw it happen to someone else" needs no "for whom".
    {"trigger": "category_chosen", "source": State.CHOOSING_CATEGORY, "dest": State.REVIEWING,
     "conditions": is_editing, "before": remember("category"), "after": stop_editing},
    {"trigger": "category_chosen", "source": State.CHOOSING_CATEGORY,
     "dest": State.ASKING_DANGER, "conditions": is_witnessed, "before": remember("category")},
    {"trigger": "category_chosen", "source": State.CHOOSING_CATEGORY,
     "dest": State.CHOOSING_VICTIM, "before": remember("category")},
    {"trigger": "victim_chosen", "source": State.CHOOSING_VICTIM,
     "dest": State.CHOOSING_IMAGE_KIND, "conditions": is_image, "before": remember("victim")},
    {"trigger": "victim_chosen", "source": State.CHOOSING_VICTIM, "dest": State.ASKING_DANGER,
     "before": remember("victim")},
    {"trigger": "image_kind_chosen", "source": State.CHOOSING_IMAGE_KIND,
     "dest": State.ASKING_DANGER, "before": remember("image_kind")},
    # Danger now comes before everything else.
    {"trigger": "danger_answered", "source": State.ASKING_DANGER, "dest": State.DANGER_NOW,
     "conditions": lambda event: turn_of(event).event.value == "yes",
     "before": remember("danger")},
    {"trigger": "danger_answered", "source": State.ASKING_DANGER,
     "dest": State.CHOOSING_PLACE, "before": remember("danger")},
    {"trigger": "report_continued", "source": State.DANGER_NOW, "dest": State.CHOOSING_PLACE},
    *step_to("place_chosen", State.CHOOSING_PLACE, State.CHOOSING_TIME, "place"),
    *step_to("time_chosen", State.CHOOSING_TIME, State.ASKING_ONGOING, "time"),
    *step_to("ongoing_answered", State.ASKING_ONGOING, State.CHOOSING_INVOLVED, "ongoing"),
    *step_to("involved_chosen", State.CHOOSING_INVOLVED, State.AWAITING_DESCRIPTION,
             "involved"),
    {"trigger": "description_given", "source": State.AWAITING_DESCRIPTION, "dest": None,
     "conditions": description_too_long, "after": say_too_long},
    {"trigger": "description_given", "source": State.AWAITING_DESCRIPTION,
     "dest": State.REVIEWING, "before": remember_description, "after": stop_editing},
    # The summary: "Ret" goes back to one question, "Send" stores the report.
    *({"trigger": f"edit_{key}_asked", "source": State.REVIEWING, "dest": dest,
       "after": start_editing}
      for key, dest in zip(EDITABLE, (State.CHOOSING_CATEGORY, State.CHOOSING_PLACE,
                                      State.CHOOSING_TIME, State.ASKING_ONGOING,
                                      State.CHOOSING_INVOLVED, State.AWAITING_DESCRIPTION),
                           strict=True)),
    {"trigger": "report_sent", "source": State.REVIEWING, "dest": State.ASKING_FOLLOW_UP,
     "after": send_report},
    {"trigger": "follow_up_answered", "source": State.ASKING_FOLLOW_UP,
     "dest": None, "conditions": lambda event: turn_of(event).event.value == "yes",
     "after": [follow_up, enter_flow("consultant", "waiting")]},
    {"trigger": "follow_up_answered", "source": State.ASKING_FOLLOW_UP,
     "dest": State.FOLLOW_UP_DECLINED, "after": decline_follow_up},
    {"trigger": "menu_asked", "source": State.FOLLOW_UP_DECLINED, "dest": None,
     "after": [forget_answers, _TO_MENU]},
    # Leaving, from any step: cancel stores nothing; hiding also clears the screen.
    {"trigger": "report_cancelled", "source": _ALL, "dest": None,
     "after": [cancel_report, _TO_MENU]},
    {"trigger": "conversation_hidden", "source": _ALL, "dest": None, "after": quick_exit},
]

FLOW: Final = Flow(NAME, State, State.CHOOSING_CATEGORY, PROMPTS, TRANSITIONS, YOUNG)
NOTES: Final = ("report/sent", "report/cancelled", "report/description_too_long")
