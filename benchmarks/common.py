"""What the capacity, desk and memory benchmarks share: the real bot as a process, figures from
/proc, percentiles, tables with their goals, and the raw figures under benchmarks/results/."""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
RESULTS: Final = ROOT / "benchmarks" / "results"
LOGS: Final = RESULTS / "logs"
CLOCK_TICKS: Final = os.sysconf("SC_CLK_TCK")


# --- the OS's view of a process and of the machine ---------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process (all its threads), from /proc/<pid>/stat."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) in MB, from /proc/<pid>/status."""
    found: dict[str, float] = {}
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0]) / 1024
    return found


def _schedstat(pid: int) -> tuple[int, int]:
    """(ns on a CPU, ns runnable but waiting for a CPU) of the process's main thread."""
    try:
        with open(f"/proc/{pid}/task/{pid}/schedstat") as stat:
            ran, waited, _ = stat.read().split()
        return int(ran), int(waited)
    except (OSError, ValueError):
        return 0, 0


def _thread_state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/task/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return "?"


class Breakdown:
    """Where the wall time of a process's main thread (the bot's event loop) goes: computing on
    a CPU, waiting for a CPU while others run (a busy 2-core machine), waiting for the disk (an
    fsync: state D, sampled 200 times a second), or idle (waiting for work: state S)."""

    def __init__(self, pid: int, every: float = 0.005) -> None:
        import threading

        self.pid = pid
        self.every = every
        self.states: Counter[str] = Counter()
        self.started = time.perf_counter()
        self.stat = _schedstat(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True, name="breakdown")
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            self.states[_thread_state(self.pid)] += 1

    def finish(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join(1.0)
        elapsed = max(1e-9, time.perf_counter() - self.started)
        ran, waited = _schedstat(self.pid)
        samples = max(1, sum(self.states.values()))
        cpu = (ran - self.stat[0]) / 1e9 / elapsed
        runqueue = (waited - self.stat[1]) / 1e9 / elapsed
        disk = self.states["D"] / samples
        return {"cpu": cpu, "waiting_for_cpu": runqueue, "disk": disk,
                "idle": max(0.0, 1.0 - cpu - runqueue - disk)}


def breakdown_text(shares: dict[str, float]) -> str:
    return (f"computing {100 * shares['cpu']:.0f}%, waiting for a CPU "
            f"{100 * shares['waiting_for_cpu']:.0f}%, waiting for the disk "
            f"{100 * shares['disk']:.0f}%, idle {100 * shares['idle']:.0f}%")


def own_cpu_seconds() -> float:
    """CPU time of this process (the driver, and whatever fake runs in it)."""
    times = os.times()
    return times.user + times.system


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def load_line() -> str:
    one, five, fifteen = load_average()
    return (f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min) on "
            f"{os.cpu_count()} cores")


def environment() -> dict[str, Any]:
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "machine": platform.machine(), "load_average": load_average()}


# --- figures ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (of unordered values); NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def spread(values: Sequence[float]) -> dict[str, float]:
    return {"n": len(values), "p50": percentile(values, 0.50), "p95": percentile(values, 0.95),
            "p99": percentile(values, 0.99), "max": max(values) if values else float("nan")}


def fmt(value: float | None, unit: str = "", digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}{unit}".replace(",", " ")


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> None:
    """A plain text table: the first column left, the others right-aligned."""
    table = [list(header), *[list(row) for row in rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for index, row in enumerate(table):
        print(indent + "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                                 for i, cell in enumerate(row)))
        if index == 0:
            print(indent + "  ".join("-" * w for w in widths))
    sys.stdout.flush()


def write_results(name: str, document: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {"written": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "environment": environment(),
                **document}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2, default=_plain) + "\n")
    print(f"  raw figures: {path.relative_to(ROOT)}", flush=True)
    return path


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(type(value).__name__)


# --- the real bot, `python -m bot run`, as its own process -----------------------------------


class BotProcess:
    """The unchanged bot in its own process; its log kept in benchmarks/results/logs/."""

    def __init__(self, env: dict[str, str], log_name: str,
                 module: tuple[str, ...] = ("bot", "run")) -> None:
        self.env = env
        self.module = module
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"{log_name}.log"
        self.log_path.write_bytes(b"")
        self.popen: subprocess.Popen[bytes] | None = None
        self.spawned = 0.0

    @property
    def data_dir(self) -> Path:
        return Path(self.env["SSPBOT_DATA_DIR"])

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def spawn(self) -> float:
        """Start the process; returns when it was spawned (time.perf_counter())."""
        (self.data_dir / "web.port").unlink(missing_ok=True)
        with self.log_path.open("ab") as log:  # the child keeps its own handle
            self.spawned = time.perf_counter()
            self.popen = subprocess.Popen([sys.executable, "-m", *self.module], env=self.env,
                                          cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL)
        return self.spawned

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def check_alive(self) -> None:
        if not self.alive():
            raise RuntimeError(f"the bot exited ({self.popen.returncode if self.popen else '?'})"
                               f": see {self.log_path.relative_to(ROOT)}\n{self.tail()}")

    def web_port(self) -> int | None:
        """The web chat's port, once the bot listens (it writes it to data_dir/web.port)."""
        port_file = self.data_dir / "web.port"
        with contextlib.suppress(OSError, ValueError):
            return int(port_file.read_text().strip())
        return None

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def memory(self) -> dict[str, float]:
        return memory_mb(self.pid)

    def stop(self, wait: float = 20.0) -> int | None:
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(wait)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        return self.popen.returncode

    def tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def errors(self, limit: int = 20) -> list[str]:
        """Log lines that speak of an error, for the report."""
        text = self.log_path.read_text(errors="replace")
        hits = [line for line in text.splitlines()
                if any(word in line for word in (" ERROR ", "Traceback", "CRITICAL", "Error:"))]
        return hits[:limit]


def database_bytes(data_dir: Path) -> dict[str, int]:
    """Bytes of the database file and of its write-ahead log."""
    found = {}
    for suffix in ("", "-wal"):
        path = data_dir / f"sspbot.sqlite3{suffix}"
        found["db" if not suffix else "wal"] = path.stat().st_size if path.exists() else 0
    return found


def filesystem_of(path: Path) -> str:
    """The file system the bot's data lives on (fsync cost differs a lot: disk or tmpfs)."""
    best = ("", "?")
    with contextlib.suppress(OSError), open("/proc/mounts") as mounts:
        for line in mounts:
            parts = line.split()
            if len(parts) > 2 and str(path).startswith(parts[1]) and len(parts[1]) >= len(
                    best[0]):
                best = (parts[1], parts[2])
    return best[1]


class Profiler:
    """py-spy attached to a process for a while; the top functions, by samples."""

    def __init__(self, pid: int, name: str) -> None:
        from benchmarks.side_by_side import py_spy

        binary = py_spy(ROOT / "benchmarks" / ".venv-peers" / "bin" / "python")
        if binary is None:
            raise RuntimeError("py-spy is not installed; `make bench-profile` installs it")
        LOGS.mkdir(parents=True, exist_ok=True)
        self.output = LOGS / f"{name}.profile.txt"
        self.popen = subprocess.Popen(
            # --idle: wall-clock samples, so that waiting (an fsync in the event loop, select)
            # shows beside computing; --nonblocking: the bot is not paused to be sampled.
            [binary, "record", "--pid", str(pid), "--rate", "100", "--format", "raw", "--idle",
             "--nonblocking", "--output", str(self.output)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def finish(self) -> dict[str, Any]:
        from benchmarks.side_by_side import summarize_profile

        self.popen.send_signal(signal.SIGINT)
        try:
            self.popen.wait(30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return {}
        return summarize_profile(self.output, top=12)


def print_profile(profile: dict[str, Any], what: str) -> None:
    if not profile:
        print("  (no profile: py-spy gave nothing)")
        return
    print(f"\n  py-spy on the bot during {what}, {profile['samples']} wall-clock samples, idle "
          "included\n  (share of samples; cumulative = in the function or below it):")
    for title in ("cumulative", "self"):
        print(f"    top by {title}:")
        for name, share in profile[title]:
            print(f"      {share:5.1f}%  {name}")
    sys.stdout.flush()
