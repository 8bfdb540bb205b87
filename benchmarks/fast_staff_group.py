"""Start the unchanged bot with one thing changed: the staff group's pace.

    BENCH_STAFF_PER_MINUTE=600 python -m benchmarks.fast_staff_group

Only for setting a benchmark up quickly (benchmarks/desk_load.py opens and claims 50 cases with
it: at Telegram's 20 messages a minute that alone would take many minutes). Every measurement
runs the bot as shipped, `python -m bot run`, on the data this left behind.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    per_minute = int(os.environ.get("BENCH_STAFF_PER_MINUTE", "0") or 0)
    if per_minute:
        import bot.telegram.pacing

        bot.telegram.pacing.GROUP_RATE = (per_minute, 60.0)  # type: ignore[misc]
    from bot.cli import main as sspbot

    return sspbot(["run"])


if __name__ == "__main__":
    sys.exit(main())
