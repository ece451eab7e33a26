"""Hand-made evidence for rule tests (the diagnosis's and the admin records'): the target, the plan's provider,
a healthy MX naming Exmail and an IMAP session."""

from __future__ import annotations

from mailprobe.address import parse_address
from mailprobe.evidence import ErrorFacts, Evidence, Expect, Failure, Observation, PlanSummary, Status, TlsMode
from mailprobe.kinds.dns import DnsLookup, MxRecord
from mailprobe.kinds.mail import MailSession
from mailprobe.profiles import load_profiles

TARGET = parse_address("user@example.com")


def evidence(*observations: Observation, provider: str | None = "qq") -> Evidence:
    profile = load_profiles().get(provider) if provider else None
    return Evidence(target=TARGET, plan=PlanSummary(profile, "mx" if profile else "generic"),
                    observations=list(observations))


def mx_ok() -> DnsLookup:
    return DnsLookup(id="dns.mx/example.com", target="example.com", status=Status.PASS, name="example.com",
                     rdtype="MX", purpose="mx", mx=[MxRecord(preference=5, exchange="mxbiz1.qq.com")])


def session(address: str, status: Status = Status.PASS, error: Failure | None = None, stage: str = "connect",
            expect: Expect = Expect.REQUIRED, port: int = 993) -> MailSession:
    connected = error is None or stage != "connect"
    return MailSession(
        id=f"imap.{port}/imap.exmail.qq.com/{address}", kind="imap", target=f"imap.exmail.qq.com:{port}",
        address=address, status=status, host="imap.exmail.qq.com", port=port, tls_mode=TlsMode.IMPLICIT,
        expect=expect, connect_ms=3.0 if connected else None,
        error=ErrorFacts(kind=error, stage=stage) if error else None,
    )
