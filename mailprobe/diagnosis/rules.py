"""Rules: pure functions from the evidence's facts to findings. No network, no text, no ranking."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from mailprobe.causes import Cause
from mailprobe.diagnosis.facts import (
    DNS_FAILURES,
    Facts,
    Service,
    ServiceResult,
    answered,
    connected,
    failed_on_path,
)
from mailprobe.diagnosis.finding import Finding, Severity
from mailprobe.evidence import Expect, Failure, MailSession, Reachability, Role, Status, WebVisit
from mailprobe.probes.dns import mx_disagreement

Rule = Callable[[Facts], list[Finding]]

DNS_SLOW_SHARE = 0.4  # DNS alone eating this share of the deadline leaves the probes no time
CLOCK_SKEW_S = 300.0  # browsers and TLS tolerate little; five minutes is already a misconfigured clock
CLOCK_AGREE_S = 60.0
EXPIRING_DAYS = 14.0
# Issuers that mark a certificate as made by a local interceptor (antivirus mail shields, proxies).
INTERCEPTORS = (
    "kaspersky", "avast", "avg ", "eset", "bitdefender", "fortinet", "fortigate", "zscaler", "sophos",
    "blue coat", "bluecoat", "palo alto", "umbrella", "netskope", "forcepoint", "check point", "mcafee",
    "norton", "trend micro", "websense", "barracuda", "cisco", "proxy", "interception", "sangfor", "深信服",
)


# -- DNS and the domain ---------------------------------------------------------------------------


def resolver_failing(facts: Facts) -> list[Finding]:
    """The configured resolver fails, times out, or denies even the providers' own hosts."""
    mx = facts.mx
    if mx is None or mx.error is None:
        return []
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


def resolver_disagrees(facts: Facts) -> list[Finding]:
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


def provider_hosts_unresolvable(facts: Facts) -> list[Finding]:
    """The domain resolves, but the provider's server names fail in the resolver (and so have no address)."""
    hosts = facts.lookups("host")
    resolved = {lk.name for lk in hosts if lk.status == Status.PASS}
    needed = {s.host for s in facts.provider_services}
    failing = [
        lk for lk in hosts
        if lk.error is not None and lk.error.kind in DNS_FAILURES and lk.role == Role.PROVIDER
        and lk.name not in resolved and lk.name in needed
    ]
    if not failing or (facts.mx is not None and facts.mx.error is not None and facts.mx.error.kind in DNS_FAILURES):
        return []
    return [Finding(
        cause=Cause.DNS_RESOLUTION_PROBLEM, severity="critical", confidence=0.7,
        evidence=[lk.id for lk in failing], variant="hosts_fail", params={"host": failing[0].name},
    )]


def mx_missing(facts: Facts) -> list[Finding]:
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
        implicit = [lk.id for lk in facts.lookups("implicit_mx") if lk.status == Status.PASS]
        return [Finding(cause=Cause.MX_NOT_CONFIGURED, severity="critical", confidence=0.85,
                        evidence=[mx.id, *implicit], variant="no_mx", params={"domain": domain})]
    if mx.error.kind == Failure.NXDOMAIN and facts.resolver_sane is not False:
        confidence = 0.9 if facts.resolver_sane else 0.6
        return [Finding(cause=Cause.MX_NOT_CONFIGURED, severity="critical", confidence=confidence,
                        evidence=[mx.id], variant="no_domain", params={"domain": domain})]
    return []


def mx_dangling(facts: Facts) -> list[Finding]:
    """The MX names mail exchangers that do not exist (left behind after leaving a provider)."""
    mx = facts.mx
    if mx is None or not mx.mx or mx.null_mx or facts.evidence.plan.profile is not None:
        return []
    exchangers = {r.exchange for r in mx.mx if r.exchange}
    lookups = [lk for lk in facts.lookups("host") if lk.name in exchangers]
    absent = {Failure.NXDOMAIN, Failure.NO_ANSWER}
    if {lk.name for lk in lookups} != exchangers:
        return []  # not every exchanger was asked: no verdict
    if not all(lk.error is not None and lk.error.kind in absent for lk in lookups):
        return []
    return [Finding(cause=Cause.MX_NOT_CONFIGURED, severity="critical", confidence=0.85,
                    evidence=[mx.id, *(lk.id for lk in lookups)], variant="mx_dangling",
                    params={"domain": facts.evidence.target.domain_ascii, "mx": mx.mx[0].exchange})]


def mx_elsewhere(facts: Facts) -> list[Finding]:
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


# -- reachability: is it me or them ---------------------------------------------------------------


def nothing_answers(facts: Facts) -> list[Finding]:
    """Nothing answered anywhere — the provider's services and the other providers' alike."""
    if not facts.nothing_answered:
        return []
    services = [s for s in facts.provider_services if s.resolved]
    baseline = facts.baseline_tested
    ids = [o.id for s in services for o in s.failed] + [o.id for o in baseline]
    if baseline:
        return [Finding(cause=Cause.NETWORK_PROBLEM, severity="critical", confidence=0.9, evidence=ids,
                        variant="nothing_answers", params={"count": len(services) + len(baseline)})]
    # Without a baseline we cannot tell; a network that reaches nothing is the likelier story.
    return [
        Finding(cause=Cause.NETWORK_PROBLEM, severity="critical", confidence=0.55, evidence=ids,
                variant="no_baseline", params={"count": len(services)}),
        Finding(cause=Cause.SERVER_OUTAGE, severity="critical", confidence=0.45, evidence=ids,
                variant="unconfirmed", params={"service": services[0].protocol, "host": services[0].host,
                                               "port": services[0].port}),
    ]


def service_failures(facts: Facts) -> list[Finding]:
    """Each failing provider service: their outage, or a port blocked on this network — decided by the baseline."""
    if facts.nothing_answered:
        return []  # nothing_answers speaks for this case
    findings: list[Finding] = []
    for service in facts.provider_services:
        if not service.failed or _tls_verify_only(service) or _browser_only(service):
            continue
        finding = _judge_service(facts, service)
        if finding is not None:
            findings.append(finding)
    return findings


def _judge_service(facts: Facts, service: ServiceResult) -> Finding | None:
    host, port = _where_it_failed(service.failed[0])
    params: dict[str, str | int | float] = {
        "service": service.protocol, "host": host, "port": port,
        "error": service.failed[0].error.kind.value if service.failed[0].error else "",
        "failed": len(service.failed), "total": len(service.relevant),
    }
    ids = [o.id for o in service.failed]
    if not service.resolved:
        return _unresolvable_host(facts, service, ids, params)
    if service.partly_failed:
        return Finding(cause=Cause.SERVER_OUTAGE, severity="warning", confidence=0.6,
                       evidence=ids, variant="partial", params=params)
    severity: Severity = "critical" if service.expect == Expect.REQUIRED else "warning"
    on_path = all(failed_on_path(o) for o in service.failed)
    spoke = any(answered(o) for o in service.failed)
    baseline = facts.baseline_on(service.port)
    ids += facts.baseline_ids(service.port)
    if spoke:  # the server itself refused (421, BYE, HTTP 5xx): whatever the network does, it reached them
        return Finding(cause=Cause.SERVER_OUTAGE, severity=severity, confidence=0.9,
                       evidence=ids, variant="server_broken", params=params)
    if baseline is False:
        # The same port is silent at other providers too: this network blocks or stalls it.
        return Finding(cause=Cause.NETWORK_PROBLEM, severity=severity, confidence=0.85 if on_path else 0.7,
                       evidence=ids, variant="port_blocked", params=params)
    if baseline is None:
        # Other services of this provider answer; the port may be down there or blocked here.
        return Finding(cause=Cause.SERVER_OUTAGE, severity=severity, confidence=0.55 if on_path else 0.7,
                       evidence=ids, variant="unconfirmed" if on_path else "server_broken", params=params)
    return Finding(cause=Cause.SERVER_OUTAGE, severity=severity, confidence=0.9,
                   evidence=ids, variant="service_down" if on_path else "server_broken", params=params)


def _where_it_failed(observation: Service) -> tuple[str, int]:
    """The host and port that failed: for webmail that redirected, the last hop's, not the first one's."""
    if isinstance(observation, WebVisit) and observation.redirects and observation.redirects[-1].location:
        target = urlsplit(urljoin(observation.redirects[-1].url, observation.redirects[-1].location))
        if target.hostname:
            return target.hostname, target.port or (443 if target.scheme == "https" else 80)
    return observation.host, observation.port


def _unresolvable_host(
    facts: Facts, service: ServiceResult, ids: list[str], params: dict[str, str | int | float]
) -> Finding | None:
    """The service's host name has no address while the resolver works: nothing was ever connected."""
    if not all(o.error is not None and o.error.kind in (Failure.NXDOMAIN, Failure.NO_ADDRESS) for o in service.failed):
        return None  # a resolver failure: provider_hosts_unresolvable speaks for it
    domain = facts.evidence.target.domain_ascii
    severity: Severity = "critical" if service.expect == Expect.REQUIRED else "warning"
    params = {**params, "domain": domain}
    if service.host == domain or service.host.endswith("." + domain):
        # Named after the customer's own domain (35.com): the domain's DNS lacks the provider's records.
        return Finding(cause=Cause.MX_NOT_CONFIGURED, severity=severity, confidence=0.8,
                       evidence=ids, variant="host_missing", params=params)
    return Finding(cause=Cause.DNS_RESOLUTION_PROBLEM, severity=severity, confidence=0.75,
                   evidence=ids, variant="host_missing", params=params)


GUESS_PREFIX = {"imap": "imap.", "smtp": "smtp.", "pop3": "pop."}


def guessed_services_down(facts: Facts) -> list[Finding]:
    """An unknown domain whose imap. / smtp. / pop. host exists but answers on none of the usual ports:
    a guess, but a host named for the service that resolves and refuses is a server that is down."""
    if facts.evidence.plan.profile is not None:
        return []
    published = {s.protocol for s in facts.provider_services}
    findings: list[Finding] = []
    for protocol, prefix in GUESS_PREFIX.items():
        if protocol in published:
            continue
        guesses = [
            o for o in facts.evidence.of_type(MailSession)
            if o.role == Role.CANDIDATE and o.kind == protocol and o.host.startswith(prefix) and o.address
        ]
        if not guesses or any(answered(o) for o in guesses):
            continue
        ports = sorted({o.port for o in guesses})
        baseline = [facts.baseline_on(port) for port in ports]
        params: dict[str, str | int | float] = {
            "service": protocol, "host": guesses[0].host, "port": guesses[0].port,
            "error": guesses[0].error.kind.value if guesses[0].error else "",
        }
        ids = [o.id for o in guesses] + [i for port in ports for i in facts.baseline_ids(port)]
        if any(baseline):
            findings.append(Finding(cause=Cause.SERVER_OUTAGE, severity="critical", confidence=0.7,
                                    evidence=ids, variant="service_down", params=params))
        elif baseline and all(b is False for b in baseline):
            findings.append(Finding(cause=Cause.NETWORK_PROBLEM, severity="critical", confidence=0.6,
                                    evidence=ids, variant="port_blocked", params=params))
        else:
            findings.append(Finding(cause=Cause.SERVER_OUTAGE, severity="critical", confidence=0.5,
                                    evidence=ids, variant="unconfirmed", params=params))
    return findings


def dns_too_slow(facts: Facts) -> list[Finding]:
    """The provider's services could not be tested because the DNS answers alone used up the deadline."""
    untested = [
        s for s in facts.provider_services
        if s.observations and all(o.status == Status.ERROR and o.error is not None and o.error.stage == "deadline"
                                  for o in s.observations)
    ]
    mx = facts.mx
    if not untested or mx is None:
        return []
    slowest_host = max((lk.duration_ms for lk in facts.lookups("host")), default=0.0)
    dns_ms = mx.duration_ms + slowest_host
    if dns_ms < DNS_SLOW_SHARE * facts.evidence.timeout_s * 1000.0:
        return []
    everything = len(untested) == len(facts.provider_services)
    return [Finding(cause=Cause.DNS_RESOLUTION_PROBLEM, severity="critical" if everything else "warning",
                    confidence=0.8, evidence=[mx.id, *(o.id for s in untested for o in s.observations)],
                    variant="slow", params={"ms": round(dns_ms), "count": len(untested)})]


def resolver_hijacked(facts: Facts) -> list[Finding]:
    """Different providers' well-known names all resolve to the same address, and nothing there answers:
    a captive portal or a hijacking resolver, not a verdict about the domain."""
    sanity = [lk for lk in facts.lookups("resolver_sanity") if lk.status == Status.PASS and lk.records]
    by_answer: dict[tuple[str, ...], set[str]] = {}
    for lookup in sanity:
        by_answer.setdefault(tuple(sorted(lookup.records)), set()).add(_registrable(lookup.name))
    shared = [answer for answer, owners in by_answer.items() if len(owners) >= 2]
    tested = [o for o in facts.evidence.observations if isinstance(o, MailSession | WebVisit | Reachability)
              and o.address is not None]
    if not shared or not tested or any(answered(o) for o in tested):
        return []
    return [Finding(cause=Cause.DNS_RESOLUTION_PROBLEM, severity="critical", confidence=0.9,
                    evidence=[lk.id for lk in sanity], variant="hijacked",
                    params={"address": ", ".join(shared[0])})]


def _registrable(name: str) -> str:
    return ".".join(name.split(".")[-2:])


def webmail_page_missing(facts: Facts) -> list[Finding]:
    """Webmail answers, but not with its login page (404 / 410): degraded, not down."""
    missing = [o for o in facts.web if o.role == Role.PROVIDER and o.expect != Expect.CANDIDATE
               and o.status == Status.WARN and o.status_code in (404, 410)]
    if not missing:
        return []
    return [Finding(cause=Cause.SERVER_OUTAGE, severity="warning", confidence=0.6, evidence=[o.id for o in missing],
                    variant="page_missing", params={"host": missing[0].host, "code": missing[0].status_code or 0,
                                                    "url": missing[0].url})]


def _tls_verify_only(service: ServiceResult) -> bool:
    return all(o.error is not None and o.error.kind == Failure.TLS_VERIFY for o in service.failed)


def _browser_only(service: ServiceResult) -> bool:
    """Webmail that answers but in ways only browsers trip over: browser_compatibility speaks for it."""
    return all(
        isinstance(o, WebVisit) and (
            o.legacy_tls_only
            or (o.error is not None and o.error.kind in (Failure.REDIRECT_LOOP, Failure.TOO_MANY_REDIRECTS))
        )
        for o in service.failed
    )


def _user_baseline_all_failed(facts: Facts) -> bool:
    tested = [o for o in facts.baseline_tested if o.provider_id == "user"]
    return bool(tested) and all(o.status == Status.FAIL for o in tested)


# -- TLS, clock and browsers ----------------------------------------------------------------------


def certificate_problems(facts: Facts) -> list[Finding]:
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
    if reason in ("untrusted", "self_signed") and _looks_intercepted(facts, issuer):
        variant = "interception"
    params: dict[str, str | int | float] = {"host": first.host, "port": first.port, "issuer": issuer}
    if cert is not None:
        params["not_after"] = cert.not_after.date().isoformat()
        params["not_before"] = cert.not_before.date().isoformat()
    confidence = 0.9 if variant != "other" else 0.7
    if variant == "not_yet_valid" and _clock_suspect(facts):
        confidence = 0.5  # clock_off names the likelier cause: our clock, not their certificate
    return [Finding(cause=Cause.TLS_CERTIFICATE_PROBLEM, severity="critical", confidence=confidence,
                    evidence=[o.id for o in failing], variant=variant, params=params)]


def _counts(expect: Expect) -> bool:
    return expect != Expect.CANDIDATE


def _looks_intercepted(facts: Facts, issuer: str) -> bool:
    lowered = issuer.lower()
    if any(name in lowered for name in INTERCEPTORS):
        return True
    if any(o.issuer == issuer for o in facts.baseline):
        return True  # other providers' servers present the same unknown issuer: one box re-signs everything
    trusted_issuers = {
        (o.tls.certificate.issuer_org or o.tls.certificate.issuer_cn or "")
        for o in facts.tls_observations
        if o.tls is not None and o.tls.verified and o.tls.certificate is not None
    }
    return bool(trusted_issuers) and issuer not in trusted_issuers


def _expiring(facts: Facts) -> list[Finding]:
    soon = [o for o in facts.tls_observations if o.tls is not None and o.tls.verified
            and o.tls.days_left is not None and o.tls.days_left < EXPIRING_DAYS and _counts(o.expect)]
    if not soon:
        return []
    first = soon[0]
    assert first.tls is not None
    return [Finding(cause=Cause.TLS_CERTIFICATE_PROBLEM, severity="warning", confidence=0.8,
                    evidence=[o.id for o in soon], variant="expiring",
                    params={"host": first.host, "port": first.port, "days": int(first.tls.days_left or 0)})]


def clock_off(facts: Facts) -> list[Finding]:
    """The local clock disagrees with the servers' Date headers, or certificates are 'not yet valid' here."""
    dated = _dated(facts)
    not_yet = _not_yet_valid(facts)
    median = _median_offset(facts)
    if median is not None and abs(median) > CLOCK_SKEW_S:
        offsets = [o.clock_offset_s for o in dated if o.clock_offset_s is not None]
        if all(abs(x - median) <= CLOCK_AGREE_S for x in offsets):
            severity: Severity = "critical" if not_yet else "warning"
            return [Finding(cause=Cause.CLOCK_SKEW, severity=severity, confidence=0.85,
                            evidence=[o.id for o in dated] + [o.id for o in not_yet], variant="date_header",
                            params={"offset_s": round(median), "offset_min": round(median / 60)})]
    if _clock_suspect(facts):
        return [Finding(cause=Cause.CLOCK_SKEW, severity="critical", confidence=0.8,
                        evidence=[o.id for o in not_yet], variant="not_yet_valid",
                        params={"host": not_yet[0].host})]
    return []


def _dated(facts: Facts) -> list[WebVisit]:
    return [o for o in facts.web if o.clock_offset_s is not None and o.address is not None]


def _median_offset(facts: Facts) -> float | None:
    offsets = [o.clock_offset_s for o in _dated(facts) if o.clock_offset_s is not None]
    return statistics.median(offsets) if offsets else None


def _not_yet_valid(facts: Facts) -> list[Service]:
    return [o for o in facts.tls_observations if o.tls is not None and o.tls.verify_error == "not_yet_valid"]


def _clock_suspect(facts: Facts) -> bool:
    """A slow local clock shows only in freshly issued certificates: one 'not yet valid' while others verify.
    A server Date that agrees with our clock clears it."""
    if not _not_yet_valid(facts):
        return False
    median = _median_offset(facts)
    if median is not None and abs(median) <= CLOCK_AGREE_S:
        return False
    verified = [o for o in facts.tls_observations if o.tls is not None and o.tls.verified]
    return bool(verified) or len(_not_yet_valid(facts)) > 1


def webmail_unusable_in_browsers(facts: Facts) -> list[Finding]:
    findings: list[Finding] = []
    for visit in facts.web:
        if visit.role != Role.PROVIDER or visit.expect == Expect.CANDIDATE:
            continue
        finding = _browser_finding(visit)
        if finding is not None:
            findings.append(finding)
    return findings[:1]


def _browser_finding(visit: WebVisit) -> Finding | None:
    params: dict[str, str | int | float] = {"host": visit.host, "url": visit.url}
    if visit.legacy_tls_only:
        params["version"] = visit.legacy_tls_version or "TLS 1.0/1.1"
        return Finding(cause=Cause.BROWSER_COMPATIBILITY, severity="warning", confidence=0.85,
                       evidence=[visit.id], variant="legacy_tls", params=params)
    kind = visit.error.kind if visit.error else None
    if kind in (Failure.REDIRECT_LOOP, Failure.TOO_MANY_REDIRECTS):
        params["hops"] = len(visit.redirects)
        return Finding(cause=Cause.BROWSER_COMPATIBILITY, severity="warning", confidence=0.8,
                       evidence=[visit.id], variant="redirect_loop", params=params)
    broken = [r for r in visit.resources if r.status == Status.FAIL]
    if broken and visit.status in (Status.PASS, Status.WARN):
        params["resource"] = broken[0].url
        params["count"] = len(broken)
        return Finding(cause=Cause.BROWSER_COMPATIBILITY, severity="warning", confidence=0.6,
                       evidence=[visit.id], variant="resources", params=params)
    return None


RULES: tuple[Rule, ...] = (
    resolver_failing,
    resolver_disagrees,
    resolver_hijacked,
    provider_hosts_unresolvable,
    dns_too_slow,
    mx_missing,
    mx_dangling,
    mx_elsewhere,
    nothing_answers,
    service_failures,
    guessed_services_down,
    webmail_page_missing,
    certificate_problems,
    clock_off,
    webmail_unusable_in_browsers,
)


def connected_any(facts: Facts) -> bool:
    return any(connected(o) for o in facts.evidence.observations)
