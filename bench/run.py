"""Runs mailprobe's benchmarks and prints a summary table; a missed target is reported, never fatal."""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `python bench/run.py` puts bench/ first; tests.lab lives at the root

Verdict = tuple[str, str, bool]


def benchmarks() -> list[tuple[str, Callable[[], list[Verdict]]]]:
    from bench import batch, blackhole, bounds, deadline, htmlpage, parallelism, phases, sidebyside, startup

    return [("(a) parallelism", parallelism.main), ("(b) blackhole", blackhole.main), ("(c) start-up", startup.main),
            ("(d) batch", batch.main), ("(e) html page", htmlpage.main),
            ("(f) side by side", sidebyside.main), ("(g) resource bounds", bounds.main),
            ("(h) deadline", deadline.main), ("(i) phases", phases.main)]


def run_one(name: str, bench: Callable[[], list[Verdict]]) -> tuple[list[Verdict], bool]:
    """The benchmark's verdicts, and whether it ran at all (a crash is an error, not a miss)."""
    started = time.perf_counter()
    try:
        verdicts = bench()
    except Exception:
        traceback.print_exc()
        return [(name, "ERROR: the benchmark itself failed (traceback above)", False)], False
    print(f"  ({time.perf_counter() - started:.1f} s)\n")
    return verdicts, True


def print_summary(verdicts: list[Verdict]) -> None:
    width = max(len(label) for label, _, _ in verdicts)
    print("== summary ==")
    for label, figure, passed in verdicts:
        print(f"  {'PASS' if passed else 'MISS':4}  {label:<{width}}  {figure}")
    misses = [label for label, _, passed in verdicts if not passed]
    if misses:
        print(f"\n  !!! MISSED {len(misses)} of {len(verdicts)} targets: {', '.join(misses)} !!!")
        print("  (benchmarks report, they do not gate: exit status stays 0 unless a benchmark crashed)")
    else:
        print(f"\n  all {len(verdicts)} targets met")


def main() -> int:
    started = time.perf_counter()
    verdicts: list[Verdict] = []
    crashed = False
    for name, bench in benchmarks():
        results, ran = run_one(name, bench)
        verdicts += results
        crashed = crashed or not ran
        sys.stdout.flush()
    print_summary(verdicts)
    print(f"  total {time.perf_counter() - started:.1f} s")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
