"""What one check may open and keep, through the real command (issue 18, findings 6 and 9; SECURITY.md, "Bounds
on one check").

Before: 1,500 SRV targets made one `check --timeout 10` hold 6,030 open files and 217 MB and write a 4.3 MB
report (bench/hostile.py); eight webmail addresses each serving 512 KB of "<" made `--timeout 5` take some 19 s,
the page scan running on the event loop.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.watched import run_watched
from mailprobe.endpoints import MAX_SRV_TARGETS
from mailprobe.limits import SOCKETS_PER_CHECK
from mailprobe.plan import MAX_DOMAIN_DIALS
from mailprobe.probes.dns import MAX_RECORDS
from tests.lab.webserver import Route, WebServer
from tests.lab.world import CUSTOMER, SITES, World, _shared_port
from tests.support.command import REPO, cli_env, run_mailprobe

FLOOD = "srv-flood.example"
SERVICES = ("_imaps._tcp", "_imap._tcp", "_pop3s._tcp", "_pop3._tcp", "_submissions._tcp", "_submission._tcp")
TARGETS = 1500
TARPITS = [f"127.0.0.{n}" for n in range(21, 29)]  # every target has all eight: they accept and never speak
OWN_FILES = 12  # standard streams, the event loop, the trust store, the early DNS questions, the output file
REPORT_BOUND = 512 * 1024


@contextlib.contextmanager
def servers(*started: WebServer) -> Iterator[list[WebServer]]:
    try:
        yield [server.start_in_thread() for server in started]
    finally:
        for server in started:
            server.stop_thread()


def flood(port: int) -> dict[str, dict[str, list[str]]]:
    """FLOOD publishes 1,500 SRV targets over the six services, each a host with eight addresses."""
    zone: dict[str, dict[str, list[str]]] = {FLOOD: {"MX": [f"10 mx.{FLOOD}."]}}
    per_service = TARGETS // len(SERVICES)
    for index, service in enumerate(SERVICES):
        names = [f"t{index}-{n}.{FLOOD}" for n in range(per_service)]
        zone[f"{service}.{FLOOD}"] = {"SRV": [f"0 1 {port} {name}." for name in names]}
        zone.update({name: {"A": list(TARPITS)} for name in names})
    return zone


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_a_domain_publishing_1500_srv_targets_stays_within_the_checks_bounds(tmp_path: Path) -> None:
    port = _shared_port(TARPITS)
    tarpits = [WebServer(host=ip, port=port, silent=True) for ip in TARPITS]
    output = tmp_path / "report.json"
    with servers(*tarpits), World(tmp_path / "w", domains=flood(port)) as lab:
        timeout = 8.0  # room for a loaded machine: the bounds hold whatever the deadline
        argv = [sys.executable, "-m", "mailprobe", "check", f"it@{FLOOD}", "--format", "json", "--timeout",
                str(timeout), "--output", str(output), *lab.cli_args()]
        watched = run_watched(argv, cli_env(), REPO, 0.005)
    assert watched.wall_s < timeout + 2.0, watched
    assert watched.sockets <= SOCKETS_PER_CHECK + OWN_FILES, watched
    assert watched.files <= SOCKETS_PER_CHECK + 2 * OWN_FILES, watched
    assert output.stat().st_size < REPORT_BOUND, output.stat().st_size
    report = json.loads(output.read_text(encoding="utf-8"))
    srv = [c for c in report["checks"] if c["id"].startswith("dns.srv/") and c["status"] == "pass"]
    per_service = TARGETS // len(SERVICES)
    assert srv, [(c["id"], c["summary"]) for c in report["checks"] if c["kind"] == "dns"]
    for lookup in srv:  # the report says what it left out
        assert len(lookup["data"]["srv"]) == MAX_RECORDS, lookup
        assert lookup["data"]["records_not_kept"] == per_service - MAX_RECORDS
        assert lookup["data"]["targets_not_followed"] == MAX_RECORDS - MAX_SRV_TARGETS
        assert f"{per_service - MAX_RECORDS} more records not kept" in lookup["summary"]
    sessions = [c for c in report["checks"] if c["kind"] in ("imap", "pop3", "smtp")]
    # The dials, and one check per endpoint past them that says it was not dialled.
    assert len(sessions) <= MAX_DOMAIN_DIALS + len(SERVICES) * MAX_SRV_TARGETS
    assert len([c for c in sessions if c["address"] in TARPITS]) <= MAX_DOMAIN_DIALS
    left = sum(c["data"]["addresses_not_probed"] for c in report["checks"] if c["id"].startswith("dns.a/"))
    followed = len(srv) * MAX_SRV_TARGETS * len(TARPITS)
    assert followed <= MAX_DOMAIN_DIALS or left > 0  # the host lookups say how many addresses were not dialled
    assert report["status"] != "ok"


def test_a_hostile_webmail_page_on_eight_addresses_does_not_blow_the_deadline(tmp_path: Path) -> None:
    page = Route(body="<" * (512 * 1024))
    qq = SITES["qq"]
    others = [f"127.0.0.{n}" for n in range(31, 38)]
    with World(tmp_path / "w", web={"qq": {"route": page}},
               domains={qq.web: {"A": [qq.ip, *others]}}) as lab:
        tls = lab.certs.server_context(qq.web)
        extra = [WebServer({qq.web_path: page}, tls=tls, host=ip, port=lab.ports["web"]) for ip in others]
        with servers(*extra):
            started = time.monotonic()
            done = run_mailprobe("check", f"li@{CUSTOMER}", "--format", "json", "--timeout", "5", *lab.cli_args())
            wall = time.monotonic() - started
    assert "Traceback" not in done.stderr
    assert wall < 5.0 + 1.5, wall
    report = json.loads(done.stdout)
    visits = [c for c in report["checks"] if c["kind"] == "web" and c["id"].startswith(f"web/{qq.web}/")]
    assert len(visits) == 8 and all(v["data"]["page_bytes"] == 512 * 1024 for v in visits), visits
    assert report["status"] == "ok", report["diagnosis"]
