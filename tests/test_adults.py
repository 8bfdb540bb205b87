"""Parents and professionals through the sandbox: each path, as a person would take it."""

from __future__ import annotations

from typing import Any

import pytest

from flows import build_flows
from flows.parents import HAPPENINGS, TOPICS
from tests import texts as T
from tests.harness import BotProcess, Client, wait_for

FLOWS = build_flows()


def next_page(client: Client, page: dict[str, Any], label: str) -> dict[str, Any]:
    """Press a button; the next page is an edit of this one, or a new message when this one
    carries numbers and stays on screen."""
    before = page["message_id"], page["text"]
    client.press(label, message=page)
    return wait_for(lambda: (lambda m: m if (m["message_id"], m["text"]) != before else None)(
        client.last()), what="the next page")


def open_parents(client: Client) -> dict[str, Any]:
    client.send("/start foraelder")
    client.wait_text(T.PARENT_MENU)
    client.press(T.BUTTON_PARENTS)
    client.wait_text(T.PARENT_AGE)
    client.press("13–15 år")
    return client.wait_text("forælder til et barn på 13–15 år")


@pytest.mark.parametrize("topic", [*TOPICS, *HAPPENINGS])
def test_each_parent_path(bot: BotProcess, client: Client, topic: str) -> None:
    menu = open_parents(client)
    labels = client.labels(menu)
    if topic in HAPPENINGS:
        chooser = next_page(client, menu, T.PARENT_HAPPENED)
        page = next_page(client, chooser, client.labels(chooser)[list(HAPPENINGS).index(topic)])
        pages = HAPPENINGS[topic]
    else:
        page = next_page(client, menu, labels[list(TOPICS).index(topic) if topic != "class"
                                              else 3])
        pages = TOPICS[topic]
    for _ in pages:
        assert T.BUTTON_MENU in client.labels(page)
        page = next_page(client, page, T.BUTTON_NEXT)
    assert client.labels(page)[:2] == [T.BUTTON_CONSULTANT, "Flere råd til forældre"]


def test_the_handlekort_back_and_forth_and_its_summary(bot: BotProcess, client: Client) -> None:
    client.send("/start fagperson")
    client.wait_text(T.PROFESSIONAL_MENU)
    client.press(T.BUTTON_ACTION_CARD)
    page = client.wait_text(T.CARD_FIRST)
    page = next_page(client, page, "Nej")
    assert "2. Tag dig af barnet" in page["text"]
    page = next_page(client, page, T.BUTTON_CARD_NEXT)
    assert "3. Skriv ned, og sikr beviser" in page["text"]
    page = next_page(client, page, T.BUTTON_BACK)
    assert "2. Tag dig af barnet" in page["text"]
    page = next_page(client, page, T.BUTTON_CARD_NEXT)
    page = next_page(client, page, T.BUTTON_CARD_NEXT)
    page = next_page(client, page, "Rød")
    assert "Ved rød: gør det i dag." in page["text"] and "44 77 20 92" in page["text"]
    assert "Center for Skoler, Institutioner og Kultur" in page["text"]
    kept = page
    page = next_page(client, page, T.BUTTON_CARD_NEXT)
    assert "44 77 20 92" in kept["text"] and page["message_id"] != kept["message_id"]
    page = next_page(client, page, T.BUTTON_CARD_NEXT)
    client.press("Send mig et resumé", message=page)
    summary = client.wait_text(T.CARD_SUMMARY)
    assert "Niveau: rød" in summary["text"]
    again = wait_for(lambda: (lambda m: m if "Kontakt SSP" in client.labels(m) else None)(
        client.last()), what="the checklist's end again")
    client.press("Kontakt SSP", message=again)
    client.wait_text("Her kan du skrive med en konsulent fra SSP Ballerup")


def test_the_handlekort_can_be_cancelled_at_any_step(bot: BotProcess, client: Client) -> None:
    client.send("/start fagperson")
    client.wait_text(T.PROFESSIONAL_MENU)
    client.press(T.BUTTON_ACTION_CARD)
    page = next_page(client, client.wait_text(T.CARD_FIRST), "Nej")
    next_page(client, page, T.BUTTON_CANCEL)
    client.wait_text(T.PROFESSIONAL_MENU)
