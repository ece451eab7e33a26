"""The loop's SMTP side: over the TLS session the submission port gave (465, or 587 after STARTTLS), one AUTH,
then MAIL FROM, RCPT TO and DATA for the one message; each answer kept with its code, enhanced code and the
server's words (redacted), and the queue id from the final 250. A refusal is never retried."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from mailprobe.kinds.loop import SmtpStep
from mailprobe.login.attempt import LoginProgress, run_login
from mailprobe.login.dialogues import smtp_authenticate
from mailprobe.login.result import LoginOutcome, LoginResult
from mailprobe.loop.message import LoopMessage, dot_stuffed
from mailprobe.net.dialogue import Dialogue
from mailprobe.secret import Credentials

KEEP_TEXT_CHARS = 300
_ENHANCED = re.compile(r"^([245]\.\d{1,3}\.\d{1,3})(?:\s+|$)")
# Postfix, Exim, Sendmail, Coremail, Microsoft: how a final 250 names the queue entry.
_QUEUE_ID = (
    re.compile(r"queued as ([A-Za-z0-9._-]+)", re.IGNORECASE),
    re.compile(r"\bid=([A-Za-z0-9._-]+)", re.IGNORECASE),
    re.compile(r"\b([0-9A-Za-z]{6,}-[0-9A-Za-z-]{4,})\b"),
    re.compile(r"Message accepted for delivery.*?<?([A-Za-z0-9._-]{8,})>?\s*$", re.IGNORECASE),
)


@dataclass
class Submission:
    sender: str
    recipient: str
    message: LoopMessage
    steps: list[SmtpStep] = field(default_factory=list)
    sent_at: float | None = None  # time.monotonic() at the final 250
    sent_wall: datetime | None = None
    queue_id: str | None = None
    mail_from_sent: bool = False
    result: LoginResult | None = None

    @property
    def accepted(self) -> bool:
        return self.sent_at is not None


async def submit(dialogue: Dialogue, caps: Sequence[str], credentials: Credentials, state: Submission,
                 *, tls: bool) -> LoginResult:
    async def flow(attempt: LoginProgress, caps: Sequence[str]) -> LoginOutcome:
        outcome = await smtp_authenticate(attempt, caps)
        state.steps.append(_step("auth", attempt.replies, attempt))
        if outcome is not LoginOutcome.OK:
            return outcome
        await _send(attempt, state)
        return outcome

    state.result = await run_login("smtp", flow, "QUIT", dialogue, caps, credentials, tls)
    return state.result


async def _send(attempt: LoginProgress, state: Submission) -> None:
    for command, line in (("mail", f"MAIL FROM:<{state.sender}>"), ("rcpt", f"RCPT TO:<{state.recipient}>")):
        attempt.stage = "auth"
        state.mail_from_sent = True
        await attempt.write(f"{line}\r\n".encode())
        step = await _reply(attempt, command)
        state.steps.append(step)
        if step.code != "250" and step.code != "251":
            return
    await attempt.write(b"DATA\r\n")
    step = await _reply(attempt, "data")
    state.steps.append(step)
    if step.code != "354":
        return
    await attempt.write(dot_stuffed(state.message.data))
    step = await _reply(attempt, "message")
    state.steps.append(step)
    if step.code == "250":
        state.sent_at, state.sent_wall = time.monotonic(), datetime.now(UTC)
        state.queue_id = queue_id(step.text)


async def _reply(attempt: LoginProgress, command: str) -> SmtpStep:
    code, texts = await attempt.dialogue.smtp_reply(command)
    return _step(command, [f"{code} {text}" for text in texts], attempt, code)


def _step(command: str, lines: Sequence[str], attempt: LoginProgress, code: str | None = None) -> SmtpStep:
    mask = attempt.credentials.redactor.text if attempt.credentials is not None else str
    words = [line[4:] if line[:3].isdigit() else line for line in lines]
    code = code or next((line[:3] for line in lines if line[:3].isdigit()), "")
    first = words[0] if words else ""
    enhanced = _ENHANCED.match(first)
    text = " ".join(w[enhanced.end():] if enhanced and w.startswith(enhanced.group(1)) else w for w in words)
    return SmtpStep(command=command, code=code, enhanced=enhanced.group(1) if enhanced else None,
                    text=mask(" ".join(text.split()))[:KEEP_TEXT_CHARS])


def queue_id(text: str) -> str | None:
    for pattern in _QUEUE_ID:
        match = pattern.search(text)
        if match is not None:
            return match.group(1)
    return None
