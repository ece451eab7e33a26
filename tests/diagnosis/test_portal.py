"""The captive-portal judgement on hand-made evidence: what makes it, and the near misses that must not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from mailprobe.address import parse_address
from mailprobe.causes import Cause
from mailprobe.diagnosis.diagnose import diagnose
from mailprobe.diagnosis.facts import EvidenceView
from mailprobe.diagnosis.rules.portal import captive_portal, network_hijacked, organisation
from mailprobe.evidence import (
    CertificateFacts,
    ErrorFacts,
    Evidence,
    Failure,
    Observation,
    PlanSummary,
    Status,
    TlsFacts,
)
from mailprobe.kinds.dns import DnsLookup, MxRecord
from mailprobe.kinds.web import RedirectHop, WebVisit
from mailprobe.profiles import load_profiles

PORTAL = "10.1.2.3"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
OTHER_NAMES = ("imap.qiye.163.com", "mail.google.com", "qiye.aliyun.com")


def evidence(*observations: Observation) -> Evidence:
    mx = DnsLookup(id="dns.mx/example.com", target="example.com", status=Status.PASS, name="example.com",
                   rdtype="MX", purpose="mx", mx=[MxRecord(preference=5, exchange="mxbiz1.qq.com")])
    return Evidence(target=parse_address("user@example.com"), plan=PlanSummary(load_profiles().get("qq"), "mx"),
                    observations=[mx, *observations])


def a(name: str, *ips: str, purpose: str = "resolver_sanity") -> DnsLookup:
    kind = "dns.sanity" if purpose == "resolver_sanity" else "dns.a"
    return DnsLookup(id=f"{kind}/{name}", target=name, name=name, rdtype="A", purpose=purpose,
                     status=Status.PASS, records=list(ips))


def names_at(ip: str) -> list[DnsLookup]:
    return [a("exmail.qq.com", ip, purpose="host"), *(a(name, ip) for name in OTHER_NAMES)]


def certificate(*names: str) -> CertificateFacts:
    return CertificateFacts(subject=f"CN={names[0]}", issuer="CN=Some CA", san=list(names),
                            not_before=NOW - timedelta(days=30), not_after=NOW + timedelta(days=300),
                            serial="1", sha256="00")


def webmail(ip: str, *, location: str | None = None, cert: CertificateFacts | None = None) -> WebVisit:
    tls = TlsFacts(verified=cert is None, verify_error=None if cert is None else "hostname_mismatch",
                   certificate=cert)
    hops = [RedirectHop(url="https://exmail.qq.com/login", status_code=302, location=location)] if location else []
    error = ErrorFacts(kind=Failure.TLS_VERIFY, stage="tls") if cert is not None else None
    return WebVisit(id=f"web/exmail.qq.com/{ip}", target="exmail.qq.com:443", address=ip,
                    status=Status.FAIL if error else Status.PASS, host="exmail.qq.com", port=443,
                    url="https://exmail.qq.com/login", redirects=hops, tls=tls, error=error)


def test_every_name_at_one_address_with_a_foreign_redirect_is_a_portal_named_by_its_redirect() -> None:
    facts = EvidenceView(evidence(*names_at(PORTAL), webmail(PORTAL, location="http://wifi.hotel.example/login")))

    (finding,) = network_hijacked(facts)

    assert (finding.cause, finding.variant, finding.severity) == (Cause.NETWORK_PROBLEM, "captive_portal", "critical")
    assert finding.params["address"] == PORTAL and finding.params["portal"] == "wifi.hotel.example"
    assert finding.params["organisations"] == 4 and finding.params["count"] == 4
    assert finding.evidence[:2] == [f"web/exmail.qq.com/{PORTAL}", "dns.a/exmail.qq.com"]


def test_a_certificate_for_a_foreign_name_is_a_witness_and_outranks_the_certificate_reading() -> None:
    found = diagnose(evidence(*names_at(PORTAL), webmail(PORTAL, cert=certificate("portal.hotel.example")))).findings

    assert [(f.cause, f.variant) for f in found][:1] == [(Cause.NETWORK_PROBLEM, "captive_portal")]
    assert found[0].params["portal"] == "portal.hotel.example"
    certificate_reading = [f for f in found if f.cause == Cause.TLS_CERTIFICATE_PROBLEM]
    assert certificate_reading and certificate_reading[0].confidence < found[0].confidence


def test_an_ip_literal_login_page_is_foreign_too() -> None:
    portal = captive_portal(EvidenceView(evidence(*names_at(PORTAL), webmail(PORTAL, location="http://10.1.2.3/login"))))

    assert portal is not None and portal.host == "10.1.2.3"


def test_a_redirect_within_the_providers_own_domain_is_no_witness() -> None:
    facts = EvidenceView(evidence(*names_at(PORTAL), webmail(PORTAL, location="https://en.exmail.qq.com/cgi-bin/login")))

    assert captive_portal(facts) is None


def test_a_certificate_naming_another_host_of_the_same_organisation_is_no_witness() -> None:
    facts = EvidenceView(evidence(*names_at(PORTAL), webmail(PORTAL, cert=certificate("*.mail.qq.com"))))

    assert captive_portal(facts) is None


def test_names_of_two_organisations_sharing_an_address_are_no_portal() -> None:
    lookups = [a("exmail.qq.com", PORTAL, purpose="host"), a("imap.exmail.qq.com", PORTAL),
               a("mail.google.com", PORTAL)]

    assert captive_portal(EvidenceView(evidence(*lookups, webmail(PORTAL, cert=certificate("portal.example"))))) is None


def test_one_name_answered_elsewhere_means_the_network_does_not_send_every_name_there() -> None:
    lookups = [*names_at(PORTAL), a("mail.zoho.com", "10.9.9.9")]

    assert captive_portal(EvidenceView(evidence(*lookups, webmail(PORTAL, cert=certificate("portal.example"))))) is None


def test_a_portal_may_answer_from_two_addresses() -> None:
    lookups = [lk.model_copy(update={"records": [PORTAL, "10.1.2.4"]}) for lk in names_at(PORTAL)]

    portal = captive_portal(EvidenceView(evidence(*lookups, webmail("10.1.2.4", cert=certificate("portal.example")))))

    assert portal is not None and portal.addresses == (PORTAL, "10.1.2.4")


def test_a_witness_at_another_address_is_not_the_portals() -> None:
    lookups = [lk.model_copy(update={"records": [PORTAL, "10.1.2.4"]}) for lk in names_at(PORTAL)]

    seen = evidence(*lookups, webmail("10.7.7.7", cert=certificate("portal.example")))
    assert captive_portal(EvidenceView(seen)) is None


def test_three_addresses_are_no_portal() -> None:
    lookups = [lk.model_copy(update={"records": [PORTAL, "10.1.2.4", "10.1.2.5"]}) for lk in names_at(PORTAL)]

    assert captive_portal(EvidenceView(evidence(*lookups, webmail(PORTAL, cert=certificate("portal.example"))))) is None


def test_shared_addresses_without_a_witness_are_no_portal() -> None:
    assert captive_portal(EvidenceView(evidence(*names_at(PORTAL), webmail(PORTAL)))) is None


def test_organisation_keeps_a_country_registry_level() -> None:
    assert organisation("imap.exmail.qq.com") == "qq.com"
    assert organisation("mail.trade.com.cn") == "trade.com.cn"
    assert organisation("Mail.Example.CO.UK.") == "example.co.uk"


def test_a_starved_mailprobe_still_names_the_portal_its_answers_show() -> None:
    # The overload filter drops readings made of timings; a portal is read from answers, so it stays first.
    observed = evidence(*names_at(PORTAL), webmail(PORTAL, cert=certificate("portal.hotel.example")))
    starved = replace(observed, loop_lag_ms=60_000.0)

    findings = diagnose(starved).findings

    assert (findings[0].cause, findings[0].variant) == (Cause.NETWORK_PROBLEM, "captive_portal")
