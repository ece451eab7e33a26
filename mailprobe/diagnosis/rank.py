"""Ranking: merge findings of the same cause and order them most likely first, deterministically."""

from __future__ import annotations

from mailprobe.causes import Cause
from mailprobe.diagnosis.finding import Alternative, Finding

_CAUSE_ORDER = {cause: index for index, cause in enumerate(Cause)}


def rank(findings: list[Finding]) -> list[Finding]:
    merged: dict[Cause, Finding] = {}
    for finding in findings:
        kept = merged.get(finding.cause)
        if kept is None:
            merged[finding.cause] = finding.model_copy(deep=True)
            continue
        better = finding if _key(finding) < _key(kept) else kept
        other = kept if better is finding else finding
        combined = better.model_copy(deep=True)
        combined.evidence = list(dict.fromkeys([*better.evidence, *other.evidence]))
        combined.also_possible = [*better.also_possible, *other.also_possible]
        merged[finding.cause] = combined
    for finding in merged.values():
        finding.also_possible = _alternatives(finding, merged)
    return sorted(merged.values(), key=_key)


def _alternatives(finding: Finding, findings: dict[Cause, Finding]) -> list[Alternative]:
    """Each weaker reading once, at the highest confidence any evidence gave it; none that is a finding of
    its own (it is shown there, with its own evidence)."""
    best: dict[Cause, Alternative] = {}
    for alternative in finding.also_possible:
        if alternative.cause in findings or alternative.cause == finding.cause:
            continue
        held = best.get(alternative.cause)
        if held is None or alternative.confidence > held.confidence:
            best[alternative.cause] = alternative.model_copy()
    return sorted(best.values(), key=lambda a: (-a.confidence, _CAUSE_ORDER[a.cause]))


def _key(finding: Finding) -> tuple[int, float, int]:
    return (0 if finding.severity == "critical" else 1, -finding.confidence, _CAUSE_ORDER[finding.cause])
