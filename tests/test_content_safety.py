"""The texts are safe and honest in the worst situation they can be read in (issue 11).

Every rule here reads what a person is shown: every message of every flow, for every audience
and sample, in both channels, and walks the serious paths with the desk open and closed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from bot.core.content import Rendered, load_contacts
from bot.desk.desk import DESK_TEMPLATES
from bot.review.previews import Preview, staff_previews
from flows import action_card, images, parents
from flows.engine import YOUNG, Event, EventKind, Facts, Outcome, Reply, Session
from sandbox.telegram_html import parse
from tests.test_content import CONTENT, FLOWS, PERSON_PREVIEWS

CONTACTS = load_contacts(CONTENT.root / "contacts.toml")
MONDAY_MORNING = datetime(2026, 11, 30, 9, 0)
CLOSED = Facts(desk_open=False, desk_opens_at=MONDAY_MORNING, fresh_code="K7M-Q2X-9TB")
OPEN = Facts(desk_open=True, queue_position=1, fresh_code="K7M-Q2X-9TB")
LIFELINES = {"child": ("116 111",), "teen": ("116 111",), "youth": ("116 111", "114")}


def text_of(rendered: Rendered) -> str:
    return parse(rendered.text)[0]


def labels_of(rendered: Rendered) -> list[str]:
    return [button.label for row in rendered.buttons for button in row]


def rendered_previews() -> Iterator[tuple[Preview, Rendered]]:
    for preview in PERSON_PREVIEWS:
        yield preview, CONTENT.render(preview.reply, preview.audience)


RENDERED = list(rendered_previews())
STAFF = [(p, CONTENT.render(p.reply, None)) for p in staff_previews(CONTENT, tuple(
    name for name in DESK_TEMPLATES if (CONTENT.root / "common" / f"{name}.j2").exists()))]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?:])\s+|\n+", text) if s.strip()]


# --- 1. evidence advice never asks for the nude image itself --------------------------------

EVIDENCE = re.compile(r"\b(?:tag|gem|gemme|gemmer|sikr)\b[^.!?\n]{0,30}(?:skærmbilled|bevis)"
                      r"|billede af skærmen"
                      r"|\bgem\b[^.!?\n]{0,20}(?:trusl|chat|beskeder|samtale)",
                      re.IGNORECASE)
NEVER_THE_IMAGE = re.compile(r"aldrig[^.!?\n]{0,40}(?:nøgenbilled|seksuelle billeder|"
                             r"selve billedet)", re.IGNORECASE)


def test_every_evidence_instruction_warns_never_to_keep_the_nude_image() -> None:
    found = set()
    for preview, rendered in [*RENDERED, *STAFF]:
        text = text_of(rendered)
        if EVIDENCE.search(text):
            found.add(preview.reply.template)
            assert NEVER_THE_IMAGE.search(text), (preview.reply.template, preview.audience, text)
    # the places the review found, and the ones that were right, are all checked
    assert {"report/awaiting_description", "general/media_not_stored", "images/pressured_steps",
            "report/sent", "canned/snapchat", "parents/dont_list", "images/shared_evidence",
            "parents/exposed_evidence", "action_card/securing_evidence",
            "desk/media_withheld"} <= found


# --- 2. sentences that could be read the wrong way -------------------------------------------

@pytest.mark.parametrize("wrong", ["Så stopper det ikke", "Vis dem beskederne",
                                   "Skift din kode", "Du får ikke skæld ud", "os to",
                                   "Action card", "en kendt fra nettet", "None", "{{", "}}"])
def test_no_message_says_what_could_be_misread(wrong: str) -> None:
    for preview, rendered in [*RENDERED, *STAFF]:
        shown = rendered.text + " ".join(labels_of(rendered))
        assert wrong not in shown, (preview.reply.template, preview.audience)


# --- 4. honest anonymity ----------------------------------------------------------------------

def in_telegram(preview: Preview) -> bool:
    return preview.reply.variables.get("channel", "telegram") == "telegram"


def test_nothing_said_in_telegram_claims_anonymity() -> None:
    for preview in PERSON_PREVIEWS:
        if not in_telegram(preview):
            continue
        rendered = CONTENT.render(preview.reply, preview.audience, channel="telegram")
        shown = text_of(rendered) + " " + " ".join(labels_of(rendered))
        assert not re.search(r"anonym|ved ikke,? hvem du er", shown, re.IGNORECASE), (
            preview.reply.template, preview.audience)


def test_the_web_chat_may_say_anonymous_and_telegram_says_what_is_true() -> None:
    privacy = Reply("general/privacy", {"channel": "web"})
    assert "anonym" in CONTENT.render(privacy, "teen").text
    telegram = CONTENT.render(replace(privacy, variables={"channel": "telegram"}), "teen").text
    assert "Telegram ved, at din konto har skrevet med os" in telegram
    assert "alle SSP-konsulenterne" in telegram  # who reads it: the whole staff group


def test_templates_that_talk_about_anonymity_or_telegram_branch_on_the_channel() -> None:
    for path in sorted(CONTENT.root.rglob("*.j2")):
        body = path.read_text(encoding="utf-8").split("#}", 1)[-1]
        # Pages only one channel shows (the web chat's page, Telegram's own description).
        one_channel = path.parent.name in ("web", "telegram", "booklet")
        if re.search(r"anonym|Telegram ved", body, re.IGNORECASE) and not one_channel:
            assert "channel" in body, path


# --- 7. "anmeld" is for the police -----------------------------------------------------------

def test_anmeld_is_said_only_of_the_police() -> None:
    for preview, rendered in RENDERED:
        text = text_of(rendered).replace(CONTACTS["anmelddet"]["name"], "Red Barnet")
        text = text.replace(CONTACTS["anmelddet"]["web"], "")
        for sentence in sentences(text):
            if re.search(r"anmeld", sentence, re.IGNORECASE):
                assert "politi" in sentence.lower(), (preview.reply.template, sentence)
        for label in labels_of(rendered):
            assert "anmeld" not in label.lower(), (preview.reply.template, label)


# --- 3. promises follow the desk; serious paths end with 112 and a 24-hour line ---------------

PROMISE = re.compile(r"(?<!lige )\bnu\b|hurtigt|forrest|snart|med det samme|straks|i dag",
                     re.IGNORECASE)
CONSULTANTS = re.compile(r"konsulent|SSP|voksne? (?:fra|i) SSP")


def promises(shown: str) -> list[str]:
    return [s for s in sentences(shown) if CONSULTANTS.search(s) and PROMISE.search(s)
            and not re.search(r"\b(?:ikke|ingen)\b", s)]


def test_no_promise_about_consultants_while_the_desk_is_closed() -> None:
    for preview, rendered in RENDERED:
        if preview.reply.variables.get("desk_open") is True:
            continue  # this rendering is only shown while someone is on duty
        shown = text_of(rendered) + "\n" + "\n".join(labels_of(rendered))
        assert not promises(shown), (preview.reply.template, preview.audience, promises(shown))


def ends_with_help_now(text: str, audience: str) -> bool:
    last = text.strip().split("\n\n")[-1]
    return CONTACTS["emergency"]["phone"] in last and all(
        number in last for number in LIFELINES[audience])


def press(session: Session, choice: str, facts: Facts) -> Outcome:
    return FLOWS.step(session, Event(EventKind.CHOICE, choice, step=session.step), facts)


ANSWERS = {"choosing_victim": "me", "choosing_image_kind": "nude", "danger_now": "continue",
           "choosing_place": "snapchat", "choosing_time": "today", "asking_ongoing": "yes",
           "choosing_involved": "online_only", "awaiting_description": "skip",
           "reviewing": "send"}


def send_report(audience: str, category: str, danger: str, facts: Facts,
                victim: str = "me") -> Outcome:
    """Answer whatever the report asks, in whatever order, until it is sent."""
    outcome = press(Session("start", "at_menu", audience, 2), "report", facts)
    answers = {**ANSWERS, "choosing_category": category, "asking_danger": danger,
               "choosing_victim": victim}
    for _ in range(30):
        if outcome.session.state == "asking_follow_up":
            return outcome
        outcome = press(outcome.session, answers[outcome.session.state], facts)
    raise AssertionError("the report never reached the follow-up question")


def render(reply: Reply, audience: str) -> str:
    return text_of(CONTENT.render(reply, audience))


@pytest.mark.parametrize("audience", sorted(YOUNG))
@pytest.mark.parametrize("facts", [OPEN, CLOSED], ids=["open", "closed"])
@pytest.mark.parametrize(("category", "danger"), [("extortion", "no"), ("image_shared", "no"),
                                                  ("bullying", "yes")])
def test_a_red_report_ends_with_help_now_even_when_contact_is_declined(
        audience: str, facts: Facts, category: str, danger: str) -> None:
    sent = send_report(audience, category, danger, facts)
    receipt = next(r for r in sent.replies if r.template == "report/sent")
    assert receipt.variables["triage"] == "red"
    text = render(receipt, audience)
    assert ends_with_help_now(text, audience), text
    assert not promises(text) or facts.desk_open
    question = render(sent.replies[-1], audience)
    assert not promises(question) or facts.desk_open
    declined = press(sent.session, "no", facts)
    last_words = render(declined.replies[-1], audience)
    assert "stoler på" in last_words and ends_with_help_now(last_words, audience), last_words


@pytest.mark.parametrize("audience", sorted(YOUNG))
@pytest.mark.parametrize("category", ["extortion", "image_shared", "hacking", "grooming"])
def test_a_report_for_a_friend_advises_the_friend_not_the_one_it_happened_to(
        audience: str, category: str) -> None:
    """"Skift din adgangskode" or "det er ikke din skyld" misleads one who helps a friend."""
    for victim, reader_advice in (("me", True), ("friend", False)):
        sent = send_report(audience, category, "no", OPEN, victim)
        receipt = next(r for r in sent.replies if r.template == "report/sent")
        text = render(receipt, audience)
        assert ("din vens skyld" in text) is not reader_advice, text
        assert ("ikke din skyld" in text or "din adgangskode" in text) is reader_advice, text
        if category == "image_shared" and not reader_advice:
            assert "slet det" in text.lower(), text  # a received image of someone is deleted


@pytest.mark.parametrize("audience", sorted(YOUNG))
def test_danger_now_in_a_report_gives_112_and_a_24_hour_line(audience: str) -> None:
    outcome = press(Session("start", "at_menu", audience, 2), "report", CLOSED)
    answers = {**ANSWERS, "choosing_category": "harassment", "asking_danger": "yes"}
    while outcome.session.state != "danger_now":
        outcome = press(outcome.session, answers[outcome.session.state], CLOSED)
    text = render(outcome.replies[-1], audience)
    assert CONTACTS["emergency"]["phone"] in text
    assert all(number in text for number in LIFELINES[audience])


def read_situation(situation: str, audience: str, facts: Facts) -> list[tuple[str, str]]:
    """(state, text) of every page of a situation, the end included."""
    chooser = press(Session("start", "at_menu", audience, 2), "images", facts)
    outcome = press(chooser.session, situation, facts)
    seen = []
    while True:
        state = outcome.session.state
        seen.append((state, render(outcome.replies[-1], audience)))
        if state in ("finished", "finished_urgent"):
            return seen
        buttons = [b.choice for row in outcome.replies[-1].buttons for b in row]
        outcome = press(outcome.session, "b" if "b" in buttons else "next", facts)


@pytest.mark.parametrize("audience", sorted(YOUNG))
@pytest.mark.parametrize("facts", [OPEN, CLOSED], ids=["open", "closed"])
def test_every_page_about_pressure_ends_with_help_now(audience: str, facts: Facts) -> None:
    for state, text in read_situation("pressured", audience, facts):
        assert ends_with_help_now(text, audience), (state, text)
        assert facts.desk_open or not promises(text), (state, promises(text))


@pytest.mark.parametrize("situation", sorted(images.URGENT))
@pytest.mark.parametrize("audience", sorted(YOUNG))
@pytest.mark.parametrize("facts", [OPEN, CLOSED], ids=["open", "closed"])
def test_every_serious_situation_ends_with_help_now(situation: str, audience: str,
                                                    facts: Facts) -> None:
    if audience not in images.SITUATIONS[situation]:
        pytest.skip("not offered at this age")
    pages = read_situation(situation, audience, facts)
    (end_state, end), (_, last_page) = pages[-1], pages[-2]
    assert end_state == "finished_urgent"
    lines = ("116 111",) if situation == "hard_thoughts" else LIFELINES[audience]
    for text in (end, last_page):
        last = text.strip().split("\n\n")[-1]
        assert CONTACTS["emergency"]["phone"] in last and all(n in last for n in lines), text
    closed_words = " ".join(text for _, text in pages)
    assert facts.desk_open or not promises(closed_words)
    if not facts.desk_open:
        assert "kl. 9" in end  # says when the consultants are back


# --- 5. victims are not told they are offenders ----------------------------------------------

def test_no_under_15_is_told_their_own_image_makes_them_a_criminal() -> None:
    for preview, rendered in RENDERED:
        if preview.audience not in ("child", "teen"):
            continue
        for sentence in sentences(text_of(rendered)):
            if re.search(r"under 15|af (?:dig|sig) selv", sentence, re.IGNORECASE):
                assert not re.search(r"ulovlig|strafbar|kriminel", sentence, re.IGNORECASE), (
                    preview.reply.template, sentence)


# --- 6. what SSP does with parents is said before anyone writes -------------------------------

@pytest.mark.parametrize("audience", sorted(YOUNG))
@pytest.mark.parametrize("template", ["report/choosing_category", "consultant/intro_open"])
def test_young_people_learn_when_parents_are_involved_before_they_write(
        audience: str, template: str) -> None:
    text = render(Reply(template, {"channel": "telegram"}), audience)
    assert "forældre" in text and "alle" in text.lower()  # parents, and who reads it


# --- young adults, children and readable buttons --------------------------------------------

def test_16_to_19_year_olds_are_not_spoken_to_as_children() -> None:
    childish = re.compile(r"voksen fra SSP|voksne i SSP|fortæl det til en voksen|"
                          r"(?:få|tag|sammen med) (?:gerne )?en voksen", re.IGNORECASE)
    for preview, rendered in RENDERED:
        if preview.audience == "youth":
            shown = text_of(rendered) + " " + " ".join(labels_of(rendered))
            assert not childish.search(shown), (preview.reply.template, childish.search(shown))


def test_children_never_get_an_english_service_to_use_alone() -> None:
    for preview, rendered in RENDERED:
        text = text_of(rendered)
        if preview.audience == "child" and CONTACTS["take_it_down"]["web"] in text:
            assert "voksen" in text, preview.reply.template


BUTTON_LIMIT = 30  # characters: a full-width inline button on a phone


def test_every_button_label_fits_a_phone() -> None:
    for preview, rendered in [*RENDERED, *STAFF]:
        for label in labels_of(rendered):
            assert len(label) <= BUTTON_LIMIT, (preview.reply.template, label)
    for audience in (*sorted(YOUNG), "parent", "professional", None):
        shared = CONTENT.template("general/buttons", audience).make_module()
        for name, label in vars(shared).items():
            if not name.startswith("_"):
                assert len(str(label).strip()) <= BUTTON_LIMIT, (name, label)


# --- advice that stays on screen, and the desk's words for what a flow sends -----------------

def test_pages_with_numbers_or_links_stay_on_screen() -> None:
    numbers = [c[key] for c in CONTACTS.values() for key in ("phone", "web") if key in c]
    mine = {flow.NAME for flow in (images, parents, action_card)}
    for preview, rendered in RENDERED:
        if preview.group in mine and preview.state is not None:
            prompt = FLOWS.by_name[preview.group].prompts[preview.state]
            if any(number in rendered.text for number in numbers):
                assert prompt.keep, (preview.group, preview.state)


def test_every_subject_a_flow_can_send_has_a_name_for_the_consultants() -> None:
    labels: Any = CONTENT.template("desk/labels", None).make_module()
    subjects = labels.subjects
    for subject in images.URGENT.values():
        assert subject in subjects, subject


def test_parents_advice_changes_with_the_childs_age() -> None:
    varies = set()
    for page in parents.READING:
        texts = {render(Reply(f"parents/{page}", {"child_age": age}), "parent")
                 for age in parents.CHILD_AGES}
        if len(texts) > 1:
            varies.add(str(page))
    assert len(varies) >= len(parents.READING) * 2 // 3, sorted(varies)


@pytest.mark.parametrize("audience", [*sorted(YOUNG), "parent", "professional"])
def test_the_privacy_text_names_who_is_responsible_and_what_you_can_do(audience: str) -> None:
    text = render(Reply("general/privacy", {"channel": "telegram", "session_days": 11,
                                            "report_text_days": 22, "topic_days": 33}), audience)
    assert CONTACTS["data_controller"]["name"] in text and "/slet" in text
    # How long each thing is kept, as the settings say (never "a while"), and /slet is not
    # said to delete what it leaves: what was already sent to SSP stays in the case.
    assert all(f"{days} dage" in text for days in (11, 22, 33))
    assert "det hele" not in text and "et stykke tid" not in text
    assert "bliver i sagen" in text or "bliver hos SSP" in text
