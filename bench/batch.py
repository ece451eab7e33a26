"""Benchmark (d): a batch — N addresses over N/5 domains at the lab's providers, on loopback DNS, mail and web
servers, through the real command line (`mailprobe check --input … --format jsonl`).

Prints wall time, peak memory (RSS), peak open sockets, DNS queries and connections made against
addresses × probes (what a checker sharing nothing would make), and the growth from 100 to 1,000 (to 5,000).
Targets: 1,000 addresses in ≤ 20 s and ≤ 150 MB, near-linear growth.

`python -m bench.batch --formats [N]` measures instead the peak memory of an N-address batch (default 2,000) in
each machine format: every one keeps no report, so each stays under 100 MB (before, prometheus took 444 MB,
nagios 311 MB and json 808 MB at 2,000, against 76 MB for jsonl).
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.watched import run_watched  # noqa: E402
from tests.lab.world import SITES, World  # noqa: E402

SIZES = (100, 1000, 5000)
PER_DOMAIN = 5
CONCURRENCY = 32
TARGET_WALL_S = 20.0
TARGET_RSS_MB = 150.0
PROBES_PER_ADDRESS = 10  # MX, SPF, 3 host lookups, web, imap, pop3, smtp, baseline: a checker sharing nothing


@dataclass(frozen=True)
class Figures:
    addresses: int
    domains: int
    wall_s: float
    rss_mb: float
    sockets: int
    dns_queries: int
    connections: int
    exit_code: int
    lines: int


def _domains(count: int) -> dict[str, dict[str, list[str]]]:
    sites = list(SITES.values())
    zones: dict[str, dict[str, list[str]]] = {}
    for n in range(count):
        site = sites[n % len(sites)]
        zones[f"customer{n:04d}.example"] = {"MX": [f"{10 * (i + 1)} {mx}." for i, mx in enumerate(site.mx)]}
    return zones


MACHINE_FORMATS = ("jsonl", "json", "prometheus", "nagios")
TARGET_FORMAT_RSS_MB = 100.0


def run_size(world: World, addresses: int, workdir: Path, fmt: str = "jsonl") -> Figures:
    domains = [d for d in world.domains if d.startswith("customer")][: max(1, addresses // PER_DOMAIN)]
    listing = workdir / f"list-{addresses}.txt"
    listing.write_text("".join(f"user{n}@{domains[n % len(domains)]}\n" for n in range(addresses)),
                       encoding="utf-8")
    world.dns.clear_queries()
    before = sum(getattr(server, "connections", 0) for server in world.servers.values())
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "LANG": "C.UTF-8"}
    run = run_watched(
        [sys.executable, "-m", "mailprobe", "check", "--input", str(listing), "--format", fmt,
         "--concurrency", str(CONCURRENCY), "--timeout", "10", *world.cli_args()],
        env, ROOT, interval_s=0.01,
    )
    after = sum(getattr(server, "connections", 0) for server in world.servers.values())
    return Figures(addresses, len(domains), run.wall_s, run.rss_mb, run.sockets,
                   len(world.dns.queries), after - before, run.exit_code, run.lines)


def main(sizes: tuple[int, ...] = SIZES, budget_s: float = 120.0) -> list[tuple[str, str, bool]]:
    verdicts: list[tuple[str, str, bool]] = []
    results: list[Figures] = []
    with tempfile.TemporaryDirectory() as tmp, World(Path(tmp) / "world", domains=_domains(max(sizes) // PER_DOMAIN)) \
            as world:
        spent = 0.0
        print(f"{'addresses':>9} {'domains':>7} {'wall s':>7} {'addr/s':>7} {'peak MB':>8} {'sockets':>7} "
              f"{'DNS q':>6} {'conns':>6} {'naive probes':>12} {'exit':>4}")
        for size in sizes:
            if results and spent + results[-1].wall_s * size / results[-1].addresses > budget_s:
                print(f"{size:>9}  skipped: would not fit in the {budget_s:g} s budget")
                continue
            figures = run_size(world, size, Path(tmp))
            spent += figures.wall_s
            results.append(figures)
            print(f"{figures.addresses:>9} {figures.domains:>7} {figures.wall_s:>7.1f} "
                  f"{figures.addresses / figures.wall_s:>7.0f} {figures.rss_mb:>8.1f} {figures.sockets:>7} "
                  f"{figures.dns_queries:>6} {figures.connections:>6} {size * PROBES_PER_ADDRESS:>12} "
                  f"{figures.exit_code:>4}", flush=True)
            assert figures.lines == size, f"{figures.lines} reports for {size} addresses"
    by_size = {f.addresses: f for f in results}
    if 1000 in by_size:
        f = by_size[1000]
        verdicts.append(("batch 1,000 wall", f"{f.wall_s:.1f} s (target ≤ {TARGET_WALL_S:g} s)",
                         f.wall_s <= TARGET_WALL_S))
        verdicts.append(("batch 1,000 memory", f"{f.rss_mb:.0f} MB (target ≤ {TARGET_RSS_MB:g} MB)",
                         f.rss_mb <= TARGET_RSS_MB))
        verdicts.append(("batch 1,000 shared work", f"{f.dns_queries} DNS queries, {f.connections} connections "
                         f"vs {1000 * PROBES_PER_ADDRESS} probes unshared",
                         f.dns_queries + f.connections < 1000 * PROBES_PER_ADDRESS))
    if 100 in by_size and 1000 in by_size:
        growth = by_size[1000].wall_s / by_size[100].wall_s
        verdicts.append(("batch growth 100 → 1,000", f"× {growth:.1f} wall for × 10 addresses", growth <= 12.0))
    return verdicts


def formats(addresses: int = 2000) -> list[tuple[str, str, bool]]:
    """The peak memory of one ADDRESSES-long batch in each machine format."""
    verdicts: list[tuple[str, str, bool]] = []
    with tempfile.TemporaryDirectory() as tmp, World(Path(tmp) / "world", domains=_domains(addresses // PER_DOMAIN)) \
            as world:
        print(f"{'format':>10} {'addresses':>9} {'wall s':>7} {'peak MB':>8} {'exit':>4}")
        for fmt in MACHINE_FORMATS:
            figures = run_size(world, addresses, Path(tmp), fmt)
            print(f"{fmt:>10} {addresses:>9} {figures.wall_s:>7.1f} {figures.rss_mb:>8.1f} {figures.exit_code:>4}",
                  flush=True)
            verdicts.append((f"batch {addresses:,} {fmt} memory",
                             f"{figures.rss_mb:.0f} MB (target < {TARGET_FORMAT_RSS_MB:g} MB)",
                             figures.rss_mb < TARGET_FORMAT_RSS_MB))
    return verdicts


if __name__ == "__main__":
    if "--formats" in sys.argv[1:]:
        rest = [arg for arg in sys.argv[1:] if arg != "--formats"]
        results = formats(int(rest[0])) if rest else formats()
    else:
        results = main()
    for label, figure, passed in results:
        print(f"  {'PASS' if passed else 'MISS'}  {label}: {figure}")
