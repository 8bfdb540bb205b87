"""Every message every flow can show renders for every audience, within Telegram's rules."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from jinja2 import meta

from bot.core.content import LAYERS, Content
from bot.desk.desk import DESK_TEMPLATES
from bot.review.previews import person_previews, staff_previews
from bot.review.readability import LIX_TARGETS, lix, lix_of_labels
from bot.telegram.format import telegram_message
from flows import build_flows
from flows.engine import AUDIENCES, Reply
from flows.hours import OfficeHours
from sandbox.telegram_html import parse

ROOT = Path(__file__).resolve().parent.parent / "content"
HOURS = OfficeHours.parse("mon-thu 09:00-15:00, fri 09:00-13:00")
GLOBALS = {"session_days": 30, "report_text_days": 30, "topic_days": 30,
           "desk_hours": HOURS.blocks(), "description_limit": 1500}
CONTENT = Content(ROOT, GLOBALS)
FLOWS = build_flows()
TELEGRAM_LIMIT = 4096
PERSON_PREVIEWS = person_previews(FLOWS, CONTENT)


def all_replies(audience: str) -> list[Reply]:
    """Every prompt and note this audience can see, with every sample of its variables."""
    return [p.reply for p in PERSON_PREVIEWS if p.audience == audience]


def staff_replies() -> list[Reply]:
    """Every message the consultants see in their group."""
    return [p.reply for p in staff_previews(CONTENT, DESK_TEMPLATES)
            if p.reply.template.startswith("desk/")]


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
    """By the standard LIX count (bot/review/readability.py); the buttons measured apart."""
    for reply in all_replies(audience):
        rendered = CONTENT.render(reply, audience)
        text = rendered.text
        score = lix(text)
        assert score <= LIX_TARGETS[audience], (reply.template, audience, round(score, 1))
        labels = [button.label for row in rendered.buttons for button in row]
        buttons = lix_of_labels(labels)
        assert buttons <= LIX_TARGETS[audience], (reply.template, audience, labels)
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
        "consultant": "Mette-Louise", "person_channel": "web"}), None).text
    assert len(name) <= 128 and "<" not in name


def test_missing_variables_fail_loudly() -> None:
    with pytest.raises(Exception, match="child_age"):
        CONTENT.render(Reply("parents/talk_interest"), "parent")


def test_what_a_user_typed_can_never_become_markup() -> None:
    hostile = "<b>x</b><a href='https://evil'>&amp;"
    rendered = CONTENT.render(Reply("general/media_not_stored", {"kind": hostile}), "teen")
    assert "<a href" not in rendered.text
    escaped = CONTENT.environment("teen").from_string("{{ x }}").render(x=hostile)
    assert escaped.startswith("&lt;b&gt;")


def test_audience_variants_override_the_common_text() -> None:
    child = CONTENT.render(FLOWS.prompt_reply(replace(FLOWS.new_session(), state="at_menu",
                                                      audience="child")), "child")
    teen = CONTENT.render(FLOWS.prompt_reply(replace(FLOWS.new_session(), state="at_menu",
                                                     audience="teen")), "teen")
    assert child.buttons != teen.buttons
    parent_help = CONTENT.render(Reply("general/help"), "parent").text
    assert "35 55 55 57" in parent_help and "Barnet selv kan" in parent_help


def _template_files() -> list[Path]:
    return sorted(ROOT.rglob("*.j2"))


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_template_explains_itself_to_the_reviewer(path: Path) -> None:
    """Opens with a Danish comment naming its purpose and exactly the variables it uses."""
    source = path.read_text()
    assert source.startswith("{#"), "start with a reviewer comment"
    comment = source[: source.index("#}")]
    assert "Formål:" in comment and "Variabler:" in comment
    env = CONTENT.environment(None)
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
    shared = {"general/buttons", "general/commands", "general/hours", "general/help_now",
              "desk/labels", "desk/commands", "web/page",
              "telegram/description",
              "stats/report"}  # the statistics report's words: a page, like web/page
    shared |= {"review/names", "review/demo_notice"}  # the reviewers' own words, never sent
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
