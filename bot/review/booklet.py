"""The reviewers' booklet: every message of every flow, for every audience, as on a phone, in
one HTML file that opens without a network."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Final

from bot.core.content import Content
from bot.review.overview import build as build_overview
from bot.review.overview import pages, with_decisions
from flows.engine import Flows

PAGE: Final = "booklet/booklet.html"


def build(flows: Flows, content: Content, today: date) -> str:
    overview = with_decisions(build_overview(flows, content), content.root)
    return pages(content, overview.names).get_template(PAGE).render(
        today=today, sections=overview.sections, status=overview.status)


def write(flows: Flows, content: Content, out: Path, today: date) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build(flows, content, today), encoding="utf-8")
    return out
