"""Benchmark (i): where the time of one healthy `mailprobe check --format json` goes, phase by phase, in the old
and the field-like world (bench/field.py), beside its physical floor and the Monitoring Plugins chain.

Every phase is measured from outside, the report's format untouched:
  start     the process's start as the operating system recorded it (/proc/<pid>/stat, read at once);
  origin    the report's origin (its started_at, on this machine's clocks);
  question  the first DNS question arriving at a lab DNS server (the servers log every arrival);
  answer    the last answer the report used (the latest check's started_ms + duration_ms);
  report    the report assembled (origin + duration_ms);
  output    the last byte of the output read from the pipe;
  exit      the process reaped.
The floor is a small stdlib-only program run in the same world, interleaved with the check: it asks the MX
at once, connects to the provider's IMAP (TLS, greeting), writes the check's own report (json.dumps of a
report of the same size) and exits. Its own marks give each phase's floor; its wall is the whole command's
floor (interpreter + MX + greeting). Ratios are medians of ratios of runs made side by side.
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `python bench/phases.py` puts bench/ first; tests.lab lives at the root

from bench.blackhole import ADDRESS, _environment, mailprobe_command  # noqa: E402
from bench.field import LAB_DNS, PROVIDER, WORLDS, dns_servers, healthy_world  # noqa: E402
from tests.lab.world import CUSTOMER, World  # noqa: E402

RUNS = 7  # per world, interleaved: check, floor, chain (and the check before, with BEFORE_ENV)
# A source tree of mailprobe to compare with (e.g. `git archive <commit> mailprobe | tar -x -C DIR`): its
# check runs interleaved too, through this interpreter, and its wall is printed beside this one's.
BEFORE_ENV = "MAILPROBE_BENCH_BEFORE"
TIMEOUT_S = 10.0
TARGET_FLOOR_RATIO = 2.0  # the whole command at most this many times its floor
TARGET_CHAIN_RATIO = 4.0  # and at least this many times faster than the plugin chain
PHASES = ("start → origin", "origin → first question", "first question → last answer",
          "last answer → report", "report → output written", "output → exit")
SUBPROCESS_TIMEOUT_S = 30.0

# The floor: what any tool must do in this world, with nothing but the interpreter and the standard library.
# Prints its marks (time.monotonic()) on stderr as JSON; argv: dns_ip dns_port domain imap_ip imap_port ca_file
# imap_host report_file.
FLOOR_SCRIPT = r"""
import json, os, socket, ssl, struct, sys, time
marks = {}
ip, port, domain, imap_ip, imap_port, ca, imap_host, report_file = sys.argv[1:]
query = struct.pack(">HHHHHH", os.getpid() & 0xFFFF, 0x0100, 1, 0, 0, 0)
query += b"".join(bytes([len(l)]) + l.encode() for l in domain.split(".")) + b"\0" + struct.pack(">HH", 15, 1)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
marks["question"] = time.monotonic()
udp.sendto(query, (ip, int(port)))
udp.recv(4096)
context = ssl.create_default_context(cafile=ca)
with socket.create_connection((imap_ip, int(imap_port))) as raw:
    with context.wrap_socket(raw, server_hostname=imap_host) as tls:
        tls.recv(4096)
marks["answer"] = time.monotonic()
with open(report_file, encoding="utf-8") as f:
    report = json.load(f)
marks["report"] = time.monotonic()
sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
sys.stdout.flush()
marks["output"] = time.monotonic()
sys.stderr.write(json.dumps(marks))
"""


@dataclass(frozen=True)
class Marks:
    """One run's moments on this machine's time.monotonic() clock (None: not seen)."""

    wall_s: float
    start: float
    origin: float | None
    question: float | None
    answer: float | None
    report: float | None
    output: float | None
    exit: float
    size: int = 0
    cause: str = "-"
    exit_code: int = 0
    cpu_s: float = 0.0  # the process's own CPU time (user + system), from its rusage

    def phases(self) -> list[float | None]:
        points = [self.start, self.origin, self.question, self.answer, self.report, self.output, self.exit]
        return [None if a is None or b is None else (b - a) * 1000.0 for a, b in itertools.pairwise(points)]


def os_start(pid: int) -> float:
    """PID's start as the operating system recorded it, on time.monotonic() (as net/deadline.process_started)."""
    with open(f"/proc/{pid}/stat", "rb") as stat:
        ticks = int(stat.read().rpartition(b")")[2].split()[19])
    since_boot = time.clock_gettime(time.CLOCK_BOOTTIME)
    now = time.monotonic()
    return now - (since_boot - ticks / os.sysconf("SC_CLK_TCK"))


def run_marked(argv: list[str], env: dict[str, str] | None = None
               ) -> tuple[float, float, float | None, float, bytes, bytes, int, float]:
    """(wall s, OS start, last output byte, reaped, stdout, stderr, exit code, CPU s) of ARGV run to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**_environment(), **(env or {})})
    start = os_start(proc.pid)
    assert proc.stdout is not None and proc.stderr is not None
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(proc.stderr.read() if proc.stderr else b""), daemon=True)
    reader.start()
    chunks: list[bytes] = []
    last: float | None = None
    fd = proc.stdout.fileno()
    while True:
        data = os.read(fd, 1 << 16)
        if not data:
            break
        last = time.monotonic()
        chunks.append(data)
    proc.wait(SUBPROCESS_TIMEOUT_S)
    reaped = time.monotonic()
    wall = time.perf_counter() - started
    reader.join(SUBPROCESS_TIMEOUT_S)
    proc.stdout.close()
    proc.stderr.close()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, start, last, reaped, b"".join(chunks), b"".join(errors), proc.returncode, cpu


def _first_question(world: World, after: float) -> float | None:
    arrivals = [q.at for server in dns_servers(world) for q in server.queries if q.at >= after]
    return min(arrivals) if arrivals else None


def check_once(world: World, argv: list[str], env: dict[str, str] | None = None) -> Marks:
    for server in dns_servers(world):
        server.clear_queries()
    before = time.monotonic()
    wall, start, output, reaped, out, err, code, cpu = run_marked(argv, env)
    try:
        report = json.loads(out)
    except json.JSONDecodeError:
        raise RuntimeError(f"mailprobe exited {code} without a report: {err.decode(errors='replace')[-300:]}") from None
    offset = time.time() - time.monotonic()
    origin = datetime.fromisoformat(report["started_at"]).timestamp() - offset
    ends = [c["started_ms"] + c["duration_ms"] for c in report.get("checks", [])]
    causes = [entry["cause"] for entry in report.get("diagnosis", [])]
    return Marks(wall, start, origin, _first_question(world, before),
                 origin + max(ends) / 1000.0 if ends else None, origin + report["duration_ms"] / 1000.0,
                 output, reaped, len(out), causes[0] if causes else "-", code, cpu)


def floor_once(argv: list[str]) -> Marks:
    wall, start, _, reaped, out, err, code, cpu = run_marked(argv)
    if code != 0:
        raise RuntimeError(f"the floor program failed: {err.decode(errors='replace')[-300:]}")
    marks = json.loads(err)
    return Marks(wall, start, start, marks["question"], marks["answer"], marks["report"], marks["output"], reaped,
                 len(out), cpu_s=cpu)


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(statistics.median(present)) if present else None


def _ms(value: float | None) -> str:
    return "    -" if value is None else f"{value:5.0f}"


def measure(kind: str, chain_skip: str) -> tuple[list[Marks], list[Marks], list[float], list[Marks]]:
    from bench import sidebyside

    with tempfile.TemporaryDirectory(prefix="mailprobe-bench-") as tmp, healthy_world(Path(tmp), kind) as world:
        check = [*mailprobe_command(), "check", ADDRESS, "--timeout", f"{TIMEOUT_S:g}", "--format", "json",
                 *world.cli_args()]
        report_file = Path(tmp) / "report.json"  # warm-up (page cache, .pyc files); its report, the floor's to write
        report_file.write_bytes(run_marked(check)[4])
        floor = [sys.executable, "-c", FLOOR_SCRIPT, LAB_DNS[0], str(LAB_DNS[1]), CUSTOMER, PROVIDER.ip,
                 str(world.ports["imap"]), str(world.ca_file), PROVIDER.imap, str(report_file)]
        floor_once(floor)
        script, resolv = Path(tmp) / "chain.sh", Path(tmp) / "resolv.conf"
        if not chain_skip:
            script.write_text(sidebyside.chain_script(world), encoding="utf-8")
            resolv.write_text(f"nameserver {LAB_DNS[0]}\noptions timeout:{int(TIMEOUT_S)} attempts:1\n",
                              encoding="utf-8")
        checks: list[Marks] = []
        floors: list[Marks] = []
        chains: list[float] = []
        befores: list[Marks] = []
        before_src = os.environ.get(BEFORE_ENV)
        before = [sys.executable, "-P", "-m", "mailprobe", *check[1:]]  # -P: not ./mailprobe, PYTHONPATH's
        before_env = {"PYTHONPATH": before_src} if before_src else None
        if before_src:
            run_marked(before, before_env)  # warm-up
        for _ in range(RUNS):
            checks.append(check_once(world, check))
            floors.append(floor_once(floor))
            if not chain_skip:
                chains.append(sidebyside.run_chain(script, resolv).wall_s)
            if before_src:
                befores.append(check_once(world, before, before_env))
    return checks, floors, chains, befores


def report(kind: str, checks: list[Marks], floors: list[Marks], chains: list[float], befores: list[Marks],
           chain_skip: str) -> list[tuple[str, str, bool]]:
    print(f"  [{kind}] report {statistics.median([m.size for m in checks]) / 1000:.0f} KB of JSON; "
          f"exit {sorted({m.exit_code for m in checks})}; first cause {', '.join(sorted({m.cause for m in checks}))}")
    print(f"    {'phase (median ms of ' + str(len(checks)) + ' runs)':<34} {'check':>6} {'floor':>6}")
    for index, name in enumerate(PHASES):
        check = _median([m.phases()[index] for m in checks])
        floor = _median([m.phases()[index] for m in floors])
        print(f"    {name:<34} {_ms(check):>6} {_ms(floor):>6}")
    wall = _median([m.wall_s * 1000.0 for m in checks])
    floor_wall = _median([m.wall_s * 1000.0 for m in floors])
    print(f"    {'whole command (wall)':<34} {_ms(wall):>6} {_ms(floor_wall):>6}")
    cpu = _median([m.cpu_s * 1000.0 for m in checks])
    floor_cpu = _median([m.cpu_s * 1000.0 for m in floors])
    print(f"    {'of which CPU (user + system)':<34} {_ms(cpu):>6} {_ms(floor_cpu):>6}")
    if befores:
        print(f"    before ({os.environ.get(BEFORE_ENV)}), same runs:")
        for index, name in enumerate(PHASES):
            print(f"      {name:<32} {_ms(_median([m.phases()[index] for m in befores])):>6}")
        print(f"      {'whole command (wall)':<32} {_ms(_median([m.wall_s * 1000.0 for m in befores])):>6}; CPU "
              f"{_ms(_median([m.cpu_s * 1000.0 for m in befores]))}; before / floor "
              f"{statistics.median([b.wall_s / f.wall_s for b, f in zip(befores, floors, strict=True)]):.2f} ×; "
              f"before / now {statistics.median([b.wall_s / c.wall_s for b, c in zip(befores, checks, strict=True)]):.2f} ×")  # noqa: E501
    floor_ratio = statistics.median([c.wall_s / f.wall_s for c, f in zip(checks, floors, strict=True)])
    passed = floor_ratio <= TARGET_FLOOR_RATIO
    verdicts = [(f"(i) {kind} world: check / its floor", f"{floor_ratio:.2f} × (target ≤ {TARGET_FLOOR_RATIO:g} ×)",
                 passed)]
    print(f"  {'PASS' if passed else '*** MISS ***'}: [{kind}] check / floor (interpreter + MX + greeting) "
          f"{floor_ratio:.2f} × (target ≤ {TARGET_FLOOR_RATIO:g} ×)")
    if chains:
        chain_ratio = statistics.median([chain / c.wall_s for c, chain in zip(checks, chains, strict=True)])
        passed = chain_ratio >= TARGET_CHAIN_RATIO
        print(f"  {'PASS' if passed else '*** MISS ***'}: [{kind}] chain {statistics.median(chains):.2f} s / check "
              f"{chain_ratio:.2f} × (target ≥ {TARGET_CHAIN_RATIO:g} ×)")
        verdicts.append((f"(i) {kind} world: chain / check", f"{chain_ratio:.2f} × (target ≥ "
                         f"{TARGET_CHAIN_RATIO:g} ×)", passed))
    else:
        print(f"  [{kind}] plugin chain SKIPPED: {chain_skip}")
        verdicts.append((f"(i) {kind} world: chain / check", f"chain skipped ({chain_skip})", False))
    return verdicts


def main() -> list[tuple[str, str, bool]]:
    from bench import sidebyside

    print(f"== (i) phases of one healthy check, the old and the field-like world, {RUNS} interleaved runs "
          f"(check, floor, chain) ==")
    if os.geteuid() != 0:
        print("  SKIPPED: the worlds' resolvers listen on port 53, which needs root")
        return [("(i) phases", "skipped: not root", False)]
    chain_skip = sidebyside.ensure_plugins()
    verdicts: list[tuple[str, str, bool]] = []
    for kind in WORLDS:
        verdicts += report(kind, *measure(kind, chain_skip), chain_skip)
    return verdicts


if __name__ == "__main__":
    main()
