"""The statistics as people see them: the report in headless Chromium, on screen and in print,
offline; and `/statistik` in the staff group, end to end with the real bot and the sandbox."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageStat
from playwright.sync_api import Page, Request, Route, expect, sync_playwright

from bot.stats import report
from bot.stats.query import read
from bot.stats.tables import publish
from sandbox.world import CONSULTANTS, STAFF_GROUP_ID
from tests import texts as T
from tests.harness import BotProcess, Client, Staff, wait_for
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.test_stats import CONTENT, MADE, MONTHS, crafted

METTE = CONSULTANTS[0][0]
CHARTS = 9


def not_blank(path: Path) -> None:
    """A screenshot with something drawn on it: ink, and more than one or two colours."""
    image = Image.open(path).convert("L")
    low, high = image.getextrema()
    assert high - low > 150, (low, high)
    assert ImageStat.Stat(image).stddev[0] > 20
    assert len(image.getcolors(maxcolors=65536) or range(65536)) > 30


def charts_visible(page: Page) -> None:
    charts = page.locator("figure svg")
    expect(charts).to_have_count(CHARTS)
    for index in range(CHARTS):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 80, box
        # drawn, not empty: bars (paths) and text (glyphs drawn as paths)
        assert chart.locator("path").count() > 20


def test_the_report_opens_offline_with_its_charts_on_screen_and_in_print(
        tmp_path: Path) -> None:
    bot = crafted(tmp_path / "sspbot.sqlite3")
    built = report.build(publish(read(bot.store.db.conn, MONTHS)), CONTENT, MADE)
    page_file, _ = report.write(built, CONTENT, tmp_path / "rapport")
    asked: list[str] = []

    def offline(route: Route, request: Request) -> None:
        asked.append(request.url)
        if request.url == page_file.as_uri():
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.route("**/*", offline)
        page.goto(page_file.as_uri())
        expect(page.get_by_role("heading", level=1)).to_contain_text("hjælper den?")
        expect(page.get_by_role("heading", name="Hjælper det?")).to_be_visible()
        charts_visible(page)
        page.screenshot(path=str(tmp_path / "screen.png"), full_page=True)
        page.emulate_media(media="print")
        charts_visible(page)
        page.screenshot(path=str(tmp_path / "print.png"), full_page=True)
        pdf = page.pdf(format="A4")
        browser.close()
    assert asked == [page_file.as_uri()]  # nothing fetched but the page itself
    not_blank(tmp_path / "screen.png")
    not_blank(tmp_path / "print.png")
    assert len(pdf) > 50_000 and pdf.startswith(b"%PDF")


def test_statistik_in_the_staff_group(bot: BotProcess, client: Client) -> None:
    staff = Staff(client)
    client.send("/start 13-15")
    client.wait_text(T.MENU)
    staff.write("/statistik", METTE, None)
    summary = staff.wait_text("Statistik for chatbotten")
    text = summary["text"]
    assert "indtil nu" in text and "Samtaler startet: < 5" in text  # one conversation: small
    assert "Svarene for denne måned kommer" in text
    menu = wait_for(lambda: client.get("/sandbox/commands", scope=f"chat:{STAFF_GROUP_ID}"),
                    what="the staff group's command menu")
    assert "statistik" in {command["command"] for command in menu}
