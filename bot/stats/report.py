"""The report for SSP's board: one self-contained Danish HTML page with charts, and a CSV.

Both are written from one list of shown tables, so they hold the same figures; the words come
from content/common/stats/report.j2, the page's layout from bot/stats/templates/report.html.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from bot.core.content import Content
from bot.stats import charts
from bot.stats.query import REPORTS
from bot.stats.suppress import SMALL, Cell, Range
from bot.stats.tables import WAIT_GROUPS, Published, Table

WORDS: Final = "stats/report"
HTML_NAME: Final = "statistik.html"
CSV_NAME: Final = "statistik.csv"
PERIOD: Final = "period"  # the month column of a row that totals the period
TOTAL: Final = "total"  # the group column of a month's total
OVERVIEW: Final = "overview"
OVERVIEW_POPULATIONS: Final = ("started", "reports", "handoffs", "closed", "feedback")
CHARTED: Final = ("started", "reports", "handoffs")
# The sections of the report: its question, and the tables under it, each with or without a
# chart of the period's totals.
SECTIONS: Final = (
    ("who", (("started_audience", True), ("started_channel", True),
             ("reports_audience", True))),
    ("what", (("reports_category", True), ("reports_triage", True),
              ("reports_channel", False))),
    ("desk", (("handoffs_hours", False), ("handoffs_audience", False))),
    ("help", (("feedback_answer", True), ("feedback_audience", False),
              ("closed_outcome", True))),
)


@dataclass(frozen=True)
class Shown:
    """One figure as the page and the CSV show it."""

    group: str
    text: str
    n: int | None = None  # when exact
    low: int | None = None  # for a total over months
    high: int | None = None


@dataclass(frozen=True)
class Row:
    month: str  # YYYY-MM, or PERIOD
    label: str
    cells: tuple[Shown, ...]


@dataclass(frozen=True)
class ShownTable:
    code: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    chart: Markup | None = None


class Words:
    """The report's words, from content (Danish lives in content/)."""

    def __init__(self, content: Content) -> None:
        self.module: Any = content.template(WORDS, None).make_module()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)

    def text(self, name: str) -> str:
        """A label as plain text (the CSV), not as HTML."""
        return html.unescape(str(getattr(self.module, name)))

    def group(self, code: str) -> str:
        if code in self.module.groups:
            return str(self.module.groups[code])
        label = str(self.module.categories.get(code, code))
        return label[:1].upper() + label[1:]

    def count(self, group: str, cell: Cell) -> Shown:
        if cell.value is not None:
            return Shown(group, _number(cell.value), n=cell.value)
        return Shown(group, self.text("small" if cell.mark == "small" else "hidden"))

    def total(self, group: str, over: Range) -> Shown:
        if over.exact and over.low >= SMALL:
            text = _number(over.low)
        elif over.high < SMALL:
            text = self.text("small")
        else:
            text = html.unescape(str(self.module.between(_number(over.low),
                                                         _number(over.high))))
        return Shown(group, text, n=over.low if over.exact else None, low=over.low,
                     high=over.high)

    def month(self, code: str) -> str:
        return str(self.module.month(code))


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def shown_table(words: Words, table: Table) -> ShownTable:
    rows = [Row(m, words.month(m), (
        *(words.count(g, c) for g, c in zip(table.groups, table.cells[m], strict=True)),
        words.count(TOTAL, table.totals[m]))) for m in table.months]
    rows.append(Row(PERIOD, words.text("period_row"), (
        *(words.total(g, r) for g, r in zip(table.groups, table.period, strict=True)),
        words.total(TOTAL, table.period_total))))
    columns = (*(words.group(g) for g in table.groups), words.text("total_column"))
    return ShownTable(table.name, str(words.tables[table.name]), columns, tuple(rows))


def overview(words: Words, published: Published) -> ShownTable:
    rows = [Row(m, words.month(m), tuple(words.count(p, published.totals[p][m])
                                         for p in OVERVIEW_POPULATIONS))
            for m in published.months]
    rows.append(Row(PERIOD, words.text("period_row"), tuple(
        words.total(p, published.period_totals[p]) for p in OVERVIEW_POPULATIONS)))
    columns = tuple(str(words.populations[p]) for p in OVERVIEW_POPULATIONS)
    return ShownTable(OVERVIEW, str(words.tables[OVERVIEW]), columns, tuple(rows))


def wait_tables(words: Words, published: Published) -> tuple[ShownTable, ShownTable]:
    too_few = words.text("too_few")

    def shown(group: str, minutes: int | None) -> Shown:
        return Shown(group, too_few) if minutes is None else Shown(group, str(minutes),
                                                                   n=minutes)

    columns = tuple(words.group(g) for g in WAIT_GROUPS)
    median_rows = [Row(m, words.month(m), tuple(
        shown(g, published.monthly_waits[m][g].median) for g in WAIT_GROUPS))
        for m in published.months]
    median_rows.append(Row(PERIOD, words.text("period_row"), tuple(
        shown(g, published.waits[g].median) for g in WAIT_GROUPS)))
    p90 = Row(PERIOD, words.text("period_row"), tuple(
        shown(g, published.waits[g].p90) for g in WAIT_GROUPS))
    return (ShownTable("wait_median", str(words.tables["wait_median"]), columns,
                       tuple(median_rows)),
            ShownTable("wait_p90", str(words.tables["wait_p90"]), columns, (p90,)))


@dataclass(frozen=True)
class Report:
    first: str
    last: str
    made: date
    overview: ShownTable
    sections: tuple[tuple[str, tuple[ShownTable, ...]], ...]
    monthly_chart: Markup
    wait_chart: Markup
    key: dict[str, str]

    def tables(self) -> list[ShownTable]:
        """Every table, in the page's order."""
        return [self.overview, *(t for _, tables in self.sections for t in tables)]


def build(published: Published, content: Content, made: date) -> Report:
    words = Words(content)
    months = published.months
    monthly = charts.monthly(
        "monthly", words.text("figure_monthly"), [str(words.short_month(m)) for m in months],
        [charts.Series(str(words.populations[p]), [published.totals[p][m] for m in months])
         for p in CHARTED], words.text("small"))
    sections = []
    for number, (name, names) in enumerate(SECTIONS):
        tables = []
        for index, (table_name, with_chart) in enumerate(names):
            table = published.tables[table_name]
            shown = shown_table(words, table)
            if with_chart:
                svg = charts.period(f"c{number}-{index}", f"{shown.title}. "
                                    f"{words.text('figure_period')}",
                                    [words.group(g) for g in table.groups], table.period,
                                    [c.text for c in shown.rows[-1].cells[:-1]])
                shown = ShownTable(shown.code, shown.title, shown.columns, shown.rows,
                                   Markup(svg))
            tables.append(shown)
        if name == "desk":
            tables += wait_tables(words, published)
        sections.append((name, tuple(tables)))
    wait_chart = charts.waits(
        "waits", words.text("figure_wait"), [words.group(g) for g in WAIT_GROUPS],
        [(published.waits[g].median, published.waits[g].p90) for g in WAIT_GROUPS],
        (words.text("wait_median"), words.text("wait_p90")), words.text("chart_too_few"))
    return Report(months[0], months[-1], made, overview(words, published), tuple(sections),
                  Markup(monthly), Markup(wait_chart), key_figures(words, published))


def key_figures(words: Words, published: Published) -> dict[str, str]:
    """The period's totals, and the share who said it helped (yes or some), as exact as the
    shown figures allow: all answers less those that said no."""
    key = {p: words.total(p, published.period_totals[p]).text
           for p in ("started", REPORTS, "handoffs")}
    answers = published.tables["feedback_answer"]
    total = answers.period_total
    said_no = answers.period[answers.groups.index("helped_no")]
    if total.exact and total.low >= SMALL:
        low, high = (round(100 * (total.low - n) / total.low)
                     for n in (said_no.high, said_no.low))
        share = str(low) if low == high else html.unescape(str(words.between(low, high)))
        key["helped"] = str(words.share(share))
    return key


def render_html(report: Report, content: Content) -> str:
    page = resources.files("bot.stats").joinpath("templates", "report.html").read_text()
    env = Environment(autoescape=select_autoescape(default=True), trim_blocks=True,
                      lstrip_blocks=True)
    return env.from_string(page).render(report=report, labels=Words(content),
                                        PERIOD=PERIOD)


def render_csv(report: Report, content: Content) -> str:
    words = Words(content)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([words.text(name) for name in (
        "csv_table", "csv_title", "csv_month", "csv_group", "csv_group_name", "csv_shown",
        "csv_n", "csv_low", "csv_high")])
    for table in report.tables():
        for row in table.rows:
            month = words.text("csv_period") if row.month == PERIOD else row.month
            for shown, column in zip(row.cells, table.columns, strict=True):
                writer.writerow([table.code, table.title, month, shown.group, column,
                                 shown.text, _blank(shown.n), _blank(shown.low),
                                 _blank(shown.high)])
    return out.getvalue()


def _blank(n: int | None) -> str:
    return "" if n is None else str(n)


def write(report: Report, content: Content, folder: Path) -> tuple[Path, Path]:
    """statistik.html and statistik.csv (UTF-8 with a byte-order mark, ';' between fields, as
    Danish spreadsheets read it) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / HTML_NAME
    page.write_text(render_html(report, content), encoding="utf-8")
    table = folder / CSV_NAME
    table.write_text(render_csv(report, content), encoding="utf-8-sig", newline="")
    return page, table
