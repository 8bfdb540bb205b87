"""What the booklet and the review page show: each part of the bot, its diagram, its messages
grouped for reading, and what the youth council decided about each."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.core.content import Content
from bot.review import approvals
from bot.review.approvals import Approval, ChangeRequest, Status
from bot.review.diagrams import Drawing, draw
from bot.review.messages import PARTS, Message, catalogue
from bot.review.names import Names, load_names
from bot.review.variants import Variants, group
from flows.engine import Flows

OTHER_SECTIONS = ("general", "canned", "desk", PARTS)
HEADING_LENGTH = 90  # characters of a note's purpose used as its heading
_NOT_ID = re.compile(r"[^a-z0-9]+")


@dataclass
class Card:
    """One text file: its message as readers see it, and the decisions about it."""

    message: Message
    heading: str
    groups: list[Variants]
    status: str = approvals.NEVER
    approval: Approval | None = None
    requests: list[ChangeRequest] = field(default_factory=list)  # open ones

    @property
    def anchor(self) -> str:
        return "m-" + _NOT_ID.sub("-", self.message.file.lower()).strip("-")

    @property
    def shown(self) -> int:
        return len(self.groups)

    @property
    def rendered(self) -> int:
        return sum(g.count for g in self.groups)

    def shows(self, audience: str | None) -> bool:
        return audience is None or not self.groups or any(
            audience in g.audiences for g in self.groups)


@dataclass
class Section:
    name: str
    title: str
    note: str
    drawing: Drawing | None
    cards: list[Card]

    def counts(self) -> Counter[str]:
        return Counter(card.status for card in self.cards)


@dataclass
class Overview:
    names: Names
    sections: list[Section]
    fingerprints: dict[str, str]
    status: Status = field(default_factory=lambda: Status([], [], []))

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    def card(self, file: str) -> tuple[Section, Card] | None:
        return next(((s, c) for s in self.sections for c in s.cards
                     if c.message.file == file), None)

    def decided(self, root_status: Status, record: approvals.Record) -> None:
        """Put the youth council's decisions on the cards."""
        self.status = root_status
        for section in self.sections:
            for card in section.cards:
                file = card.message.file
                card.status = root_status.of(file)
                card.approval = record.approvals.get(file)
                card.requests = [r for r in root_status.requests if r.template == file]


def _first_sentence(text: str, most: int = HEADING_LENGTH) -> str:
    sentence = re.split(r"(?<=[.?!])\s", text, maxsplit=1)[0].rstrip(".")
    return sentence if len(sentence) <= most else sentence[:most].rsplit(" ", 1)[0] + " …"


def build(flows: Flows, content: Content, with_diagrams: bool = True) -> Overview:
    """Every section with its cards, in the order a conversation meets them; no decisions yet
    (see `with_decisions`)."""
    names = load_names(content)
    messages = catalogue(flows, content)
    cards: dict[str, list[Card]] = {}
    for message in messages.values():
        heading = (names.state(message.group, message.state) if message.state
                   else _first_sentence(message.purpose) or message.template)
        cards.setdefault(message.group, []).append(Card(message, heading, group(message)))
    sections = [Section(name, names.section(name), names.section_notes.get(name, ""),
                        draw(flows, content, flows.by_name[name], names)
                        if with_diagrams and name in flows.by_name else None,
                        cards.get(name, []))
                for name in [*flows.by_name, *OTHER_SECTIONS] if cards.get(name)]
    return Overview(names, sections, {f: m.fingerprint for f, m in messages.items()})


def with_decisions(overview: Overview, root: Path) -> Overview:
    """The overview with what was decided about each text under `root` (content/)."""
    overview.decided(approvals.status(root, overview.fingerprints), approvals.load(root))
    return overview


def pages(content: Content, names: Names) -> Environment:
    """The Jinja environment of the reviewers' pages (content/booklet/), HTML autoescaped."""
    env = Environment(loader=FileSystemLoader(content.root),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.globals["names"] = names
    return env
