"""The form's answer is bounded, whatever the domain publishes (issue 18, finding 6): one POST /check of a domain
with 1,500 SRV targets over real HTTP on loopback.

Before: one such request took the exporter from 32 MB to 543 MB and produced an 11.4 MB page. Now the check keeps
to its caps (plan.py, probes/dns.py, kinds.base.MAX_CHECKS) and the page streams at most webform.MAX_PROGRESS_LINES
progress lines.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mailprobe.webform import MAX_PROGRESS_LINES
from tests.cli.test_check_bounds import FLOOD, TARPITS, flood, servers
from tests.lab.webserver import WebServer
from tests.lab.world import World, _shared_port
from tests.monitoring.test_form import _post
from tests.support.command import cli_env
from tests.support.exporter import free_port, serving

PAGE_BOUND = 2 * 1024 * 1024
GROWTH_BOUND_MB = 120.0


def _rss_mb(port: int) -> float:
    """The resident memory of the server listening on PORT (found by its command line)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"serve" in command and f"127.0.0.1:{port}".encode() in command:
                for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
    raise AssertionError(f"no server on port {port}")


@pytest.fixture
def flooded(tmp_path: Path) -> Iterator[tuple[str, int]]:
    port = _shared_port(TARPITS)
    with servers(*[WebServer(host=ip, port=port, silent=True) for ip in TARPITS]), \
            World(tmp_path / "w", domains=flood(port)) as lab:
        listen = free_port()
        command = [sys.executable, "-m", "mailprobe", "serve", "--listen", f"127.0.0.1:{listen}", *lab.cli_args(),
                   "--timeout", "5"]
        with serving(command, listen, cli_env()) as base:
            yield base, listen


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads the server's memory in /proc")
def test_a_form_request_for_a_flooding_domain_keeps_the_page_and_the_exporter_small(
    flooded: tuple[str, int],
) -> None:
    base, port = flooded
    before = _rss_mb(port)
    answer = _post(base, {"address": f"it@{FLOOD}", "lang": "en"})
    after = _rss_mb(port)
    assert answer.status_code == 200
    page = answer.text
    assert len(page.encode()) < PAGE_BOUND, len(page.encode())
    assert len(re.findall("data-progress-line", page)) <= MAX_PROGRESS_LINES + 1
    assert page.rstrip().endswith("</html>")
    assert after - before < GROWTH_BOUND_MB, (before, after)
    assert httpx.get(base + "/metrics", timeout=5).status_code == 200  # still serving
