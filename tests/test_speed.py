"""What the check does before its first answers: the imports it defers, the addresses it asks for early."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from types import SimpleNamespace
from typing import cast

from mailprobe.address import parse_address
from mailprobe.net.deadline import Deadline
from mailprobe.net.resolver import Resolver
from mailprobe.plan import PREFETCH_HOSTS, Planner, PlanOptions, Step, Why
from mailprobe.probes import dns
from mailprobe.probes.base import ProbeContext
from mailprobe.profiles import load_profiles
from tests.lab.dnsserver import LabDnsServer

DEFERRED = ("httpx", "cryptography", "xml.etree.ElementTree", "jinja2", "prometheus_client",
            "mailprobe.probes.web", "mailprobe.probes.login", "mailprobe.login.run", "mailprobe.diagnosis.diagnose",
            "mailprobe.compose")


def test_the_check_path_imports_nothing_the_first_question_does_not_need() -> None:
    code = ("import sys, mailprobe.cli, mailprobe.check\n"
            f"print(' '.join(m for m in {DEFERRED!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == []


def _planner(**options: object) -> Planner:
    return Planner(parse_address("li.si@example.com"), load_profiles(None), PlanOptions(**options))  # type: ignore[arg-type]


def test_the_profiles_fixed_hosts_are_asked_before_the_mx_answer() -> None:
    steps = [s for s in _planner().first_steps() if s.probe == "dns.prefetch"]
    assert len(steps) == 1 and steps[0].why is Why.PREFETCH
    assert {"imap.exmail.qq.com", "smtp.exmail.qq.com", "imap.qiye.163.com"} <= set(steps[0].hosts)
    assert "imap.{domain}" not in steps[0].hosts and len(steps[0].hosts) <= PREFETCH_HOSTS


def test_a_forced_provider_prefetches_nothing() -> None:
    assert not [s for s in _planner(forced_provider="qq").first_steps() if s.probe == "dns.prefetch"]


def test_a_prefetched_answer_is_the_one_the_host_lookup_gets() -> None:
    async def scenario() -> tuple[int, int, list[str]]:
        server = await LabDnsServer({"imap.example.net": {"A": ["127.0.0.9"]}}).start()
        try:
            resolver = Resolver(Deadline(5.0), server.nameservers)
            step = Step("dns.prefetch", Why.PREFETCH, hosts=("imap.example.net",))
            assert await dns.probe_prefetch(step, _context(resolver)) == []
            asked = len(server.queries)
            a, _ = await dns.lookup_addresses(resolver, "imap.example.net")
            return asked, len(server.queries), a.records
        finally:
            await server.stop()

    asked, after, records = asyncio.run(scenario())
    assert asked == 2 and after == 2  # A and AAAA, once
    assert records == ["127.0.0.9"]


def _context(resolver: Resolver) -> ProbeContext:
    return cast(ProbeContext, SimpleNamespace(resolver=resolver))  # the prefetch reads the resolver only
