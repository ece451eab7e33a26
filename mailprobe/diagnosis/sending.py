"""What a refusal of the loop's message means, as its rule (rules/loop.py) reads it: the provider's own sending
replies (profile `[[replies]]` with `stage = "send"`, beside the login replies) first, then the standard codes
(RFC 3463 5.2.2 mailbox full, Microsoft's 5.7.60 / 5.7.7xx) and known words. Pure: no network."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from mailprobe.causes import Cause
from mailprobe.kinds.loop import SmtpStep
from mailprobe.patterns import search_bounded

PATTERN_CONFIDENCE = 0.8
CODE_CONFIDENCE = 0.85
GENERIC_CONFIDENCE = 0.6
TEMPORARY_CONFIDENCE = 0.5

# Sending rules a profile pattern may name (the sending_rejected verdict variants in causes.toml).
RULES = ("sender_mismatch", "quota_spent", "spam_suspected", "send_as", "tenant_blocked")

_MAILBOX_FULL = re.compile(
    r"\[OVERQUOTA\]|quota exceeded|over quota|mailbox (?:is )?full|exceeded storage allocation|邮箱空间不足|信箱已滿",
    re.IGNORECASE,
)
_TOO_MANY_FAILURES = re.compile(r"too much fail authentication|too many (?:failed|bad) (?:logins|auth)", re.IGNORECASE)
_SENDER_MISMATCH = re.compile(
    r"mail from (?:address )?must (?:equal|be same as) (?:the )?authori[sz](?:ed|ation) user|Sender address rejected: "
    r"not owned by user",
    re.IGNORECASE,
)
_SPAM = re.compile(r"anti-?spam|\bspam\b|反垃圾", re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    cause: Cause
    variant: str  # the verdict variant: a sending rule, "temporary", "refused", "rejected", "login"
    confidence: float
    basis: str  # pattern (a profile's), code, text


def read(step: SmtpStep, profiles: Iterable[object] = ()) -> Reading:
    """The likeliest meaning of a 4xx / 5xx to MAIL FROM, RCPT TO or DATA."""
    text = " ".join(p for p in (step.code, step.enhanced, step.text) if p)  # one line, bounded (KEEP_TEXT_CHARS)
    temporary = step.code.startswith("4")
    for profile in profiles:
        for known in getattr(profile, "replies", ()):
            if getattr(known, "stage", "login") != "send" or not known.matches(text):
                continue
            cause = Cause(known.cause)
            variant = known.rule if cause is Cause.SENDING_REJECTED and known.rule else _variant_for(cause)
            if cause is Cause.SENDING_REJECTED and temporary and variant not in RULES:
                variant = "temporary"
            return Reading(cause, variant, PATTERN_CONFIDENCE, "pattern")
    enhanced = step.enhanced or ""
    if enhanced.endswith(".2.2") or search_bounded(_MAILBOX_FULL, text) is not None:
        return Reading(Cause.MAILBOX_FULL, "refused", CODE_CONFIDENCE, "code")
    if search_bounded(_TOO_MANY_FAILURES, text) is not None:
        return Reading(Cause.ACCOUNT_LOCKED, "login", GENERIC_CONFIDENCE, "text")
    if enhanced == "5.7.60":
        return Reading(Cause.SENDING_REJECTED, "send_as", CODE_CONFIDENCE, "code")
    if re.fullmatch(r"5\.7\.7(?:0[5-9]|[1-4]\d|50)", enhanced):
        return Reading(Cause.SENDING_REJECTED, "tenant_blocked", CODE_CONFIDENCE, "code")
    if search_bounded(_SENDER_MISMATCH, text) is not None:
        return Reading(Cause.SENDING_REJECTED, "sender_mismatch", GENERIC_CONFIDENCE, "text")
    if temporary:
        return Reading(Cause.SENDING_REJECTED, "temporary", TEMPORARY_CONFIDENCE, "code")
    if search_bounded(_SPAM, text) is not None:
        return Reading(Cause.SENDING_REJECTED, "spam_suspected", GENERIC_CONFIDENCE, "text")
    return Reading(Cause.SENDING_REJECTED, "rejected", GENERIC_CONFIDENCE, "code")


def _variant_for(cause: Cause) -> str:
    return {Cause.MAILBOX_FULL: "refused", Cause.ACCOUNT_LOCKED: "login"}.get(cause, "rejected")
