"""The send-and-receive loop (`check --loop`), a kind of its own: what the submission answered, when and where
the message arrived, the hops it took, the quota seen and whether the clean-up worked — its facts, its report
check, its summary line and its words (loop.toml). Never the password; replies are redacted. The loop itself
(the SMTP and IMAP dialogues, its budget) lives in mailprobe/loop/."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from mailprobe.empty import new_list
from mailprobe.evidence import Facts, Observation
from mailprobe.kinds.base import CheckBase, Kind, provider_first
from mailprobe.lang import Lang
from mailprobe.locales.messages import t, template
from mailprobe.summaries import failure_phrase, join, quote

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
    replies: list[SmtpStep] = Field(default_factory=new_list)
    queue_id: str | None = None
    sent_at: datetime | None = None
    found_after_s: float | None = None  # from the end of DATA to the message found over IMAP
    internaldate_after_s: float | None = None  # from the end of DATA to the server's INTERNALDATE
    folder: str | None = None
    watched_with: Literal["idle", "poll"] | None = None
    hops: list[Hop] = Field(default_factory=new_list)
    cleanup: Cleanup | None = None
    quota: list[QuotaRoot] = Field(default_factory=new_list)
    budget_s: float = 0.0
    imap_replies: list[str] = Field(default_factory=new_list)  # the IMAP server's deciding words, redacted

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


# -- its summary line --------------------------------------------------------------------------------------


def _summary(run: LoopRun, lang: Lang) -> str:
    """The loop check's one line: what happened to the message, never what it means (the diagnosis says that)."""
    cleanup = t(f"loop.cleanup.{run.cleanup or 'not_found'}", lang)
    seconds = f"{run.found_after_s:.1f}" if run.found_after_s is not None else "?"
    refused = run.refusal()
    reply = quote(" ".join(p for p in (refused.code, refused.enhanced, refused.text) if p)) if refused else ""
    match run.outcome:
        case "delivered":
            text = t("summary.loop.delivered", lang, folder=run.folder or "INBOX", seconds=seconds, hops=len(run.hops),
                     route=_route(run, lang), cleanup=cleanup)
        case "junk":
            text = t("summary.loop.junk", lang, folder=quote(run.folder or ""), seconds=seconds, cleanup=cleanup)
        case "delayed":
            last = run.hops[-1].by_host if run.hops and run.hops[-1].by_host else run.submission
            text = t("summary.loop.delayed", lang, queue_id=run.queue_id or "-", budget=round(run.budget_s),
                     last_hop=last or t("loop.hops.unknown", lang))
        case "rejected" | "deferred":
            text = t(f"summary.loop.{run.outcome}", lang, reply=reply)
        case "not_run":
            detail = run.error.detail if run.error is not None else ""
            key = f"loop.reason.{detail}"
            reason = t(key, lang) if template(key, lang) is not None else detail
            return t("summary.loop.not_run", lang, reason=reason)
        case _:
            reason = failure_phrase(run.error, lang) if run.error is not None else ""
            stage = t(f"stage.{run.stage}", lang) if template(f"stage.{run.stage}", lang) is not None else run.stage
            return t("summary.loop.error", lang, stage=stage, reason=reason)
    storage = run.storage()
    if storage is not None:
        quota = t("summary.loop.quota", lang, percent=round(storage.percent), used=storage.used, limit=storage.limit)
        text = join([text, quota], lang)
    return text


def _route(run: LoopRun, lang: Lang) -> str:
    """The hops, oldest first: who took the message, how, and how long after the hop before (or the sending)."""
    if not run.hops:
        return t("loop.hops.unknown", lang)
    return " → ".join(t("loop.hop", lang, by=hop.by_host or "?", protocol=hop.protocol or "?",
                        delay="?" if hop.delay_s is None else f"{hop.delay_s:g}") for hop in run.hops)


class LoopCheck(CheckBase):
    kind: Literal["loop"] = "loop"
    data: LoopFacts
    observed: ClassVar[type[Observation]] = LoopRun
    always_listed: ClassVar[bool] = True  # its latency and hops: what the user asked --loop for

    def gauges(self) -> dict[str, float]:
        """Whether the message arrived (the inbox or the junk folder) and how long it took; nothing when the
        loop did not run."""
        if self.data.outcome == "not_run":
            return {}
        gauges = {"loop_success": 1.0 if self.data.outcome in ("delivered", "junk") else 0.0}
        if self.data.found_after_s is not None:
            gauges["loop_delivery_seconds"] = self.data.found_after_s
        return gauges


KIND = Kind(names=("loop",), observation=LoopRun, check=LoopCheck, summary=_summary, rank=provider_first)
