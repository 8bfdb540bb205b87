"""Parents and professionals through the sandbox: each path, as a person would take it."""

from __future__ import annotations

import pytest

from flows.parents import HAPPENINGS, TOPICS
from tests.harness import BotProcess, Client, wait_for


def next_page(client: Client, page: dict[str, object], label: str) -> dict[str, object]:
    before = page["text"]
    client.press(label, message=page)  # type: ignore[arg-type]
    return wait_for(lambda: (lambda m: m if m["text"] != before else None)(client.last()),
                    what="the next page")


def open_parents(client: Client) -> dict[str, object]:
    client.send("/start foraelder")
    client.wait_text("Hvad vil du gerne vide mere om?")
    client.press("Tal med dit barn om livet på nettet")
    client.wait_text("Hvor gammel er dit barn?")
    client.press("13–15 år")
    return client.wait_text("forælder til et barn på 13–15 år")


@pytest.mark.parametrize("topic", [*TOPICS, *HAPPENINGS])
def test_each_parent_path(bot: BotProcess, client: Client, topic: str) -> None:
    menu = open_parents(client)
    labels = client.labels(menu)
    if topic in HAPPENINGS:
        chooser = next_page(client, menu, "Når noget er sket")
        page = next_page(client, chooser, client.labels(chooser)[list(HAPPENINGS).index(topic)])
        pages = HAPPENINGS[topic]
    else:
        page = next_page(client, menu, labels[list(TOPICS).index(topic) if topic != "class"
                                              else 3])
        pages = TOPICS[topic]
    for _ in pages:
        assert "Tilbage til menuen" in client.labels(page)
        page = next_page(client, page, "Næste")
    assert client.labels(page)[:2] == ["Tal med en SSP-konsulent", "Flere råd til forældre"]


def test_the_action_card_and_its_summary(bot: BotProcess, client: Client) -> None:
    client.send("/start fagperson")
    client.wait_text("Hvad har du brug for?")
    client.press("Action card: en sag om digitale krænkelser")
    page = client.wait_text("1. Er barnet i fare lige nu?")
    page = next_page(client, page, "Nej")
    assert "2. Tag dig af barnet" in page["text"]
    page = next_page(client, page, "Gjort – næste trin")
    assert "3. Sikr beviser" in page["text"]
    page = next_page(client, page, "Gjort – næste trin")
    page = next_page(client, page, "Rød")
    assert "Ved rød: gør det i dag." in page["text"] and "44 77 20 92" in page["text"]
    page = next_page(client, page, "Gjort – næste trin")
    page = next_page(client, page, "Gjort – næste trin")
    client.press("Send mig et resumé", message=page)
    summary = client.wait_text("Action card – resumé")
    assert "Niveau: rød" in summary["text"]
    again = wait_for(lambda: (lambda m: m if "Kontakt SSP" in client.labels(m) else None)(
        client.last()), what="the checklist's end again")
    client.press("Kontakt SSP", message=again)
    client.wait_text("Her kan du skrive med en konsulent fra SSP Ballerup")
