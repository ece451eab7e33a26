"""Certificates and the clock: expired, wrong host, untrusted, interception; a local clock far off."""

from __future__ import annotations

import statistics

from mailprobe.causes import Cause
from mailprobe.diagnosis.facts import (
    EvidenceView,
    Service,
    answered,
)
from mailprobe.diagnosis.finding import Finding
from mailprobe.diagnosis.rules.portal import captive_portal
from mailprobe.evidence import Expect
from mailprobe.kinds.web import WebVisit
from mailprobe.status import Severity

# A certificate served by the network's captive portal (or a hijacked name) in place of the server's: the
# portal is the cause (rules/portal.py), the certificate only how it showed.
PORTAL_CONFIDENCE = 0.4
# A certificate for another name here and at other providers' servers too: something on this network answers
# in their place (a transparent proxy or portal). Said as interception, short of the certificate's own 0.9:
# the network's other readings (blocked ports) rank ahead, and the provider is not the one blamed.
ELSEWHERE_TOO_CONFIDENCE = 0.7


# Issuers that mark a certificate as made by a local interceptor (antivirus mail shields, proxies).
INTERCEPTORS = (
    "kaspersky", "avast", "avg ", "eset", "bitdefender", "fortinet", "fortigate", "zscaler", "sophos",
    "blue coat", "bluecoat", "palo alto", "umbrella", "netskope", "forcepoint", "check point", "mcafee",
    "norton", "trend micro", "websense", "barracuda", "cisco", "proxy", "interception", "sangfor", "深信服",
)


def certificate_problems(facts: EvidenceView) -> list[Finding]:
    failing = [o for o in facts.tls_observations if o.tls is not None and o.tls.verify_error is not None
               and _counts(o.expect)]
    if not failing:
        return _expiring(facts)
    first = failing[0]
    assert first.tls is not None
    reason = first.tls.verify_error or "other"
    cert = first.tls.certificate
    issuer = (cert.issuer_org or cert.issuer_cn or cert.issuer) if cert else ""
    variant: str = reason
    if reason in ("untrusted", "self_signed"):
        if _looks_intercepted(facts, issuer, first.host):
            variant = "interception"
        elif reason == "untrusted" and _others_verify(facts, first.host):
            variant = "server_chain"  # one server's certificate or chain, while the rest verify
    elif reason == "hostname_mismatch" and _baseline_mismatched(facts):
        variant = "interception"
    params: dict[str, str | int | float] = {"host": first.host, "port": first.port, "issuer": issuer}
    if cert is not None:
        params["not_after"] = cert.not_after.date().isoformat()
        params["not_before"] = cert.not_before.date().isoformat()
    confidence = 0.9 if variant != "other" else 0.7
    if reason == "hostname_mismatch" and variant == "interception":
        confidence = ELSEWHERE_TOO_CONFIDENCE
    if _clock_explains(facts, first) or (variant == "not_yet_valid" and _clock_suspect(facts)):
        confidence = 0.5  # clock_off names the likelier cause: our clock, not their certificate
    portal = captive_portal(facts)
    if portal is not None and all(portal.explains(o) for o in failing):
        confidence = min(confidence, PORTAL_CONFIDENCE)  # the portal answered, not the provider's server
    return [Finding(cause=Cause.TLS_CERTIFICATE_PROBLEM, severity="critical", confidence=confidence,
                    evidence=[o.id for o in failing], variant=variant, params=params)]


def _counts(expect: Expect) -> bool:
    return expect != Expect.CANDIDATE


def _looks_intercepted(facts: EvidenceView, issuer: str, host: str) -> bool:
    """Interception needs evidence from more than one place: a known interception product's issuer, or the
    same foreign issuer on other providers' servers (the baseline) or on the provider's other hosts. One host
    alone with an unknown issuer is that server's certificate or chain."""
    lowered = issuer.lower()
    if any(name in lowered for name in INTERCEPTORS):
        return True
    if not issuer:
        return False
    baseline_issuers = {o.issuer for o in facts.baseline if o.issuer}
    if issuer in baseline_issuers:
        return True  # other providers' servers present the same unknown issuer: one box re-signs everything
    if baseline_issuers:
        return False  # the other providers' servers show their own issuers: nothing sits in between
    other_hosts = {
        o.host for o in facts.tls_observations
        if o.host != host and o.tls is not None and o.tls.verify_error in ("untrusted", "self_signed")
        and _issuer_of(o) == issuer
    }
    return bool(other_hosts)


def _baseline_mismatched(facts: EvidenceView) -> bool:
    """Other providers' servers, asked from here, also present certificates made out to another name."""
    return any(o.verify_error == "hostname_mismatch" for o in facts.baseline)


def _others_verify(facts: EvidenceView, host: str) -> bool:
    return any(o.tls is not None and o.tls.verified for o in facts.tls_observations if o.host != host) or any(
        o.issuer and answered(o) for o in facts.baseline
    )


def _issuer_of(observation: Service) -> str:
    cert = observation.tls.certificate if observation.tls is not None else None
    return (cert.issuer_org or cert.issuer_cn or cert.issuer) if cert else ""


def _expiring(facts: EvidenceView) -> list[Finding]:
    """A verified certificate close to its end: warning under --cert-warn-days, critical under --cert-crit-days."""
    warn_days, crit_days = facts.evidence.cert_warn_days, facts.evidence.cert_crit_days
    soon = [o for o in facts.tls_observations if o.tls is not None and o.tls.verified
            and o.tls.days_left is not None and o.tls.days_left < max(warn_days, crit_days) and _counts(o.expect)]
    if not soon:
        return []
    soon.sort(key=lambda o: o.tls.days_left if o.tls is not None and o.tls.days_left is not None else 0.0)
    first = soon[0]
    assert first.tls is not None
    severity: Severity = "critical" if (first.tls.days_left or 0.0) < crit_days else "warning"
    return [Finding(cause=Cause.TLS_CERTIFICATE_PROBLEM, severity=severity, confidence=0.8,
                    evidence=[o.id for o in soon], variant="expiring",
                    params={"host": first.host, "port": first.port, "days": int(first.tls.days_left or 0),
                            "warn_days": warn_days, "crit_days": crit_days})]


CLOCK_SKEW_S = 300.0  # browsers and TLS tolerate little; five minutes is already a misconfigured clock


CLOCK_AGREE_S = 60.0


def clock_off(facts: EvidenceView) -> list[Finding]:
    """The local clock disagrees with the servers' Date headers, or certificates are 'not yet valid' here.
    Either direction breaks TLS: a clock ahead makes certificates 'expired', one behind 'not yet valid'."""
    dated = _dated(facts)
    not_yet = _not_yet_valid(facts)
    median = _median_offset(facts)
    if median is not None and abs(median) > CLOCK_SKEW_S and _servers_agree(facts, median):
        broken = [o for o in facts.tls_observations if _clock_explains(facts, o)]
        severity: Severity = "critical" if broken or not_yet else "warning"
        others = [o.id for o in facts.baseline if o.clock_offset_s is not None]
        # Only a clock that broke something here is said to break secure connections; one that broke nothing
        # yet is said as it is (`date_header_harmless`: off, and what it will break).
        return [Finding(cause=Cause.CLOCK_SKEW, severity=severity, confidence=0.85,
                        evidence=[o.id for o in dated] + others + [o.id for o in broken],
                        variant="date_header" if severity == "critical" else "date_header_harmless",
                        params={"offset_s": round(median), "offset_min": round(median / 60)})]
    if _clock_suspect(facts):
        return [Finding(cause=Cause.CLOCK_SKEW, severity="critical", confidence=0.8,
                        evidence=[o.id for o in not_yet], variant="not_yet_valid",
                        params={"host": not_yet[0].host})]
    return []


def _dated(facts: EvidenceView) -> list[WebVisit]:
    return [o for o in facts.web if o.clock_offset_s is not None and o.address is not None]


def _offsets(facts: EvidenceView) -> list[float]:
    """Every server's Date against our clock: the provider's webmail, and the other providers' (baseline)."""
    dated = [o.clock_offset_s for o in _dated(facts) if o.clock_offset_s is not None]
    return dated + [o.clock_offset_s for o in facts.baseline if o.clock_offset_s is not None]


def _median_offset(facts: EvidenceView) -> float | None:
    offsets = _offsets(facts)
    return statistics.median(offsets) if offsets else None


def _servers_agree(facts: EvidenceView, median: float) -> bool:
    """The servers' Dates tell one story (ours is off), not one server's clock being wrong: one provider's
    wrong Date is compared with the other servers' before it is read as our clock."""
    return all(abs(x - median) <= CLOCK_AGREE_S for x in _offsets(facts))


def _clock_explains(facts: EvidenceView, observation: Service) -> bool:
    """A certificate that fails only because of our clock: 'expired' while our clock is ahead of the servers'
    (or 'not yet valid' while it is behind), and valid at the servers' own time."""
    tls = observation.tls
    median = _median_offset(facts)
    if tls is None or tls.certificate is None or median is None or abs(median) <= CLOCK_SKEW_S:
        return False
    if not _servers_agree(facts, median):
        return False
    server_now = next((o.server_date for o in _dated(facts) if o.server_date is not None), None)
    if server_now is None:
        return False
    cert = tls.certificate
    if tls.verify_error == "expired" and median < 0:
        return server_now <= cert.not_after
    if tls.verify_error == "not_yet_valid" and median > 0:
        return server_now >= cert.not_before
    return False


def _not_yet_valid(facts: EvidenceView) -> list[Service]:
    return [o for o in facts.tls_observations if o.tls is not None and o.tls.verify_error == "not_yet_valid"]


def _clock_suspect(facts: EvidenceView) -> bool:
    """A slow local clock shows only in freshly issued certificates: one 'not yet valid' while others verify.
    A server Date that agrees with our clock clears it."""
    if not _not_yet_valid(facts):
        return False
    median = _median_offset(facts)
    if median is not None and abs(median) <= CLOCK_AGREE_S:
        return False
    verified = [o for o in facts.tls_observations if o.tls is not None and o.tls.verified]
    return bool(verified) or len(_not_yet_valid(facts)) > 1
