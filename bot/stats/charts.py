"""The report's charts, drawn with matplotlib as SVG to be put inline in the page.

A chart is drawn from published figures only (shown counts, "< 5" marks, ranges): what it shows
is what the tables show. Black text on white, hatching rather than colour alone for what is
uncertain, so it reads in print and in grey; the same input gives the same SVG, byte for byte.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.stats.suppress import SMALL_MAX, Cell, Range

# Okabe and Ito's palette: told apart with any colour vision, and in grey by lightness.
COLOURS: Final = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9")
INK: Final = "#222222"
HATCH: Final = "////"
WIDTH: Final = 7.2  # inches: the width of a printed A4 page's text
STYLE: Final[dict[Any, Any]] = {
    "svg.hashsalt": "sspbot-stats", "svg.fonttype": "path", "font.size": 9,
    "font.family": "DejaVu Sans", "axes.edgecolor": INK, "axes.labelcolor": INK,
    "xtick.color": INK, "ytick.color": INK, "text.color": INK,
    "axes.spines.top": False, "axes.spines.right": False}
_ID = re.compile(r'\bid="([^"]+)"')


@dataclass(frozen=True)
class Series:
    label: str
    cells: Sequence[Cell]


def _svg(figure: Figure, prefix: str, title: str) -> str:
    """The figure as an inline <svg> element: no XML prologue or metadata, its ids prefixed so
    several charts can share one page, and a title for screen readers."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL)
    for name in sorted(set(_ID.findall(text)), key=len, reverse=True):
        text = text.replace(f'id="{name}"', f'id="{prefix}-{name}"')
        text = text.replace(f'"#{name}"', f'"#{prefix}-{name}"')
        text = text.replace(f"url(#{name})", f"url(#{prefix}-{name})")
    title_element = f"<title>{_escape(title)}</title>"
    return re.sub(r"<svg([^>]*)>", rf'<svg\1 role="img">{title_element}', text, count=1)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def monthly(prefix: str, title: str, months: Sequence[str], series: Sequence[Series],
            small_label: str) -> str:
    """Grouped bars per month; a count under 5 is an open, hatched bar as high as 4 could be,
    marked "< 5", never its true height."""
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(WIDTH, 3.0), layout="constrained")
        axes = figure.add_subplot()
        width = 0.8 / max(1, len(series))
        for index, one in enumerate(series):
            colour = COLOURS[index % len(COLOURS)]
            for position, cell in enumerate(one.cells):
                x = position - 0.4 + width * (index + 0.5)
                label = one.label if position == 0 else None
                if cell.value is not None:
                    axes.bar(x, cell.value, width, color=colour, label=label)
                    axes.annotate(str(cell.value), (x, cell.value), ha="center", va="bottom",
                                  fontsize=7, xytext=(0, 1), textcoords="offset points")
                else:
                    axes.bar(x, SMALL_MAX, width, facecolor="white", edgecolor=colour,
                             hatch=HATCH, label=label)
                    axes.annotate(small_label, (x, SMALL_MAX), ha="center", va="bottom",
                                  fontsize=7, xytext=(0, 1), textcoords="offset points")
        axes.set_xticks(range(len(months)), months)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylim(bottom=0)
        axes.margins(y=0.15)
        figure.legend(loc="outside upper center", frameon=False, fontsize=8,
                      ncols=max(1, len(series)))
        return _svg(figure, prefix, title)


def period(prefix: str, title: str, groups: Sequence[str], ranges: Sequence[Range],
           shown: Sequence[str]) -> str:
    """Horizontal bars for a period's totals: solid to what is sure, hatched to what could be."""
    with matplotlib.rc_context(STYLE):
        height = 0.45 + 0.32 * len(groups)
        figure = Figure(figsize=(WIDTH, height), layout="constrained")
        axes = figure.add_subplot()
        rows = range(len(groups))[::-1]
        for row, one, text in zip(rows, ranges, shown, strict=True):
            axes.barh(row, one.low, 0.6, color=COLOURS[0])
            if not one.exact:
                axes.barh(row, one.high - one.low, 0.6, left=one.low, facecolor="white",
                          edgecolor=COLOURS[0], hatch=HATCH)
            axes.annotate(text, (one.high, row), va="center", ha="left", fontsize=8,
                          xytext=(3, 0), textcoords="offset points")
        axes.set_yticks(list(rows), groups)
        axes.set_xlim(left=0, right=max([r.high for r in ranges] + [SMALL_MAX]) * 1.15 + 0.5)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.tick_params(axis="y", length=0)
        return _svg(figure, prefix, title)


def waits(prefix: str, title: str, groups: Sequence[str],
          figures: Sequence[tuple[int | None, int | None]], names: tuple[str, str],
          too_few: str) -> str:
    """Median and 90th percentile of the waits per group; "too few" where not shown."""
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(WIDTH, 0.6 + 0.55 * len(groups)), layout="constrained")
        axes = figure.add_subplot()
        rows = range(len(groups))[::-1]
        top = max([v for pair in figures for v in pair if v is not None] + [10])
        for row, pair in zip(rows, figures, strict=True):
            for offset, (value, name, colour) in enumerate(zip(
                    pair, names, COLOURS[:2], strict=True)):
                y = row + 0.18 - 0.36 * offset
                label = name if row == rows[0] else None
                if value is None:
                    axes.barh(y, 0, 0.34, color=colour, label=label)
                    axes.annotate(too_few, (0, y), va="center", ha="left", fontsize=8,
                                  xytext=(3, 0), textcoords="offset points")
                else:
                    axes.barh(y, value, 0.34, color=colour, label=label)
                    axes.annotate(str(value), (value, y), va="center", ha="left", fontsize=8,
                                  xytext=(3, 0), textcoords="offset points")
        axes.set_yticks(list(rows), groups)
        axes.set_xlim(left=0, right=top * 1.2)
        axes.tick_params(axis="y", length=0)
        figure.legend(loc="outside upper center", frameon=False, fontsize=8, ncols=2)
        return _svg(figure, prefix, title)

