"""Benchmark (b): a check whose every TCP target silently drops packets — wall time against --timeout."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import json
import os
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.lab.world import CUSTOMER, SERVICES, SITES, World

RUNS = 5  # per --timeout value
TIMEOUTS_S = (3.0, 5.0)  # the issue's: here each probe's own step cap (0.6 × --timeout, at least 2 s) ends it early
DEADLINE_BOUND_S = 2.0  # extra: the step cap reaches the deadline, so the deadline itself ends the probes
SLACK_S = 0.3  # target: wall ≤ deadline + 0.3 s
TARPIT_TIMEOUT_S = 2.0  # extra cross-check: silent servers that do complete the TCP handshake
TARPIT_RUNS = 2
PREFILL = 2  # connections parked in a listen(0) queue so that the kernel drops every further SYN
VERIFY_S = 0.3  # a connect to a sink must still be pending after this long
TARPIT_BACKLOG = 1024  # fallback: a large queue that completes handshakes nobody ever accepts
SUBPROCESS_GRACE_S = 20.0
ADDRESS = f"user@{CUSTOMER}"


@dataclass(frozen=True)
class Run:
    timeout_s: float
    wall_s: float
    report_s: float | None
    exit_code: int
    cause: str
    error: str


class Sinks:
    """Listening sockets on every lab provider's address and port that never accept a connection.

    Mode "drop": listen(0) with the queue pre-filled, so the kernel silently drops further SYNs and a client's
    connect hangs. Mode "tarpit" (fallback, when drop does not hold on this kernel): the handshake completes
    in a large queue and the server never says a word.
    """

    def __init__(self, targets: list[tuple[str, int]]) -> None:
        self.targets = targets
        self.mode = "drop"
        self._listeners: list[socket.socket] = []
        self._held: list[socket.socket] = []

    def open(self) -> Sinks:
        for host, port in self.targets:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((host, port))
            listener.listen(0)
            self._listeners.append(listener)
            self._held += [_pending_connect(host, port) for _ in range(PREFILL)]
        time.sleep(0.05)  # let the parked handshakes land in the queues
        leaks = self.leaks()
        if leaks:
            print(f"  drop trick did not hold ({leaks[0]}): falling back to tarpits (handshake, then silence)")
            self.tarpit()
        return self

    def tarpit(self) -> None:
        """Switch every sink to tarpit: the kernel completes handshakes into a large queue nobody accepts."""
        self.mode = "tarpit"
        for listener in self._listeners:
            listener.listen(TARPIT_BACKLOG)

    def leaks(self) -> list[str]:
        """Targets a fresh connect reached in a way the mode forbids: refused, or (drop mode) connected."""
        probes = {_pending_connect(host, port): f"{host}:{port}" for host, port in self.targets}
        try:
            _, writable, _ = select.select([], list(probes), [], VERIFY_S)
            states = {probes[sock]: sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) for sock in writable}
        finally:
            for sock in probes:
                sock.close()
        allowed = {0} if self.mode == "tarpit" else set()
        return [f"{target} {errno.errorcode.get(code, 'connected')}" for target, code in states.items()
                if code not in allowed]

    def close(self) -> None:
        for sock in [*self._held, *self._listeners]:
            sock.close()


def _pending_connect(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    sock.connect_ex((host, port))  # EINPROGRESS: the handshake goes on (or not) in the kernel
    return sock


@contextlib.contextmanager
def blackholed_world(root: Path) -> Iterator[tuple[World, Sinks]]:
    """The lab world with DNS answering and no server at all: sinks sit on every provider's ports instead."""
    down = {f"{site}.{service}" for site in SITES for service in SERVICES}
    with World(root, down=down) as world:
        sinks = Sinks([(site.ip, world.ports[service]) for site in SITES.values() for service in SERVICES]).open()
        try:
            yield world, sinks
        finally:
            sinks.close()


def mailprobe_command() -> list[str]:
    script = shutil.which("mailprobe", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "mailprobe"]


def _environment() -> dict[str, str]:
    """The caller's environment without proxy settings: the check talks to loopback and nothing else."""
    return {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}


def run_cli(world: World, timeout_s: float) -> Run:
    argv = [*mailprobe_command(), "check", ADDRESS, "--timeout", f"{timeout_s:g}", "--format", "json",
            *world.cli_args()]
    started = time.perf_counter()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s + SUBPROCESS_GRACE_S,
                              env=_environment(), check=False)
    except subprocess.TimeoutExpired:
        wall_s = time.perf_counter() - started
        return Run(timeout_s, wall_s, None, -1, "-", f"killed: still running after {wall_s:.1f} s")
    wall_s = time.perf_counter() - started
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return Run(timeout_s, wall_s, None, done.returncode, "-", done.stderr.strip()[-200:] or "no JSON")
    addresses = {check.get("address") for check in report.get("checks", [])} - {None}
    if not all(ipaddress.ip_address(address).is_loopback for address in addresses):
        raise RuntimeError(f"the check reached non-loopback addresses: {sorted(addresses)}")
    causes = [entry["cause"] for entry in report.get("diagnosis", [])]
    return Run(timeout_s, wall_s, report["duration_ms"] / 1000.0, done.returncode, causes[0] if causes else "-", "")


def _print_figures(timeout_s: float, runs: list[Run]) -> None:
    walls = [run.wall_s for run in runs]
    median, worst = statistics.median(walls), max(walls)
    reports = [run.report_s for run in runs if run.report_s is not None]
    outside = [run.wall_s - run.report_s for run in runs if run.report_s is not None]
    print(f"  --timeout {timeout_s:g}: wall median {median:.3f} s, max {worst:.3f} s "
          f"(vs deadline {median - timeout_s:+.3f} / {worst - timeout_s:+.3f} s)")
    if reports:
        print(f"    report duration_ms median {statistics.median(reports):.3f} s "
              f"({statistics.median(reports) / timeout_s:.0%} of the deadline); outside it (start-up, imports, "
              f"rendering, exit) median {statistics.median(outside):.3f} s")
    outcomes = sorted({f"exit {run.exit_code}, first cause {run.cause}" for run in runs})
    print(f"    outcome: {'; '.join(outcomes)}")
    for run in runs:
        if run.error:
            print(f"    !! run failed: exit {run.exit_code}: {run.error}")


def _verdict(label: str, timeout_s: float, runs: list[Run]) -> tuple[str, str, bool]:
    """Met when every run produced a report and the slowest one ended by the deadline plus SLACK_S."""
    worst, limit = max(run.wall_s for run in runs), timeout_s + SLACK_S
    failed = [run for run in runs if run.error]
    figure = f"max {worst:.2f} s (target ≤ {limit:.1f} s)"
    if failed:
        figure += f"; NO REPORT in {len(failed)}/{len(runs)} runs (exit {failed[0].exit_code})"
    passed = worst <= limit and not failed
    print(f"  {'PASS' if passed else '*** MISS ***'}: {figure}")
    return (f"{label}, --timeout {timeout_s:g}", figure, passed)


def measure(label: str, world: World, sinks: Sinks, timeout_s: float, runs: int) -> tuple[str, str, bool]:
    results = [run_cli(world, timeout_s) for _ in range(runs)]
    print(f"  --timeout {timeout_s:g} walls (s): {', '.join(f'{run.wall_s:.3f}' for run in results)}")
    _print_figures(timeout_s, results)
    verdict = _verdict(label, timeout_s, results)
    leaks = sinks.leaks()
    if leaks:
        print(f"  !! sinks no longer silent after the runs: {', '.join(leaks)}")
    return verdict


def main() -> list[tuple[str, str, bool]]:
    print(f"== (b) blackhole: every TCP target silently drops, DNS answers; real CLI, {RUNS} runs per timeout ==")
    with tempfile.TemporaryDirectory(prefix="mailprobe-bench-") as tmp, blackholed_world(Path(tmp)) as (world, sinks):
        print(f"  sinks: {len(sinks.targets)} ports in mode '{sinks.mode}' "
              f"({'SYNs dropped: connect hangs' if sinks.mode == 'drop' else 'tarpit: handshake, then silence'}); "
              f"DNS {world.dns.nameserver}")
        verdicts = [measure("(b) blackhole", world, sinks, timeout_s, RUNS) for timeout_s in TIMEOUTS_S]
        print("  -- extra (not in the issue): a timeout so short that the deadline, not a step cap, ends probes --")
        verdicts.append(measure("(b+) blackhole, deadline-bound", world, sinks, DEADLINE_BOUND_S, RUNS))
        if sinks.mode == "drop":
            print("  -- extra (not in the issue): the same ports as tarpits, handshake then silence --")
            sinks.tarpit()
            verdicts.append(measure("(b+) tarpit cross-check", world, sinks, TARPIT_TIMEOUT_S, TARPIT_RUNS))
    return verdicts


if __name__ == "__main__":
    main()
