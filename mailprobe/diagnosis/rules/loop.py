"""The send-and-receive loop (`--loop`): a refused message (sending_rejected, in the provider's words; a 4xx as
a temporary refusal, a warning), a full mailbox (the server's words, or GETQUOTAROOT at 100 %; a warning from
90 %), a message accepted that never came (delivery_delayed) and one that came as junk (delivered_to_junk)."""

from __future__ import annotations

from mailprobe.causes import Cause
from mailprobe.diagnosis.facts import EvidenceView
from mailprobe.diagnosis.finding import Finding, Param
from mailprobe.diagnosis.sending import read
from mailprobe.kinds.loop import LoopRun

FULL_PERCENT = 100.0
NEAR_FULL_PERCENT = 90.0
QUOTA_CONFIDENCE = 0.9
DELAYED_CONFIDENCE = 0.7
JUNK_CONFIDENCE = 0.9
REPLY_CHARS = 160


def loop_findings(facts: EvidenceView) -> list[Finding]:
    findings: list[Finding] = []
    profile = facts.evidence.plan.profile
    for run in facts.evidence.of_type(LoopRun):
        findings += _refusal(run, [profile] if profile is not None else [])
        findings += _quota(run, findings)
        if run.outcome == "delayed":
            last = next((h.by_host for h in reversed(run.hops) if h.by_host), None)
            params: dict[str, Param] = {"queue_id": run.queue_id or "-", "budget": round(run.budget_s),
                                         "last_hop": last or run.submission or "-"}
            findings.append(_finding(run, Cause.DELIVERY_DELAYED, "critical", DELAYED_CONFIDENCE, "delayed", params))
        elif run.outcome == "junk":
            findings.append(_finding(run, Cause.DELIVERED_TO_JUNK, "warning", JUNK_CONFIDENCE, "junk", {
                "folder": run.folder or "", "seconds": round(run.found_after_s or 0.0, 1),
            }))
    return findings


def _refusal(run: LoopRun, profiles: list[object]) -> list[Finding]:
    refused = run.refusal()
    if refused is None:
        return []
    reading = read(refused, profiles)
    temporary = refused.code.startswith("4")
    reply = " ".join(p for p in (refused.code, refused.enhanced, refused.text) if p)[:REPLY_CHARS]
    params: dict[str, Param] = {"reply": reply, "command": refused.command.upper(), "code": refused.code}
    if reading.cause is Cause.ACCOUNT_LOCKED:
        params["service"] = "SMTP"
    severity = "warning" if temporary and reading.cause is Cause.SENDING_REJECTED else "critical"
    return [_finding(run, reading.cause, severity, reading.confidence, reading.variant, params)]


def _quota(run: LoopRun, found: list[Finding]) -> list[Finding]:
    if any(f.cause is Cause.MAILBOX_FULL for f in found):
        return []
    storage = run.storage()
    if storage is None or storage.percent < NEAR_FULL_PERCENT:
        return []
    full = storage.percent >= FULL_PERCENT
    params: dict[str, Param] = {"percent": round(storage.percent), "used": storage.used, "limit": storage.limit}
    return [_finding(run, Cause.MAILBOX_FULL, "critical" if full else "warning", QUOTA_CONFIDENCE,
                     "quota" if full else "near", params)]


def _finding(run: LoopRun, cause: Cause, severity: str, confidence: float, variant: str,
             params: dict[str, Param]) -> Finding:
    return Finding(cause=cause, severity=severity, confidence=confidence,  # type: ignore[arg-type]
                   evidence=[run.id], variant=variant, params=params)
