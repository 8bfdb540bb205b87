"""`python -m benchmarks.chaos`: the chaos run of issue 12, figures printed, nothing asserted.

    python -m benchmarks.chaos                  # everything (about 11 minutes on 2 cores)
    python -m benchmarks.chaos --quick          # everything, small (about 4 minutes)
    python -m benchmarks.chaos --only reports,canaries --soak-seconds 60

The sandbox runs in this process; the bot is the real `python -m bot run` in its own process,
one fresh data folder per scenario (kept under --workdir, printed at the end)."""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchmarks.chaos import canaries, generated, latency, relays, reports, soak
from benchmarks.chaos.rig import DEMO_TOKEN, Sandbox
from sandbox.server import SandboxThread

SCENARIOS = ("reports", "relays", "generated", "canaries", "latency", "soak")
TITLES = {
    "reports": "REPORTS UNDER KILLS",
    "relays": "RELAYS UNDER FAULTS",
    "generated": "GENERATED UPDATES",
    "canaries": "CANARIES AFTER /slet AND RETENTION",
    "latency": "P95 REPLY TIME TO YOUNG PEOPLE WHILE THE STAFF GROUP IS SATURATED",
    "soak": "SOAK",
}


def checkout() -> str:
    """Which code ran: the commit, and whether the bot's files differ from it."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, text=True,
                                capture_output=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--", "bot", "flows",
                                  "sandbox", "content"], cwd=root, text=True,
                                 capture_output=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"commit {commit}" + (f", with {len(changed)} uncommitted changes in bot/, flows/, "
                                 "sandbox/ or content/" if changed else "")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.chaos", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="small numbers everywhere: a smoke run of every scenario")
    parser.add_argument("--only", default=",".join(SCENARIOS),
                        help=f"comma-separated, from: {', '.join(SCENARIOS)}")
    parser.add_argument("--seed", type=int, default=12, help="random choices and generation")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the bots' data folders and logs go (default: a new "
                             "folder under /tmp, kept)")
    parser.add_argument("--report-users", type=int, default=None, help="default 200 (quick 40)")
    parser.add_argument("--kills", type=int, default=None, help="default 30 (quick 8)")
    parser.add_argument("--cases", type=int, default=None, help="relay cases, default 50 "
                        "(quick 10)")
    parser.add_argument("--staff-per-minute", type=int, default=300,
                        help="the staff group's pace in the relay scenario (Telegram: 20; "
                             "0 keeps the bot's own)")
    parser.add_argument("--updates", type=int, default=None, help="default 10000 (quick 1000)")
    parser.add_argument("--latency-seconds", type=float, default=None,
                        help="default 60 (quick 20)")
    parser.add_argument("--soak-seconds", type=float, default=None,
                        help="default 180 (quick 60)")
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> int:
    random.seed(args.seed)
    quick = args.quick
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sspbot-chaos-"))
    workdir.mkdir(parents=True, exist_ok=True)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    runs: dict[str, Callable[[Sandbox, Path], Awaitable[list[str]]]] = {
        "reports": lambda s, f: reports.run(s, f, reports.Settings(
            users=args.report_users or (40 if quick else 200),
            kills=args.kills or (8 if quick else 30))),
        "relays": lambda s, f: relays.run(s, f, relays.Settings(
            cases=args.cases or (10 if quick else 50), staff_per_minute=args.staff_per_minute)),
        "generated": lambda s, f: generated.run(s, f, generated.Settings(
            updates=args.updates or (1000 if quick else 10_000), seed=args.seed)),
        "canaries": lambda s, f: canaries.run(s, f),
        "latency": lambda s, f: latency.run(s, f, latency.Settings(
            seconds=args.latency_seconds or (20 if quick else 60))),
        "soak": lambda s, f: soak.run(s, f, soak.Settings(
            seconds=args.soak_seconds or (60 if quick else 180))),
    }
    began = time.monotonic()
    print(f"chaos run: {', '.join(chosen)}; seed {args.seed}; data and logs in {workdir}",
          flush=True)
    print(f"code: {checkout()}", flush=True)
    with SandboxThread(DEMO_TOKEN) as thread:
        sandbox = Sandbox(thread)
        try:
            for name in chosen:
                started = time.monotonic()
                print(f"\n=== {TITLES[name]} ===", flush=True)
                try:
                    lines = await runs[name](sandbox, workdir / name)
                except Exception:  # one broken scenario must not hide the others' figures
                    lines = ["the scenario failed to run:", *traceback.format_exc().splitlines()]
                for line in lines:
                    print(f"  {line}", flush=True)
                print(f"  ({time.monotonic() - started:.0f} s)", flush=True)
        finally:
            await sandbox.close()
    print(f"\nchaos run done in {(time.monotonic() - began) / 60:.1f} min; data and logs in "
          f"{workdir}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
