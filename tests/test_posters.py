"""Posters: QR codes for the web chat, and for Telegram where the audience may use it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.tools.posters import links


def test_under_16_the_poster_leads_to_the_web_chat_only() -> None:
    web = "https://chat.example.dk/"
    assert links("10-12", web, "ssp_bot") == {"web": "https://chat.example.dk/?for=10-12"}
    assert links("13-15", web, "ssp_bot").keys() == {"web"}
    assert links("16-19", web, "@ssp_bot") == {
        "web": "https://chat.example.dk/?for=16-19",
        "telegram": "https://t.me/ssp_bot?start=16-19"}
    with pytest.raises(ValueError, match="unknown audience"):
        links("voksne", web, "ssp_bot")


def test_sspbot_qr_writes_png_and_svg(tmp_path: Path) -> None:
    env = {**os.environ, "SSPBOT_WEB_PUBLIC_URL": "https://chat.example.dk/",
           "SSPBOT_BOT_USERNAME": "ssp_ballerup_bot"}
    made = subprocess.run([sys.executable, "-m", "bot", "qr", "foraelder", "--out",
                           str(tmp_path)], capture_output=True, text=True, env=env, check=False)
    assert made.returncode == 0, made.stderr
    png = tmp_path / "qr-foraelder-web.png"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    svg = (tmp_path / "qr-foraelder-telegram.svg").read_text()
    assert "https://t.me/ssp_ballerup_bot?start=foraelder" in svg and "<svg" in svg
    missing = subprocess.run([sys.executable, "-m", "bot", "qr", "13-15"], capture_output=True,
                             text=True, env={**os.environ, "SSPBOT_WEB_PUBLIC_URL": ""},
                             check=False)
    assert missing.returncode == 2 and "SSPBOT_WEB_PUBLIC_URL" in missing.stderr
