"""The diagnosis: run every rule over the evidence and rank what they find. Never touches the network."""

from __future__ import annotations

from mailprobe.diagnosis.facts import Facts
from mailprobe.diagnosis.finding import Finding
from mailprobe.diagnosis.rank import rank
from mailprobe.diagnosis.rules import RULES
from mailprobe.evidence import Evidence


def diagnose(evidence: Evidence) -> list[Finding]:
    facts = Facts(evidence)
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(facts))
    return rank(findings)
