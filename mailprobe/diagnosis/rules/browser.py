"""Webmail that answers but breaks browsers: legacy TLS only, redirect loops, missing resources."""

from __future__ import annotations

from mailprobe.causes import Cause
from mailprobe.diagnosis.facts import (
    EvidenceView,
)
from mailprobe.diagnosis.finding import Finding
from mailprobe.evidence import Expect, Failure, Role, Status
from mailprobe.kinds.web import WebVisit


def webmail_unusable_in_browsers(facts: EvidenceView) -> list[Finding]:
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
    if kind is Failure.DOWNGRADE:
        return Finding(cause=Cause.BROWSER_COMPATIBILITY, severity="warning", confidence=0.75,
                       evidence=[visit.id], variant="downgrade", params=params)
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
