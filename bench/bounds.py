"""Benchmark (resource bounds): open files and memory of a batch of 1,000 vs 10,000 addresses, and one check's
own sockets, through the real command line (`mailprobe check --input … --format jsonl`) on loopback.

Most addresses are at names that do not exist (the lab DNS answers NXDOMAIN at once), one in five at a
customer domain of the lab's providers (DNS, webmail, IMAP, POP3, SMTP on 127.0.0.x), so a run of 10,000 fits
in minutes on two cores. Sampled every 2 ms from /proc/<pid>: peak RSS (VmHWM), peak open files, peak
sockets. Targets:
- open files ≤ --concurrency × SOCKETS_PER_CHECK + RESERVED_FILES (mailprobe/limits.py);
- one healthy check's peak sockets ≤ SOCKETS_PER_CHECK;
- memory flat: peak RSS at 10,000 addresses within 1.25 × (and 40 MB of) that at 1,000.

    python -m bench.bounds                # 1,000 and 10,000 addresses
    python -m bench.bounds 300 3000       # other sizes
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
from mailprobe.limits import RESERVED_FILES, SOCKETS_PER_CHECK  # noqa: E402
from tests.lab.world import SITES, World  # noqa: E402

SIZES = (1000, 10_000)
CONCURRENCY = 16
HOSTED_EVERY = 5  # one address in five at a lab provider's customer domain, the rest NXDOMAIN
PER_DOMAIN = 5
FLAT_RATIO = 1.25
FLAT_SLACK_MB = 40.0


@dataclass(frozen=True)
class Figures:
    addresses: int
    wall_s: float
    rss_mb: float
    files: int
    sockets: int
    exit_code: int
    lines: int


def _domains(count: int) -> dict[str, dict[str, list[str]]]:
    sites = list(SITES.values())
    return {f"customer{n:05d}.example": {"MX": [f"{10 * (i + 1)} {mx}." for i, mx in enumerate(sites[n % 3].mx)]}
            for n in range(count)}


def run(world: World, addresses: list[str], workdir: Path, concurrency: int = CONCURRENCY) -> Figures:
    listing = workdir / f"list-{len(addresses)}.txt"
    listing.write_text("\n".join(addresses) + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "LANG": "C.UTF-8"}
    run = run_watched(
        [sys.executable, "-m", "mailprobe", "check", "--input", str(listing), "--format", "jsonl",
         "--concurrency", str(concurrency), "--timeout", "10", *world.cli_args()],
        env, ROOT, interval_s=0.002,
    )
    return Figures(len(addresses), run.wall_s, run.rss_mb, run.files, run.sockets, run.exit_code, run.lines)


def batch(size: int, hosted: list[str]) -> list[str]:
    return [f"user{n}@{hosted[(n // HOSTED_EVERY) % len(hosted)]}" if n % HOSTED_EVERY == 0
            else f"user{n}@nx{n:06d}.example" for n in range(size)]


def main(sizes: tuple[int, ...] = SIZES) -> list[tuple[str, str, bool]]:
    verdicts: list[tuple[str, str, bool]] = []
    results: dict[int, Figures] = {}
    hosted_count = max(1, max(sizes) // (HOSTED_EVERY * PER_DOMAIN))
    bound = CONCURRENCY * SOCKETS_PER_CHECK + RESERVED_FILES
    with tempfile.TemporaryDirectory() as tmp, \
            World(Path(tmp) / "world", domains=_domains(hosted_count)) as world:
        hosted = sorted(d for d in world.domains if d.startswith("customer"))
        one = run(world, [f"user@{hosted[0]}"], Path(tmp), concurrency=1)
        print(f"one healthy check: peak {one.sockets} sockets, {one.files} open files "
              f"(SOCKETS_PER_CHECK = {SOCKETS_PER_CHECK})", flush=True)
        verdicts.append(("one check's sockets", f"{one.sockets} (≤ {SOCKETS_PER_CHECK})",
                         one.sockets <= SOCKETS_PER_CHECK))
        print(f"{'addresses':>9} {'wall s':>7} {'addr/s':>7} {'peak MB':>8} {'files':>6} {'sockets':>7} "
              f"{'bound':>6} {'exit':>4}")
        for size in sizes:
            figures = run(world, batch(size, hosted[: max(1, size // (HOSTED_EVERY * PER_DOMAIN))]), Path(tmp))
            results[size] = figures
            print(f"{size:>9} {figures.wall_s:>7.1f} {size / figures.wall_s:>7.0f} {figures.rss_mb:>8.1f} "
                  f"{figures.files:>6} {figures.sockets:>7} {bound:>6} {figures.exit_code:>4}", flush=True)
            assert figures.lines == size, f"{figures.lines} reports for {size} addresses"
            verdicts.append((f"open files, {size:,} addresses",
                             f"{figures.files} (≤ {CONCURRENCY} × {SOCKETS_PER_CHECK} + {RESERVED_FILES} = {bound})",
                             figures.files <= bound))
    if len(sizes) >= 2:
        small, large = results[min(sizes)], results[max(sizes)]
        flat = large.rss_mb <= max(small.rss_mb * FLAT_RATIO, small.rss_mb + FLAT_SLACK_MB)
        verdicts.append((f"memory {small.addresses:,} → {large.addresses:,}",
                         f"{small.rss_mb:.0f} MB → {large.rss_mb:.0f} MB", flat))
    return verdicts


if __name__ == "__main__":
    chosen = tuple(int(arg) for arg in sys.argv[1:]) or SIZES
    for label, figure, passed in main(chosen):
        print(f"  {'PASS' if passed else 'MISS'}  {label}: {figure}")
