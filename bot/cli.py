"""The `sspbot` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.settings import SettingsError, load_settings

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sspbot", description="SSP Ballerup's chat-bot.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the bot by long polling (configured by environment)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "run":
            settings.require_token()
            settings.require_secret()
            from bot.app import run
            from bot.logs import setup_logging

            setup_logging(settings.log_level)
            asyncio.run(run(settings))
    except SettingsError as error:
        print(f"sspbot: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
