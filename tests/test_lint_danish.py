"""The Danish lint catches the language errors the content review found, and the texts pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.review.lint import check_text, lint, names, words

ROOT = Path(__file__).resolve().parent.parent / "content"


@pytest.mark.parametrize(("text", "rule"), [
    ("Vi er her mandag kl. 9-15.", "range"),
    ("Brug dit Action card.", "phrase"),
    ("Tak fordi du ville hjælpe.", "phrase"),
    ("De lader, som om, de er en anden.", "phrase"),
    ("Hvem står bag: en kendt fra nettet.", "phrase"),
    ("Send ikke flere. Betal ikke. Så stopper det ikke.", "phrase"),
    ("Barnet bliver vred.", "phrase"),
    ("Anmeld anonymt.", "phrase"),
])
def test_the_lint_finds_the_reviews_language_errors(text: str, rule: str) -> None:
    findings = check_text("x.j2", "{# Formål: test #}\n" + text, names(ROOT), words(ROOT))
    assert [f for f in findings if f.rule.startswith(rule)], findings


def test_ranges_with_an_en_dash_codes_and_phone_numbers_pass() -> None:
    good = "{# x #}\nKl. 9–15, 10–12 år, koden ABC-DEF-GHJ, ring 44 77 20 92."
    assert check_text("x.j2", good, names(ROOT), words(ROOT)) == []


def test_every_text_passes_the_lint() -> None:
    assert lint(ROOT) == []
