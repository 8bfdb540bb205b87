"""LIX readability, counted the standard way (FACTS.md section 6), for the Danish texts.

LIX = words per sentence + percent long words (7 letters or more). A sentence ends at . ! ? or :
and at the end of a paragraph or a list item. A dot does not end a sentence after an
abbreviation ("kl.", "fx", "bl.a."), after an ordinal ("4. klasse", "den 30. november") or
inside a number ("1.000", "9.30"). A line break alone ends nothing, so a heading without
punctuation runs into the sentence under it. A link is one long word; numbers, codes and
commands such as /start are not words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import unescape
from typing import Final

# The project's targets per audience (FACTS.md section 6), measured per message.
LIX_TARGETS: Final = {"child": 25, "teen": 30, "youth": 35, "parent": 38, "professional": 42}
LONG_WORD: Final = 7  # letters

ABBREVIATIONS: Final = ("kl.", "f.eks.", "fx.", "bl.a.", "ca.", "dvs.", "mv.", "osv.", "nr.",
                        "stk.", "jf.", "evt.", "inkl.", "pga.", "tlf.", "mht.", "ift.", "o.l.",
                        "m.m.", "hhv.", "vedr.", "mf.")
_BREAK: Final = "\u2029"  # an end of sentence that has no punctuation: paragraph, list item
_LINK: Final = "linkadresse"  # what a link counts as: one word of more than 7 letters

_TAG = re.compile(r"<[^>]+>")
_URL = re.compile(r"(?:https?://|www\.)\S+?(?=[.,:;!?»«)]*(?:\s|$))"
                  r"|\b[\w-]+(?:\.[\w-]+)*\.(?:dk|org|com|net|eu)(?:/[^\s»«)]*?)?"
                  r"(?=[.,:;!?»«)]*(?:\s|$))", re.IGNORECASE)
_COMMAND = re.compile(r"(?<!\S)/\w+")
_ABBREVIATION = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(a) for a in ABBREVIATIONS) + r")(?=\s|$)",
    re.IGNORECASE)
_DIGIT_DOT = re.compile(r"(\d)\.([ \t]*)(\S?)")
_IN_NUMBER = re.compile(r"(\d)\.(?=\d)")
_LIST_ITEM = re.compile(r"^\s*(?:[-•–]|\d+[.)])\s")
_SENTENCE_END = re.compile(r"[.!?:]+[»«\"')]*|" + _BREAK)
_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")


def _ordinal_or_end(match: re.Match[str]) -> str:
    """A digit's dot is an ordinal's ("4. klasse", "4., 6. og 8.") when lower case, a digit,
    a comma or a dash follows; otherwise it ends the sentence."""
    digit, space, following = match.groups()
    ordinal = following and (following.islower() or following.isdigit() or following in ",-\u2013")
    return digit + ("" if ordinal else ".") + space + following


def _plain(html_text: str) -> str:
    """The text as read: no tags, links as one long word, no commands, no dots that are not
    sentence ends, and a break mark where a paragraph or a list item ends."""
    text = unescape(_TAG.sub("", html_text))
    text = _COMMAND.sub(" ", _URL.sub(_LINK, text))
    text = _ABBREVIATION.sub(lambda m: m.group(1).replace(".", ""), text)
    text = _DIGIT_DOT.sub(_ordinal_or_end, _IN_NUMBER.sub(r"\1", text))
    lines = []
    for line in text.split("\n"):
        if not line.strip():
            lines.append(_BREAK)  # a blank line ends a paragraph
        elif _LIST_ITEM.match(line):
            lines.append(_LIST_ITEM.sub("", line) + " " + _BREAK)
        else:
            lines.append(line)
    return " ".join(lines)


def _words(sentence: str) -> list[str]:
    """Tokens with letters and no digits (numbers and codes like K7M-Q2X-9TB are not words)."""
    return [token for token in sentence.split()
            if _LETTER.search(token) and not _DIGIT.search(token)]


def _letters(word: str) -> int:
    return len(_LETTER.findall(word))


def counts(html_text: str) -> tuple[int, int, int]:
    """(sentences, words, long words) by the standard count."""
    sentences = [_words(s) for s in _SENTENCE_END.split(_plain(html_text))]
    sentences = [s for s in sentences if s]
    words = [w for s in sentences for w in s]
    return len(sentences), len(words), sum(1 for w in words if _letters(w) >= LONG_WORD)


def lix(html_text: str) -> float:
    """LIX of one message: words per sentence + percent long words."""
    sentences, words, long_words = counts(html_text)
    if not words:
        return 0.0
    return words / sentences + 100 * long_words / words


def lix_of_labels(labels: Iterable[str]) -> float:
    """LIX of a message's buttons, measured apart from its text: each label is one item."""
    return lix("\n\n".join(labels))
