"""The diagnosis: run every rule over the evidence and rank what they find. Never touches the network."""

from __future__ import annotations

from mailprobe.causes import Cause
from mailprobe.diagnosis.confirmation import inconclusive, unconfirmed_findings
from mailprobe.diagnosis.facts import Facts
from mailprobe.diagnosis.finding import Finding
from mailprobe.diagnosis.rank import rank
from mailprobe.diagnosis.rules import RULES
from mailprobe.diagnosis.rules.login import login_unsettled
from mailprobe.evidence import Evidence
from mailprobe.report import OverallStatus

# mailprobe's own event loop late by more than this (and this share of the deadline) makes timings unreliable.
OVERLOAD_MIN_MS = 1000.0
OVERLOAD_SHARE = 0.15
_TIMING_CAUSES = frozenset({Cause.DNS_RESOLUTION_PROBLEM, Cause.NETWORK_PROBLEM})


def diagnose(evidence: Evidence) -> list[Finding]:
    facts = Facts(evidence)
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(facts))
    if not findings:  # nothing failed — but was anything confirmed?
        findings = unconfirmed_findings(facts)
    if overloaded(evidence):
        # Slowness and time-outs measured by a starved mailprobe say nothing about the user's network or DNS.
        findings = [f for f in findings if f.cause not in _TIMING_CAUSES]
    return rank(findings)


def overloaded(evidence: Evidence) -> bool:
    """mailprobe itself was starved of CPU for a good share of the deadline (its event loop woke up late)."""
    return evidence.loop_lag_ms > max(OVERLOAD_MIN_MS, OVERLOAD_SHARE * evidence.timeout_s * 1000.0)


def overall_status(evidence: Evidence, findings: list[Finding]) -> OverallStatus:
    """Critical or warning from the findings; with none, ok only when a mail server answered, else unknown."""
    if any(f.severity == "critical" for f in findings):
        return "critical"
    if findings:
        return "warning"
    if login_unsettled(evidence):  # the guard's last login has no recorded end: never ok on it
        return "unknown"
    return "unknown" if overloaded(evidence) or inconclusive(Facts(evidence)) else "ok"
