"""QR codes for posters and slides: the web chat for everyone, Telegram for those 16 and older.

Telegram's terms require users in the EU to be 16 or older (FACTS.md section 7), so a poster for
10-15-year-olds leads to the web chat only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlencode

import segno

from flows.commands import DEEP_LINKS

UNDER_16: Final = frozenset({"10-12", "13-15", "child", "teen"})
AUDIENCES: Final = ("10-12", "13-15", "16-19", "foraelder", "fagperson")


@dataclass(frozen=True)
class Poster:
    """One link for one audience, and the files its QR code was written to."""

    audience: str
    channel: str  # web or telegram
    url: str
    files: tuple[Path, ...]


def links(audience: str, web_url: str, bot_username: str) -> dict[str, str]:
    """The web chat's link (with the audience chosen), and Telegram's deep link where the
    audience may use Telegram."""
    if audience not in DEEP_LINKS:
        raise ValueError(f"unknown audience {audience!r}; choose one of {', '.join(AUDIENCES)}")
    found: dict[str, str] = {}
    if web_url:
        found["web"] = web_url.rstrip("/") + "/?" + urlencode({"for": audience})
    if bot_username and audience not in UNDER_16:
        found["telegram"] = f"https://t.me/{bot_username.lstrip('@')}?start={audience}"
    return found


def write(audience: str, web_url: str, bot_username: str, out: Path) -> list[Poster]:
    """PNG (for print, large) and SVG (for slides, any size) for each link."""
    out.mkdir(parents=True, exist_ok=True)
    posters = []
    for channel, url in links(audience, web_url, bot_username).items():
        code = segno.make(url, error="m", micro=False)
        stem = out / f"qr-{audience}-{channel}"
        png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
        code.save(str(png), scale=12, border=4)
        code.save(str(svg), scale=4, border=4, title=url)
        posters.append(Poster(audience, channel, url, (png, svg)))
    return posters
