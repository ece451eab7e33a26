"""mailprobe's own limits are evidence about mailprobe, never blamed on the user's DNS or network (SECURITY.md).

Before: with the common soft limit of open files, many checks at once ran out of descriptors and every
"Too many open files" became a DNS SERVFAIL verdict; a CPU-starved event loop made a healthy provider's DNS
look slow.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from mailprobe.diagnosis.diagnose import diagnose, overall_status
from mailprobe.evidence import Evidence
from mailprobe.net.resolver import _failure_of
from tests.lab.world import CUSTOMER, World

REPO = Path(__file__).resolve().parents[2]
OPEN_FILES = 96  # far below what 16 checks at once would need (some 48 sockets each)


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))


def test_a_low_open_file_limit_lowers_concurrency_instead_of_failing_dns(tmp_path: Path) -> None:
    addresses = [f"user{n}@{CUSTOMER}" for n in range(16)]
    with World(tmp_path / "w") as lab:
        done = subprocess.run(
            [sys.executable, "-m", "mailprobe", "check", *addresses, "--format", "json", "--concurrency", "16",
             "--timeout", "5", *lab.cli_args()],
            capture_output=True, text=True, cwd=REPO, timeout=120, preexec_fn=_limited,
            env={**os.environ, "NO_COLOR": "1"},
        )
    assert "Traceback" not in done.stderr
    reports = json.loads(done.stdout)
    assert [r["status"] for r in reports] == ["ok"] * len(addresses), [
        (r["status"], [d["cause"] for d in r["diagnosis"]]) for r in reports if r["status"] != "ok"
    ]
    assert done.returncode == 0


def test_out_of_file_descriptors_is_mailprobes_own_failure_not_servfail() -> None:
    assert _failure_of(OSError(errno.EMFILE, "Too many open files")).value == "internal"
    assert _failure_of(OSError(errno.ECONNREFUSED, "refused")).value == "servfail"


def test_a_starved_event_loop_blames_neither_dns_nor_network(tmp_path: Path) -> None:
    from mailprobe.address import parse_address
    from mailprobe.evidence import ErrorFacts, Failure, PlanSummary, Status
    from mailprobe.kinds.dns import DnsLookup

    slow_mx = DnsLookup(id="dns.mx/acme.com", target="acme.com", status=Status.ERROR, name="acme.com",
                        rdtype="MX", purpose="mx",
                        error=ErrorFacts(kind=Failure.DNS_TIMEOUT, stage="resolve", detail="no answer in time"))
    calm = Evidence(target=parse_address("li@acme.com"), plan=PlanSummary(None, "generic"), observations=[slow_mx])
    starved = Evidence(target=calm.target, plan=calm.plan, observations=[slow_mx], loop_lag_ms=4000.0)
    assert [f.cause.value for f in diagnose(calm).findings][:1] == ["dns_resolution_problem"]
    assert diagnose(starved).findings == []
    assert overall_status(starved, []) == "unknown"


def _check(
    lab: World, preexec: Callable[[], None] | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mailprobe", "check", f"li@{CUSTOMER}", "--format", "json", "--timeout", "5",
         *lab.cli_args()],
        capture_output=True, text=True, cwd=REPO, timeout=60, preexec_fn=preexec,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


def test_a_healthy_check_under_ulimit_24_is_healthy_not_a_dns_failure(tmp_path: Path) -> None:
    """Issue 18, finding 7. Before: under `ulimit -n 24` the check ran out of descriptors and said "Your DNS
    resolver cannot look up …" (dns_resolution_problem, critical). Its sockets are now a share of the limit
    (limits.socket_budget): it waits for its own sockets instead of running out of them."""

    def tiny() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (24, 24))

    with World(tmp_path / "w") as lab:
        done = _check(lab, tiny)
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    assert [d["cause"] for d in report["diagnosis"]] == [] and report["status"] == "ok", report["diagnosis"]
    assert done.returncode == 0


def test_out_of_descriptors_for_every_dns_question_is_named_mailprobes_own_limit(tmp_path: Path) -> None:
    """Issue 18, finding 7: dnspython reports a socket it could not open as NoNameservers, wrapping the EMFILE.
    Every UDP socket failing so (tests/lab/sockethooks) is mailprobe's own failure: each lookup says so, and the
    report blames neither the resolver nor the network. Before: SERVFAIL, "Your DNS resolver cannot look up …"."""
    from tests.lab.sockethooks import hooked_env

    with World(tmp_path / "w") as lab:
        done = _check(lab, env=hooked_env(fake_emfile="udp"))
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    assert report["diagnosis"] == [] and report["status"] == "unknown" and done.returncode == 3
    mx = next(c for c in report["checks"] if c["id"] == f"dns.mx/{CUSTOMER}")
    assert mx["status"] == "error" and mx["data"]["error"]["kind"] == "internal", mx
    assert "mailprobe itself failed" in mx["summary"] and "Too many open files" in mx["summary"]
    assert not any((c["data"].get("error") or {}).get("kind") == "servfail" for c in report["checks"])
