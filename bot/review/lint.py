"""A lint for the Danish texts: typography, leftovers and the organisation's names."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

EXCLUSIONS: Final = "lint-exclusions.toml"
NAMES: Final = "lint-names.toml"
WORDS: Final = "lint-words.toml"
_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_STATEMENT = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
# Words that tell of English left in a Danish text.
_ENGLISH = re.compile(r"\b(the|click|please|button|todo|fixme|lorem|ipsum|sorry)\b",
                      re.IGNORECASE)
# A range of numbers takes an en dash: kl. 9\u201315, 10\u201312 år.
_HYPHEN_RANGE = re.compile(r"(?<![\w-])\d{1,2}-\d{1,2}(?![\w-])")


@dataclass(frozen=True)
class Finding:
    template: str
    rule: str
    line: int
    text: str


def _prose(source: str) -> str:
    """What a reader sees: the template without Jinja and without HTML tags; lines kept."""
    keep_lines = lambda match: "\n" * match.group(0).count("\n")  # noqa: E731
    # A printed value stands for a word; statements and comments print nothing.
    return _TAG.sub("", _STATEMENT.sub(keep_lines, _EXPRESSION.sub("X", source)))


def names(root: Path) -> dict[str, list[str]]:
    """The right spelling of each name, and the wrong ones to flag (content/lint-names.toml)."""
    with (root / NAMES).open("rb") as file:
        return {right: list(wrong) for right, wrong in tomllib.load(file).items()}


def words(root: Path) -> dict[str, str]:
    """Phrases to avoid and what to write instead (content/lint-words.toml)."""
    path = root / WORDS
    if not path.exists():
        return {}
    with path.open("rb") as file:
        return {str(k): str(v) for k, v in tomllib.load(file).items()}


def check_text(template: str, source: str,
               spellings: dict[str, list[str]] | None = None,
               avoid: dict[str, str] | None = None) -> list[Finding]:
    findings: list[Finding] = []
    for number, line in enumerate(_prose(source).splitlines(), start=1):
        def add(rule: str, line: str = line, number: int = number) -> None:
            findings.append(Finding(template, rule, number, line.strip()))

        if '"' in line:
            add("quotes: use Danish »…«, not straight quotes")
        if "..." in line:
            add("ellipsis: use … instead of ...")
        if re.search(r"\S  +\S", line):
            add("double space")
        if _ENGLISH.search(line):
            add("English word left in")
        if _HYPHEN_RANGE.search(line):
            add("range: write an en dash (9\u201315), not a hyphen")
        for phrase, instead in (avoid or {}).items():
            if phrase.lower() in line.lower():
                add(f"phrase: {instead}")
        for right, wrong in (spellings or {}).items():
            if any(spelling in line for spelling in wrong):
                add(f"name: write {right}")
        expected = "»"
        for mark in re.findall(r"[»«]", line):
            if mark != expected:
                add("quotes: Danish quotes open with » and close with «")
                break
            expected = "«" if expected == "»" else "»"
    return findings


def exclusions(root: Path) -> set[tuple[str, str]]:
    path = root / EXCLUSIONS
    if not path.exists():
        return set()
    with path.open("rb") as file:
        return {(row["template"], row["rule"]) for row in tomllib.load(file).get("exclude", [])}


def lint(root: Path) -> list[Finding]:
    excluded = exclusions(root)
    spellings = names(root)
    avoid = words(root)
    findings = []
    for path in sorted(root.rglob("*.j2")):
        name = str(path.relative_to(root))
        findings += [f for f in check_text(name, path.read_text(encoding="utf-8"), spellings,
                                           avoid)
                     if (f.template, f.rule.split(":")[0]) not in excluded]
    return findings
