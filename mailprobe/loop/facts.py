"""The loop's evidence, a kind of its own: what the submission answered, when and where the message arrived,
the hops it took, the quota seen and whether the clean-up worked. Never the password; replies are redacted."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from mailprobe.evidence import Facts, Observation

# How the loop ended: delivered (to the inbox), junk (found in the junk folder), delayed (accepted, not found
# within the budget), rejected (a 5xx to the submission), deferred (a 4xx: temporary, not retried), not_run
# (no login worked over both IMAP and SMTP, or no submission server), error (a dialogue broke).
LoopOutcome = Literal["delivered", "junk", "delayed", "rejected", "deferred", "not_run", "error"]
Cleanup = Literal["expunged", "moved", "not_allowed", "failed", "not_found"]


class SmtpStep(BaseModel):
    """One submission command and the server's answer: its code, enhanced code (RFC 3463) and words."""

    command: str  # greeting, auth, mail, rcpt, data, message
    code: str
    enhanced: str | None = None
    text: str = ""  # redacted, bounded


class Hop(BaseModel):
    """One `Received:` header, oldest first: who handed the message to whom, when, and how long after the
    previous hop (or after it was sent, for the first)."""

    from_host: str | None = None
    by_host: str | None = None
    protocol: str | None = None  # the `with` clause: ESMTPSA, LMTP, …
    id: str | None = None
    at: datetime | None = None
    delay_s: float | None = None


class QuotaRoot(BaseModel):
    """One resource of a GETQUOTAROOT answer (RFC 2087 / 9208): STORAGE counts KiB."""

    root: str
    resource: str
    used: int
    limit: int

    @property
    def percent(self) -> float:
        return 100.0 * self.used / self.limit if self.limit > 0 else 0.0


class LoopFacts(Facts):
    sender: str = ""
    recipient: str = ""
    outcome: LoopOutcome = "not_run"
    stage: str = "plan"  # the last step begun: plan, watch, submission, wait, junk, fetch, cleanup, done
    submission: str | None = None  # host:port
    submission_tls: Literal["implicit", "starttls"] | None = None
    mailbox: str | None = None  # the IMAP server, host:port
    loop_id: str | None = None
    message_id: str | None = None
    replies: list[SmtpStep] = Field(default_factory=list)
    queue_id: str | None = None
    sent_at: datetime | None = None
    found_after_s: float | None = None  # from the end of DATA to the message found over IMAP
    internaldate_after_s: float | None = None  # from the end of DATA to the server's INTERNALDATE
    folder: str | None = None
    watched_with: Literal["idle", "poll"] | None = None
    hops: list[Hop] = Field(default_factory=list)
    cleanup: Cleanup | None = None
    quota: list[QuotaRoot] = Field(default_factory=list)
    budget_s: float = 0.0
    imap_replies: list[str] = Field(default_factory=list)  # the IMAP server's deciding words, redacted

    def refusal(self) -> SmtpStep | None:
        """The message's refusal: the first 4xx / 5xx to MAIL FROM, RCPT TO or DATA, if any."""
        return next((r for r in self.replies if r.command != "auth" and r.code[:1] in ("4", "5")), None)

    def storage(self) -> QuotaRoot | None:
        """The fullest STORAGE resource seen."""
        storage = [q for q in self.quota if q.resource.upper() == "STORAGE" and q.limit > 0]
        return max(storage, key=lambda q: q.percent, default=None)


class LoopRun(Observation, LoopFacts):
    """The send-and-receive loop (`--loop`): one message sent to the mailbox and looked for there."""

    kind: Literal["loop"] = "loop"
