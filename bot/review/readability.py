"""LIX readability, as FACTS.md section 6 defines it, for the Danish texts."""

from __future__ import annotations

import re
from html import unescape
from typing import Final

# The project's targets per audience (FACTS.md section 6), measured per message.
LIX_TARGETS: Final = {"child": 25, "teen": 30, "youth": 35, "parent": 38, "professional": 42}
LONG_WORD: Final = 7  # letters

_TAG = re.compile(r"<[^>]+>")
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w.-]+\.(?:dk|org|com)\S*", re.IGNORECASE)
_COMMAND = re.compile(r"/\w+")
# A sentence ends at . ! ? or : (FACTS.md section 6); a line break ends one too, because a
# heading or a button-like line in a chat bubble is read as its own unit.
_SENTENCE_END = re.compile(r"[.!?:]+|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")


def lix(html_text: str) -> float:
    """LIX = words per sentence + percent long words. Numbers, URLs and commands are not words."""
    text = unescape(_TAG.sub("", html_text))
    text = _COMMAND.sub(" ", _URL.sub(" ", text))
    sentences = [s for s in _SENTENCE_END.split(text) if _WORD.search(s)]
    words = _WORD.findall(text)
    if not words:
        return 0.0
    long_words = sum(1 for word in words if len(word.replace("-", "")) >= LONG_WORD)
    return len(words) / len(sentences) + 100 * long_words / len(words)
