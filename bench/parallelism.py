"""Benchmark (a): a healthy check whose every server waits 200 ms — wall time against the longest chain and the sum."""

from __future__ import annotations

import asyncio
import ipaddress
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mailprobe.check import run_check
from mailprobe.report import CheckResult, Report
from tests.lab.webserver import Route, login_page
from tests.lab.world import CUSTOMER, SITES, World

RUNS = 7  # measured runs, after one discarded warm-up
DELAY_S = 0.2  # every greeting and every web answer waits this long
TARGET_RATIO = 1.2  # wall ≤ 1.2 × the longest single probe chain
TIMEOUT_S = 10.0
MAIL_SERVICES = ("imap", "pop3", "smtp")
PROBE_KINDS = frozenset({"web", "imap", "pop3", "smtp", "baseline"})
ADDRESS = f"user@{CUSTOMER}"

HOW = """\
  longest chain = dns.mx duration + slowest provider host lookup (A/AAAA, purpose "host")
                  + slowest probe check (web/imap/pop3/smtp/baseline; connect+TLS+greeting+capabilities)
                  — the engine's only sequence: MX → plan → host lookup → probe; everything else overlaps.
  strict chain  = max over probes of (dns.mx + slowest lookup of that probe's own host + that probe)
  sum           = the sum of every probe check's duration (what a one-at-a-time checker would wait)
  wall          = time around asyncio.run(run_check(...)), profile loading and report composition included;
  report        = the report's duration_ms (engine + diagnosis only)"""


@dataclass(frozen=True)
class Sample:
    wall_ms: float
    report_ms: float
    chain_ms: float
    strict_chain_ms: float
    sum_ms: float
    probes: int
    status: str


def delayed_world(root: Path) -> World:
    """Every lab mail server delays its greeting and every webmail page its answer by DELAY_S."""
    mail = {f"{site}.{service}": {"greeting_delay": DELAY_S} for site in SITES for service in MAIL_SERVICES}
    web = {site: {"route": Route(delay_s=DELAY_S, body=login_page())} for site in SITES}
    return World(root, mail=mail, web=web)


def _probes(report: Report) -> list[CheckResult]:
    return [check for check in report.checks if check.kind in PROBE_KINDS]


def _lookups(report: Report, purpose: str) -> list[CheckResult]:
    return [check for check in report.checks if check.kind == "dns" and check.data.get("purpose") == purpose]


def longest_chain_ms(report: Report) -> float:
    mx = max((check.duration_ms for check in _lookups(report, "mx")), default=0.0)
    host = max((check.duration_ms for check in _lookups(report, "host")), default=0.0)
    probe = max((check.duration_ms for check in _probes(report)), default=0.0)
    return mx + host + probe


def strict_chain_ms(report: Report) -> float:
    mx = max((check.duration_ms for check in _lookups(report, "mx")), default=0.0)
    by_host: dict[str, float] = {}
    for lookup in _lookups(report, "host"):
        name = str(lookup.data.get("name", ""))
        by_host[name] = max(by_host.get(name, 0.0), lookup.duration_ms)
    chains = [mx + by_host.get(str(p.data.get("host", "")), 0.0) + p.duration_ms for p in _probes(report)]
    return max(chains, default=mx)


def require_loopback(report: Report) -> None:
    """The lab must never have reached past 127.0.0.0/8 and ::1; stop the benchmark if it did."""
    outside = [c.address for c in report.checks if c.address and not ipaddress.ip_address(c.address).is_loopback]
    if outside:
        raise RuntimeError(f"the check reached non-loopback addresses: {sorted(set(outside))}")


def sample(world: World) -> Sample:
    started = time.perf_counter()
    report = asyncio.run(run_check(ADDRESS, world.options(timeout=TIMEOUT_S)))
    wall_ms = (time.perf_counter() - started) * 1000.0
    require_loopback(report)
    probes = _probes(report)
    return Sample(
        wall_ms=wall_ms, report_ms=report.duration_ms, chain_ms=longest_chain_ms(report),
        strict_chain_ms=strict_chain_ms(report), sum_ms=sum(p.duration_ms for p in probes),
        probes=len(probes), status=report.status,
    )


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def _print_runs(warmup: Sample, samples: list[Sample]) -> None:
    print(f"  {'run':>6} {'wall':>8} {'report':>8} {'chain':>8} {'strict':>8} {'sum':>8} "
          f"{'wall/chain':>10} {'wall/sum':>8} probes status")
    for label, s in [("warmup", warmup), *((str(i), s) for i, s in enumerate(samples, 1))]:
        print(f"  {label:>6} {s.wall_ms:8.1f} {s.report_ms:8.1f} {s.chain_ms:8.1f} {s.strict_chain_ms:8.1f} "
              f"{s.sum_ms:8.1f} {s.wall_ms / s.chain_ms:10.2f} {s.wall_ms / s.sum_ms:8.2f} {s.probes:>6} {s.status}")


def _print_medians(samples: list[Sample]) -> float:
    """Print the medians over the measured runs; return the median wall/chain ratio (the target's figure)."""
    def med(attr: str) -> float:
        return _median([getattr(s, attr) for s in samples])

    ratio = _median([s.wall_ms / s.chain_ms for s in samples])
    print(f"  median (ms): wall {med('wall_ms'):.1f}   report {med('report_ms'):.1f}   "
          f"longest chain {med('chain_ms'):.1f}   strict chain {med('strict_chain_ms'):.1f}   sum {med('sum_ms'):.1f}")
    print(f"  median ratios: wall/chain {ratio:.2f}   report/chain "
          f"{_median([s.report_ms / s.chain_ms for s in samples]):.2f}   wall/strict chain "
          f"{_median([s.wall_ms / s.strict_chain_ms for s in samples]):.2f}   wall/sum "
          f"{_median([s.wall_ms / s.sum_ms for s in samples]):.3f}")
    print(f"  overhead outside the report's duration_ms (wall - report): {med('wall_ms') - med('report_ms'):.1f} ms")
    return ratio


def main() -> list[tuple[str, str, bool]]:
    print(f"== (a) parallelism: healthy check, every greeting and page delayed {DELAY_S * 1000:.0f} ms, "
          f"{RUNS} runs + 1 warm-up ==")
    print(HOW)
    with tempfile.TemporaryDirectory(prefix="mailprobe-bench-") as tmp, delayed_world(Path(tmp)) as world:
        warmup = sample(world)
        samples = [sample(world) for _ in range(RUNS)]
    _print_runs(warmup, samples)
    ratio = _print_medians(samples)
    unhealthy = [s.status for s in samples if s.status != "ok"]
    if unhealthy:
        print(f"  !! {len(unhealthy)} run(s) not 'ok' ({', '.join(unhealthy)}): the figures are suspect")
    passed = ratio <= TARGET_RATIO and not unhealthy
    print(f"  {'PASS' if passed else '*** MISS ***'}: wall/longest chain {ratio:.2f} (target ≤ {TARGET_RATIO})")
    return [("(a) wall / longest probe chain", f"{ratio:.2f} × (target ≤ {TARGET_RATIO} ×)", passed)]


if __name__ == "__main__":
    main()
