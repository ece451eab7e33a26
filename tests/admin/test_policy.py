"""The admin APIs are dialled as every probe dials: through the run's resolver and its address policy."""

from __future__ import annotations

import asyncio

from mailprobe.admin.http import AdminHttp
from mailprobe.evidence import Failure
from mailprobe.net.deadline import Deadline
from mailprobe.net.resolver import Resolver
from mailprobe.net.tls import TlsSettings
from mailprobe.probes.base import ProbeContext
from tests.lab.dnsserver import LabDnsServer


def test_an_api_host_that_dns_points_at_the_metadata_service_is_never_dialled() -> None:
    async def run() -> tuple[Failure, str]:
        dns = LabDnsServer()
        await dns.start()
        try:
            dns.set_zone({"api.exmail.qq.com": {"A": ["169.254.169.254"]}, "graph.microsoft.com": {"A": ["10.1.2.3"]}})
            deadline = Deadline(3.0)
            ctx = ProbeContext(deadline=deadline, tls=TlsSettings(), resolver=Resolver(deadline, dns.nameservers))
            http = AdminHttp(ctx)
            metadata = await http.request("GET", "https://api.exmail.qq.com/cgi-bin/gettoken")
            private = await http.request("GET", "https://graph.microsoft.com/v1.0/users/x")
            assert private.error is not None and private.error.kind is Failure.POLICY
            assert metadata.error is not None
            return metadata.error.kind, metadata.error.detail
        finally:
            await dns.stop()

    kind, detail = asyncio.run(run())
    assert kind is Failure.POLICY and "169.254.169.254" in detail and "metadata" in detail


def test_plain_http_is_refused() -> None:
    deadline = Deadline(2.0)
    ctx = ProbeContext(deadline=deadline, tls=TlsSettings(), resolver=Resolver(deadline, [("127.0.0.1", 9)]))
    reply = asyncio.run(AdminHttp(ctx).request("GET", "http://api.exmail.qq.com/cgi-bin/gettoken?corpsecret=s3cr3t"))
    assert reply.error is not None and reply.error.kind is Failure.POLICY
    assert "s3cr3t" not in reply.error.detail
