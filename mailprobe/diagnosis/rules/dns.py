"""DNS rules: the resolver fails, lies, is hijacked or too slow — never a verdict about the domain."""

from __future__ import annotations

from mailprobe.causes import Cause
from mailprobe.diagnosis.dnsjudgements import mx_disagreement
from mailprobe.diagnosis.facts import (
    DNS_FAILURES,
    EvidenceView,
    answered,
    tested,
)
from mailprobe.diagnosis.finding import Finding
from mailprobe.evidence import Failure, Role, Status
from mailprobe.kinds.baseline import Reachability
from mailprobe.kinds.dns import DnsLookup
from mailprobe.kinds.mail import MailSession
from mailprobe.kinds.web import WebVisit


def resolver_failing(facts: EvidenceView) -> list[Finding]:
    """The configured resolver fails, times out, or denies even the providers' own hosts."""
    mx = facts.mx
    if mx is None or mx.error is None or not tested(mx):
        return []  # an MX question mailprobe's own deadline cut off says nothing about the resolver
    authoritative = [lk for lk in facts.lookups("authoritative") if lk.status == Status.PASS]
    evidence = [mx.id] + [lk.id for lk in authoritative]
    if mx.error.kind in DNS_FAILURES:
        confidence = 0.95 if authoritative else 0.85
        variant = "no_resolver" if mx.error.kind == Failure.NO_RESOLVER else (
            "timeout" if mx.error.kind == Failure.DNS_TIMEOUT else "servfail"
        )
        if variant == "timeout" and _user_baseline_all_failed(facts):
            confidence = 0.6  # the network itself is down; the resolver is only the first victim
        return [Finding(
            cause=Cause.DNS_RESOLUTION_PROBLEM, severity="critical", confidence=confidence,
            evidence=evidence, variant=variant, params={"domain": facts.evidence.target.domain_ascii},
        )]
    if mx.error.kind == Failure.NXDOMAIN and facts.resolver_sane is False:
        sanity = [lk.id for lk in facts.lookups("resolver_sanity")]
        return [Finding(
            cause=Cause.DNS_RESOLUTION_PROBLEM, severity="critical", confidence=0.85,
            evidence=[mx.id, *sanity], variant="denies_everything",
            params={"domain": facts.evidence.target.domain_ascii, "count": len(sanity)},
        )]
    return []


def resolver_disagrees(facts: EvidenceView) -> list[Finding]:
    """The resolver's MX differs from what the domain's authoritative servers say (stale cache, hijack)."""
    mx = facts.mx
    authoritative = [lk for lk in facts.lookups("authoritative") if lk.status == Status.PASS and lk.mx]
    if mx is None or mx.status != Status.PASS or mx_disagreement(mx, authoritative) is not True:
        return []
    mine = sorted(r.exchange for r in mx.mx)
    theirs = authoritative
    return [Finding(
        cause=Cause.DNS_RESOLUTION_PROBLEM, severity="critical", confidence=0.8,
        evidence=[mx.id, *(lk.id for lk in theirs)], variant="disagrees",
        params={
            "resolver_mx": ", ".join(mine) or "-",
            "authoritative_mx": ", ".join(sorted(r.exchange for r in theirs[0].mx)) or "-",
            "server": theirs[0].nameserver or "",
        },
    )]


def resolver_redirects_host(facts: EvidenceView) -> list[Finding]:
    """The resolver gives a provider host addresses none of its authoritative servers give (a resolver or a
    DNS filter redirecting that one host): the certificate or dialogue failures that follow are its doing."""
    authoritative: dict[str, list[DnsLookup]] = {}
    for lookup in facts.lookups("authoritative_host"):
        if lookup.status == Status.PASS and lookup.records:
            authoritative.setdefault(lookup.name, []).append(lookup)
    for lookup in facts.lookups("host"):
        theirs = authoritative.get(lookup.name)
        if not theirs or lookup.status != Status.PASS or lookup.rdtype != theirs[0].rdtype or not lookup.records:
            continue
        mine = {r.strip() for r in lookup.records}
        truth = {r.strip() for lk in theirs for r in lk.records}
        if mine & truth:
            continue
        return [Finding(
            cause=Cause.DNS_RESOLUTION_PROBLEM, severity="critical", confidence=0.92,
            evidence=[lookup.id, *(lk.id for lk in theirs)], variant="redirects_host",
            params={"host": lookup.name, "resolver": lookup.nameserver or ", ".join(facts.evidence.nameservers),
                    "resolver_ips": ", ".join(sorted(mine)), "authoritative_ips": ", ".join(sorted(truth)),
                    "server": theirs[0].nameserver or ""},
        )]
    return []


def resolver_hijacked(facts: EvidenceView) -> list[Finding]:
    """Different providers' well-known names all resolve to the same address, and nothing there answers:
    a captive portal or a hijacking resolver, not a verdict about the domain."""
    sanity = [lk for lk in facts.lookups("resolver_sanity") if lk.status == Status.PASS and lk.records]
    by_answer: dict[tuple[str, ...], set[str]] = {}
    for lookup in sanity:
        by_answer.setdefault(tuple(sorted(lookup.records)), set()).add(_registrable(lookup.name))
    shared = [answer for answer, owners in by_answer.items() if len(owners) >= 2]
    dialled = [o for o in facts.evidence.observations if isinstance(o, MailSession | WebVisit | Reachability)
               and o.address is not None and tested(o)]
    if not shared or not dialled or any(answered(o) for o in dialled):
        return []
    return [Finding(cause=Cause.DNS_RESOLUTION_PROBLEM, severity="critical", confidence=0.9,
                    evidence=[lk.id for lk in sanity], variant="hijacked",
                    params={"address": ", ".join(shared[0])})]


def _registrable(name: str) -> str:
    return ".".join(name.split(".")[-2:])


def provider_hosts_unresolvable(facts: EvidenceView) -> list[Finding]:
    """The domain resolves, but the provider's server names fail in the resolver (and so have no address)."""
    hosts = facts.lookups("host")
    resolved = {lk.name for lk in hosts if lk.status == Status.PASS}
    needed = {s.host for s in facts.provider_services}
    failing = [
        lk for lk in hosts
        if lk.error is not None and (lk.error.kind in DNS_FAILURES or lk.error.kind == Failure.NO_ADDRESS)
        and lk.role == Role.PROVIDER and tested(lk)
        and lk.name not in resolved and lk.name in needed
    ]
    if not failing or (facts.mx is not None and facts.mx.error is not None and facts.mx.error.kind in DNS_FAILURES):
        return []
    return [Finding(
        cause=Cause.DNS_RESOLUTION_PROBLEM, severity="critical", confidence=0.7,
        evidence=[lk.id for lk in failing], variant="hosts_fail", params={"host": failing[0].name},
    )]


def _user_baseline_all_failed(facts: EvidenceView) -> bool:
    tested = [o for o in facts.baseline_tested if o.provider_id == "user"]
    return bool(tested) and not any(answered(o) for o in tested)
