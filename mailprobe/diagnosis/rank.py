"""Ranking: merge findings of the same cause and order them most likely first, deterministically."""

from __future__ import annotations

from mailprobe.causes import Cause
from mailprobe.diagnosis.finding import Finding

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
        merged[finding.cause] = combined
    return sorted(merged.values(), key=_key)


def _key(finding: Finding) -> tuple[int, float, int]:
    return (0 if finding.severity == "critical" else 1, -finding.confidence, _CAUSE_ORDER[finding.cause])
