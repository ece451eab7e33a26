"""Benchmark (h): the whole command against its --timeout, from the process's start, in a world that never
answers (every mail server accepts and stays silent, every web server too), so only the deadline ends it.

The wall time is taken around the whole process (from just before it is started to when it has exited): an
upper bound of its time from the start the operating system records. Target: ≤ --timeout + 0.1 s (on an idle
machine; the figure under load is printed beside it).

    python -m bench.deadline            # --timeout 1, 2 and 5
    python -m bench.deadline 1 3        # other values
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.blackhole import mailprobe_command  # noqa: E402
from tests.lab.world import ALL_SITES, CUSTOMER, World  # noqa: E402

TIMEOUTS_S = (1.0, 2.0, 5.0)
RUNS = 7  # per --timeout value
SLACK_S = 0.1  # target: wall ≤ --timeout + this
SUBPROCESS_GRACE_S = 20.0
ADDRESS = f"user@{CUSTOMER}"


def silent_world(root: Path) -> World:
    mail = {f"{site}.{service}": {"fault": "tarpit"} for site in ALL_SITES for service in ("imap", "pop3", "smtp")}
    return World(root, mail=mail, web={site: {"silent": True} for site in ALL_SITES})


def run_once(world: World, timeout_s: float) -> tuple[float, float]:
    """(wall seconds of the whole process, the report's duration_ms / 1000)."""
    env = {**os.environ, "NO_COLOR": "1", "LANG": "C.UTF-8"}
    argv = [*mailprobe_command(), "check", ADDRESS, "--timeout", f"{timeout_s:g}", "--format", "json",
            *world.cli_args()]
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout_s + SUBPROCESS_GRACE_S,
                          check=False)
    wall = time.monotonic() - started
    report = json.loads(done.stdout)
    return wall, float(report["duration_ms"]) / 1000.0


def main(timeouts: tuple[float, ...] = TIMEOUTS_S) -> list[tuple[str, str, bool]]:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"== (h) the whole command vs --timeout, silent servers, {RUNS} runs each (load average {load:.2f}) ==")
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="mailprobe-bench-") as tmp, silent_world(Path(tmp)) as world:
        run_once(world, 1.0)  # warm-up: page cache and .pyc files
        for timeout_s in timeouts:
            runs = [run_once(world, timeout_s) for _ in range(RUNS)]
            walls = [wall for wall, _ in runs]
            median, worst = statistics.median(walls), max(walls)
            reports = [duration for _, duration in runs]
            passed = median <= timeout_s + SLACK_S
            print(f"  --timeout {timeout_s:g}: wall median {median:.3f} s, max {worst:.3f} s; report duration_ms "
                  f"median {statistics.median(reports) * 1000:.0f} ms  "
                  f"{'PASS' if passed else '*** MISS ***'} (target ≤ {timeout_s + SLACK_S:g} s)")
            verdicts.append((f"(h) whole command, --timeout {timeout_s:g}",
                             f"median {median:.3f} s, max {worst:.3f} s (target ≤ {timeout_s + SLACK_S:g} s)",
                             passed))
    return verdicts


if __name__ == "__main__":
    main(tuple(float(arg) for arg in sys.argv[1:]) or TIMEOUTS_S)
