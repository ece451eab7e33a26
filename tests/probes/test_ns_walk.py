"""The authoritative comparison finds a host's zone in one round trip: every level's NS is asked at once, and
the nearest level that has one counts, as when they were asked one after the other."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mailprobe.evidence import Status
from mailprobe.net.deadline import Deadline
from mailprobe.net.resolver import Resolver
from mailprobe.probes.dns import _find_ns
from tests.lab.dnsserver import LabDnsServer

DELAY_S = 0.4


@pytest.fixture
async def lab() -> AsyncIterator[LabDnsServer]:
    zone = {"qq.com": {"NS": ["ns1.qq.com."]}, "exmail.qq.com": {"NS": ["ns2.qq.com."]},
            "imap.exmail.qq.com": {"A": ["127.0.0.2"]}, "ns1.qq.com": {"A": ["127.0.0.3"]}}
    async with LabDnsServer(zone) as server:
        server.set_faults(delay=DELAY_S)
        yield server


async def test_every_level_is_asked_before_the_first_answer_and_the_nearest_zone_counts(lab: LabDnsServer) -> None:
    ns = await _find_ns(Resolver(Deadline(6.0), lab.nameservers), "imap.exmail.qq.com")
    assert (ns.status, ns.records) == (Status.PASS, ["ns2.qq.com."])
    arrivals = {q.name: q.at for q in lab.queries if q.rdtype == "NS"}
    assert set(arrivals) == {"imap.exmail.qq.com", "exmail.qq.com", "qq.com"}  # up to the registrable level
    assert max(arrivals.values()) - min(arrivals.values()) < DELAY_S  # none waited for another's answer
