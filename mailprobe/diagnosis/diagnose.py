"""The diagnosis: run every rule over the evidence and rank what they find. Never touches the network."""

from __future__ import annotations

from mailprobe.causes import Cause
from mailprobe.diagnosis.confirmation import inconclusive, unconfirmed_findings
from mailprobe.diagnosis.facts import EvidenceView
from mailprobe.diagnosis.finding import Diagnosis, Finding
from mailprobe.diagnosis.rank import rank
from mailprobe.diagnosis.rules import RULES
from mailprobe.diagnosis.rules.admin import outrank
from mailprobe.diagnosis.rules.login import login_unsettled
from mailprobe.diagnosis.unfinished import OVERLOAD_MIN_MS, OVERLOAD_SHARE, overloaded, starved, untested_needs
from mailprobe.evidence import Evidence
from mailprobe.status import OverallStatus

__all__ = ["OVERLOAD_MIN_MS", "OVERLOAD_SHARE", "diagnose", "overall_status", "overloaded", "rank_findings"]
_TIMING_CAUSES = frozenset({Cause.DNS_RESOLUTION_PROBLEM, Cause.NETWORK_PROBLEM})
# Readings that rest on answers (every name at one address, a portal's redirect or certificate), not on timings.
_ANSWER_VARIANTS = frozenset({"captive_portal", "dns_hijack"})


def diagnose(evidence: Evidence) -> Diagnosis:
    """The findings, ranked, and the report's status they give."""
    findings = rank_findings(evidence)
    return Diagnosis(findings, overall_status(evidence, findings))


def rank_findings(evidence: Evidence) -> list[Finding]:
    # The rules read the evidence as tested: a time-out a starved mailprobe measured is not tested either.
    facts = EvidenceView(starved(evidence))
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(facts))
    if not findings:  # nothing failed — but was anything confirmed?
        findings = unconfirmed_findings(facts)
    if overloaded(evidence):
        # Slowness and time-outs measured by a starved mailprobe say nothing about the user's network or DNS.
        findings = [f for f in findings if f.cause not in _TIMING_CAUSES or f.variant in _ANSWER_VARIANTS]
    return rank(outrank(findings, evidence))  # the provider's own records outrank the wire's inferences


def overall_status(evidence: Evidence, findings: list[Finding]) -> OverallStatus:
    """Critical or warning from the findings; with none, ok only when a mail server answered and nothing mail
    needs was left untested (cut off by mailprobe's own deadline), else unknown."""
    if any(f.severity == "critical" for f in findings):
        return "critical"
    if findings:
        return "warning"
    if login_unsettled(evidence):  # the guard's last login has no recorded end: never ok on it
        return "unknown"
    if overloaded(evidence):
        return "unknown"
    facts = EvidenceView(evidence)
    return "unknown" if inconclusive(facts) or untested_needs(facts) else "ok"
