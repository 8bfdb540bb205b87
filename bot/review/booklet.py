"""The reviewers' booklet: every message of every flow, for every audience, as on a phone."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Final

import graphviz
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from bot.core.content import Content
from bot.desk.desk import DESK_TEMPLATES
from bot.review import approvals
from bot.review.previews import (
    STAFF,
    Preview,
    person_previews,
    samples,
    staff_previews,
    with_samples,
)
from bot.review.readability import LIX_TARGETS, lix
from flows.engine import Flow, Flows, Session

PAGE: Final = "booklet/booklet.html"
STAFF_TARGET: Final = LIX_TARGETS["professional"]
_XML_HEAD = re.compile(r"^.*?(?=<svg)", re.DOTALL)


@dataclass(frozen=True)
class Shown:
    """One rendered message in the booklet."""

    template: str
    audience: str
    state: str | None
    file: str
    html: Markup
    buttons: list[list[str]]
    lix: float
    target: int | None
    status: str  # approved, changed, never


def _button_labels(flows: Flows, content: Content, person: dict[str, list[object]], flow: Flow,
                   state: str) -> dict[str, str]:
    """Choice name -> the label a reader sees, across the audiences that see the state."""
    labels: dict[str, str] = {}
    for audience in sorted(flow.audiences_of(state)):
        reply = flows.prompt_reply(Session(flow.name, state, audience, 0))
        reply = with_samples(content, replace(reply, variables={}), person)[0]
        for row in content.render(reply, audience).buttons:
            for button in row:
                labels.setdefault(button.choice, button.label)
    return labels


def _edges(flows: Flows, content: Content, flow: Flow) -> list[tuple[str, str, str]]:
    """(from, to, label) for every transition; the label is the button a reader presses."""
    edges = set()
    person = samples(content)
    labels_of = {state: _button_labels(flows, content, person, flow, state)
                 for state in flow.prompts}
    for trigger, event in flow.machine.events.items():
        for source, transitions in event.transitions.items():
            prompt = flow.prompts[source]
            labels = labels_of[source]
            pressed = [labels.get(c.name, c.name) for c in prompt.all_choices
                       if c.trigger == trigger]
            label = " / ".join(pressed) or ("(skriver)" if prompt.text_trigger == trigger
                                            else trigger)
            for transition in transitions:
                target = transition.dest or source
                for action in transition.after:
                    enters = getattr(action, "enters", None)
                    if enters:
                        target = "→ " + " · ".join(part for part in enters if part)
                edges.add((source, target, label))
    return sorted(edges)


def diagram(flows: Flows, content: Content, flow: Flow) -> Markup:
    """The flow's transition table drawn by Graphviz, as inline SVG."""
    graph = graphviz.Digraph(flow.name, graph_attr={"rankdir": "TB", "fontname": "Helvetica",
                                                    "nodesep": "0.3", "ranksep": "0.4"},
                             node_attr={"shape": "box", "style": "rounded,filled",
                                        "fillcolor": "#eef3f7", "fontname": "Helvetica",
                                        "fontsize": "11"},
                             edge_attr={"fontname": "Helvetica", "fontsize": "9",
                                        "color": "#5b8bb4"})
    for state in flow.prompts:
        graph.node(state, state, fillcolor="#f3b33d" if state == flow.initial else "#eef3f7")
    for source, target, label in _edges(flows, content, flow):
        node = target
        if target.startswith("→"):  # into another flow
            node = "other_" + re.sub(r"\W+", "_", target)
            graph.node(node, target, shape="plaintext", style="", fillcolor="")
        graph.edge(source, node, label=label[:60])
    svg = graph.pipe(format="svg").decode("utf-8")
    return Markup(_XML_HEAD.sub("", svg))


def _shown(preview: Preview, content: Content, status: dict[str, str]) -> Shown:
    audience = None if preview.audience == STAFF else preview.audience
    rendered = content.render(preview.reply, audience)
    file = str(content.source_file(preview.reply.template, audience).resolve().relative_to(
        content.root.resolve()))
    target: int | None = (STAFF_TARGET if preview.audience == STAFF
                          else LIX_TARGETS[preview.audience])
    if preview.reply.template == "desk/topic_name":
        target = None  # a name, not prose
    return Shown(preview.reply.template, preview.audience, preview.state, file,
                 Markup(rendered.text),  # autoescaped Telegram HTML from our own templates
                 [[b.label for b in row] for row in rendered.buttons], round(lix(rendered.text),
                                                                              1),
                 target, status.get(file, "never"))


def build(flows: Flows, content: Content, today: date) -> str:
    review = approvals.status(content.root)
    status = {**{t: "approved" for t in review.approved}, **{t: "changed" for t in review.changed},
              **{t: "never" for t in review.never}}
    groups: dict[str, dict[str, list[Shown]]] = defaultdict(dict)
    seen: set[tuple[str, str, str]] = set()
    previews = [*person_previews(flows, content),
                *staff_previews(content, DESK_TEMPLATES)]
    for preview in previews:
        shown = _shown(preview, content, status)
        key = (shown.template, shown.audience, str(shown.html) + repr(shown.buttons))
        if key not in seen:  # one copy of each distinct rendering
            seen.add(key)
            groups[preview.group].setdefault(shown.template, []).append(shown)
    env = Environment(loader=FileSystemLoader(content.root),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    return env.get_template(PAGE).render(
        today=today, groups=groups, review=review,
        diagrams={name: diagram(flows, content, flow) for name, flow in flows.by_name.items()},
        sections=[*flows.by_name, "general", "canned", "desk"],
    )


def write(flows: Flows, content: Content, out: Path, today: date) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build(flows, content, today), encoding="utf-8")
    return out
