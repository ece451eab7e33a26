"""Benchmark (issue 18): what one check against a hostile domain may open and keep, through the real command.

A domain publishing 1,500 RFC 6186 SRV targets (each a host on the lab's loopback addresses) — peak open
files, peak sockets, peak RSS and the report's size, sampled from /proc as `bench/bounds.py` does:

    python -m bench.hostile               # 1,500 SRV targets, --timeout 10
    python -m bench.hostile 3000 5        # other count and --timeout
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.watched import run_watched  # noqa: E402
from tests.lab.world import INDIE, World  # noqa: E402

HOSTILE = "srv-flood.example"
TARGETS = 1500
TIMEOUT_S = 10.0


def hostile_zone(count: int, port: int) -> dict[str, dict[str, list[str]]]:
    """HOSTILE with COUNT SRV targets for IMAPS, each its own name with an address on the lab's loopback."""
    zone: dict[str, dict[str, list[str]]] = {HOSTILE: {"MX": [f"10 mx.{HOSTILE}."]}, f"mx.{HOSTILE}": {"A": [INDIE.ip]}}
    zone[f"_imaps._tcp.{HOSTILE}"] = {"SRV": [f"0 1 {port} t{n}.{HOSTILE}." for n in range(count)]}
    for n in range(count):
        zone[f"t{n}.{HOSTILE}"] = {"A": [INDIE.ip]}
    return zone


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else TARGETS
    timeout = float(argv[1]) if len(argv) > 1 else TIMEOUT_S
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp) / "w")
        with world:
            world.dns.set_zone({**world._zone(), **hostile_zone(count, world.ports["imap"])})
            out = Path(tmp) / "report.json"
            env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "LANG": "C.UTF-8"}
            argv_ = [sys.executable, "-m", "mailprobe", "check", f"it@{HOSTILE}", "--format", "json",
                     "--timeout", str(timeout), "--output", str(out), *world.cli_args()]
            watched = run_watched(argv_, env, ROOT, 0.002)
            size = out.stat().st_size if out.exists() else 0
    print(f"{count} SRV targets, --timeout {timeout:g}: wall {watched.wall_s:.1f} s, exit {watched.exit_code}, "
          f"peak open files {watched.files}, peak sockets {watched.sockets}, peak RSS {watched.rss_mb:.0f} MB, "
          f"report {size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
