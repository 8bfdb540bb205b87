"""Statistics without learning who anyone is (issue 15): suppression, the report, its CSV, the
period rules and `/statistik`, on a real SQLite file written through the bot's own classes.

The privacy tests read only what is published (the CSV, which is checked to equal the page)
and work out, as an attacker would, every value each hidden cell could have given all of it at
once: every month total, every other breakdown of the same things, and the period totals.
"""

from __future__ import annotations

import csv
import html
import io
import itertools
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.core.content import Content
from bot.core.conversation import STARTED
from bot.core.delivery import Person, Route
from bot.core.keys import Keys
from bot.core.store import Store
from bot.desk.cases import Cases
from bot.stats import report
from bot.stats.command import make
from bot.stats.period import month_of_week, period
from bot.stats.query import BREAKDOWNS, read
from bot.stats.summary import statistics_reply
from bot.stats.suppress import SMALL, Cell, Mark, is_safe, protect_row
from bot.stats.tables import publish

ROOT = Path(__file__).resolve().parent.parent
CONTENT = Content(ROOT / "content")
KEYS = Keys(b"k" * 32)
MONTHS = ("2026-03", "2026-04", "2026-05")
MADE = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SMALL_TEXT = "< 5"
HIDDEN_TEXT = "skjult"
PERIOD_TEXT = "i alt"


def at(month: str, day: int = 10, hour: int = 12) -> datetime:
    return datetime(int(month[:4]), int(month[5:]), day, hour, tzinfo=UTC)


class Writer:
    """Writes what the bot writes when people use it, through the bot's own classes."""

    def __init__(self, path: Path) -> None:
        self.store = Store(path, KEYS)
        self.cases = Cases(self.store)
        self.serial = 0

    def started(self, month: str, audience: str, channel: str = "telegram", n: int = 1) -> None:
        with self.store.transaction():
            for _ in range(n):
                self.store.count(STARTED, at(month), audience, channel)

    def report(self, month: str, audience: str, category: str, triage: str,
               channel: str = "telegram", n: int = 1) -> None:
        with self.store.transaction():
            for _ in range(n):
                self.serial += 1
                self.store.count("report", at(month), audience, channel)
                self.cases.open_report(audience, category, triage, {"category": category},
                                       f"code-{self.serial}", channel, at(month), True)

    def handoff(self, month: str, audience: str, in_hours: bool, wait: int | None,
                outcome: str, channel: str = "telegram") -> None:
        """A conversation with a consultant: taken after `wait` minutes, then closed."""
        with self.store.transaction():
            self.serial += 1
            person = Person(f"{self.serial:064x}", Route(channel, str(self.serial)))
            case = self.cases.open(audience, "conversation", False, person, at(month), in_hours)
            if wait is not None:
                self.cases.update(case.id, state="claimed", wait_minutes=wait,
                                  claimed_at=at(month).timestamp() + 60 * wait)
            self.cases.close(case.id, outcome, at(month, 20))

    def feedback(self, when: datetime, answer: str, audience: str | None, n: int = 1) -> None:
        with self.store.transaction():
            for _ in range(n):
                self.cases.add_feedback(answer, audience, "telegram", when)


def crafted(path: Path, child_reports: tuple[str, str] = ("child", "extortion")) -> Writer:
    """Three months with known small groups. In March: the one 10–12-year-old who reported
    extortion (from the web chat), one child who started a conversation, two hand-offs outside
    office hours, one parent who said it did not help. In April exactly five reports, all from
    teenagers about bullying; in May only three. `child_reports` moves the March report."""
    bot = Writer(path)
    bot.started("2026-03", "child", "web")
    bot.started("2026-03", "teen", n=10)
    bot.started("2026-03", "teen", "web", n=2)
    bot.started("2026-03", "youth", n=8)
    bot.started("2026-03", "parent", n=6)
    bot.started("2026-03", "professional", n=5)
    audience, category = child_reports
    bot.report("2026-03", audience, category, "red", "web")
    bot.report("2026-03", "teen", "bullying", "green", n=7)
    bot.report("2026-03", "youth", "harassment", "yellow", n=6)
    for wait in (3, 5, 8, 12):
        bot.handoff("2026-03", "teen", True, wait, "advice_given")
    bot.handoff("2026-03", "parent", True, 20, "parents_involved")
    bot.handoff("2026-03", "parent", True, 30, "advice_given")
    bot.handoff("2026-03", "youth", False, 300, "police")
    bot.handoff("2026-03", "youth", False, None, "helplines")
    bot.feedback(at("2026-03", 12), "helped_yes", "teen", n=5)
    bot.feedback(at("2026-03", 12), "helped_some", "youth")
    bot.feedback(at("2026-03", 12), "helped_no", "parent")
    bot.started("2026-04", "teen", n=9)
    bot.started("2026-04", "youth", "web", n=7)
    bot.report("2026-04", "teen", "bullying", "green", n=5)
    for wait in (4, 6, 9, 15, 25):
        bot.handoff("2026-04", "youth", True, wait, "advice_given")
    # Monday 30 March 2026 is in ISO week 14, whose Thursday is 2 April: it counts in April.
    bot.feedback(datetime(2026, 3, 30, 10, tzinfo=UTC), "helped_no", "parent")
    bot.feedback(at("2026-04"), "helped_yes", None, n=6)
    bot.started("2026-05", "child", n=20)
    bot.report("2026-05", "youth", "harassment", "yellow", n=2)
    bot.report("2026-05", "child", "hacking", "green")
    return bot


@pytest.fixture
def stored(tmp_path: Path) -> Writer:
    return crafted(tmp_path / "data" / "sspbot.sqlite3")


def publication(bot: Writer, months: Iterable[str] = MONTHS) -> tuple[str, str]:
    """The page and the CSV, as `sspbot stats` writes them."""
    built = report.build(publish(read(bot.store.db.conn, months)), CONTENT, MADE)
    return report.render_html(built, CONTENT), report.render_csv(built, CONTENT)


def csv_cells(text: str) -> dict[tuple[str, str, str], str]:
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == ["tabel", "tabelnavn", "måned", "gruppe", "gruppenavn", "vist", "antal",
                       "mindst", "højst"]
    return {(table, month, group): shown
            for table, _, month, group, _, shown, *_ in rows[1:]}


class Cells(HTMLParser):
    """Every figure of the page's tables: (table, month, group) -> the text shown."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str, str], str] = {}
        self.table = ""
        self.key: tuple[str, str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self.table = found["data-table"] or ""
        elif tag == "td":
            month = found["data-month"] or ""
            self.key = (self.table, PERIOD_TEXT if month == "period" else month,
                        found["data-group"] or "")
            self.cells[self.key] = ""

    def handle_data(self, data: str) -> None:
        if self.key is not None:
            self.cells[self.key] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.key = None


def page_cells(page: str) -> dict[tuple[str, str, str], str]:
    parser = Cells()
    parser.feed(page)
    return parser.cells


# --- the attacker: every value a hidden cell can have, given everything published -------------

def sums(ranges: list[range]) -> set[int]:
    """Every total the cells can add up to, each within its range."""
    reachable = {0}
    for values in ranges:
        reachable = {s + v for s in reachable for v in values}
    return reachable


def row_values(shown: list[str], total: int, knows_order: bool) -> list[set[int]] | None:
    """What each cell of a row can be, when its cells add up to `total`: a number is itself,
    "< 5" is 0 to 4, "skjult" is 5 or more beside a "< 5" (and, to one who knows the order
    hidden cells are taken in, no more than any shown number), else anything. None when the
    row cannot add up to `total` at all."""
    numbers = [int(s.replace(".", "")) for s in shown if s not in (SMALL_TEXT, HIDDEN_TEXT)]
    mixed = SMALL_TEXT in shown
    cap = min(numbers) if knows_order and numbers else total
    ranges = [range(int(s.replace(".", "")), int(s.replace(".", "")) + 1)
              if s not in (SMALL_TEXT, HIDDEN_TEXT)
              else range(0, SMALL) if s == SMALL_TEXT
              else range(SMALL, cap + 1) if mixed else range(0, total + 1) for s in shown]
    possible = []
    for index, own in enumerate(ranges):
        others = sums(ranges[:index] + ranges[index + 1:])
        possible.append({v for v in own if total - v in others})
    return possible if all(possible) else None


def attack(published: dict[tuple[str, str, str], str], months: Iterable[str],
           knows_order: bool) -> dict[tuple[str, str, str], set[int]]:
    """For every cell of every breakdown and month: the values consistent with all that is
    published about that month, across every table of the same things at once."""
    found: dict[tuple[str, str, str], set[int]] = {}
    for month in months:
        for population in {b.population for b in BREAKDOWNS}:
            tables = [b for b in BREAKDOWNS if b.population == population]
            shown_total = published[("overview", month, population)]
            totals = range(SMALL) if shown_total == SMALL_TEXT else [int(shown_total)]
            union: dict[tuple[str, str, str], set[int]] = defaultdict(set)
            for total in totals:
                rows = {b.name: row_values([published[(b.name, month, g)] for g in b.groups],
                                           total, knows_order) for b in tables}
                if any(values is None for values in rows.values()):
                    continue  # this total does not fit every table
                for b in tables:
                    for group, values in zip(b.groups, rows[b.name] or [], strict=True):
                        union[(b.name, month, group)] |= values
            found.update(union)
    return found


def test_no_hidden_cell_can_be_recovered_from_anything_published(stored: Writer) -> None:
    page, table = publication(stored)
    published = csv_cells(table)
    assert page_cells(page) == published
    for knows_order in (False, True):
        possible = attack(published, MONTHS, knows_order)
        for key, values in possible.items():
            if published[key] == SMALL_TEXT:
                # nobody can tell whether anyone at all is in the cell
                assert 0 in values and max(values) >= 1, (key, sorted(values))
            elif published[key] != HIDDEN_TEXT:
                assert values == {int(published[key])}
    # The period's totals add nothing: each is exactly what the months already allow.
    possible = attack(published, MONTHS, knows_order=False)
    for breakdown in BREAKDOWNS:
        for group in breakdown.groups:
            low = sum(min(possible[(breakdown.name, m, group)]) for m in MONTHS)
            high = sum(max(possible[(breakdown.name, m, group)]) for m in MONTHS)
            expected = str(low) if low == high else (
                SMALL_TEXT if high < SMALL else f"{low}–{high}")
            assert published[(breakdown.name, PERIOD_TEXT, group)] == expected, (
                breakdown.name, group)


def test_the_known_small_groups_are_hidden(stored: Writer) -> None:
    published = csv_cells(publication(stored)[1])
    # The one 10–12-year-old who reported extortion in March, in every table that counts her.
    assert published[("reports_category", "2026-03", "extortion")] == SMALL_TEXT
    assert published[("reports_audience", "2026-03", "child")] == SMALL_TEXT
    assert published[("reports_triage", "2026-03", "red")] == SMALL_TEXT
    assert published[("reports_channel", "2026-03", "web")] == SMALL_TEXT
    # ...and the cell beside her that would give her away by subtraction from 14 is hidden
    assert published[("overview", "2026-03", "reports")] == "14"
    assert published[("reports_channel", "2026-03", "telegram")] == HIDDEN_TEXT
    # April's five reports all from teenagers about bullying: the rows say only "five"
    assert published[("overview", "2026-04", "reports")] == "5"
    for breakdown in ("reports_category", "reports_audience", "reports_triage"):
        assert {published[(breakdown, "2026-04", g)] for b in BREAKDOWNS if b.name == breakdown
                for g in b.groups} == {HIDDEN_TEXT}
    # May's three reports: nothing but "< 5"
    assert published[("overview", "2026-05", "reports")] == SMALL_TEXT
    assert {v for (t, m, _), v in published.items() if t.startswith("reports") and m == "2026-05"
            } == {SMALL_TEXT}
    # No number under 5 is shown anywhere, except the waiting minutes (not a count of people)
    for (name, _, _), shown in published.items():
        if not name.startswith("wait") and shown.isdigit():
            assert int(shown) >= SMALL, (name, shown)


def test_a_hidden_person_leaves_no_trace_in_page_csv_or_charts(tmp_path: Path) -> None:
    """The March report of a 10–12-year-old about extortion, or of a professional about
    hacking: whatever a hidden cell holds, the page (charts included) and CSV are the same,
    byte for byte."""
    one = crafted(tmp_path / "one.sqlite3")
    other = crafted(tmp_path / "other.sqlite3", child_reports=("professional", "hacking"))
    assert publication(one) == publication(other)


def test_a_month_reads_the_same_in_every_report(stored: Writer) -> None:
    """So two reports of overlapping periods cannot be subtracted to find a month's cells."""
    cells = [csv_cells(publication(stored, MONTHS[:n])[1]) for n in (1, 2, 3)]
    cells.append(csv_cells(publication(stored, MONTHS[1:])[1]))
    for month in MONTHS:
        shown = [{(t, g): v for (t, m, g), v in c.items() if m == month} for c in cells]
        present = [s for s in shown if s]
        assert len(present) >= 2 and all(s == present[0] for s in present), month


@pytest.mark.parametrize(("values", "expected"), [
    ([12, 9, 7], "12 9 7"),  # nothing small: all shown
    ([3, 1, 0], "< < <"),  # a month under 5: every cell too
    ([10, 1, 0, 0], "10 < < <"),  # one report among four empty groups: which one is unknown
    ([10, 4, 4], "h < <"),  # 4 and 4 beside 10 would each be exactly 4
    ([9, 5, 1], "9 h <"),  # 1 beside 9 and 5 would be exactly 1
    ([6, 2], "h <"),  # two groups: the other one hides it
    ([5, 0, 0, 0], "h h h h"),  # five, all in one group: the row says only "five"
    ([5, 0], "h h"),
])
def test_rows_are_protected(values: list[int], expected: str) -> None:
    cells = protect_row(values)
    code = {Mark.SMALL: "<", Mark.HIDDEN: "h"}
    assert " ".join(code.get(c.mark, str(c.value)) for c in cells) == expected


def test_every_small_row_is_protected() -> None:
    """Every row of up to four groups with counts up to 9: nothing under 5 shown, every shown
    count true, and against the attacker above every "< 5" could be 0 and could be more."""
    for size in (2, 3, 4):
        for values in itertools.product(range(10), repeat=size):
            cells = protect_row(values)
            total = sum(values)
            assert all(c.value == v for c, v in zip(cells, values, strict=True)
                       if c.mark == Mark.SHOWN)
            assert all(c.mark != Mark.SHOWN or c.value >= SMALL for c in cells)
            if total < SMALL:
                continue
            shown = [SMALL_TEXT if c.mark == Mark.SMALL else HIDDEN_TEXT
                     if c.mark == Mark.HIDDEN else str(c.value) for c in cells]
            possible = row_values(shown, total, knows_order=True)
            assert possible is not None
            for cell, values_of in zip(cells, possible, strict=True):
                if cell.mark == Mark.SMALL:
                    assert 0 in values_of and max(values_of) >= 1, (values, shown)
            assert is_safe(cells, total)


def test_the_csv_matches_the_page_and_the_key_figures(stored: Writer) -> None:
    page, table = publication(stored)
    published = csv_cells(table)
    assert page_cells(page) == published and len(published) > 250
    for key in ("started", "reports", "handoffs"):
        shown = published[("overview", PERIOD_TEXT, key)]
        assert f'<b data-key="{key}">{html.escape(shown)}</b>' in page
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    assert "https://" not in page
    assert page.count("<svg") == 9  # the monthly chart, the waits, seven breakdowns


def test_waiting_times_are_shown_only_for_enough_cases(stored: Writer) -> None:
    """A median needs 5 waits, the 90th percentile 10, and the published counts must already
    say there are that many hand-offs: whether a figure is shown then tells nothing new."""
    published = csv_cells(publication(stored)[1])
    # 11 hand-offs in office hours were taken: median of 3 4 5 6 8 9 12 15 20 25 30
    assert published[("wait_median", PERIOD_TEXT, "in_hours")] == "9"
    # ...but the counts shown promise only 5 in office hours (April's row is hidden whole: its
    # five were all in office hours, and "0 outside" would be a small number shown)
    assert published[("handoffs_hours", "2026-04", "outside_hours")] == HIDDEN_TEXT
    assert published[("wait_p90", PERIOD_TEXT, "in_hours")] == "for få"
    assert published[("wait_p90", PERIOD_TEXT, "all")] == "30"  # 13 hand-offs, 12 taken
    # outside office hours only one was taken: too few for anything
    assert published[("wait_median", PERIOD_TEXT, "outside_hours")] == "for få"
    assert published[("handoffs_hours", "2026-03", "in_hours")] == HIDDEN_TEXT
    assert published[("wait_median", "2026-03", "in_hours")] == "for få"
    assert published[("wait_median", "2026-04", "in_hours")] == "for få"
    assert published[("wait_median", "2026-04", "all")] == "9"


def test_feedback_counts_in_the_month_of_its_weeks_thursday(stored: Writer) -> None:
    assert month_of_week("2026-W14") == "2026-04"  # 30 March to 5 April
    assert month_of_week("2026-W40") == "2026-10"  # 28 September to 4 October
    assert month_of_week("2026-W53") == "2026-12"  # 28 December 2026 to 3 January 2027
    raw = read(stored.store.db.conn, MONTHS)
    assert raw.row("feedback_answer", "2026-03") == {
        "helped_yes": 5, "helped_some": 1, "helped_no": 1}
    assert raw.row("feedback_answer", "2026-04")["helped_no"] == 1
    assert raw.row("feedback_audience", "2026-04")["unknown"] == 6


def test_a_period_is_whole_months_that_have_ended() -> None:
    assert period("2026-09", "2026-11", NOW) == ("2026-09", "2026-10", "2026-11")
    assert period("2025-12", "2026-01", NOW) == ("2025-12", "2026-01")
    for first, last, reason in [("2026-09-15", "2026-11", "whole calendar month"),
                                ("2026-09", "2026-11-30", "whole calendar month"),
                                ("2026-W40", "2026-11", "whole calendar month"),
                                ("2026-11", "2026-10", "before"),
                                ("2026-11", "2026-12", "not over yet")]:
        with pytest.raises(ValueError, match=reason):
            period(first, last, NOW)


def sspbot(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "stats", *args], capture_output=True,
                          text=True, timeout=120, check=False, cwd=ROOT,
                          env={**os.environ, "SSPBOT_DATA_DIR": str(data)})


@pytest.mark.parametrize("period_args", [
    ("--from", "2026-03-01", "--to", "2026-05"),  # a day is shorter than a month
    ("--from", "2026-05", "--to", "2026-04"),
    ("--from", "2026-03", "--to", datetime.now(UTC).strftime("%Y-%m")),  # not over yet
    ("--from", "2026-W11"),
])
def test_the_command_refuses_a_period_shorter_than_a_month(stored: Writer, tmp_path: Path,
                                                           period_args: tuple[str, ...]) -> None:
    result = sspbot(*period_args, "--out", str(tmp_path / "rapport"), data=tmp_path / "data")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sspbot: "), result.stderr
    assert lines[0].isascii()
    assert not (tmp_path / "rapport").exists()


def test_the_command_writes_the_report_from_a_running_bots_database(stored: Writer,
                                                                    tmp_path: Path) -> None:
    database = tmp_path / "data" / "sspbot.sqlite3"
    before = database.read_bytes()
    result = sspbot("--from", "2026-03", "--to", "2026-05", "--out", str(tmp_path / "rapport"),
                    data=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "rapport" / "statistik.html").read_text(encoding="utf-8")
    table = (tmp_path / "rapport" / "statistik.csv").read_text(encoding="utf-8-sig")
    assert page_cells(page) == csv_cells(table) == csv_cells(publication(stored)[1])
    assert "marts–maj 2026" in page
    assert database.read_bytes() == before  # read only: the bot's file is untouched
    missing = sspbot("--to", "2026-05", data=tmp_path / "nowhere")
    assert missing.returncode == 2 and "no database" in missing.stderr


def test_make_reads_nothing_outside_the_period(stored: Writer, tmp_path: Path) -> None:
    page, table = make(stored.store.path, CONTENT, "2026-04", "2026-04", tmp_path / "out", NOW)
    published = csv_cells(table.read_text(encoding="utf-8-sig"))
    assert {m for _, m, _ in published} == {"2026-04", PERIOD_TEXT}
    assert page.name == "statistik.html"


def test_statistik_shows_this_month_so_far_and_last_month_as_the_report_does(
        stored: Writer) -> None:
    reply = statistics_reply(stored.store, at("2026-04", 20))
    this, last = reply.variables["this_month"], reply.variables["last_month"]
    assert this["month"] == "2026-04" and last["month"] == "2026-03"
    assert set(this) == {"month", "started", "reports", "handoffs"}  # no answers mid-month
    assert this["reports"] == {"mark": "shown", "value": 5}
    published = csv_cells(publication(stored)[1])
    as_shown = {"shown": lambda c: str(c["value"]), "small": lambda c: SMALL_TEXT,
                "hidden": lambda c: HIDDEN_TEXT}
    for key, cell in [("reports", ("overview", "reports")), ("red", ("reports_triage", "red")),
                      ("handoffs", ("overview", "handoffs")),
                      ("helped_no", ("feedback_answer", "helped_no")),
                      ("feedback", ("overview", "feedback"))]:
        shown = as_shown[last[key]["mark"]](last[key])
        assert shown == published[(cell[0], "2026-03", cell[1])], key
    text = CONTENT.render(reply, None).text
    assert "Marts 2026" in text and "April 2026 indtil nu" in text
    assert "Anmeldelser: 14, heraf røde: &lt; 5" in text


def test_cells_from_the_summary_are_plain() -> None:
    assert Cell(Mark.SMALL).value is None and Cell.shown(7).value == 7
