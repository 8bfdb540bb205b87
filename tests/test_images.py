"""Advice on images through the sandbox: one whole path per situation and age."""

from __future__ import annotations

import pytest

from flows.images import AGES, SENSITIVE, SITUATIONS
from tests.harness import BotProcess, Client, wait_for

LINKS = {"child": "10-12", "teen": "13-15", "youth": "16-19"}
ENTRY = {"child": "Billeder: hvad er okay?", "teen": "Billeder og samtykke",
         "youth": "Billeder og samtykke"}
FIRST_WORDS = {  # what the first page of each situation says, per age
    "considering": {"child": "Send aldrig et nøgenbillede", "teen": "Samtykke betyder",
                    "youth": "Samtykke betyder"},
    "mine_shared": {a: "Det er ikke din skyld." for a in AGES},
    "pressured": {"child": "Send ikke noget.", "teen": "Send ikke flere billeder.",
                  "youth": "Send ikke flere billeder."},
    "received": {a: "Vis det ikke til nogen." for a in AGES},
    "i_shared": {a: "Godt, at du vil gøre det godt igen." for a in AGES},
    "consent": {a: "Spørgsmål 1" for a in AGES},
}


@pytest.mark.parametrize("audience", AGES)
@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_a_whole_situation(bot: BotProcess, client: Client, situation: str,
                           audience: str) -> None:
    client.send(f"/start {LINKS[audience]}")
    client.wait_text("Hvad vil du gerne?")
    client.press(ENTRY[audience])
    chooser = client.wait_text("Hvad passer")
    index = list(SITUATIONS).index(situation)
    client.press(client.labels(chooser)[index])
    page = client.wait_text(FIRST_WORDS[situation][audience])
    for _ in SITUATIONS[situation][audience]:
        labels = client.labels(page)
        assert ("Skjul samtalen" in labels) == (situation in SENSITIVE)
        before = page["text"]
        client.press("Næste" if "Næste" in labels else labels[1], message=page)
        page = wait_for(lambda: (lambda m: m if m["text"] != before else None)(  # noqa: B023
            client.last()), what="the next page")
    assert "Anmeld anonymt" in client.labels(page)
    assert any("konsulent" in label for label in client.labels(page))
    assert len(client.bot_messages()) == 2  # the welcome, and one message turned page by page
