"""Near-identical renderings grouped for reading: one bubble shown, the variants folded away.

A message is rendered for every audience and every sample (the report's summary some eighty
times). Readers whose renderings are all the same are shown together; of a group, the first
rendering is shown and the others are listed under it, with the variables they differ in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from markupsafe import Markup

from bot.review.messages import Message, Rendering
from bot.review.previews import STAFF
from bot.review.readability import LIX_TARGETS, lix

NOT_PROSE: Final = frozenset({"desk/topic_name"})  # a name, not prose: no LIX target


@dataclass(frozen=True)
class Bubble:
    """One distinct rendering, ready for the page."""

    html: Markup  # Telegram HTML from our own autoescaped templates
    buttons: tuple[tuple[str, ...], ...]
    lix: float


@dataclass(frozen=True)
class Variants:
    """The renderings some readers see of one message: the first, and the rest."""

    audiences: list[str]
    first: Bubble
    others: list[Bubble]
    differing: list[str]  # the variables the renderings differ in
    lix: float  # the hardest of them
    target: int | None

    @property
    def count(self) -> int:
        return 1 + len(self.others)


def _bubble(rendering: Rendering) -> Bubble:
    return Bubble(Markup(rendering.text), rendering.buttons, round(lix(rendering.text), 1))


def _target(message: Message, audiences: list[str]) -> int | None:
    if message.template in NOT_PROSE:
        return None
    return min(LIX_TARGETS["professional" if a == STAFF else a] for a in audiences)


def group(message: Message) -> list[Variants]:
    """Audiences with the same renderings together; per group, the distinct renderings in the
    order the samples give them, and the variables that tell them apart."""
    distinct: dict[str, dict[tuple[str, tuple[tuple[str, ...], ...]], Rendering]] = {}
    for rendering in message.renderings:
        distinct.setdefault(rendering.audience, {}).setdefault(
            (rendering.text, rendering.buttons), rendering)
    together: dict[tuple[object, ...], list[str]] = {}
    for audience, seen in distinct.items():
        together.setdefault(tuple(seen), []).append(audience)
    groups = []
    for audiences in together.values():
        renderings = list(distinct[audiences[0]].values())
        names = list(dict.fromkeys(name for r in renderings for name in r.variables))
        differing = [name for name in names
                     if len({repr(r.variables.get(name)) for r in renderings}) > 1]
        bubbles = [_bubble(r) for r in renderings]
        groups.append(Variants(audiences, bubbles[0], bubbles[1:], differing,
                               max(b.lix for b in bubbles), _target(message, audiences)))
    return groups
