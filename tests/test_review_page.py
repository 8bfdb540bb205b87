"""The youth council reviews on their own: fingerprints of what readers see, Danish names,
readable diagrams, grouped variants, and the review page in a real browser."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect, sync_playwright

from bot.review import approvals
from bot.review.diagrams import SCREEN_WIDTH, draw
from bot.review.messages import fingerprints, reference_globals, review_content
from bot.review.names import DEMO_NOTICE, load_names
from bot.review.overview import build
from bot.review.previews import SAMPLES
from bot.service import content_globals
from bot.settings import load_settings
from flows import build_flows
from flows.engine import Reply
from sandbox.cli import demo_environment
from tests.harness import wait_for
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, free_port

REPO = Path(__file__).resolve().parent.parent
ROOT = REPO / "content"
FLOWS = build_flows()
CONTENT = review_content(ROOT)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(ROOT, copy)
    (copy / approvals.RECORD).unlink(missing_ok=True)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


# --- what an approval covers ------------------------------------------------------------

def test_the_fingerprint_covers_an_included_text(content_copy: Path) -> None:
    before = fingerprints(content_copy, FLOWS)
    edit(content_copy / "common/report/advice/bullying.j2", "Det er ikke din skyld.",
         "Det er aldrig din skyld.")
    after = fingerprints(content_copy, FLOWS)
    changed = {file for file in before if before[file] != after[file]}
    assert changed == {"common/report/sent.j2", "common/report/advice/bullying.j2"}


def test_the_fingerprint_covers_both_channels(content_copy: Path) -> None:
    before = fingerprints(content_copy, FLOWS)
    edit(content_copy / "common/general/privacy.j2", "Her i webchatten er du anonym.",
         "I webchatten er du anonym.")  # only the web chat shows this
    after = fingerprints(content_copy, FLOWS)
    assert before["common/general/privacy.j2"] != after["common/general/privacy.j2"]


def test_the_fingerprint_ignores_what_no_reader_sees(content_copy: Path) -> None:
    before = fingerprints(content_copy, FLOWS)
    edit(content_copy / "common/start/at_menu.j2", "Formål:", "Formål (rettet):")
    edit(content_copy / "common/start/at_menu.j2", "Hvad kan jeg", "{# ny note #}Hvad kan jeg")
    assert fingerprints(content_copy, FLOWS) == before


def test_the_reviewers_settings_are_the_ones_the_texts_use() -> None:
    """Approvals do not depend on one deployment's hours: the texts are fingerprinted with the
    defaults, and those are exactly the numbers the running bot passes to the texts."""
    settings = load_settings()
    assert set(reference_globals()) == set(content_globals(settings, settings.office()))


def test_the_reviewers_own_words_need_no_approval() -> None:
    assert not [t for t in approvals.templates(ROOT) if t.startswith("common/review/")]


# --- Danish names, grouping, diagrams ----------------------------------------------------

def test_every_part_state_and_variable_has_a_danish_name() -> None:
    names = load_names(CONTENT)
    for name, flow in FLOWS.by_name.items():
        assert name in names.sections, name
        missing = [state for state in flow.prompts if state not in names.states.get(name, {})]
        assert not missing, f"{name}: name {missing} in content/common/review/names.j2"
    overview = build(FLOWS, CONTENT, with_diagrams=False)
    differing = {v for s in overview.sections for c in s.cards for g in c.groups
                 for v in g.differing}
    assert differing <= set(names.variables), (  # named in content/common/review/names.j2
        differing - set(names.variables))
    assert set(SAMPLES) <= set(names.variables), set(SAMPLES) - set(names.variables)


def test_near_identical_variants_are_grouped() -> None:
    overview = build(FLOWS, CONTENT, with_diagrams=False)
    found = overview.card("common/report/reviewing.j2")
    assert found is not None
    _, card = found
    assert card.rendered > 40 and card.shown <= 3  # one bubble per group of readers
    assert all(g.others and "category" in g.differing for g in card.groups)
    shown = sum(c.shown for s in overview.sections for c in s.cards)
    rendered = sum(c.rendered for s in overview.sections for c in s.cards)
    assert shown * 2 < rendered


@pytest.mark.parametrize("flow", FLOWS.by_name)
def test_diagrams_are_readable_on_a_laptop(flow: str) -> None:
    """Danish boxes and arrows, shown at 60 % of their size or more on a laptop's page (text
    of 11 pixels or more); the long advice flow is split, one diagram per choice at its start."""
    names = load_names(CONTENT)
    drawing = draw(FLOWS, CONTENT, FLOWS.by_name[flow], names)
    for diagram in drawing.diagrams:
        width = float(re.search(r'<svg width="([\d.]+)pt"', diagram.svg).group(1))  # type: ignore[union-attr]
        assert width <= SCREEN_WIDTH * 1.6, (flow, diagram.title, width)
        labels = re.findall(r"<text[^>]*>([^<]+)</text>", diagram.svg)
        assert labels and not [t for t in labels if re.fullmatch(r"\w+_\w+", t)], labels


def test_the_unreadable_advice_diagram_is_split() -> None:
    drawing = draw(FLOWS, CONTENT, FLOWS.by_name["images"], load_names(CONTENT))
    assert len(drawing.diagrams) > 3 and all(d.title for d in drawing.diagrams)
    assert drawing.ways_out  # "Til menuen" said once, not drawn from every page


# --- production refuses unapproved texts; the demo says once that it does not -------------

def test_production_requires_approved_texts_and_the_demo_does_not(tmp_path: Path) -> None:
    example = (REPO / "deploy/.env.example").read_text()
    assert re.search(r"^SSPBOT_REQUIRE_APPROVED=true$", example, re.MULTILINE)
    demo = demo_environment("http://127.0.0.1:9", tmp_path / "data")
    assert demo["SSPBOT_REQUIRE_APPROVED"] == "false"


def test_the_demo_says_once_in_danish_that_texts_need_no_approval_there(
        tmp_path: Path) -> None:
    notice = CONTENT.render(Reply(DEMO_NOTICE), None).text
    assert "Ungdomsrådet" in notice and "SSPBOT_REQUIRE_APPROVED=true" in notice
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox.cli", "demo", "--port", str(free_port()),
             "--web-port", "0", "--data-dir", str(tmp_path / "data")],
            stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        wait_for(lambda: "Ctrl-C" in log.read_text(), timeout=60, what="the demo to start")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(20)
    said = log.read_text()
    assert said.count(notice) == 1
    line = next(line for line in said.splitlines() if notice in line)
    assert "WARNING" not in line and said.index(notice) < said.index("Ctrl-C")


# --- the review page ------------------------------------------------------------------------

@pytest.fixture
def review(content_copy: Path, tmp_path: Path) -> Iterator[str]:
    """`sspbot review` on a copy of content/, never the real approvals file."""
    log = tmp_path / "review.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "review", "--port", "0"], stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "SSPBOT_CONTENT_DIR": str(content_copy)})
    try:
        url = wait_for(lambda: (m := re.search(r"http://127\.0\.0\.1:\d+/", log.read_text()))
                       and m.group(0), timeout=60, what="the review page to start")
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(20)


def card(page: Page, file: str) -> Locator:
    return page.locator(f'article[data-file="{file}"]')


def assert_reads_well(page: Page) -> None:
    """Danish for a 17-year-old: no code names outside the file names, no artefacts, and
    nothing axe-core finds serious."""
    shown = page.evaluate("""() => { const copy = document.body.cloneNode(true);
        copy.querySelectorAll("code, svg").forEach(e => e.remove()); return copy.innerText; }""")
    assert not re.search(r"\bNone\b|\{\{|\}\}|\b[a-z]+_[a-z_]+\b", shown), re.findall(
        r"\bNone\b|\{\{|\}\}|\b[a-z]+_[a-z_]+\b", shown)
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious",
                                                                          "critical")]
    assert serious == [], results.generate_report()


def test_the_youth_council_approves_and_sees_a_change_in_a_shared_label(
        review: str, content_copy: Path, tmp_path: Path) -> None:
    real_record = ROOT / approvals.RECORD
    real_before = real_record.read_bytes() if real_record.exists() else None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(review)
        expect(page.get_by_role("heading", name="Gennemgå chatbottens tekster")).to_be_visible()
        page.get_by_role("link", name="Start og menu").click()
        expect(page.locator('[data-diagram="start"] svg')).to_be_visible()
        assert_reads_well(page)
        menu = card(page, "common/start/at_menu.j2")
        expect(menu.locator(".status")).to_have_text("ikke godkendt endnu")
        expect(menu.locator(".keyboard").first).to_contain_text("Hjælp hele døgnet")
        menu.get_by_label("Dit navn").fill("Ungdomsrådet")
        menu.get_by_label("Kommentar").fill("Kort og klart.")
        menu.get_by_role("button", name="Godkend").click()
        menu = card(page, "common/start/at_menu.j2")
        expect(menu.get_by_role("status")).to_contain_text("Gemt")
        expect(menu.locator(".status")).to_have_text("godkendt")
        expect(menu.locator(".history")).to_contain_text("Godkendt af Ungdomsrådet")
        expect(menu.locator(".history")).to_contain_text("»Kort og klart.«")
        record = (content_copy / approvals.RECORD).read_text()
        assert 'by = "Ungdomsrådet"' in record and 'comment = "Kort og klart."' in record

        # A shared button label changes: the message that shows it is marked as changed.
        edit(content_copy / "common/general/buttons.j2", "Hjælp hele døgnet",
             "Hjælp døgnet rundt")
        page.reload()
        menu = card(page, "common/start/at_menu.j2")
        expect(menu.locator(".status")).to_have_text("ændret siden godkendelse")
        expect(menu.locator(".keyboard").first).to_contain_text("Hjælp døgnet rundt")
        expect(menu.get_by_label("Dit navn")).to_have_value("Ungdomsrådet")  # remembered
        page.screenshot(path=str(tmp_path / "review.png"), full_page=False)
        browser.close()
    assert approvals.status(content_copy).changed == ["common/start/at_menu.j2"]
    assert (real_record.read_bytes() if real_record.exists() else None) == real_before


def test_asking_for_changes_works_without_javascript(review: str, content_copy: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(java_script_enabled=False).new_page()
        page.goto(review + "section/report?for=child")
        first = card(page, "child/report/choosing_category.j2")
        expect(first).to_be_visible()
        expect(page.locator("article[data-file='common/report/choosing_category.j2']")
               ).to_have_count(0)  # the child reads a text of their own
        first.get_by_label("Dit navn").fill("Sofie")
        first.get_by_role("button", name="Bed om ændringer").click()
        first = card(page, "child/report/choosing_category.j2")
        expect(first.get_by_role("alert")).to_contain_text("Skriv i kommentaren")
        assert not (content_copy / approvals.RECORD).exists()
        first.get_by_label("Kommentar").fill("»Holdt udenfor« er svært at forstå.")
        first.get_by_role("button", name="Bed om ændringer").click()
        first = card(page, "child/report/choosing_category.j2")
        expect(first.locator(".status")).to_have_text("I har bedt om ændringer")
        expect(first.locator(".history")).to_contain_text("Sofie bad om ændringer")
        assert "for=child" in page.url
        browser.close()
    review_status = approvals.status(content_copy)
    assert review_status.asked == ["child/report/choosing_category.j2"]
    assert review_status.requests[0].comment == "»Holdt udenfor« er svært at forstå."


def test_a_text_changed_while_reading_is_not_approved(review: str, content_copy: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(review + "section/start")
        menu = card(page, "common/start/at_menu.j2")
        menu.get_by_label("Dit navn").fill("Ungdomsrådet")
        edit(content_copy / "common/start/at_menu.j2", "Hvad kan jeg", "Hvad kan vi")
        menu.get_by_role("button", name="Godkend").click()
        expect(card(page, "common/start/at_menu.j2").get_by_role("alert")).to_contain_text(
            "ændret, mens du læste")
        expect(card(page, "common/start/at_menu.j2").locator(".bubble").first
               ).to_contain_text("Hvad kan vi")
        browser.close()
    assert not (content_copy / approvals.RECORD).exists()


def test_only_this_machine_and_its_own_forms_can_decide(review: str, content_copy: Path) -> None:
    form = {"file": "common/start/at_menu.j2", "name": "x", "decision": "approve",
            "fingerprint": fingerprints(content_copy, FLOWS)["common/start/at_menu.j2"]}
    forged = httpx.post(review + "decide", data={**form, "token": "guess"})
    assert forged.status_code == 403
    other_site = httpx.get(review, headers={"Host": "attacker.example"})
    assert other_site.status_code == 403
    page = httpx.get(review)
    assert page.status_code == 200 and "default-src 'none'" in page.headers[
        "Content-Security-Policy"]
    assert not re.search(r"<script|https?://(?!127\.0\.0\.1)", page.text)
    assert not (content_copy / approvals.RECORD).exists()


def test_the_review_page_stops_on_ctrl_c_also_when_started_in_the_background(
        content_copy: Path, tmp_path: Path) -> None:
    """A job a shell starts in the background inherits SIGINT ignored; Ctrl-C's signal and
    SIGTERM still stop the page."""
    log = tmp_path / "review.log"
    for sig in (signal.SIGINT, signal.SIGTERM):
        log.write_bytes(b"")
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "review", "--port", "0"], stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "SSPBOT_CONTENT_DIR": str(content_copy)},
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        try:
            wait_for(lambda: "http://127.0.0.1:" in log.read_text(), timeout=60,
                     what="the review page to start")
            process.send_signal(sig)
            assert process.wait(60) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
