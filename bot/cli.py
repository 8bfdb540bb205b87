"""The `sspbot` command line: run the bot, and the reviewers' content commands."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from datetime import date
from pathlib import Path
from typing import Final

from bot.settings import Settings, SettingsError, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sspbot", description="SSP Ballerup's chat-bot.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the bot by long polling (configured by environment)")
    content = commands.add_parser("content", help="the texts: booklet, approvals, status")
    actions = content.add_subparsers(dest="action", required=True)
    booklet = actions.add_parser("booklet", help="write the reviewers' booklet (HTML)")
    booklet.add_argument("--out", type=Path, default=Path("booklet/index.html"))
    approve = actions.add_parser("approve", help="record approval of templates as they read now")
    approve.add_argument("paths", nargs="+", help="template files under content/")
    approve.add_argument("--by", required=True, help="who approves, e.g. the youth council")
    approve.add_argument("--comment", default="")
    actions.add_parser("status", help="list texts never approved or changed since approval, "
                       "and the changes reviewers asked for")
    review = commands.add_parser("review", help="the review page: read, approve or ask for "
                                 "changes in a browser (on 127.0.0.1)")
    review.add_argument("--port", type=int, default=8090, help="0: any free port")
    qr = commands.add_parser("qr", help="QR codes (PNG and SVG) for posters and slides")
    qr.add_argument("audience", help="10-12, 13-15, 16-19, foraelder or fagperson")
    qr.add_argument("--out", type=Path, default=Path("posters"))
    stats = commands.add_parser(
        "stats", help="statistics for SSP's board: a Danish HTML report and a CSV, for whole "
        "months that have ended, small groups protected")
    stats.add_argument("--from", dest="first", metavar="YYYY-MM",
                       help="the first month (default: the --to month)")
    stats.add_argument("--to", dest="last", metavar="YYYY-MM",
                       help="the last month, included (default: the last month that has ended)")
    stats.add_argument("--out", type=Path, default=Path("rapport"),
                       help="folder for statistik.html and statistik.csv")
    stats.add_argument("--db", type=Path, default=None,
                       help="the database, e.g. a backup (default: the one in SSPBOT_DATA_DIR)")
    _add_operations(commands)
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "run":
            return _run(settings)
        if args.command == "qr":
            return _qr(settings, args)
        if args.command == "review":
            return _review(settings, args)
        if args.command == "stats":
            return _stats(settings, args)
        if args.command in OPERATIONS:
            return OPERATIONS[args.command](_with_env_file(settings, args), args)
        return _content(settings, args)
    except (SettingsError, FileNotFoundError, ValueError) as error:
        print(f"sspbot: {error}", file=sys.stderr)
        return 2


def _run(settings: Settings) -> int:
    settings.require_token()
    settings.require_secret()
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from bot.logs import setup_logging
    from bot.service import run

    os.umask(0o077)  # whatever the service writes is its own
    setup_logging(settings.log_level)
    try:
        asyncio.run(run(settings))
    except InvalidToken:  # 401, or 404: a wrong token, or an address that is not the Bot API
        print("sspbot: Telegram refused TELEGRAM_BOT_TOKEN, or TELEGRAM_API_URL does not lead to "
              "the Bot API (check the token with BotFather, and the address)", file=sys.stderr)
        return 2
    except NetworkError as error:
        print(f"sspbot: cannot reach Telegram at {settings.telegram_api_url} "
              f"({type(error).__name__}); check TELEGRAM_API_URL and the network",
              file=sys.stderr)
        return 2
    except TelegramError as error:  # an answer that is not the Bot API's: a proxy's page, ...
        print(f"sspbot: {settings.telegram_api_url} did not answer as the Bot API does "
              f"({type(error).__name__}); check TELEGRAM_API_URL", file=sys.stderr)
        return 2
    return 0


def _qr(settings: Settings, args: argparse.Namespace) -> int:
    from bot.tools.posters import UNDER_16, write

    if not settings.web_public_url:
        raise SettingsError("SSPBOT_WEB_PUBLIC_URL is not set: the web chat's public address "
                            "(e.g. https://chat.ssp-ballerup.dk/) goes on every poster")
    posters = write(args.audience, settings.web_public_url, settings.bot_username, args.out)
    for poster in posters:
        print(f"{poster.channel}: {poster.url}")
        for file in poster.files:
            print(f"  {file}")
    if args.audience in UNDER_16:
        print("Telegram requires users in the EU to be 16 or older: this poster leads to the "
              "web chat only.")
    elif not settings.bot_username:
        print("No Telegram link: set SSPBOT_BOT_USERNAME to add one.")
    return 0


def _stats(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.core.content import Content
    from bot.stats.command import default_period, make

    now = datetime.now(UTC)
    last = args.last or default_period(now)[1]
    page, table = make(args.db or settings.database_path, Content(settings.content_dir),
                       args.first or last, last, args.out, now)
    print(f"report written: {page}")
    print(f"figures as CSV: {table}")
    return 0


def _content(settings: Settings, args: argparse.Namespace) -> int:
    from bot.review import approvals

    root = settings.content_dir
    if args.action == "approve":
        for path in approvals.approve(root, args.paths, args.by, date.today(), args.comment):
            print(f"approved: {path}")
        return 0
    if args.action == "status":
        review = approvals.status(root)
        for request in review.requests:
            answered = "" if request.template in review.asked else " (changed since; review again)"
            print(f"changes asked: {request.template} by {request.by} on {request.date}: "
                  f"{request.comment}{answered}")
        for path in review.changed:
            print(f"changed since approval: {path}")
        for path in review.never:
            print(f"never approved: {path}")
        print(f"{len(review.approved)} approved, {len(review.changed)} changed, "
              f"{len(review.never)} never approved, {len(review.asked)} changes asked")
        return 0
    from bot.review.booklet import write
    from bot.review.messages import review_content
    from flows import build_flows

    out = write(build_flows(), review_content(root), args.out, date.today())
    print(f"booklet written: {out}")
    return 0


def _review(settings: Settings, args: argparse.Namespace) -> int:
    """The review page on 127.0.0.1 until Ctrl-C; says where, in Danish, from content/."""
    from bot.review.messages import review_content
    from bot.review.names import load_names
    from bot.review.server import serve

    started = load_names(review_content(settings.content_dir)).words["review_started"]

    def say(url: str) -> None:
        print(f"{started} {url}", flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings.content_dir, args.port, say))
    return 0


# --- the commands of the people who run the bot: health, setup, restore -----------------------


def _add_operations(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    env_file = argparse.ArgumentParser(add_help=False)
    env_file.add_argument("--env-file", type=Path, default=None,
                          help="read settings from this file too, e.g. /etc/sspbot/env (the "
                          "environment wins)")
    health = commands.add_parser(
        "health", parents=[env_file], help="ask the running bot how it is (its /healthz); "
        "exit 0 healthy, 1 not healthy, 2 cannot ask")
    health.add_argument("--timeout", type=float, default=5.0, help="seconds to wait")
    commands.add_parser(
        "setup", parents=[env_file], help="while the bot is stopped: list the groups the bot is "
        "in and the ids of the people there, and check the staff group and the bot's rights")
    restore = commands.add_parser(
        "restore", parents=[env_file], help="restore a backup made by deploy/backup.sh into a "
        "fresh data folder, checking it against SSPBOT_SECRET")
    restore.add_argument("backup", type=Path, help="the backup file (sspbot-*.sqlite3)")
    restore.add_argument("--data-dir", type=Path, default=None,
                         help="the fresh data folder (default: SSPBOT_DATA_DIR)")


def _with_env_file(settings: Settings, args: argparse.Namespace) -> Settings:
    if args.env_file is None:
        return settings
    if not args.env_file.is_file():
        raise FileNotFoundError(f"no settings file at {args.env_file}")
    return load_settings(_env_file=args.env_file)


def _health(settings: Settings, args: argparse.Namespace) -> int:
    from bot.tools import health

    answer = health.check(health.health_url(settings.web_host, settings.web_port,
                                            settings.data_dir), args.timeout)
    print("\n".join(answer.lines), file=sys.stdout if answer.code == 0 else sys.stderr)
    return answer.code


def _setup(settings: Settings, args: argparse.Namespace) -> int:
    from bot.tools import setup

    code, text = setup.run(settings.telegram_api_url, settings.require_token(),
                           settings.staff_group_id, settings.staff_names())
    print(text)
    return code


def _restore(settings: Settings, args: argparse.Namespace) -> int:
    from bot.tools.restore import RestoreError, restore

    secret = settings.require_secret() if settings.secret else None
    try:
        restored = restore(args.backup, args.data_dir or settings.data_dir, secret)
    except RestoreError as error:
        print(f"sspbot restore: {error}", file=sys.stderr)
        return 1
    print(f"restored: {restored.path} (schema {restored.schema}; the bot migrates it at start)")
    print("SSPBOT_SECRET opens what the backup holds." if restored.secret_checked else
          "SSPBOT_SECRET was not checked (not set, or nothing sealed in the backup): start the "
          "bot with the secret it had when the backup was made.")
    if os.geteuid() == 0:
        print(f"written as root: give the folder to the service, e.g. "
              f"chown -R sspbot:sspbot {restored.path.parent}")
    return 0


OPERATIONS: Final = {"health": _health, "setup": _setup, "restore": _restore}


if __name__ == "__main__":
    sys.exit(main())
