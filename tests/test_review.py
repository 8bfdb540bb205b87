"""What the youth council works with: lint, approvals, the booklet in a real browser."""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from bot.core.content import Content
from bot.desk.desk import DESK_TEMPLATES
from bot.review import approvals
from bot.review.lint import check_text, lint, names
from bot.review.names import load_names
from bot.review.previews import person_previews, staff_previews
from bot.service import check_approvals, content_globals
from bot.settings import SettingsError, load_settings
from flows import build_flows
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent / "content"


def sspbot(*args: str, content: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env={**os.environ, "SSPBOT_CONTENT_DIR": str(content), **env},
                          timeout=120, check=False)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(ROOT, copy)
    (copy / approvals.RECORD).unlink(missing_ok=True)
    return copy


def test_the_texts_pass_the_lint() -> None:
    assert lint(ROOT) == []


@pytest.mark.parametrize(("text", "rule"), [
    ('Hun sagde "nej".', "quotes"),
    ("Hun sagde «nej».", "quotes"),
    ("Vent lidt...", "ellipsis"),
    ("To  mellemrum.", "double space"),
    ("Click the button.", "English"),
    ("Ring til Børnetelefonen.", "name"),
    ("Skriv til en ssp-konsulent.", "name"),
])
def test_the_lint_finds_what_it_should(text: str, rule: str) -> None:
    findings = check_text("x.j2", "{# Formål: test #}\n" + text, names(ROOT))
    assert [f.rule for f in findings if f.rule.startswith(rule)], findings


def test_the_lint_leaves_good_danish_alone() -> None:
    good = '{# x #}\n<a href="https://politi.dk">Sig »nej«.</a> {{ contacts.x }} … SSP Ballerup.'
    assert check_text("x.j2", good, names(ROOT)) == []


def test_exclusions_are_honoured(content_copy: Path) -> None:
    (content_copy / "common/general/forgotten.j2").write_text("{# x #}\nVent...\n")
    assert [f.template for f in lint(content_copy)] == ["common/general/forgotten.j2"]
    (content_copy / "lint-exclusions.toml").write_text(
        '[[exclude]]\ntemplate = "common/general/forgotten.j2"\nrule = "ellipsis"\n'
        'why = "test"\n')
    assert lint(content_copy) == []


def test_approve_and_status_including_changed_since_approval(content_copy: Path) -> None:
    """An approval is of what the readers see: every audience, sample, channel and button."""
    first = sspbot("content", "status", content=content_copy)
    total = len(approvals.templates(content_copy))
    assert first.stdout.strip().endswith(
        f"0 approved, 0 changed, {total} never approved, 0 changes asked")
    approved = sspbot("content", "approve", "common/start/at_menu.j2",
                      str(content_copy / "child/start/at_menu.j2"), "--by", "Ungdomsrådet",
                      "--comment", "Fint sprog", content=content_copy)
    assert approved.returncode == 0, approved.stderr
    record = (content_copy / "approvals.toml").read_text()
    assert 'template = "child/start/at_menu.j2"' in record and 'by = "Ungdomsrådet"' in record
    assert re.search(r'sha256 = "[0-9a-f]{64}"', record) and "date = " in record
    assert 'comment = "Fint sprog"' in record
    file = content_copy / "common/start/at_menu.j2"
    file.write_text(file.read_text().replace("Formål:", "Formål (ny note):", 1))
    unchanged = sspbot("content", "status", content=content_copy).stdout
    assert f"2 approved, 0 changed, {total - 2} never approved" in unchanged  # no reader sees it
    file.write_text(file.read_text() + "\nEn ny linje.\n")
    after = sspbot("content", "status", content=content_copy).stdout
    assert "changed since approval: common/start/at_menu.j2" in after
    assert "child/start/at_menu.j2" not in after
    assert f"1 approved, 1 changed, {total - 2} never approved" in after
    wrong = sspbot("content", "approve", "common/nope.j2", "--by", "x", content=content_copy)
    assert wrong.returncode == 2 and "no template" in wrong.stderr


@pytest.mark.parametrize(("what", "edit"), [
    ("a shared button label", ("common/general/buttons.j2", "Hjælp hele døgnet",
                               "Hjælp døgnet rundt")),
    ("a number in contacts.toml", ("contacts.toml", 'phone = "112"', 'phone = "1-1-2"')),
])
def test_a_change_outside_the_file_shows_as_changed(content_copy: Path, what: str,
                                                    edit: tuple[str, str, str]) -> None:
    approvals.approve(content_copy, ["child/start/at_menu.j2", "common/general/hours.j2"],
                      "Ungdomsrådet", date(2026, 11, 24))
    assert approvals.status(content_copy).approved == ["child/start/at_menu.j2",
                                                       "common/general/hours.j2"]
    name, old, new = edit
    path = content_copy / name
    assert old in path.read_text(), what
    path.write_text(path.read_text().replace(old, new))
    after = sspbot("content", "status", content=content_copy).stdout
    assert "changed since approval: child/start/at_menu.j2" in after, what
    assert "common/general/hours.j2" not in after, what


def test_an_approval_under_the_old_fingerprint_reads_as_changed(content_copy: Path) -> None:
    """A record from before (the file's bytes' hash) still loads: a message shows as changed
    and is approved again; a part, still fingerprinted by its bytes, stays approved."""
    def old_hash(name: str) -> str:
        return hashlib.sha256((content_copy / name).read_bytes()).hexdigest()

    (content_copy / "approvals.toml").write_text(
        '[[approval]]\ntemplate = "common/start/at_menu.j2"\n'
        f'sha256 = "{old_hash("common/start/at_menu.j2")}"\nby = "Ungdomsrådet"\n'
        'date = 2026-11-01\n\n[[approval]]\ntemplate = "common/general/buttons.j2"\n'
        f'sha256 = "{old_hash("common/general/buttons.j2")}"\nby = "Ungdomsrådet"\n'
        'date = 2026-11-01\n')
    review = approvals.status(content_copy)
    assert review.changed == ["common/start/at_menu.j2"]
    assert review.approved == ["common/general/buttons.j2"]


def test_changes_asked_for_are_listed_for_a_developer(content_copy: Path) -> None:
    approvals.approve(content_copy, ["common/start/at_menu.j2"], "Ungdomsrådet",
                      date(2026, 11, 24), "God")
    approvals.ask_changes(content_copy, "common/start/hidden.j2", "Ungdomsrådet",
                          date(2026, 11, 25), "For kort")
    listed = sspbot("content", "status", content=content_copy).stdout
    assert ("changes asked: common/start/hidden.j2 by Ungdomsrådet on 2026-11-25: For kort"
            in listed)
    assert "1 changes asked" in listed
    review = approvals.status(content_copy)
    assert review.asked == ["common/start/hidden.j2"]
    assert "common/start/hidden.j2" in review.unapproved
    hidden = content_copy / "common/start/hidden.j2"
    hidden.write_text(hidden.read_text() + "\nMere tekst.\n")  # the developer answers
    answered = sspbot("content", "status", content=content_copy).stdout
    assert "For kort (changed since; review again)" in answered
    assert "never approved: common/start/hidden.j2" in answered
    approvals.approve(content_copy, ["common/start/hidden.j2"], "Ungdomsrådet",
                      date(2026, 11, 26))
    closed = approvals.status(content_copy)
    assert closed.requests == [] and "common/start/hidden.j2" in closed.approved
    assert 'resolved = 2026-11-26' in (content_copy / "approvals.toml").read_text()


def test_a_deployment_can_require_approved_texts(content_copy: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    strict = load_settings(SSPBOT_CONTENT_DIR=content_copy, SSPBOT_REQUIRE_APPROVED=True)
    with pytest.raises(SettingsError, match="never approved"):
        check_approvals(strict)
    refused = sspbot("run", content=content_copy, TELEGRAM_BOT_TOKEN="1:abcdefghijklmnop",
                     SSPBOT_SECRET="s" * 40, SSPBOT_REQUIRE_APPROVED="true",
                     TELEGRAM_API_URL="http://127.0.0.1:9",  # never reached: it stops first
                     SSPBOT_DATA_DIR=str(content_copy.parent / "data"))
    assert refused.returncode == 2 and "SSPBOT_REQUIRE_APPROVED" in refused.stderr
    lenient = load_settings(SSPBOT_CONTENT_DIR=content_copy)
    with caplog.at_level(logging.INFO):  # said once, as information: not a warning
        check_approvals(lenient)
    assert "were never approved" in caplog.text
    approvals.approve(content_copy, approvals.templates(content_copy), "Ungdomsrådet",
                      date(2026, 11, 24))
    check_approvals(strict)  # all approved: no complaint


def booklet_listing(page: str) -> set[tuple[str, str]]:
    """(template, audience) for every message the page shows, grouped or folded away."""
    listed = set()
    for template, body in re.findall(r'<article class="card[^"]*"[^>]*data-template="([^"]+)"'
                                     r'(.*?)</article>', page, re.DOTALL):
        for audiences in re.findall(r'data-audiences="([^"]+)"', body):
            listed |= {(html.unescape(template), a) for a in audiences.split()}
    return listed


def test_the_booklet_shows_every_message_and_opens_in_a_browser(tmp_path: Path) -> None:
    out = tmp_path / "booklet" / "index.html"
    made = sspbot("content", "booklet", "--out", str(out), content=ROOT)
    assert made.returncode == 0, made.stderr
    page = out.read_text()
    settings = load_settings()
    content = Content(ROOT, content_globals(settings, settings.office()))
    flows = build_flows()
    expected = {(p.reply.template, p.audience) for p in
                [*person_previews(flows, content), *staff_previews(content, DESK_TEMPLATES)]}
    assert booklet_listing(page) == expected
    shown = {template for template, _ in expected}
    assert flows.templates() <= shown  # every template any flow can show
    names = load_names(content)
    for name in flows.by_name:
        assert re.search(rf'data-diagram="{name}">\s*<figure class="diagram">(<figcaption>'
                         rf'[^<]*</figcaption>)?<svg', page), name
        assert f"<h2>{html.escape(names.section(name))}</h2>" in page  # Danish headings
    assert "make demo" in page and "sspbot review" in page
    assert "http://" not in page.split("<body>")[0] and "<script" not in page
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        view = browser.new_page(viewport={"width": 1200, "height": 900})
        view.goto(out.as_uri())
        expect(view.get_by_role("heading", name="SSP Ballerups chatbot – alle tekster")
               ).to_be_visible()
        expect(view.locator('[data-diagram="report"] svg')).to_be_visible()
        summary = view.locator('[data-template="report/reviewing"] details.variants summary')
        expect(summary.first).to_contain_text("varianter mere, der kun er forskellige i")
        expect(summary.first).to_contain_text(names.variable("category"))
        shown = view.evaluate("""() => { const copy = document.body.cloneNode(true);
            copy.querySelectorAll("code, svg, pre").forEach(e => e.remove());
            return copy.innerText; }""")
        artefacts = re.findall(r"\bNone\b|\{\{|\}\}|\b[a-z]+_[a-z_]+\b", shown)
        assert not artefacts  # Danish names, not code names; nothing left unrendered
        view.screenshot(path=str(tmp_path / "booklet.png"))
        browser.close()
    assert (tmp_path / "booklet.png").stat().st_size > 10_000
