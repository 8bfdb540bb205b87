"""Advice for young people: images and consent, pressure, grooming, fakes, hard thoughts."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from transitions import EventData

from flows.consultant import enter_consultant
from flows.engine import YOUNG, Choice, Flow, Prompt, enter_flow, quick_exit, turn_of

NAME: Final = "images"
AGES: Final = ("child", "teen", "youth")

# Each situation is a few pages read with a "next" button, different per age: the youngest
# get fewer, concrete pages that point to adults; the oldest get the law and its nuance.
# An age missing from a situation does not see it offered (grooming is for 13-19).
SITUATIONS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "considering": {
        "child": ("considering_rule",),
        "teen": ("considering_consent", "considering_no_undo", "considering_law"),
        "youth": ("considering_consent", "considering_no_undo", "considering_law"),
    },
    "mine_shared": {
        "child": ("shared_not_your_fault", "shared_tell_adult"),
        "teen": ("shared_not_your_fault", "shared_evidence", "shared_remove", "shared_report"),
        "youth": ("shared_not_your_fault", "shared_evidence", "shared_remove", "shared_report"),
    },
    "fake": {
        "child": ("fake_not_your_fault", "shared_tell_adult"),
        "teen": ("fake_not_your_fault", "shared_evidence", "fake_remove", "shared_report"),
        "youth": ("fake_not_your_fault", "shared_evidence", "fake_remove", "shared_report"),
    },
    "pressured": {
        "child": ("pressured_stop",),
        "teen": ("pressured_stop", "pressured_steps", "pressured_help"),
        "youth": ("pressured_stop", "pressured_steps", "pressured_help"),
    },
    "grooming": {
        "teen": ("grooming_signs", "grooming_steps"),
        "youth": ("grooming_signs", "grooming_steps"),
    },
    "received": {
        "child": ("received_delete",),
        "teen": ("received_delete", "received_help"),
        "youth": ("received_delete", "received_help"),
    },
    "i_shared": {
        "child": ("ishared_way_back", "ishared_help"),
        "teen": ("ishared_way_back", "ishared_consequences", "ishared_help"),
        "youth": ("ishared_way_back", "ishared_consequences", "ishared_help"),
    },
    "hard_thoughts": {
        "child": ("thoughts_child",),
        "teen": ("thoughts_selfharm", "thoughts_help"),
        "youth": ("thoughts_selfharm", "thoughts_help"),
    },
    "consent": {
        "child": ("quiz_1", "quiz_1_feedback", "quiz_2", "quiz_2_feedback", "quiz_3",
                  "quiz_3_feedback"),
        "teen": ("quiz_1", "quiz_1_feedback", "quiz_2", "quiz_2_feedback", "quiz_3",
                 "quiz_3_feedback", "quiz_4", "quiz_4_feedback"),
        "youth": ("quiz_1", "quiz_1_feedback", "quiz_2", "quiz_2_feedback", "quiz_3",
                  "quiz_3_feedback", "quiz_4", "quiz_4_feedback"),
    },
}
QUIZ_ANSWERS: Final = ("a", "b", "c")
# Situations where someone may be looking over the shoulder: quick exit on every page, and
# every page stays on screen (new message per page) so numbers and links can be read again.
SENSITIVE: Final = frozenset({"mine_shared", "fake", "pressured", "grooming", "hard_thoughts"})
# Situations that end by offering a consultant at once, as an urgent case with this subject.
URGENT: Final = {"mine_shared": "image_shared", "fake": "fake_image", "pressured": "extortion",
                 "grooming": "grooming", "hard_thoughts": "selfharm"}
# Other pages that carry phone numbers or links, and so stay on screen too.
CARRIES_CONTACTS: Final = frozenset({"received_help", "ishared_help"})

PAGES: Final = tuple(dict.fromkeys(page for ages in SITUATIONS.values()
                                   for pages in ages.values() for page in pages))
# The states are the pages, made from the table above, plus the chooser and the two ends.
State: Final[type[StrEnum]] = StrEnum(  # type: ignore[misc]
    "State", {name.upper(): name for name in (
        "choosing_situation", *PAGES, "finished", "finished_urgent")})


def situations_of(page: str) -> set[str]:
    return {name for name, ages in SITUATIONS.items()
            if any(page in pages for pages in ages.values())}


def ages_of(situation: str) -> frozenset[str]:
    return frozenset(SITUATIONS[situation])


def reading(audience: str, situation: str) -> Any:
    """A condition: this reader, in this situation (a page can belong to several)."""
    def condition(event: EventData) -> bool:
        turn = turn_of(event)
        return turn.audience == audience and turn.data.get("situation") == situation

    condition.__name__ = f"reading_{situation}_as_{audience}"
    return condition


def remember_situation(event: EventData) -> None:
    turn = turn_of(event)
    turn.data.clear()
    turn.data["situation"] = turn.event.value


def forget_situation(event: EventData) -> None:
    turn_of(event).data.clear()


def remember_answer(event: EventData) -> None:
    turn = turn_of(event)
    turn.data["answer"] = turn.event.value


def offer_urgent_consultant(event: EventData) -> None:
    """At the end of a serious situation a consultant is offered at once, as an urgent case."""
    turn = turn_of(event)
    turn.data.update({"urgent": True, "subject": URGENT[turn.data["situation"]]})


BACK: Final = Choice("menu", "menu_asked", label="menu")
HIDE: Final = Choice("hide", "conversation_hidden", label="hide")
NEXT: Final = Choice("next", "next_asked", label="next")


def _prompt(page: str) -> Prompt:
    sensitive = bool(situations_of(page) & SENSITIVE)
    footer = (BACK, HIDE) if sensitive else (BACK,)
    keep = sensitive or page in CARRIES_CONTACTS
    if page.startswith("quiz_") and not page.endswith("_feedback"):
        return Prompt(page, f"images/{page}",
                      tuple(Choice(a, "quiz_answered") for a in QUIZ_ANSWERS), footer=footer)
    return Prompt(page, f"images/{page}", (NEXT,), footer=footer, keep=keep)


END_CHOICES: Final = (
    Choice("report", "report_asked"),
    Choice("consultant", "consultant_asked"),
    Choice("more", "more_asked"),
    BACK,
)
PROMPTS: Final = (
    Prompt("choosing_situation", "images/choosing_situation",
           tuple(Choice(name, "situation_chosen", ages_of(name)) for name in SITUATIONS),
           footer=(BACK,)),
    *(_prompt(page) for page in PAGES),
    Prompt("finished", "images/finished", END_CHOICES),
    Prompt("finished_urgent", "images/finished_urgent", END_CHOICES, footer=(HIDE,), keep=True),
)


def _situation_transitions() -> list[dict[str, Any]]:
    table: list[dict[str, Any]] = []
    for situation, ages in SITUATIONS.items():
        done = "finished_urgent" if situation in URGENT else "finished"
        for audience, pages in ages.items():
            table.append({"trigger": "situation_chosen", "source": "choosing_situation",
                          "dest": pages[0], "before": remember_situation, "conditions": [
                              lambda e, a=audience: turn_of(e).audience == a,
                              lambda e, s=situation: turn_of(e).event.value == s]})
            for here, there in zip(pages, (*pages[1:], done), strict=True):
                trigger = "quiz_answered" if here.startswith("quiz_") and not here.endswith(
                    "_feedback") else "next_asked"
                move: dict[str, Any] = {"trigger": trigger, "source": here, "dest": there,
                                        "conditions": reading(audience, situation)}
                if trigger == "quiz_answered":
                    move["before"] = remember_answer
                if there == "finished_urgent":
                    move["after"] = offer_urgent_consultant
                table.append(move)
    return table


_EVERY_PAGE: Final = ["choosing_situation", *PAGES, "finished", "finished_urgent"]
TRANSITIONS: Final[list[dict[str, Any]]] = [
    *_situation_transitions(),
    {"trigger": "report_asked", "source": ["finished", "finished_urgent"], "dest": None,
     "after": enter_flow("report")},
    {"trigger": "consultant_asked", "source": ["finished", "finished_urgent"], "dest": None,
     "after": enter_consultant},
    {"trigger": "more_asked", "source": ["finished", "finished_urgent"],
     "dest": "choosing_situation"},
    {"trigger": "menu_asked", "source": _EVERY_PAGE, "dest": None,
     "after": [forget_situation, enter_flow("start", "at_menu")]},
    {"trigger": "conversation_hidden", "source": _EVERY_PAGE, "dest": None,
     "after": quick_exit},
]

SHOWN_TO: Final = {page: frozenset(a for ages in SITUATIONS.values()
                                   for a, pages in ages.items() if page in pages)
                   for page in PAGES}
FLOW: Final = Flow(NAME, State, "choosing_situation", PROMPTS, TRANSITIONS, YOUNG, SHOWN_TO,
                   consult_anywhere=True)
