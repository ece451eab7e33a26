"""The login step (`--login`): what the server's refusal means, as the classifier ranked it, quoted.

A recognised refusal names its causes in the classifier's order, each with its confidence. A refusal that
nothing recognises is quoted under `server_outage` / `refused_unknown` at low confidence: the server is the
one that refused and only it (or its administrator) can say why. It is never guessed to be a wrong password,
which would send the user retyping into a lockout.
"""

from __future__ import annotations

import re

from mailprobe.causes import Cause
from mailprobe.diagnosis.facts import Facts
from mailprobe.diagnosis.finding import Finding
from mailprobe.evidence import LoginAttempt, Role

UNKNOWN_REFUSAL_CONFIDENCE = 0.3
MAILBOX_REFUSED_CONFIDENCE = 0.5
REPLY_CHARS = 160
_CAUSES = {cause.value: cause for cause in Cause}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_IMAP_TAG = re.compile(r"^[A-Za-z0-9]+ (?=(?:NO|BAD|OK|BYE)\b)", re.IGNORECASE)


def login_refused(facts: Facts) -> list[Finding]:
    findings: list[Finding] = []
    for attempt in facts.evidence.of_type(LoginAttempt):
        if attempt.role == Role.PROVIDER:
            findings += _attempt_findings(attempt)
    return findings


def _attempt_findings(attempt: LoginAttempt) -> list[Finding]:
    if attempt.outcome == "mailbox_refused":
        # Accepted, then the mailbox would not open: never worded as a refused login.
        return _recognised(attempt, "mailbox_refused") or [
            _finding(attempt, Cause.SERVER_OUTAGE, MAILBOX_REFUSED_CONFIDENCE, "mailbox_refused")
        ]
    refused = attempt.outcome == "refused" or (attempt.outcome == "error" and attempt.credentials_sent)
    if not refused:
        return []
    return _recognised(attempt) or [
        _finding(attempt, Cause.SERVER_OUTAGE, UNKNOWN_REFUSAL_CONFIDENCE, "refused_unknown")
    ]


def _recognised(attempt: LoginAttempt, variant: str | None = None) -> list[Finding]:
    """One finding per cause the reply supports, in the classifier's order and with its confidence."""
    findings = []
    for candidate in attempt.candidates:
        cause = _CAUSES.get(candidate.cause)
        if cause is None:
            continue
        wording = variant or (_password_variant(attempt) if cause is Cause.PASSWORD_INCORRECT else "login")
        findings.append(_finding(attempt, cause, candidate.confidence, wording, candidate.code))
    return findings


def _password_variant(attempt: LoginAttempt) -> str:
    """What the wrong-password verdict should add: a typing mistake seen locally first (the likeliest
    explanation), else that the same login worked before (the password changed)."""
    if attempt.hygiene:
        return f"hygiene_{attempt.hygiene[0]}"
    if attempt.worked_before:
        return "worked_before"
    return "login"


def _finding(
    attempt: LoginAttempt, cause: Cause, confidence: float, variant: str, code: str | None = None
) -> Finding:
    params: dict[str, str | int | float] = {"service": attempt.protocol, "reply": _reply(attempt)}
    if code:
        params["code"] = code
    if attempt.worked_before is not None:
        params["worked_before"] = "yes" if attempt.worked_before else "no"
    return Finding(
        cause=cause, severity="critical", confidence=min(max(confidence, 0.0), 1.0),
        evidence=[attempt.id], variant=variant, params=params,
    )


def _reply(attempt: LoginAttempt) -> str:
    """The server's deciding words, as one bounded line without the IMAP tag (already redacted)."""
    text = attempt.replies[-1] if attempt.replies else (attempt.error.detail if attempt.error else "")
    flat = " ".join(_CONTROL.sub(" ", _IMAP_TAG.sub("", text)).split())
    return flat if len(flat) <= REPLY_CHARS else flat[: REPLY_CHARS - 1].rstrip() + "…"
