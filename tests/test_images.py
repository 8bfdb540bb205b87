"""Advice for young people through the sandbox: one whole path per situation and age."""

from __future__ import annotations

import pytest

from flows import build_flows
from flows.images import SENSITIVE, SITUATIONS
from tests import texts as T
from tests.harness import BotProcess, Client, wait_for

LINKS = {"child": "10-12", "teen": "13-15", "youth": "16-19"}
ENTRY = {"child": T.BUTTON_IMAGES_CHILD, "teen": T.BUTTON_IMAGES, "youth": T.BUTTON_IMAGES}
REPORT = {"child": T.BUTTON_REPORT_CHILD, "teen": T.BUTTON_REPORT, "youth": T.BUTTON_REPORT}
PROMPTS = build_flows().by_name["images"].prompts
EVERY_READING = [(situation, audience) for situation, ages in SITUATIONS.items()
                 for audience in ages]


@pytest.mark.parametrize(("situation", "audience"), EVERY_READING)
def test_a_whole_situation(bot: BotProcess, client: Client, situation: str,
                           audience: str) -> None:
    client.send(f"/start {LINKS[audience]}")
    client.wait_text(T.MENU)
    client.press(ENTRY[audience])
    chooser = client.wait_text(T.IMAGES_CHOOSING)
    offered = [name for name, ages in SITUATIONS.items() if audience in ages]
    client.press(client.labels(chooser)[offered.index(situation)])
    page = client.wait_text(T.IMAGES_FIRST_WORDS[situation][audience])
    pages = SITUATIONS[situation][audience]
    for _ in pages:
        labels = client.labels(page)
        assert (T.BUTTON_HIDE in labels) == (situation in SENSITIVE)
        before = page["message_id"], page["text"]
        client.press(T.BUTTON_NEXT if T.BUTTON_NEXT in labels else labels[1], message=page)
        page = wait_for(lambda: (lambda m: m if (m["message_id"], m["text"]) != before  # noqa: B023
                                 else None)(client.last()), what="the next page")
    assert REPORT[audience] in client.labels(page)
    assert any("konsulent" in label or "SSP" in label for label in client.labels(page))
    # pages with numbers and links stay on screen as messages of their own
    kept = sum(1 for name in pages if PROMPTS[name].keep)
    assert len(client.bot_messages()) == 2 + kept
