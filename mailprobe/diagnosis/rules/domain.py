"""The domain's rules: no MX, a null MX, a domain that does not exist, an MX pointing elsewhere."""

from __future__ import annotations

from mailprobe.causes import Cause
from mailprobe.diagnosis.facts import (
    EvidenceView,
)
from mailprobe.diagnosis.finding import Finding
from mailprobe.evidence import Failure, Status
from mailprobe.limits import MAX_MX_HOSTS


def mx_missing(facts: EvidenceView) -> list[Finding]:
    """No MX, a null MX, or a domain that does not exist while the resolver is known to work."""
    mx = facts.mx
    if mx is None:
        return []
    domain = facts.evidence.target.domain_ascii
    if mx.null_mx:
        return [Finding(cause=Cause.MX_NOT_CONFIGURED, severity="critical", confidence=0.95,
                        evidence=[mx.id], variant="null_mx", params={"domain": domain})]
    if mx.error is None:
        return []
    if mx.error.kind == Failure.NO_ANSWER:
        implicit = [lk for lk in facts.lookups("implicit_mx") if lk.status == Status.PASS and lk.records]
        if implicit:
            # RFC 5321 §5.1: with no MX, the domain's own address is its mail exchanger (an implicit MX).
            # Mail can reach it, so it is no "no provider" verdict; but no provider is recognised from it, and
            # a hosted mailbox needs its provider's MX. Critical only when no mail server of the domain answered.
            answered_here = any(s.passed for s in facts.services)
            return [Finding(cause=Cause.MX_NOT_CONFIGURED, severity="warning" if answered_here else "critical",
                            confidence=0.6, evidence=[mx.id, *(lk.id for lk in implicit)], variant="implicit_mx",
                            params={"domain": domain, "address": implicit[0].records[0]})]
        return [Finding(cause=Cause.MX_NOT_CONFIGURED, severity="critical", confidence=0.85,
                        evidence=[mx.id], variant="no_mx", params={"domain": domain})]
    if mx.error.kind == Failure.NXDOMAIN and facts.resolver_sane is not False:
        confidence = 0.9 if facts.resolver_sane else 0.6
        return [Finding(cause=Cause.MX_NOT_CONFIGURED, severity="critical", confidence=confidence,
                        evidence=[mx.id], variant="no_domain", params={"domain": domain})]
    return []


def mx_dangling(facts: EvidenceView) -> list[Finding]:
    """The MX names mail exchangers that do not exist (left behind after leaving a provider)."""
    mx = facts.mx
    if mx is None or not mx.mx or mx.null_mx or facts.evidence.plan.profile is not None:
        return []
    exchangers = {r.exchange for r in mx.mx if r.exchange}
    lookups = [lk for lk in facts.lookups("host") if lk.name in exchangers]
    absent = {Failure.NXDOMAIN, Failure.NO_ANSWER, Failure.NO_ADDRESS}  # NO_ADDRESS: a CNAME loop
    asked = {lk.name for lk in lookups}
    if asked != exchangers and len(asked) < min(len(exchangers), MAX_MX_HOSTS):
        return []  # not every exchanger the plan meant to ask was asked: no verdict
    if not all(lk.error is not None and lk.error.kind in absent for lk in lookups):
        return []
    return [Finding(cause=Cause.MX_NOT_CONFIGURED, severity="critical", confidence=0.85,
                    evidence=[mx.id, *(lk.id for lk in lookups)], variant="mx_dangling",
                    params={"domain": facts.evidence.target.domain_ascii, "mx": mx.mx[0].exchange})]


def mx_elsewhere(facts: EvidenceView) -> list[Finding]:
    """--provider names one provider, but the domain's MX points to another (or to none we know)."""
    plan = facts.evidence.plan
    mx = facts.mx
    if plan.matched_by != "forced" or plan.profile is None or mx is None or not mx.mx or mx.null_mx:
        return []
    if facts.evidence.mx_profile_id == plan.profile.id:
        return []
    pointed = facts.evidence.mx_profile_id
    return [Finding(
        cause=Cause.MX_NOT_CONFIGURED, severity="critical", confidence=0.8 if pointed else 0.6,
        evidence=[mx.id], variant="elsewhere" if pointed else "unknown_mx",
        params={
            "domain": facts.evidence.target.domain_ascii, "provider": plan.profile.id,
            "other": pointed or "", "mx": mx.mx[0].exchange,
        },
    )]
