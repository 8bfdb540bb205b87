"""Start the unchanged bot with one thing changed first, for a chaos scenario that needs it:

- `CHAOS_DAYS_AHEAD=31`: the bot's clock (`bot.service.utc_now`, the one clock every part of the
  running bot is given) runs this many days ahead, so that the bot's own retention at start
  (`bot.service._retention`: `Store.prune` and `Desk.expire_topics`) deletes what a month of
  waiting would delete;
- `CHAOS_STAFF_PER_MINUTE=300`: the staff group's pace (Telegram's 20 messages a minute,
  `bot.telegram.pacing.GROUP_RATE`) is raised, so that a scenario with 50 cases fits in minutes
  (the chaos run, and the set-up of benchmarks/desk_load.py).

Then it runs `sspbot run`, as `python -m bot run` does."""

from __future__ import annotations

import os
import sys
from datetime import timedelta


def main() -> int:
    days = float(os.environ.get("CHAOS_DAYS_AHEAD", "0") or 0)
    if days:
        import bot.service

        real = bot.service.utc_now
        bot.service.utc_now = lambda: real() + timedelta(days=days)
    per_minute = int(os.environ.get("CHAOS_STAFF_PER_MINUTE", "0") or 0)
    if per_minute:
        import bot.telegram.pacing

        bot.telegram.pacing.GROUP_RATE = (per_minute, 60.0)  # type: ignore[misc]
    from bot.cli import main as sspbot

    return sspbot(["run"])


if __name__ == "__main__":
    sys.exit(main())
