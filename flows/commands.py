"""Slash commands that work anywhere in a conversation, as a table of pure handlers."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from flows.engine import (
    AUDIENCES,
    UNKNOWN_COMMAND,
    Command,
    Effect,
    Event,
    Facts,
    Flows,
    Outcome,
    Reply,
    Session,
)
from flows.start import State as StartState

# Deep-link payloads (t.me/<bot>?start=<payload>) printed on posters and QR codes.
# Telegram allows only A-Z, a-z, 0-9, _ and - in a payload.
DEEP_LINKS: Final = {
    **{audience: audience for audience in AUDIENCES},
    "10-12": "child",
    "13-15": "teen",
    "16-19": "youth",
    "foraelder": "parent",
    "fagperson": "professional",
}


def start(flows: Flows, session: Session, event: Event, facts: Facts) -> Outcome:
    """/start: a fresh conversation; a known deep link skips the audience question."""
    fresh = replace(flows.new_session(), step=session.step + 1)
    audience = DEEP_LINKS.get(event.argument.strip().lower())
    if audience is None:
        return Outcome(fresh, (flows.prompt_reply(fresh, facts),))
    at_menu = replace(fresh, audience=audience, state=str(StartState.AT_MENU))
    return Outcome(at_menu, (Reply("start/welcome"), flows.prompt_reply(at_menu, facts)))


def forget(flows: Flows, session: Session, event: Event, facts: Facts) -> Outcome:
    """/slet: the shell erases everything linked to this chat; the next message starts anew."""
    return Outcome(flows.new_session(), (Reply("general/forgotten"),), (Effect("forget"),))


def follow(flows: Flows, session: Session, event: Event, facts: Facts) -> Outcome:
    """/sag <kode>: the status of a report; without a code, ask for it."""
    if event.argument:
        outcome = flows.resume(session, facts)
        return replace(outcome, effects=(Effect("lookup_case", {"code": event.argument}),))
    moved = flows.enter(replace(session, data={}), "start", str(StartState.AWAITING_CODE))
    return Outcome(moved, (flows.prompt_reply(moved, facts),))


def menu(flows: Flows, session: Session, event: Event, facts: Facts) -> Outcome:
    """/menu: back to the main menu, or to the audience question if it was never answered."""
    state = StartState.AT_MENU if session.audience else StartState.CHOOSING_AUDIENCE
    moved = flows.enter(replace(session, data={}), "start", str(state))
    return Outcome(moved, (flows.prompt_reply(moved, facts),))


def note(template: str) -> Command:
    """A command that answers with one message and then shows where the person was."""

    def command(flows: Flows, session: Session, event: Event, facts: Facts) -> Outcome:
        return flows.resume(session, facts, Reply(template))

    return command


COMMANDS: Final[dict[str, Command]] = {
    "start": start,
    "menu": menu,
    "hjaelp": note("general/help"),
    "help": note("general/help"),
    "privatliv": note("general/privacy"),
    "slet": forget,
    "sag": follow,
    UNKNOWN_COMMAND: note("general/unknown_command"),
}

# Notes the commands say, for the content checks and the reviewers' booklet.
NOTES: Final = ("start/welcome", "general/forgotten", "general/help", "general/privacy",
                "general/unknown_command", "report/status", "report/code_unknown",
                "report/lookups_limited")

# What Telegram's command menu shows, in this order; descriptions are content.
MENU_COMMANDS: Final = ("start", "menu", "sag", "hjaelp", "privatliv", "afslut", "slet")
