"""The login step (`--login`): what the server's refusal means, as the classifier ranked it, quoted.

One refusal is one finding: the likeliest cause the classifier read, with the weaker readings of the same
words folded in as "also possible" (each with how to tell it apart), never as causes of their own. A bare
refusal (`NO Login failed.`, no code, no known words) is the server rejecting the credentials: a wrong
password at modest confidence (variant `bare`), a locked or inactive account also possible; never the
provider's outage, which only an explicitly temporary answer names. A login whose credentials went out and
that then broke off without an answer is quoted under `server_outage` / `refused_unknown` at low confidence.
A password typing mistake found locally is carried on every refusal's finding (`hygiene`), whatever its cause.
"""

from __future__ import annotations

import re

from mailprobe.causes import Cause
from mailprobe.diagnosis.facts import EvidenceView
from mailprobe.diagnosis.finding import Alternative, Finding
from mailprobe.evidence import Evidence, Role, not_tested
from mailprobe.kinds.login import LoginAttempt

UNKNOWN_REFUSAL_CONFIDENCE = 0.3
MAILBOX_REFUSED_CONFIDENCE = 0.5
REPLY_CHARS = 160
_CAUSES = {cause.value: cause for cause in Cause}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_IMAP_TAG = re.compile(r"^[A-Za-z0-9]+ (?=(?:NO|BAD|OK|BYE)\b)", re.IGNORECASE)


def login_refused(facts: EvidenceView) -> list[Finding]:
    findings: list[Finding] = []
    for attempt in facts.evidence.of_type(LoginAttempt):
        if attempt.role == Role.PROVIDER:
            found = _attempt_findings(attempt)
            findings += [_remembered(f, attempt) for f in found] if attempt.stage == "guard" else found
    return findings


def login_unsettled(evidence: Evidence) -> bool:
    """The lockout guard kept a login back whose last attempt has no recorded end: whether the login works
    is not known (the report is never `ok` on it)."""
    return any(a.stage == "guard" and a.tried_unfinished for a in evidence.of_type(LoginAttempt))


def _remembered(finding: Finding, attempt: LoginAttempt) -> Finding:
    """A finding from the login the lockout guard remembers: the same cause, ranked as it was, worded as a
    login tried earlier and not retried, with when the guard allows the next one."""
    if attempt.tried_at is None or attempt.guard_until is None:
        return finding
    params = {
        **finding.params, "tried_at": attempt.tried_at.isoformat(), "guard_until": attempt.guard_until.isoformat(),
        "tried_outcome": attempt.outcome,
    }
    return finding.model_copy(update={"params": params})


def _attempt_findings(attempt: LoginAttempt) -> list[Finding]:
    if attempt.outcome == "mailbox_refused":
        # Accepted, then the mailbox would not open: never worded as a refused login.
        return _recognised(attempt, "mailbox_refused") or [
            _finding(attempt, Cause.SERVER_OUTAGE, MAILBOX_REFUSED_CONFIDENCE, "mailbox_refused")
        ]
    # A login mailprobe's own deadline cut off after sending was not refused: it was not tested.
    refused = attempt.outcome == "refused" or (
        attempt.outcome == "error" and attempt.credentials_sent and not not_tested(attempt.error)
    )
    if not refused:
        return []
    return _recognised(attempt) or [
        _finding(attempt, Cause.SERVER_OUTAGE, UNKNOWN_REFUSAL_CONFIDENCE, "refused_unknown")
    ]


def _recognised(attempt: LoginAttempt, variant: str | None = None) -> list[Finding]:
    """The classifier's first cause as the finding, the others as its weaker readings; none if it read none."""
    known = [(cause, candidate) for candidate in attempt.candidates if (cause := _CAUSES.get(candidate.cause))]
    if not known:
        return []
    (cause, first), others = known[0], known[1:]
    wording = variant or (_password_variant(attempt) if cause is Cause.PASSWORD_INCORRECT else "login")
    finding = _finding(attempt, cause, first.confidence, wording, first.code)
    finding.also_possible = [
        Alternative(cause=other, confidence=min(max(candidate.confidence, 0.0), 1.0)) for other, candidate in others
    ]
    return [finding]


def _password_variant(attempt: LoginAttempt) -> str:
    """What the wrong-password verdict should add: a typing mistake seen locally first (the likeliest
    explanation), else that the same login worked before (the password changed), else that the server gave
    no reason at all."""
    if attempt.hygiene:
        return f"hygiene_{attempt.hygiene[0]}"
    if attempt.worked_before:
        return "worked_before"
    return "bare" if attempt.bare_refusal else "login"


def _finding(
    attempt: LoginAttempt, cause: Cause, confidence: float, variant: str, code: str | None = None
) -> Finding:
    params: dict[str, str | int | float] = {"service": attempt.protocol, "reply": _reply(attempt)}
    if code:
        params["code"] = code
    if attempt.worked_before is not None:
        params["worked_before"] = "yes" if attempt.worked_before else "no"
    if attempt.hygiene and attempt.outcome != "mailbox_refused":  # the password was taken: nothing mistyped
        params["hygiene"] = attempt.hygiene[0]
    return Finding(
        cause=cause, severity="critical", confidence=min(max(confidence, 0.0), 1.0),
        evidence=[attempt.id], variant=variant, params=params,
    )


def _reply(attempt: LoginAttempt) -> str:
    """The server's deciding words, as one bounded line without the IMAP tag (already redacted)."""
    text = attempt.deciding_reply() if attempt.replies else (attempt.error.detail if attempt.error else "")
    flat = " ".join(_CONTROL.sub(" ", _IMAP_TAG.sub("", text)).split())
    return flat if len(flat) <= REPLY_CHARS else flat[: REPLY_CHARS - 1].rstrip() + "…"
