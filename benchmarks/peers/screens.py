"""What the stock peer bots say: the real bot's texts and buttons for the benchmark's path.

The Danish texts live in `texts.json` beside this file, captured from the real bot by
`python -m benchmarks.side_by_side --capture-texts`, so that all three bots send the same words
and the same keyboards. Only plain Python here: this module is imported by the
python-telegram-bot peer (project venv) and by the aiogram peer (its own venv).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TEXTS = Path(__file__).with_name("texts.json")
NOWHERE = "none"  # callback data of a button that leads off the benchmark's path

_data: dict[str, Any] = json.loads(TEXTS.read_text(encoding="utf-8"))
FIRST: str = _data["first"]
SCREENS: dict[str, dict[str, Any]] = _data["screens"]


def text(name: str) -> str:
    """The screen's HTML text."""
    return str(SCREENS[name]["text"])


def rows(name: str) -> list[list[tuple[str, str]]]:
    """The screen's keyboard as rows of (label, callback data)."""
    return [[(button["label"], button["goto"] or NOWHERE) for button in row]
            for row in SCREENS[name]["keyboard"]]
