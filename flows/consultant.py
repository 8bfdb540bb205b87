"""Talking with an SSP consultant: what happens, the first message, waiting, the chat, feedback."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from typing import Any, Final

from transitions import EventData

from flows.engine import (
    PARKED,
    Choice,
    Command,
    Effect,
    Event,
    Facts,
    Flow,
    Flows,
    Outcome,
    Prompt,
    Reply,
    Session,
    park,
    quick_exit,
    turn_of,
    unpark,
)

NAME: Final = "consultant"
FEEDBACK: Final = ("helped_yes", "helped_some", "helped_no")


class State(StrEnum):
    INTRO_OPEN = "intro_open"  # desk staffed: what happens if you write
    INTRO_CLOSED = "intro_closed"  # outside office hours: when they are back, leave a message
    AWAITING_FIRST_MESSAGE = "awaiting_first_message"
    WAITING = "waiting"  # case opened, no consultant yet; texts are relayed
    IN_CHAT = "in_chat"  # a consultant has the case; texts are relayed
    CONFIRMING_END = "confirming_end"  # "Vil du afslutte chatten?" before anything ends
    OFFERED_RESUME = "offered_resume"  # /sag with the code of a chat held elsewhere: go on here?
    ASKING_FEEDBACK = "asking_feedback"  # the case has ended


def entry_state(facts: Facts) -> State:
    """Where "Tal med en SSP-konsulent" leads: back into an open case, or to the intro."""
    if facts.open_case == "claimed":
        return State.IN_CHAT
    if facts.open_case == "waiting":
        return State.WAITING
    return State.INTRO_OPEN if facts.desk_open else State.INTRO_CLOSED


def enter_consultant(event: EventData) -> None:
    turn = turn_of(event)
    turn.next_flow = (NAME, str(entry_state(turn.facts)))


enter_consultant.enters = (NAME, None)  # type: ignore[attr-defined]  # for the diagrams


def open_case(event: EventData) -> None:
    turn = turn_of(event)
    text = turn.event.value if turn.event.kind == "text" else None
    turn.effects.append(Effect("open_case", {
        "first_message": text,
        "urgent": bool(turn.data.pop("urgent", False)),
        "subject": turn.data.pop("subject", "conversation"),
    }))


def may_open_a_case(event: EventData) -> bool:
    return turn_of(event).facts.cases_left


def say_limit_reached(event: EventData) -> None:
    turn_of(event).notes.append(Reply("consultant/limit_reached"))


def end_case(event: EventData) -> None:
    turn = turn_of(event)
    turn.effects.append(Effect("end_case"))
    turn.notes.append(Reply("consultant/ended_by_you"))


def give_feedback(event: EventData) -> None:
    turn = turn_of(event)
    if turn.event.value in FEEDBACK:
        turn.effects.append(Effect("feedback", {"answer": turn.event.value}))
        turn.notes.append(Reply("consultant/thanks"))
    turn.data.pop("consultant", None)


def show_help(event: EventData) -> None:
    turn_of(event).notes.append(Reply("general/help"))


def leave(event: EventData) -> None:
    """Out of the consultant flow: back to where the person was before, or to the menu."""
    turn = turn_of(event)
    if not unpark(turn):
        turn.next_flow = ("start", "at_menu")


leave.enters = ("start", "at_menu")  # type: ignore[attr-defined]  # for the diagrams


def hide_while_talking(event: EventData) -> None:
    """Quick exit with a case open: the consultants learn to wait until the person is back."""
    turn = turn_of(event)
    turn.effects.append(Effect("person_hid"))
    quick_exit(event)


hide_while_talking.enters = ("start", "hidden")  # type: ignore[attr-defined]


def back_to_chat(event: EventData) -> None:
    turn = turn_of(event)
    turn.next_flow = (NAME, str(State.IN_CHAT if turn.facts.open_case == "claimed"
                                else State.WAITING))


back_to_chat.enters = (NAME, None)  # type: ignore[attr-defined]


def resume_case(event: EventData) -> None:
    """Go on here with the chat the code belongs to: into it as it stands (waiting, or with
    the consultant who has it); the desk moves the case and what was written meanwhile."""
    turn = turn_of(event)
    code = turn.data.pop("resume_code", "")
    target = turn.data.pop("resume_to", str(State.WAITING))
    consultant = turn.data.pop("resume_consultant", "")
    if consultant:
        turn.data["consultant"] = consultant
    turn.effects.append(Effect("resume_case", {"code": code}))
    turn.next_flow = (NAME, target)


resume_case.enters = (NAME, None)  # type: ignore[attr-defined]  # for the diagrams


def forget_offer(event: EventData) -> None:
    for key in ("resume_code", "resume_to", "resume_consultant"):
        turn_of(event).data.pop(key, None)


BACK: Final = Choice("menu", "menu_asked")  # "Nej tak": back to where the person was
END: Final = Choice("end", "end_asked")
HIDE: Final = Choice("hide", "conversation_hidden", label="hide")

PROMPTS: Final = (
    Prompt(State.INTRO_OPEN, "consultant/intro_open",
           (Choice("start_chat", "chat_asked"), BACK), keep=True),
    Prompt(State.INTRO_CLOSED, "consultant/intro_closed",
           (Choice("leave_message", "chat_asked"), BACK), keep=True),
    Prompt(State.AWAITING_FIRST_MESSAGE, "consultant/awaiting_first_message",
           (Choice("skip", "first_message_skipped"), Choice("cancel", "menu_asked")),
           text_trigger="first_message_given"),
    Prompt(State.WAITING, "consultant/waiting", (Choice("help", "help_asked"), END),
           relay=True, relay_note="consultant/relayed_while_waiting", footer=(HIDE,), keep=True),
    Prompt(State.IN_CHAT, "consultant/in_chat", (END,), relay=True, footer=(HIDE,)),
    Prompt(State.CONFIRMING_END, "consultant/confirming_end",
           (Choice("yes", "end_confirmed"), Choice("no", "end_regretted")), columns=2),
    Prompt(State.OFFERED_RESUME, "consultant/offered_resume",
           (Choice("resume", "resume_chosen"), Choice("no", "resume_declined")), columns=2),
    Prompt(State.ASKING_FEEDBACK, "consultant/asking_feedback",
           tuple(Choice(answer, "feedback_given") for answer in (*FEEDBACK, "skip")),
           columns=2),
)

TRANSITIONS: Final[list[dict[str, Any]]] = [
    {"trigger": "chat_asked", "source": [State.INTRO_OPEN, State.INTRO_CLOSED], "dest": None,
     "unless": may_open_a_case, "after": say_limit_reached},
    {"trigger": "chat_asked", "source": [State.INTRO_OPEN, State.INTRO_CLOSED],
     "dest": State.AWAITING_FIRST_MESSAGE},
    {"trigger": "first_message_given", "source": State.AWAITING_FIRST_MESSAGE,
     "dest": State.WAITING, "after": open_case},
    {"trigger": "first_message_skipped", "source": State.AWAITING_FIRST_MESSAGE,
     "dest": State.WAITING, "after": open_case},
    {"trigger": "help_asked", "source": State.WAITING, "dest": None, "after": show_help},
    # Ending is asked once more: one tap by mistake must not end a chat.
    {"trigger": "end_asked", "source": [State.WAITING, State.IN_CHAT],
     "dest": State.CONFIRMING_END},
    {"trigger": "end_confirmed", "source": State.CONFIRMING_END,
     "dest": State.ASKING_FEEDBACK, "after": end_case},
    {"trigger": "end_regretted", "source": State.CONFIRMING_END, "dest": None,
     "after": back_to_chat},
    {"trigger": "feedback_given", "source": State.ASKING_FEEDBACK, "dest": None,
     "after": [give_feedback, leave]},
    {"trigger": "menu_asked",
     "source": [State.INTRO_OPEN, State.INTRO_CLOSED, State.AWAITING_FIRST_MESSAGE],
     "dest": None, "after": leave},
    {"trigger": "resume_chosen", "source": State.OFFERED_RESUME, "dest": None,
     "after": resume_case},
    {"trigger": "resume_declined", "source": State.OFFERED_RESUME, "dest": None,
     "after": [forget_offer, leave]},
    {"trigger": "conversation_hidden", "source": [State.WAITING, State.IN_CHAT], "dest": None,
     "after": hide_while_talking},
]

FLOW: Final = Flow(NAME, State, State.INTRO_OPEN, PROMPTS, TRANSITIONS)


# --- what a consultant's actions mean for the person's conversation --------------------

def case_claimed(flows: Flows, session: Session, event: Event, facts: Facts) -> Outcome:
    """A consultant took the case: the person is now in the chat, whatever they were doing;
    where they were is kept, to come back to afterwards."""
    data = dict(session.data) if session.flow == NAME else park(session)
    moved = flows.enter(replace(session, data={**data, "consultant": event.argument}),
                        NAME, str(State.IN_CHAT))
    return Outcome(moved, (flows.prompt_reply(moved, facts),))


def case_closed(flows: Flows, session: Session, event: Event, facts: Facts) -> Outcome:
    """The consultant closed the case: say so and ask the one optional question."""
    moved = flows.enter(session, NAME, str(State.ASKING_FEEDBACK))
    return Outcome(moved, (Reply("consultant/closed_by_consultant"),
                           flows.prompt_reply(moved, facts)))


def end_command(flows: Flows, session: Session, event: Event, facts: Facts) -> Outcome:
    """/afslut: end an open case from anywhere; without one, there is nothing to end."""
    if facts.open_case is None:
        return flows.resume(session, facts, Reply("consultant/nothing_to_end"))
    moved = flows.enter(session, NAME, str(State.ASKING_FEEDBACK))
    return Outcome(moved, (Reply("consultant/ended_by_you"), flows.prompt_reply(moved, facts)),
                   (Effect("end_case"),))


def detour(flows: Flows, session: Session, event: Event, facts: Facts) -> Outcome:
    """To a consultant from any page (a button, or /konsulent), keeping the place and the
    answers so far: the person comes back to them when the chat ends or they go back."""
    data = park(session) if session.flow != NAME else dict(session.data)
    moved = flows.enter(replace(session, data=data), NAME, str(entry_state(facts)))
    return Outcome(moved, (flows.prompt_reply(moved, facts),))


def case_found(flows: Flows, session: Session, event: Event, facts: Facts) -> Outcome:
    """/sag found an open chat with SSP that is held elsewhere (a closed tab, another phone):
    offer to go on with it here. The argument: "code|state|consultant"."""
    code, state, consultant = [*event.argument.split("|", 2), "", ""][:3]
    data = dict(session.data) if session.flow == NAME else park(session)
    data.update(resume_code=code, resume_consultant=consultant,
                resume_to=str(State.IN_CHAT if state == "claimed" else State.WAITING))
    moved = flows.enter(replace(session, data=data), NAME, str(State.OFFERED_RESUME))
    return Outcome(moved, (flows.prompt_reply(moved, facts),))


def out_of_the_chat(note: str) -> Command:
    """The chat is no longer this person's to write in: say why, and go back to where they
    were before it (or to the menu). Elsewhere in the bot, only the note."""

    def command(flows: Flows, session: Session, event: Event, facts: Facts) -> Outcome:
        talking = (State.WAITING, State.IN_CHAT, State.CONFIRMING_END, State.OFFERED_RESUME)
        if session.flow != NAME or session.state not in talking:
            return flows.resume(session, facts, Reply(note))
        where = session.data.get(PARKED)
        if isinstance(where, dict):
            moved = flows.enter(replace(session, data=dict(where.get("data", {}))),
                                str(where["flow"]), str(where["state"]))
        else:
            moved = flows.enter(replace(session, data={}), "start", "at_menu")
        return Outcome(moved, (Reply(note), flows.prompt_reply(moved, facts)))

    return command


DESK_EVENTS: Final[dict[str, Command]] = {
    "case_claimed": case_claimed,
    "case_closed": case_closed,
    "case_found": case_found,
    "case_moved": out_of_the_chat("consultant/moved_elsewhere"),
    "case_not_resumed": out_of_the_chat("consultant/not_resumed"),
}
NOTES: Final = ("consultant/ended_by_you", "consultant/thanks", "consultant/relayed_while_waiting",
                "consultant/closed_by_consultant", "consultant/nothing_to_end",
                "consultant/limit_reached", "consultant/moved_elsewhere",
                "consultant/not_resumed")
