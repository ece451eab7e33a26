"""Rules on hand-made evidence: each rule alone, ranking, and what must never become a cause."""

from __future__ import annotations

import random

from mailprobe.causes import Cause
from mailprobe.diagnosis.diagnose import diagnose
from mailprobe.diagnosis.facts import EvidenceView
from mailprobe.diagnosis.finding import Alternative, Finding
from mailprobe.diagnosis.rank import rank
from mailprobe.diagnosis.rules import mx_dangling, mx_missing, resolver_failing, service_failures
from mailprobe.evidence import ErrorFacts, Expect, Failure, Role, Status
from mailprobe.kinds.baseline import Reachability
from mailprobe.kinds.dns import DnsLookup, MxRecord
from tests.support.evidence import evidence, mx_ok, session


def mx_failed(kind: Failure) -> DnsLookup:
    status = Status.ERROR if kind in (Failure.SERVFAIL, Failure.DNS_TIMEOUT) else Status.FAIL
    return DnsLookup(id="dns.mx/example.com", target="example.com", status=status, name="example.com",
                     rdtype="MX", purpose="mx", error=ErrorFacts(kind=kind, stage="resolve"))


def baseline(status: Status, port: int = 993, host: str = "imap.qiye.163.com", ip: str = "127.0.0.12") -> Reachability:
    return Reachability(
        id=f"baseline.imap.{port}/{host}/{ip}", target=f"{host}:{port}",
        address=ip, status=status, role=Role.BASELINE, host=host, port=port,
        service="imap", provider_id="netease" if "163" in host else "other",
        connect_ms=2.0 if status == Status.PASS else None,
        error=None if status == Status.PASS else ErrorFacts(kind=Failure.REFUSED, stage="connect"),
    )


def test_healthy_evidence_gives_an_empty_diagnosis() -> None:
    assert diagnose(evidence(mx_ok(), session("127.0.0.11"), baseline(Status.PASS))).findings == []


def test_resolver_timeout_alone_is_a_dns_problem() -> None:
    (finding,) = resolver_failing(EvidenceView(evidence(mx_failed(Failure.DNS_TIMEOUT))))

    assert (finding.cause, finding.variant) == (Cause.DNS_RESOLUTION_PROBLEM, "timeout")


def test_null_mx_is_not_configured() -> None:
    null = mx_ok().model_copy(update={"mx": [MxRecord(preference=0, exchange="")], "null_mx": True})

    (finding,) = mx_missing(EvidenceView(evidence(null)))

    assert (finding.cause, finding.variant) == (Cause.MX_NOT_CONFIGURED, "null_mx")


def test_refused_port_with_baseline_answering_is_their_outage() -> None:
    facts = EvidenceView(evidence(mx_ok(), session("127.0.0.11", Status.FAIL, Failure.REFUSED), baseline(Status.PASS)))

    (finding,) = service_failures(facts)

    assert (finding.cause, finding.variant, finding.severity) == (Cause.SERVER_OUTAGE, "service_down", "critical")
    assert "baseline.imap.993/imap.qiye.163.com/127.0.0.12" in finding.evidence


def test_refused_port_with_baseline_refused_too_is_a_blocked_port() -> None:
    facts = EvidenceView(evidence(
        mx_ok(), session("127.0.0.11", Status.FAIL, Failure.REFUSED), baseline(Status.FAIL),
        baseline(Status.FAIL, host="imap.qiye.aliyun.com", ip="127.0.0.13"),
        session("127.0.0.11", port=465),  # something else answers: the network itself is up
    ))

    (finding,) = service_failures(facts)

    assert (finding.cause, finding.variant) == (Cause.NETWORK_PROBLEM, "port_blocked")


def test_a_blocked_port_while_the_service_works_on_another_published_port_is_a_warning() -> None:
    facts = EvidenceView(evidence(
        mx_ok(), session("127.0.0.11", Status.FAIL, Failure.REFUSED), baseline(Status.FAIL),
        baseline(Status.FAIL, host="imap.qiye.aliyun.com", ip="127.0.0.13"),
        session("127.0.0.11", port=143),  # the same service on another published port answers
    ))

    (finding,) = service_failures(facts)

    assert (finding.cause, finding.variant, finding.severity) == (Cause.NETWORK_PROBLEM, "port_blocked", "warning")


def test_one_failing_baseline_host_alone_does_not_make_a_blocked_port() -> None:
    facts = EvidenceView(evidence(
        mx_ok(), session("127.0.0.11", Status.FAIL, Failure.REFUSED), baseline(Status.FAIL),
        session("127.0.0.11", port=465),
    ))

    (finding,) = service_failures(facts)

    assert (finding.cause, finding.variant) == (Cause.SERVER_OUTAGE, "unconfirmed")


def test_one_of_two_addresses_failing_is_a_degraded_service_warning() -> None:
    found = diagnose(evidence(
        mx_ok(), session("127.0.0.11"), session("127.0.0.21", Status.FAIL, Failure.TIMEOUT), baseline(Status.PASS)
    )).findings

    assert [(f.cause, f.variant, f.severity) for f in found] == [(Cause.SERVER_OUTAGE, "partial", "warning")]


def test_optional_port_failing_is_only_a_warning() -> None:
    found = diagnose(evidence(
        mx_ok(), session("127.0.0.11"),
        session("127.0.0.11", Status.FAIL, Failure.REFUSED, expect=Expect.OPTIONAL, port=143),
        baseline(Status.PASS, port=143),
    )).findings

    assert [(f.cause, f.severity) for f in found] == [(Cause.SERVER_OUTAGE, "warning")]


def test_ipv6_without_a_route_here_is_not_a_fault_when_ipv4_works() -> None:
    ipv6_unreachable = session("::1", Status.FAIL, Failure.UNREACHABLE)
    assert diagnose(evidence(mx_ok(), session("127.0.0.11"), ipv6_unreachable)).findings == []


def test_a_guessed_candidate_host_that_is_absent_is_never_a_cause() -> None:
    guess = session("127.0.0.11", Status.SKIP, Failure.REFUSED, expect=Expect.CANDIDATE, port=587)

    assert diagnose(evidence(mx_ok(), session("127.0.0.11"), guess)).findings == []


def test_could_not_test_is_never_a_cause_by_itself() -> None:
    untested = session("127.0.0.11", Status.ERROR, Failure.TIMEOUT, stage="deadline")
    unresolved_baseline = baseline(Status.ERROR)

    assert diagnose(evidence(mx_ok(), untested, unresolved_baseline)).findings == []


def test_ranking_is_deterministic_whatever_order_the_rules_find_things_in() -> None:
    findings = [
        Finding(cause=Cause.CLOCK_SKEW, severity="warning", confidence=0.85),
        Finding(cause=Cause.SERVER_OUTAGE, severity="critical", confidence=0.6, evidence=["a"]),
        Finding(cause=Cause.SERVER_OUTAGE, severity="critical", confidence=0.9, evidence=["b"]),
        Finding(cause=Cause.NETWORK_PROBLEM, severity="critical", confidence=0.6),
        Finding(cause=Cause.TLS_CERTIFICATE_PROBLEM, severity="warning", confidence=0.85),
    ]
    expected = rank(findings)
    for seed in range(10):
        shuffled = findings[:]
        random.Random(seed).shuffle(shuffled)
        assert rank(shuffled) == expected
    assert [f.cause for f in expected] == [
        Cause.SERVER_OUTAGE, Cause.NETWORK_PROBLEM, Cause.TLS_CERTIFICATE_PROBLEM, Cause.CLOCK_SKEW,
    ]
    assert expected[0].confidence == 0.9 and expected[0].evidence == ["b", "a"]


def host_lookup(name: str, rdtype: str, failure: Failure | None) -> DnsLookup:
    status = Status.PASS if failure is None else (Status.ERROR if failure == Failure.SERVFAIL else Status.FAIL)
    return DnsLookup(id=f"dns.{rdtype.lower()}/{name}", target=name, status=status, name=name, rdtype=rdtype,
                     purpose="host", records=["127.0.0.11"] if failure is None else [],
                     error=ErrorFacts(kind=failure, stage="resolve") if failure else None)


def test_aaaa_servfail_for_a_host_that_resolved_over_a_is_not_a_dns_problem() -> None:
    found = diagnose(evidence(
        mx_ok(), host_lookup("imap.exmail.qq.com", "A", None),
        host_lookup("imap.exmail.qq.com", "AAAA", Failure.SERVFAIL), session("127.0.0.11"),
    )).findings

    assert found == []


def test_mx_naming_exchangers_that_do_not_exist_is_not_configured() -> None:
    dangling = mx_ok().model_copy(update={"mx": [MxRecord(preference=10, exchange="mx.gone.example")]})

    (finding,) = mx_dangling(EvidenceView(evidence(
        dangling, host_lookup("mx.gone.example", "A", Failure.NXDOMAIN),
        host_lookup("mx.gone.example", "AAAA", Failure.NXDOMAIN), provider=None,
    )))

    assert (finding.cause, finding.variant) == (Cause.MX_NOT_CONFIGURED, "mx_dangling")


def test_weaker_readings_merge_across_findings_and_never_repeat_a_cause_found_on_its_own() -> None:
    locked, code = Cause.ACCOUNT_LOCKED, Cause.CLIENT_AUTH_CODE_REQUIRED
    imap = Finding(cause=Cause.PASSWORD_INCORRECT, severity="critical", confidence=0.5, evidence=["login.imap"],
                   also_possible=[Alternative(cause=locked, confidence=0.3), Alternative(cause=code, confidence=0.4)])
    smtp = Finding(cause=Cause.PASSWORD_INCORRECT, severity="critical", confidence=0.9, evidence=["login.smtp"],
                   also_possible=[Alternative(cause=locked, confidence=0.45)])
    pop3 = Finding(cause=code, severity="critical", confidence=0.6, evidence=["login.pop3"])

    ranked = rank([imap, pop3, smtp])

    assert [f.cause for f in ranked] == [Cause.PASSWORD_INCORRECT, code]
    assert ranked[0].evidence == ["login.smtp", "login.imap"]
    assert ranked[0].also_possible == [Alternative(cause=locked, confidence=0.45)]
