"""Sample data and the list of every message a flow can show, for reviewers and checks.

The booklet and the content tests render the same samples, so what the youth council reads is
what the tests checked.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from jinja2 import meta

from bot.core.content import Content
from flows.case import OUTCOMES
from flows.engine import AUDIENCES, Flows, Reply
from flows.report import CATEGORIES

# Example values for every variable a message may use; every combination is rendered.
SAMPLES: Final[dict[str, list[object]]] = {
    "channel": ["telegram", "web"],
    "kind": ["photo", "document"],
    "consultant": ["Mette"],
    "desk_open": [True, False],
    "desk_opens_at": [datetime(2026, 11, 30, 9, 30), None],
    "queue_position": [1, 12],
    "code": ["K7M-Q2X-9TB"],
    "answer": ["a", "b", "c"],
    "child_age": ["under_10", "10_12", "13_15", "16_plus"],
    "level": ["green", "red", None],
    "danger": [True, False],
    "triage": ["red", "green"],
    "situation": ["pressured", "hard_thoughts"],
    "category": list(CATEGORIES),
    "length": [1612],
    "limit": [1500],
    "status": ["received", "in_progress", "closed"],
    "reply": [None],  # and the texts in content/samples.toml
    "victim": ["me", "friend"],
    "image_kind": ["nude"],
    "place": ["snapchat"],
    "time": ["this_week"],
    "ongoing": ["yes"],
    "involved": ["adult", "skip"],
    "description": [None],  # and the texts in content/samples.toml
}
STAFF_SAMPLES: Final[dict[str, list[object]]] = {
    **SAMPLES,
    "label": [47],
    "person": ["child", "parent"],
    "subject": ["conversation", "extortion"],
    "urgent": [True, False],
    "first_message": [None],
    "consultant": ["Mette", None],
    "asker": ["Jonas"],
    "person_channel": ["telegram", "web"],
    "carried": [True, False],
    "before": ["Jonas"],
    "reason": ["check", "error"],
    "to_person": [True, False],
    "person_ended": [True, False],
    "outcome": list(OUTCOMES),
    "text": [],
    "cases": [[], [{"label": 3, "audience": "teen", "subject": "conversation", "urgent": True,
                    "consultant": None, "waiting_minutes": 12}]],
    "waiting_minutes": [15],
    "names": [["police", "snapchat"]],
    "name": ["police"],
    "is_report": [True, False],
    "answers": [{"category": "image_shared", "victim": "me", "image_kind": "nude",
                 "danger": "no", "place": "tiktok", "time": "today", "ongoing": "yes",
                 "involved": "online_only", "description": None},
                {"category": "witnessed", "victim": None, "image_kind": None, "danger": "yes",
                 "place": "school", "time": "longer_ago", "ongoing": "unknown",
                 "involved": None, "description": None}],
    # /statistik: counts as shown ("shown" with a value, "small" for under 5, "hidden")
    "this_month": [{"month": "2026-12", "started": {"mark": "shown", "value": 23},
                    "reports": {"mark": "small", "value": None},
                    "handoffs": {"mark": "shown", "value": 6}}],
    "last_month": [{"month": "2026-11", **{name: {"mark": mark, "value": value}
                                           for name, mark, value in (
                        ("started", "shown", 48), ("reports", "shown", 11),
                        ("red", "shown", 5), ("handoffs", "shown", 14),
                        ("closed", "shown", 17), ("feedback", "shown", 15),
                        ("helped_yes", "shown", 9), ("helped_some", "hidden", None),
                        ("helped_no", "small", None))}, "wait_median": 14},
                   {"month": "2026-11", **{name: {"mark": mark, "value": value}
                                           for name, mark, value in (
                        ("started", "shown", 31), ("reports", "small", None),
                        ("red", "small", None), ("handoffs", "shown", 7),
                        ("closed", "shown", 8), ("feedback", "shown", 13),
                        ("helped_yes", "hidden", None), ("helped_some", "small", None),
                        ("helped_no", "small", None))}, "wait_median": None}],
}
# A sample of None (a value that is not there) is used only where the template's reviewer
# comment says the variable can be missing, so no preview shows an artefact like "None".
MAY_BE_MISSING: Final = "kan mangle"
STAFF: Final = "staff"  # the consultants, who read the desk's messages
SAMPLE_TEXTS: Final = "samples.toml"


def samples(content: Content, staff: bool = False) -> dict[str, list[object]]:
    """The samples, with what people write taken from content/samples.toml (Danish lives in
    content/, and reviewers see what the previews show)."""
    with (content.root / SAMPLE_TEXTS).open("rb") as file:
        texts = tomllib.load(file)
    merged = {**(STAFF_SAMPLES if staff else SAMPLES)}
    for name, values in texts["person"].items():
        merged[name] = [*values, *merged.get(name, [])]
    if staff:
        for name, values in texts["staff"].items():
            if name == "report_description":
                report = dict(STAFF_SAMPLES["answers"][0])  # type: ignore[call-overload]
                merged["answers"] = [{**report, "description": values[0]},
                                     *STAFF_SAMPLES["answers"][1:]]
            else:
                merged[name] = [*values, *merged.get(name, [])]
    return merged


@dataclass(frozen=True)
class Preview:
    """One message as a reader sees it: where it belongs, for whom, with which sample."""

    group: str  # the flow, "general" or "desk"
    state: str | None  # the state that shows it; None for a note
    audience: str  # an audience, or STAFF
    reply: Reply


def _source(content: Content, template: str) -> str:
    env = content.environment(None)
    loader = env.loader
    assert loader is not None
    return loader.get_source(env, template + ".j2")[0]


def variables_of(content: Content, template: str) -> set[str]:
    """The variables a template uses beyond the globals the shell always passes."""
    env = content.environment(None)
    return meta.find_undeclared_variables(env.parse(_source(content, template))) - set(
        env.globals)


def may_be_missing(comment: str, name: str) -> bool:
    """Whether the reviewer comment says this variable can be missing: `name (...; kan mangle)`,
    or a list of names followed by one such note."""
    match = re.search(rf"\b{re.escape(name)}\b[^(]*?\(([^)]*)\)", comment)
    return bool(match and MAY_BE_MISSING in match.group(1))


def with_samples(content: Content, reply: Reply,
                 samples: dict[str, list[object]]) -> list[Reply]:
    names = sorted(variables_of(content, reply.template) - set(reply.variables))
    comment = _source(content, reply.template).split("#}", 1)[0]
    values = [[v for v in samples[name] if v is not None or may_be_missing(comment, name)]
              or samples[name] for name in names]
    return [replace(reply, variables={**reply.variables, **dict(zip(names, combo, strict=True))})
            for combo in itertools.product(*values)]


def person_previews(flows: Flows, content: Content) -> list[Preview]:
    """Every prompt and note a person can see, flow by flow in table order, every audience."""
    previews: list[Preview] = []
    person = samples(content)
    for flow in flows.by_name.values():
        for state in flow.prompts:
            for audience in AUDIENCES:
                if audience not in flow.audiences_of(state):
                    continue
                session = replace(flows.new_session(), flow=flow.name, state=state,
                                  audience=audience)
                bare = replace(flows.prompt_reply(session), variables={})
                previews += [Preview(flow.name, state, audience, reply)
                             for reply in with_samples(content, bare, person)]
        for note in sorted(n for n in flows.notes if n.split("/", 1)[0] == flow.name):
            previews += _notes(flows, content, person, flow.name, note)
    for note in sorted(n for n in flows.notes if n.split("/", 1)[0] not in flows.by_name):
        previews += _notes(flows, content, person, "general", note)
    for name in content.names_in("canned"):
        previews += [Preview("canned", None, audience, Reply(f"canned/{name}"))
                     for audience in AUDIENCES]
    return previews


def _notes(flows: Flows, content: Content, person: dict[str, list[object]], group: str,
           note: str) -> list[Preview]:
    return [Preview(group, None, audience, reply)
            for audience in AUDIENCES if audience in flows.note_audiences(note)
            for reply in with_samples(content, Reply(note), person)]


def staff_previews(content: Content, templates: tuple[str, ...]) -> list[Preview]:
    staff = samples(content, staff=True)
    return [Preview("desk", None, STAFF, reply) for name in templates
            for reply in with_samples(content, Reply(name), staff)]
