"""Is it me or them: failing services judged against the baseline of other providers."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from mailprobe.causes import Cause
from mailprobe.diagnosis.facts import (
    EvidenceView,
    Service,
    ServiceResult,
    answered,
    failed_on_path,
    tested,
)
from mailprobe.diagnosis.finding import Finding
from mailprobe.evidence import Expect, Failure, Role, Status
from mailprobe.kinds.mail import MailSession
from mailprobe.kinds.web import WebVisit
from mailprobe.status import Severity


def nothing_answers(facts: EvidenceView) -> list[Finding]:
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


def service_failures(facts: EvidenceView) -> list[Finding]:
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
    return _blocked_ports_together(findings)


def _blocked_ports_together(findings: list[Finding]) -> list[Finding]:
    """Several ports blocked on this network are one finding that names them all (ranking would keep one)."""
    blocked = [f for f in findings if f.cause == Cause.NETWORK_PROBLEM and f.variant == "port_blocked"]
    ports = list(dict.fromkeys(f"{f.params['port']} ({f.params['service']})" for f in blocked))
    if len(ports) < 2:
        return findings
    best = min(blocked, key=lambda f: (0 if f.severity == "critical" else 1, -f.confidence))
    merged = best.model_copy(update={
        "variant": "ports_blocked",
        "evidence": list(dict.fromkeys(i for f in blocked for i in f.evidence)),
        "params": {**best.params, "ports": ", ".join(ports), "count": len(ports)},
    })
    return [merged, *(f for f in findings if f not in blocked)]


def _judge_service(facts: EvidenceView, service: ServiceResult) -> Finding | None:
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
        params["address"] = service.failed[0].address or ""
        # Addresses beyond the cap were not probed: the lookup that says how many is evidence too ("1 of 8
        # addresses fail" is not the whole host when 2 more were never tried).
        capped = [lk for lk in facts.lookups("host") if lk.name == service.host and lk.addresses_not_probed]
        if capped:
            params["not_probed"] = sum(lk.addresses_not_probed for lk in capped)
        return Finding(cause=Cause.SERVER_OUTAGE, severity="warning", confidence=0.6,
                       evidence=ids + [lk.id for lk in capped], variant="partial", params=params)
    severity: Severity = "critical" if service.expect == Expect.REQUIRED else "warning"
    if _works_on_another_port(facts, service):
        severity = "warning"  # the same service answers on another published port: mail still works
    on_path = all(failed_on_path(o) for o in service.failed)
    spoke = any(answered(o) for o in service.failed)
    baseline = facts.baseline_on(service.port)
    ids += facts.baseline_ids(service.port)
    if spoke:  # the server itself answered: whatever the network does, it reached them
        return _spoke(service, severity, ids, params)
    if baseline is False:
        # The same port is silent at other providers too: this network blocks or stalls it.
        return Finding(cause=Cause.NETWORK_PROBLEM, severity=severity, confidence=0.85 if on_path else 0.7,
                       evidence=ids, variant="port_blocked", params=params)
    if baseline is None:
        # Other services of this provider answer; the port may be down there or blocked here.
        return Finding(cause=Cause.SERVER_OUTAGE, severity=severity, confidence=0.55 if on_path else 0.7,
                       evidence=ids, variant="unconfirmed" if on_path else "server_broken", params=params)
    confidence = 0.9
    if on_path and _whole_provider_dropped(facts):
        # Every port of the provider silent from here while other providers answer: their outage, or this
        # network dropping their addresses (a firewall rule against one provider) — a dropped SYN cannot tell.
        confidence = WHOLE_PROVIDER_DROPPED_CONFIDENCE
    return Finding(cause=Cause.SERVER_OUTAGE, severity=severity, confidence=confidence,
                   evidence=ids, variant="service_down" if on_path else "server_broken", params=params)


WHOLE_PROVIDER_DROPPED_CONFIDENCE = 0.7


def _whole_provider_dropped(facts: EvidenceView) -> bool:
    """None of the provider's services answered, every connection timed out or found no route (no refusal
    from their address, which would show a host alive there)."""
    services = facts.provider_services
    observations = [o for s in services for o in s.relevant]
    return len(services) > 1 and bool(observations) and all(
        failed_on_path(o) and o.error is not None and o.error.kind in (Failure.TIMEOUT, Failure.UNREACHABLE)
        for o in observations
    )


REPLY_CHARS = 120  # the server's refusal quoted in a verdict
# A refusal whose words are about the client, not the server: a limit on connections from this address, or
# this address on a blocklist. The server is up and turns this network away: their refusal, less sure.
_NAMES_THE_CLIENT = re.compile(
    r"\byour (?:IP|address|host|network)\b|\bfrom (?:this|the same) (?:IP|address|host)\b|\bper[- ]IP\b"
    r"|\bclient host\b|blocked using|\b(?:DNSBL|RBL|spamhaus|block ?listed|black ?listed)\b|\bis listed\b",
    re.IGNORECASE,
)
CLIENT_NAMED_CONFIDENCE = 0.5


def _spoke(service: ServiceResult, severity: Severity, ids: list[str],
           params: dict[str, str | int | float]) -> Finding:
    """A failing service whose server answered. An explicit refusal (SMTP 421, IMAP BYE, POP3 -ERR, HTTP 5xx)
    is its own words, quoted (`refused_service`; `refused_client`, less sure, when its words are about this
    network's address); STARTTLS missing may be the server's setting or a middlebox
    on the way stripping it (`starttls_missing`, less sure); anything else broke off the dialogue."""
    first = next((o for o in service.failed if answered(o)), service.failed[0])
    error = first.error
    if error is not None and error.kind == Failure.NOT_OFFERED:
        return Finding(cause=Cause.SERVER_OUTAGE, severity=severity, confidence=0.6, evidence=ids,
                       variant="starttls_missing", params=params)
    reply = ""
    if error is not None and error.kind == Failure.HTTP_STATUS and isinstance(first, WebVisit):
        reply = f"HTTP {first.status_code}" if first.status_code else ""
    elif error is not None and error.kind == Failure.REJECTED:
        reply = _one_line(error.detail or (first.greeting if isinstance(first, MailSession) else "") or "")
    if reply:
        if _NAMES_THE_CLIENT.search(reply):
            return Finding(cause=Cause.SERVER_OUTAGE, severity=severity, confidence=CLIENT_NAMED_CONFIDENCE,
                           evidence=ids, variant="refused_client", params={**params, "reply": reply})
        return Finding(cause=Cause.SERVER_OUTAGE, severity=severity, confidence=0.9, evidence=ids,
                       variant="refused_service", params={**params, "reply": reply})
    return Finding(cause=Cause.SERVER_OUTAGE, severity=severity, confidence=0.9, evidence=ids,
                   variant="server_broken", params=params)


def _one_line(text: str) -> str:
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return flat if len(flat) <= REPLY_CHARS else flat[: REPLY_CHARS - 1].rstrip() + "…"


def _works_on_another_port(facts: EvidenceView, service: ServiceResult) -> bool:
    return any(
        other.protocol == service.protocol and other.port != service.port and other.passed
        for other in facts.provider_services
    )


def _where_it_failed(observation: Service) -> tuple[str, int]:
    """The host and port that failed: for webmail that redirected, the last hop's, not the first one's."""
    if isinstance(observation, WebVisit) and observation.redirects and observation.redirects[-1].location:
        target = urlsplit(urljoin(observation.redirects[-1].url, observation.redirects[-1].location))
        if target.hostname:
            return target.hostname, target.port or (443 if target.scheme == "https" else 80)
    return observation.host, observation.port


def _unresolvable_host(
    facts: EvidenceView, service: ServiceResult, ids: list[str], params: dict[str, str | int | float]
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


GUESS_PREFIX = {"imap": "imap.", "smtp": "smtp.", "pop3": "pop."}


def guessed_services_down(facts: EvidenceView) -> list[Finding]:
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
            and tested(o)
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


def webmail_page_missing(facts: EvidenceView) -> list[Finding]:
    """Webmail answers, but not with its login page (404 / 410): degraded, not down."""
    missing = [o for o in facts.web if o.role == Role.PROVIDER and o.expect != Expect.CANDIDATE
               and o.status == Status.WARN and o.status_code in (404, 410)]
    if not missing:
        return []
    return [Finding(cause=Cause.SERVER_OUTAGE, severity="warning", confidence=0.6, evidence=[o.id for o in missing],
                    variant="page_missing", params={"host": missing[0].host, "code": missing[0].status_code or 0,
                                                    "url": missing[0].url})]
