"""The standard LIX count: what ends a sentence, what is a word, what is long."""

from __future__ import annotations

import pytest

from bot.review.readability import counts, lix, lix_of_labels


@pytest.mark.parametrize(("text", "sentences", "words", "long_words"), [
    ("Ring 112. Vil du tale med nogen?", 2, 6, 0),
    # abbreviations, ordinals and numbers do not end a sentence
    ("Vi er her kl. 9.30 i 4., 6. og 8. klasse.", 1, 7, 0),
    ("Over 1.000 unge blev sigtet, fx i den 30. november.", 1, 8, 1),
    ("Det står i § 235 stk. 3 og bl.a. i f.eks. loven.", 1, 9, 0),
    # a colon ends a sentence, and so do a paragraph and a list item
    ("Gode råd: Svar ikke.\n\nBloker profilen", 3, 6, 1),
    ("Husk\n- at lytte\n- at skrive ned", 2, 6, 0),
    # a bold heading without punctuation runs into the sentence under it
    ("<b>Det siger loven</b>\nI må sende til hinanden.", 1, 8, 1),
    # a link is one long word; codes and commands are not words
    ("Brug takeitdown.ncmec.org nu.", 1, 3, 1),
    ("Din kode er K7M-Q2X-9TB. Skriv /sag og koden.", 2, 6, 0),
])
def test_the_standard_count(text: str, sentences: int, words: int, long_words: int) -> None:
    assert counts(text) == (sentences, words, long_words)


def test_lix_is_words_per_sentence_plus_percent_long_words() -> None:
    assert lix("En lang sætning med ordene fortæller og konsulenten.") == pytest.approx(
        8 / 1 + 100 * 3 / 8)
    assert lix("") == 0.0


def test_buttons_are_measured_as_items_of_their_own() -> None:
    assert lix_of_labels(["Ja", "Nej", "Afbryd"]) == pytest.approx(1.0)
    assert lix_of_labels(["Fortryd"]) == pytest.approx(1 + 100)
