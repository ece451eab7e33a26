"""Reports made up for the page's tests and for bench/htmlpage.py: no network, every kind of check, one cause."""

from __future__ import annotations

from datetime import UTC, datetime

from mailprobe.causes import Cause
from mailprobe.compose import check_result, diagnosis_entry, prevention
from mailprobe.diagnosis.finding import Finding
from mailprobe.evidence import ErrorFacts, Failure, Observation, Role, Status, TlsFacts
from mailprobe.kinds.baseline import Reachability
from mailprobe.kinds.dns import DnsLookup
from mailprobe.kinds.mail import MailSession
from mailprobe.kinds.web import WebVisit
from mailprobe.lang import Lang
from mailprobe.protocols import TlsMode
from mailprobe.report import SCHEMA_VERSION, ProviderInfo, Report, ToolInfo

HOSTILE_REPLY = "421 <script>window.__pwned = 1</script> busy"
FAILING = "smtp.465/smtp.exmail.qq.com/203.0.113.10"


def observations(count: int = 50) -> list[Observation]:
    """`count` checks: DNS first, then mail sessions with timings, webmail, baselines; one SMTP refusal."""
    out: list[Observation] = [
        DnsLookup(id="dns.mx/acme.com", target="acme.com", status=Status.PASS, started_ms=0.4, duration_ms=21.0,
                  name="acme.com", rdtype="MX", purpose="mx", records=["5 mxbiz1.qq.com", "10 mxbiz2.qq.com"]),
        MailSession(id=FAILING, kind="smtp", target="smtp.exmail.qq.com:465", address="203.0.113.10",
                    status=Status.FAIL, started_ms=40.0, duration_ms=120.0, host="smtp.exmail.qq.com", port=465,
                    tls_mode=TlsMode.IMPLICIT, stage="greeting", connect_ms=12.0,
                    tls=TlsFacts(version="TLSv1.3", handshake_ms=30.0, verified=True), greeting=HOSTILE_REPLY,
                    greeting_ms=5.0, greeting_code="421",
                    error=ErrorFacts(kind=Failure.REJECTED, stage="greeting", detail=HOSTILE_REPLY)),
    ]
    services = [("imap", 993, TlsMode.IMPLICIT), ("pop3", 995, TlsMode.IMPLICIT), ("smtp", 587, TlsMode.STARTTLS)]
    index = 0
    while len(out) < count:
        index += 1
        slot = index % 5
        start = 25.0 + index * 3.5
        ip = f"203.0.113.{10 + index % 40}"
        if slot == 0:
            out.append(DnsLookup(id=f"dns.host/host{index}.exmail.qq.com", target=f"host{index}.exmail.qq.com",
                                 status=Status.PASS, started_ms=start, duration_ms=18.0,
                                 name=f"host{index}.exmail.qq.com", rdtype="A", purpose="host", records=[ip]))
        elif slot in (1, 2, 3):
            kind, port, tls = services[slot - 1]
            host = f"{kind}.exmail.qq.com"
            out.append(MailSession(
                id=f"{kind}.{port}/{host}/{ip}.{index}", kind=kind, target=f"{host}:{port}", address=ip,
                status=Status.PASS, started_ms=start, duration_ms=90.0 + index, host=host, port=port, tls_mode=tls,
                stage="capabilities", connect_ms=10.0, tls=TlsFacts(version="TLSv1.3", handshake_ms=25.0,
                                                                    verified=True),
                greeting=f"* OK {host} ready", greeting_ms=8.0, greeting_code="OK", capabilities=["IMAP4rev1"]))
        elif index % 2:
            out.append(WebVisit(id=f"web/exmail.qq.com/{ip}.{index}", target="exmail.qq.com:443", address=ip,
                                status=Status.PASS, started_ms=start, duration_ms=140.0, host="exmail.qq.com",
                                port=443, url="https://exmail.qq.com/login", status_code=200, connect_ms=11.0,
                                ttfb_ms=60.0, tls=TlsFacts(version="TLSv1.3", handshake_ms=28.0, verified=True)))
        else:
            out.append(Reachability(id=f"baseline.smtp/smtp.qiye.163.com/{ip}.{index}",
                                    target="smtp.qiye.163.com:465", address=ip, status=Status.PASS,
                                    started_ms=start, duration_ms=30.0, role=Role.BASELINE,
                                    host="smtp.qiye.163.com", port=465, service="smtp", provider_id="netease",
                                    connect_ms=9.0, stage="greeting"))
    return out[:count]


def sample_report(count: int = 50, lang: Lang = "en", healthy: bool = False) -> Report:
    checks = [check_result(o, lang) for o in observations(count)]
    if healthy:
        checks = [c for c in checks if c.id != FAILING]
    diagnosis = [] if healthy else [diagnosis_entry(Finding(
        cause=Cause.SERVER_OUTAGE, severity="critical", confidence=0.9, variant="server_broken",
        evidence=[FAILING, *[c.id for c in checks if c.kind == "baseline"][:2]],
        params={"service": "SMTP", "host": "smtp.exmail.qq.com", "port": 465},
    ), None, lang)]
    return Report(
        schema_version=SCHEMA_VERSION, tool=ToolInfo(version="0.1.0"), address="li.lei@acme.com",
        domain="acme.com", domain_ascii="acme.com", started_at=datetime(2026, 11, 29, 9, 30, tzinfo=UTC),
        duration_ms=420.0, status="ok" if healthy else "critical",
        provider=ProviderInfo(id="qq", name="Tencent Exmail", matched_by="mx"),
        checks=checks, diagnosis=diagnosis, prevention=prevention(lang), lang=lang,
    )
