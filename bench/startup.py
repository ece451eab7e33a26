"""Benchmark (c): `mailprobe --help` start-up against a bare `python -c pass`, and where the import time goes."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 15  # per command, interleaved, after one discarded warm-up of each
TARGET_RATIO = 5.0
CHECK_RUNS = 9  # the measure: a whole `mailprobe check` against a lab world that answers at once
CHECK_TARGET_RATIO = 2.5
HEAVY_IMPORTS = "import pydantic, httpx, dns.asyncresolver"
TOP_IMPORTS = 10
SUBPROCESS_TIMEOUT_S = 30.0


def help_command() -> list[str]:
    script = shutil.which("mailprobe", path=str(Path(sys.executable).parent))
    return [script, "--help"] if script else [sys.executable, "-m", "mailprobe", "--help"]


def bare_command() -> list[str]:
    return [sys.executable, "-c", "pass"]


def time_once(argv: list[str]) -> float:
    """Wall milliseconds of ARGV; a check's verdict exit codes (0 ok, 1 warning, 2 critical) are results."""
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, timeout=SUBPROCESS_TIMEOUT_S, check=False)
    if done.returncode not in (0, 1, 2):
        raise RuntimeError(f"{argv[:3]} exited {done.returncode}: {done.stderr.decode(errors='replace')[-300:]}")
    return (time.perf_counter() - started) * 1000.0


def interleaved(first: list[str], second: list[str], runs: int = RUNS) -> tuple[list[float], list[float]]:
    time_once(first)  # warm-up: page cache and .pyc files
    time_once(second)
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        a.append(time_once(first))
        b.append(time_once(second))
    return a, b


def import_times() -> list[tuple[int, int, str]]:
    """(cumulative µs, self µs, module as indented by -X importtime) for `python -m mailprobe --help`."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "mailprobe", "--help"], capture_output=True,
                          text=True, timeout=SUBPROCESS_TIMEOUT_S, check=True)
    rows = []
    for line in done.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) == 3 and fields[0].strip().isdigit():
            rows.append((int(fields[1]), int(fields[0]), fields[2].rstrip()))
    return rows


def _print_imports(rows: list[tuple[int, int, str]]) -> None:
    print(f"  python -X importtime -m mailprobe --help: {len(rows)} modules, "
          f"self total {sum(row[1] for row in rows) / 1000:.1f} ms; top {TOP_IMPORTS} by cumulative time:")
    print(f"    {'cumul ms':>8} {'self ms':>7}  module")
    for cumulative, own, module in sorted(rows, reverse=True)[:TOP_IMPORTS]:
        print(f"    {cumulative / 1000:8.1f} {own / 1000:7.1f} {module}")
    heavy = [m.strip() for _, _, m in rows if m.strip().split(".")[0] in {"httpx", "pydantic", "dns", "cryptography"}]
    print(f"  heavy packages imported by --help: {', '.join(sorted(set(heavy))[:8]) if heavy else 'none'}")


def check_vs_heavy_imports() -> tuple[str, str, bool]:
    """The issue's start-up measure: `mailprobe check` against a resolver that answers at once, beside a bare
    import of the three packages it cannot do without, interleaved, same run. Two worlds: the healthy lab world
    (every probe runs: TLS handshakes, dialogues, the web page) and a domain that does not exist (the lab's
    resolver says so at once; only the baselines run) — the latter is start-up alone."""
    import tempfile

    from bench.blackhole import ADDRESS, mailprobe_command
    from tests.lab.world import World

    with tempfile.TemporaryDirectory(prefix="mailprobe-bench-") as tmp, World(Path(tmp)) as world:
        healthy = [*mailprobe_command(), "check", ADDRESS, "--format", "json", *world.cli_args()]
        missing = [*mailprobe_command(), "check", "user@no-such-domain.example", "--format", "json",
                   *world.cli_args()]
        heavy = [sys.executable, "-c", HEAVY_IMPORTS]
        for argv in (healthy, missing, heavy):
            time_once(argv)  # warm-up: page cache
        runs: dict[str, list[float]] = {"healthy": [], "missing": [], "heavy": []}
        for _ in range(CHECK_RUNS):
            for key, argv in (("healthy", healthy), ("missing", missing), ("heavy", heavy)):
                runs[key].append(time_once(argv))
    heavy_median = statistics.median(runs["heavy"])
    ratios = {key: statistics.median([c / h for c, h in zip(runs[key], runs["heavy"], strict=True)])
              for key in ("healthy", "missing")}
    for key, label in (("healthy", "healthy lab world"), ("missing", "no such domain")):
        values = runs[key]
        print(f"  mailprobe check ({label}): median {statistics.median(values):.1f} ms "
              f"(min {min(values):.1f}, max {max(values):.1f}); median of paired ratios {ratios[key]:.2f} ×")
    print(f"  python -c '{HEAVY_IMPORTS}': median {heavy_median:.1f} ms "
          f"(min {min(runs['heavy']):.1f}, max {max(runs['heavy']):.1f})")
    for key in ("missing", "healthy"):
        passed = ratios[key] <= CHECK_TARGET_RATIO
        print(f"  {'PASS' if passed else '*** MISS ***'}: check ({key}) / heavy imports {ratios[key]:.2f} × "
              f"(target ≤ {CHECK_TARGET_RATIO:g} ×)")
    figure = (f"healthy {ratios['healthy']:.2f} ×, no such domain {ratios['missing']:.2f} × "
              f"(target ≤ {CHECK_TARGET_RATIO:g} ×)")
    return ("(c) check start-up / import pydantic, httpx, dns", figure, ratios["healthy"] <= CHECK_TARGET_RATIO)


def main() -> list[tuple[str, str, bool]]:
    print(f"== (c) start-up: `mailprobe --help` vs `python -c pass`, {RUNS} interleaved runs each ==")
    help_ms, bare_ms = interleaved(help_command(), bare_command())
    help_median, bare_median = statistics.median(help_ms), statistics.median(bare_ms)
    ratio = help_median / bare_median
    print(f"  mailprobe --help: median {help_median:.1f} ms (min {min(help_ms):.1f}, max {max(help_ms):.1f})")
    print(f"  python -c pass:   median {bare_median:.1f} ms (min {min(bare_ms):.1f}, max {max(bare_ms):.1f})")
    _print_imports(import_times())
    passed = ratio <= TARGET_RATIO
    print(f"  {'PASS' if passed else '*** MISS ***'}: --help / bare python {ratio:.2f} × (target ≤ {TARGET_RATIO:g} ×)")
    print(f"  -- `mailprobe check` vs `python -c '{HEAVY_IMPORTS}'`, {CHECK_RUNS} interleaved runs each --")
    return [("(c) --help start-up / bare python", f"{ratio:.2f} × (target ≤ {TARGET_RATIO:g} ×)", passed),
            check_vs_heavy_imports()]


if __name__ == "__main__":
    main()
