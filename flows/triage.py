"""Urgency of a report, after the strategy's three levels, as a table a person can change.

Each rule names answers that must all match; the first rule that matches decides. Levels:
red (the strategy's "indgribende": act now), yellow ("foregribende": follow up soon),
green ("forebyggende"). Content shows them in Danish (content/common/desk/labels.j2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

RED: Final = "red"
YELLOW: Final = "yellow"
GREEN: Final = "green"

# (answers that must all match, level, why). Order matters: the first match wins.
RULES: Final[tuple[tuple[Mapping[str, frozenset[str]], str, str], ...]] = (
    ({"danger": frozenset({"yes"})}, RED, "someone is in danger now"),
    ({"category": frozenset({"extortion"})}, RED, "pressure or extortion for images"),
    ({"category": frozenset({"grooming"})}, RED,
     "an adult seeks contact with a young person in a way that may lead to abuse"),
    ({"category": frozenset({"image_shared", "fake_image"}), "image_kind": frozenset({"nude"})},
     RED, "an intimate image of a young person is shared, real or made"),
    ({"involved": frozenset({"adult"}),
      "category": frozenset({"harassment", "image_shared", "fake_image"})}, RED,
     "an adult harasses a young person or shares images of them"),
    ({"ongoing": frozenset({"yes"}),
      "category": frozenset({"harassment", "bullying", "hacking", "image_shared",
                             "fake_image"})}, YELLOW,
     "it is still going on"),
    ({"involved": frozenset({"adult"})}, YELLOW, "an adult is involved"),
    ({"category": frozenset({"image_shared", "fake_image"})}, YELLOW,
     "an image was shared without consent, or made of someone"),
)


def triage(answers: Mapping[str, object]) -> str:
    """The level of the first rule whose answers all match; green when none does."""
    for condition, level, _why in RULES:
        if all(answers.get(key) in allowed for key, allowed in condition.items()):
            return level
    return GREEN
