"""A case on the consultants' desk, from opened to closed, as a transition table."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from transitions import Machine, MachineError

from flows.engine import plain_table

# What a consultant records when closing, in the order the buttons show.
OUTCOMES: Final = ("advice_given", "parents_involved", "mediation", "police", "helplines",
                   "other")


class CaseState(StrEnum):
    WAITING = "waiting"  # opened, no consultant yet
    CLAIMED = "claimed"  # a consultant owns it
    AWAITING_OUTCOME = "awaiting_outcome"  # closing: the consultant picks an outcome
    CLOSED = "closed"


OPEN: Final = frozenset({CaseState.WAITING, CaseState.CLAIMED, CaseState.AWAITING_OUTCOME})

TRANSITIONS: Final[list[dict[str, Any]]] = [
    {"trigger": "consultant_claimed", "source": CaseState.WAITING, "dest": CaseState.CLAIMED},
    {"trigger": "close_requested", "source": [CaseState.WAITING, CaseState.CLAIMED],
     "dest": CaseState.AWAITING_OUTCOME},
    {"trigger": "person_ended", "source": [CaseState.WAITING, CaseState.CLAIMED],
     "dest": CaseState.AWAITING_OUTCOME},
    {"trigger": "outcome_chosen", "source": CaseState.AWAITING_OUTCOME,
     "dest": CaseState.CLOSED},
]


class _Case:
    def __init__(self, state: str) -> None:
        self.state = state


_MACHINE: Final = Machine(
    model=None,
    states=[str(s) for s in CaseState],
    transitions=plain_table(TRANSITIONS),
    initial=str(CaseState.WAITING),
    auto_transitions=False,
)


def next_state(state: str, trigger: str) -> str | None:
    """The state after `trigger`, or None when it does not apply (e.g. claimed twice)."""
    case = _Case(state)
    try:
        moved = _MACHINE.events[trigger].trigger(case)
    except (MachineError, KeyError):
        return None
    return str(case.state) if moved else None
