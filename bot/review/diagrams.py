"""Each flow's diagram for reviewers: states by their Danish names, arrows by the buttons.

The arrows are found by stepping the real flow (the pure step function) from its first state,
for every audience, with the desk open and closed: so an arrow is a button a reader can press,
labelled as they read it. Ways out that every step offers ("Til menuen", "Skjul alt") are said
once under the diagram instead of drawn from every box, and a flow with many pages (the
advice) is drawn as one small diagram per choice at its start.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections import defaultdict, deque
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

import graphviz
from markupsafe import Markup

from bot.core.content import Content
from bot.review.names import Names
from bot.review.previews import samples, with_samples
from flows.engine import (
    STALE_BUTTON,
    USE_BUTTONS,
    Event,
    EventKind,
    Facts,
    Flow,
    Flows,
    Session,
)

FACTS: Final = (Facts(desk_open=True),
                Facts(desk_open=False, desk_opens_at=datetime(2026, 11, 30, 9, 30)))
SAMPLE_TEXT: Final = "Hej"  # what a reader types where typing moves the flow
CONSULTANT: Final = "Mette"
VARIANTS_PER_STATE: Final = 8  # answers remembered so far that are tried, per state and reader
SPLIT_VARIANTS: Final = 80  # the same in a split flow, where each choice at the start counts
SPLIT_AT: Final = 20  # a flow with more states is drawn one diagram per choice at its start
LABEL_WIDTH: Final = 18  # characters per line in a box
ARROW_WIDTH: Final = 16  # characters per line on an arrow
MOST_LABELS: Final = 3  # buttons named on one arrow; more are counted
MANY_STEPS: Final = 3  # a button on this many steps is said once, not drawn from each
FONT: Final = "Helvetica"
SCREEN_WIDTH: Final = 800  # points (about 1070 pixels): the page's width for a diagram
_XML_HEAD = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
_IGNORED: Final = frozenset({STALE_BUTTON, USE_BUTTONS})


@dataclass(frozen=True)
class Edge:
    source: str
    target: str  # a state of this flow, or "flow:state" for a step into another flow
    label: str
    branch: str | None  # the choice at the flow's start this arrow follows (split flows)


@dataclass(frozen=True)
class Diagram:
    title: str | None  # the choice at the start it follows, for a split flow
    svg: Markup


@dataclass(frozen=True)
class Drawing:
    diagrams: list[Diagram]
    ways_out: list[str]  # "»Til menuen« fører til Start og menu: Menuen", said once


def _labels(flows: Flows, content: Content, flow: Flow, state: str,
            audience: str) -> dict[str, str]:
    reply = flows.prompt_reply(Session(flow.name, state, audience, 0))
    reply = with_samples(content, replace(reply, variables={}), samples(content))[0]
    return {b.choice: b.label for row in content.render(reply, audience).buttons for b in row}


def explore(flows: Flows, content: Content, flow: Flow, names: Names) -> list[Edge]:
    """Every arrow a reader can follow, found by stepping the flow."""
    split = len(flow.prompts) > SPLIT_AT
    edges: dict[Edge, None] = {}
    tried: dict[tuple[str, str], int] = defaultdict(int)
    seen: set[str] = set()
    labels: dict[tuple[str, str], dict[str, str]] = {}
    queue: deque[tuple[str, str, dict[str, Any], str | None]] = deque(
        (flow.initial, audience, {}, None) for audience in sorted(flow.audiences))
    unreached = [*flow.prompts]
    while queue or unreached:
        if not queue:  # a state only another flow or the desk leads into: start there too
            state = unreached.pop(0)
            if not any(reached == state for reached, _ in tried):
                queue.extend((state, audience, {}, None)
                             for audience in sorted(flow.audiences_of(state)))
            continue
        state, audience, data, branch = queue.popleft()
        key = json.dumps([state, audience, data, branch], sort_keys=True, default=str)
        if key in seen or tried[state, audience] >= (SPLIT_VARIANTS if split
                                                      else VARIANTS_PER_STATE):
            continue
        seen.add(key)
        tried[state, audience] += 1
        prompt = flow.prompts[state]
        if (state, audience) not in labels:
            labels[state, audience] = _labels(flows, content, flow, state, audience)
        said = labels[state, audience]
        events: list[tuple[Event, str, str | None]] = [
            (Event(EventKind.CHOICE, c.name, step=0), said.get(c.name, c.name), c.name)
            for c in prompt.all_choices if c.offered_to(audience)]
        if prompt.text_trigger or prompt.relay:
            words = names.words["relays" if prompt.relay else "writes"]
            events.append((Event(EventKind.TEXT, SAMPLE_TEXT), f"({words})", None))
        if prompt.relay:
            events += [(Event(EventKind.DESK, name, CONSULTANT), f"({what})", None)
                       for name, what in names.desk_events.items() if name in flows.desk_events]
        session = Session(flow.name, state, audience, 0, data)
        for facts in FACTS:
            for event, label, choice in events:
                outcome = flows.step(session, event, facts)
                if any(reply.template in _IGNORED for reply in outcome.replies):
                    continue
                moved = outcome.session
                here = branch if state != flow.initial or not split else choice
                if moved.flow != flow.name:
                    edges[Edge(state, f"{moved.flow}:{moved.state}", label, here)] = None
                    continue
                if event.kind is EventKind.DESK and moved.state == state:
                    continue
                edges[Edge(state, moved.state, label, here)] = None
                onward = None if moved.state == flow.initial else here
                queue.append((moved.state, moved.audience or audience, dict(moved.data),
                              onward))
    return list(edges)


def _wrap(text: str, width: int = LABEL_WIDTH) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _target_name(flows: Flows, names: Names, target: str) -> str:
    flow, _, state = target.partition(":")
    if flow not in flows.by_name:
        return target
    return names.section(flow) + (f": {names.state(flow, state)}" if state else "")


def _backwards(flow: Flow, edges: list[Edge]) -> set[tuple[str, str]]:
    """Arrows against the reading order (the table's order of states) that close a circle:
    "Tilbage", "Ret" from the summary, "Mere" at the end."""
    rank = {state: index for index, state in enumerate(flow.prompts)}
    onward: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        onward[e.source].add(e.target)

    def reaches(start: str, goal: str) -> bool:
        seen, todo = {start}, [start]
        while todo:
            for nxt in onward[todo.pop()] - seen:
                if nxt == goal:
                    return True
                seen.add(nxt)
                todo.append(nxt)
        return False

    return {(e.source, e.target) for e in edges if ":" not in e.target
            and rank[e.target] < rank[e.source] and reaches(e.target, e.source)}


def _merge_entries(edges: list[Edge]) -> list[Edge]:
    """One button that leads into another flow at different states (the desk open or closed)
    leads into that flow: one box, not two."""
    targets: dict[tuple[str, str, str, str | None], set[str]] = defaultdict(set)
    for e in edges:
        if ":" in e.target:
            targets[e.source, e.label, e.target.partition(":")[0], e.branch].add(e.target)
    merged = []
    for e in edges:
        flow = e.target.partition(":")[0]
        if ":" in e.target and len(targets[e.source, e.label, flow, e.branch]) > 1:
            e = replace(e, target=flow + ":")
        merged.append(e)
    return list(dict.fromkeys(merged))


def _ways_out(flow: Flow, edges: list[Edge], flows: Flows,
              names: Names) -> tuple[list[Edge], list[str]]:
    """Buttons many steps offer ("Til menuen", "Skjul alt", "Tilbage") are said once, in
    words, under the diagram; the rest are drawn."""
    backwards = _backwards(flow, edges)
    sources = {e.source for e in edges}
    leaving: dict[tuple[str, str], set[str]] = defaultdict(set)
    back: dict[str, set[str]] = defaultdict(set)
    onward_labels = {e.label for e in edges if (e.source, e.target) not in backwards}
    for e in edges:
        if ":" in e.target:
            leaving[e.label, e.target].add(e.source)
        elif (e.source, e.target) in backwards and e.label not in onward_labels:
            back[e.label].add(e.source)
    words = names.words
    said = []
    for (label, target), froms in sorted(leaving.items()):
        if len(froms) >= MANY_STEPS:
            where = (words["from_every_step"] if froms >= sources
                     else words["from_steps"].format(n=len(froms)))
            said.append(f"{where}: »{label}« {words['to']} "
                        f"{_target_name(flows, names, target)}.")
    for label, froms in sorted(back.items()):
        if len(froms) >= MANY_STEPS:
            where = (words["from_every_step"] if froms >= sources - {flow.initial}
                     else words["from_steps"].format(n=len(froms)))
            said.append(f"{where}: »{label}« {words['back_a_step']}.")
    kept = [e for e in edges
            if len(leaving.get((e.label, e.target), ())) < MANY_STEPS
            and not ((e.source, e.target) in backwards
                     and len(back.get(e.label, ())) >= MANY_STEPS)]
    return kept, said


def draw(flows: Flows, content: Content, flow: Flow, names: Names) -> Drawing:
    """The flow's diagram(s), and the ways out many steps offer."""
    kept, ways_out = _ways_out(flow, _merge_entries(explore(flows, content, flow, names)),
                               flows, names)
    if len(flow.prompts) <= SPLIT_AT:
        return Drawing([Diagram(None, _svg(flows, flow, names, kept))], ways_out)
    branches = list(dict.fromkeys(e.branch for e in kept if e.branch))
    first = {e.branch: e.label for e in kept if e.source == flow.initial and e.branch}
    return Drawing([Diagram(first.get(b, b), _svg(flows, flow, names, [
        e for e in kept if e.branch == b])) for b in branches], ways_out)


@dataclass
class _Arrow:
    labels: list[str]
    back: bool = False  # drawn against the reading order, dashed
    both: bool = False  # there and back: "Ret" from the summary, and the answer back


def _arrows(flow: Flow, edges: list[Edge]) -> dict[tuple[str, str], _Arrow]:
    backwards = _backwards(flow, edges)
    arrows: dict[tuple[str, str], _Arrow] = {}
    for e in edges:
        back = (e.source, e.target) in backwards
        arrow = arrows.setdefault((e.source, e.target), _Arrow([], back))
        if e.label not in arrow.labels:
            arrow.labels.append(e.label)
    for (source, target), arrow in list(arrows.items()):
        onward = arrows.get((target, source))
        elsewhere = {label for (s, t), a in arrows.items() if s == target and t != source
                     for label in a.labels}
        if (arrow.back and onward is not None and not onward.back
                and set(onward.labels) <= elsewhere):
            # The way back is the answer to the question it asked: one arrow, both ways,
            # drawn in the reading order and named by the button that goes back.
            arrows[target, source] = _Arrow(arrow.labels, both=True)
            del arrows[source, target]
    return arrows


def _chains(flow: Flow, arrows: dict[tuple[str, str], _Arrow]) -> dict[str, list[str]]:
    """Pages read one after another (one way in, one way on, same readers) become one box:
    head state -> the states in it, in order."""
    outs: dict[str, list[str]] = defaultdict(list)
    ins: dict[str, list[str]] = defaultdict(list)
    for source, target in arrows:
        if source != target:
            outs[source].append(target)
            ins[target].append(source)

    def joins(state: str) -> str | None:
        onward = outs[state]
        if flow.initial in (state, *onward) or len(onward) != 1 or ":" in onward[0]:
            return None
        nxt = onward[0]
        arrow = arrows[state, nxt]
        same = flow.audiences_of(state) == flow.audiences_of(nxt)
        alone = ins[nxt] == [state] and (nxt, nxt) not in arrows and (state, state) not in arrows
        return nxt if same and alone and not arrow.back and not arrow.both and len(
            arrow.labels) == 1 else None

    heads = [s for s in flow.prompts if s in outs or s in ins]
    inside = {nxt for s in heads if (nxt := joins(s))}
    chains = {}
    for head in heads:
        if head in inside:
            continue
        chain = [head]
        while (nxt := joins(chain[-1])) and nxt not in chain:
            chain.append(nxt)
        chains[head] = chain
    return chains


def _svg(flows: Flows, flow: Flow, names: Names, edges: list[Edge]) -> Markup:
    arrows = _arrows(flow, edges)
    chains = _chains(flow, arrows)
    tail = {chain[-1]: head for head, chain in chains.items()}
    box = {state: head for head, chain in chains.items() for state in chain}
    nodes = list(dict.fromkeys([*(head for head in chains), *(
        t for _, t in arrows if ":" in t)]))
    ids = {node: f"n{index}" for index, node in enumerate(nodes)}
    graph = graphviz.Digraph(
        flow.name,
        graph_attr={"fontname": FONT, "nodesep": "0.3", "ranksep": "0.4",
                    "bgcolor": "transparent"},
        node_attr={"shape": "box", "style": "rounded,filled", "fillcolor": "#eef3f7",
                   "fontname": FONT, "fontsize": "14", "margin": "0.15,0.08"},
        edge_attr={"fontname": FONT, "fontsize": "12", "color": "#5b8bb4",
                   "fontcolor": "#1b3a57"})
    for node in nodes:
        if ":" in node:
            graph.node(ids[node], "→ " + _wrap(_target_name(flows, names, node)),
                       style="rounded,dashed", fillcolor="", color="#888888")
            continue
        lines = []
        for index, state in enumerate(chains[node]):
            if index:
                lines.append("↓ " + arrows[chains[node][index - 1], state].labels[0])
            lines.append(_wrap(names.state(flow.name, state)))
        shown_to = flow.audiences_of(node)
        if shown_to != flow.audiences:
            order = list(names.audiences)
            lines.append("(" + ", ".join(names.audience(a) for a in sorted(
                shown_to, key=lambda a: order.index(a) if a in order else len(order))) + ")")
        graph.node(ids[node], "\n".join(lines),
                   fillcolor="#f3b33d" if node == flow.initial else "#eef3f7")
    for (source, target), arrow in arrows.items():
        if box.get(source) != source and tail.get(source) is None:
            continue  # inside a box
        if target in box and box[target] != target:
            continue
        said = arrow.labels
        if len(said) > MOST_LABELS:
            said = [*said[:MOST_LABELS - 1],
                    names.words["and_others"].format(n=len(said) - MOST_LABELS + 1)]
        graph.edge(ids[box.get(source, source)], ids[box.get(target, target)],
                   label=" " + "\n".join(_wrap(s, ARROW_WIDTH) for s in said),
                   style="dashed" if arrow.back else "solid",
                   dir="both" if arrow.both else "forward",
                   constraint="false" if arrow.back and not arrow.both else "true")
    return Markup(_XML_HEAD.sub("", _best_layout(graph)))


def _best_layout(graph: graphviz.Digraph) -> str:
    """Top-down or left-to-right, whichever is shown larger on a laptop's page (the page is
    SCREEN_WIDTH points wide and scrolls down); top-down when they are alike."""
    drawn = {}
    for rankdir in ("TB", "LR"):
        graph.graph_attr["rankdir"] = rankdir
        svg = graph.pipe(format="svg", quiet=True).decode("utf-8")
        size = _SIZE.search(svg)
        width, height = (float(size.group(1)), float(size.group(2))) if size else (1.0, 1.0)
        scale = min(1.0, SCREEN_WIDTH / width) - max(0.0, height - 2 * SCREEN_WIDTH) / 1e4
        drawn[rankdir] = (scale, svg)
    return max(drawn.values(), key=lambda pair: pair[0])[1]
