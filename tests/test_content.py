"""Every message every flow can show renders for every audience, within Telegram's rules."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from jinja2 import meta

from bot.content import LAYERS, Content
from bot.desk import DESK_TEMPLATES
from bot.readability import LIX_TARGETS, lix
from bot.telegram_format import telegram_message
from flows import build_flows
from flows.case import OUTCOMES
from flows.engine import AUDIENCES, Reply
from flows.hours import OfficeHours
from flows.report import CATEGORIES
from sandbox.telegram_html import parse

ROOT = Path(__file__).resolve().parent.parent / "content"
HOURS = OfficeHours.parse("mon-thu 09:00-15:00, fri 09:00-13:00")
GLOBALS = {"session_days": 30, "report_text_days": 30, "desk_hours": HOURS.blocks(),
           "description_limit": 1500}
CONTENT = Content(ROOT, GLOBALS)
FLOWS = build_flows()
TELEGRAM_LIMIT = 4096
# Example values for every variable a template may use; every combination is rendered.
EXAMPLES: dict[str, list[object]] = {
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
    "category": list(CATEGORIES),
    "length": [1612],
    "limit": [1500],
    "status": ["received", "in_progress", "closed"],
    "reply": ["Tak. Vi har talt med din lærer. Skriv igen, hvis det sker igen.", None],
    "victim": ["friend"],
    "image_kind": ["nude"],
    "place": ["snapchat"],
    "time": ["this_week"],
    "ongoing": ["yes"],
    "involved": ["adult", "skip"],
    "description": ["Nogen har lavet en profil med mit navn <og> billeder.", None],
}
STAFF_EXAMPLES: dict[str, list[object]] = {
    **EXAMPLES,
    "label": [47],
    "person": ["child", "parent"],
    "urgent": [True, False],
    "first_message": ["Nogen har delt et billede af mig <b>", None],
    "consultant": ["Mette", None],
    "person_ended": [True, False],
    "outcome": list(OUTCOMES),
    "text": ["Hej! Jeg har brug for hjælp. " * 20],
    "cases": [[], [{"label": 3, "audience": "teen", "subject": "conversation", "urgent": True,
                    "consultant": None, "waiting_minutes": 12}]],
    "waiting_minutes": [15],
    "names": [["police", "snapchat"]],
    "name": ["police"],
    "is_report": [True, False],
    "answers": [{"category": "image_shared", "victim": "me", "image_kind": "nude",
                 "danger": "no", "place": "tiktok", "time": "today", "ongoing": "yes",
                 "involved": "online_only", "description": "De truer med at dele det."},
                {"category": "witnessed", "victim": None, "image_kind": None, "danger": "yes",
                 "place": "school", "time": "longer_ago", "ongoing": "unknown",
                 "involved": None, "description": None}],
    "subject": ["conversation", "extortion"],
}


def variables_of(template: str) -> set[str]:
    """The variables a template uses beyond the globals."""
    env = CONTENT._envs[None]
    source = env.loader.get_source(env, template + ".j2")[0]  # type: ignore[union-attr]
    return meta.find_undeclared_variables(env.parse(source)) - set(GLOBALS) - {
        "contacts", "audience"}


def with_examples(reply: Reply, examples: dict[str, list[object]]) -> list[Reply]:
    names = sorted(variables_of(reply.template) - set(reply.variables))
    return [replace(reply, variables={**reply.variables, **dict(zip(names, combo, strict=True))})
            for combo in itertools.product(*(examples[name] for name in names))]


def all_replies(audience: str) -> list[Reply]:
    """Every prompt and note a person can see, with every example value of its variables."""
    replies: list[Reply] = []
    for flow in FLOWS.by_name.values():
        for state in flow.prompts:
            if audience not in flow.audiences_of(state):
                continue
            session = replace(FLOWS.new_session(), flow=flow.name, state=state, audience=audience)
            prompt = FLOWS.prompt_reply(session)
            bare = replace(prompt, variables={})
            replies.extend(with_examples(bare, EXAMPLES))
    for note in sorted(FLOWS.notes):
        if audience in FLOWS.note_audiences(note):
            replies.extend(with_examples(Reply(note), EXAMPLES))
    for name in CONTENT.names_in("canned"):
        replies.append(Reply(f"canned/{name}"))
    return replies


def staff_replies() -> list[Reply]:
    """Every message the consultants see in their group."""
    return [reply for name in DESK_TEMPLATES if name.startswith("desk/")
            for reply in with_examples(Reply(name), STAFF_EXAMPLES)]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_message_renders_within_telegrams_limits(audience: str) -> None:
    for reply in all_replies(audience):
        rendered = CONTENT.render(reply, audience)
        text, _ = parse(rendered.text)  # refuses tags Telegram does not accept
        assert 0 < len(text) <= TELEGRAM_LIMIT, reply.template
        for row in rendered.buttons:
            for button in row:
                assert button.label.strip(), (reply.template, button.choice)
                data = telegram_message(rendered)["reply_markup"]["inline_keyboard"]
                assert all(len(b["callback_data"].encode()) <= 64 for r in data for b in r)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_message_meets_its_readability_target(audience: str) -> None:
    for reply in all_replies(audience):
        text = CONTENT.render(reply, audience).text
        score = lix(text)
        assert score <= LIX_TARGETS[audience], (reply.template, audience, round(score, 1))
        ends_well = re.search(r"[.!?:][«»\"]?$", parse(text)[0])
        assert ends_well, (reply.template, "end with punctuation")


PHONE_SCREEN = 600  # characters: advice is split into pages rather than scrolled


@pytest.mark.parametrize("audience", ["child", "teen", "youth"])
def test_advice_pages_fit_a_phone_screen(audience: str) -> None:
    for reply in all_replies(audience):
        if reply.template.startswith(("images/", "report/advice/")):
            text, _ = parse(CONTENT.render(reply, audience).text)
            assert len(text) <= PHONE_SCREEN, (reply.template, len(text))


def test_every_staff_message_renders_and_reads_as_for_professionals() -> None:
    for reply in staff_replies():
        rendered = CONTENT.render(reply, None)
        text, _ = parse(rendered.text)
        assert 0 < len(text) <= TELEGRAM_LIMIT, reply.template
        if reply.template != "desk/topic_name":
            assert lix(rendered.text) <= LIX_TARGETS["professional"], reply.template
    name = CONTENT.render(Reply("desk/topic_name", {
        "label": 123, "person": "professional", "subject": "image_shared", "urgent": True,
        "consultant": "Mette-Louise"}), None).text
    assert len(name) <= 128 and "<" not in name


def test_missing_variables_fail_loudly() -> None:
    with pytest.raises(Exception, match="child_age"):
        CONTENT.render(Reply("parents/talk_interest"), "parent")


def test_what_a_user_typed_can_never_become_markup() -> None:
    hostile = "<b>x</b><a href='https://evil'>&amp;"
    rendered = CONTENT.render(Reply("general/media_not_stored", {"kind": hostile}), "teen")
    assert "<a href" not in rendered.text
    escaped = CONTENT._envs["teen"].from_string("{{ x }}").render(x=hostile)
    assert escaped.startswith("&lt;b&gt;")


def test_audience_variants_override_the_common_text() -> None:
    child = CONTENT.render(FLOWS.prompt_reply(replace(FLOWS.new_session(), state="at_menu",
                                                      audience="child")), "child")
    teen = CONTENT.render(FLOWS.prompt_reply(replace(FLOWS.new_session(), state="at_menu",
                                                     audience="teen")), "teen")
    assert child.buttons != teen.buttons
    parent_help = CONTENT.render(Reply("general/help"), "parent").text
    assert "35 55 55 57" in parent_help and "116 111" not in parent_help


def _template_files() -> list[Path]:
    return sorted(ROOT.rglob("*.j2"))


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_template_explains_itself_to_the_reviewer(path: Path) -> None:
    """Opens with a Danish comment naming its purpose and exactly the variables it uses."""
    source = path.read_text()
    assert source.startswith("{#"), "start with a reviewer comment"
    comment = source[: source.index("#}")]
    assert "Formål:" in comment and "Variabler:" in comment
    env = CONTENT._envs[None]
    used = meta.find_undeclared_variables(env.parse(source)) - {"contacts", "audience",
                                                                 "desk_hours"}
    declared_line = re.split(r"\n\s*(?:Fakta|Knapper):", comment.split("Variabler:", 1)[1])[0]
    for name in used:
        assert name in declared_line, f"variable {name} is not named in the comment"
    if "ingen" in declared_line.split("(")[0]:
        assert not used, f"comment says no variables, but the template uses {sorted(used)}"


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_is_an_orphan(path: Path) -> None:
    layer, name = path.relative_to(ROOT).parts[0], str(Path(*path.relative_to(ROOT).parts[1:]))
    assert layer == "common" or layer in {x for v in LAYERS.values() for x in v}
    name = name.removesuffix(".j2")
    shared = {"general/buttons", "general/commands", "general/hours", "desk/labels"}
    shown = FLOWS.templates() | set(DESK_TEMPLATES) | shared
    included = name.startswith(("canned/", "report/advice/"))  # sent by /svar, or included
    assert name in shown or included, f"{path.relative_to(ROOT)}: shown nowhere"


def test_every_shown_template_exists_in_common() -> None:
    """Audience folders only override; the common layer has every message."""
    for name in FLOWS.templates():
        assert (ROOT / "common" / f"{name}.j2").exists(), name


def test_contacts_come_from_one_place() -> None:
    numbers = re.compile(r"\b(112|114|116 111|35 55 55 57)\b")
    for path in _template_files():
        body = path.read_text().split("#}", 1)[1]
        assert not numbers.search(body), f"{path}: a number typed into a template"
