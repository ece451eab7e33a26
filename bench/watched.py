"""Run a command and sample its peak memory, open files and sockets from /proc while it runs (Linux)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Watched:
    wall_s: float
    rss_mb: float  # peak resident memory (VmHWM)
    files: int  # peak open file descriptors
    sockets: int  # peak open sockets
    exit_code: int
    lines: int  # lines it wrote to standard output


def run_watched(argv: list[str], env: dict[str, str], cwd: Path, interval_s: float) -> Watched:
    """ARGV as a whole process, its standard output counted in lines, sampled every INTERVAL_S."""
    peaks = {"rss_mb": 0.0, "files": 0.0, "sockets": 0.0}
    stop = threading.Event()
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    watcher = threading.Thread(target=_watch, args=(proc.pid, peaks, stop, interval_s), daemon=True)
    watcher.start()
    assert proc.stdout is not None
    lines = sum(1 for _ in proc.stdout)
    code = proc.wait()
    wall = time.perf_counter() - started
    stop.set()
    watcher.join()
    return Watched(wall, peaks["rss_mb"], int(peaks["files"]), int(peaks["sockets"]), code, lines)


def _watch(pid: int, peaks: dict[str, float], stop: threading.Event, interval_s: float) -> None:
    while not stop.is_set():
        with contextlib.suppress(OSError, ValueError):
            names = os.listdir(f"/proc/{pid}/fd")
            sockets = 0
            for fd in names:
                with contextlib.suppress(OSError):
                    sockets += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
            peaks["files"] = max(peaks["files"], len(names))
            peaks["sockets"] = max(peaks["sockets"], sockets)
            with open(f"/proc/{pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peaks["rss_mb"] = max(peaks["rss_mb"], int(line.split()[1]) / 1024)
        stop.wait(interval_s)
