"""What one login attempt found: the typed result every login dialogue returns, never holding the password."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mailprobe.empty import new_list
from mailprobe.evidence import ErrorFacts
from mailprobe.protocols import MailProtocol as Protocol

Stage = Literal["id", "auth", "examine", "stat"]
Mechanism = Literal["PLAIN", "LOGIN", "USER"]  # SASL PLAIN, IMAP LOGIN or SASL LOGIN, POP3 USER/PASS


class LoginOutcome(StrEnum):
    OK = "ok"  # the credentials were accepted and (IMAP, POP3) the mailbox opened
    MAILBOX_REFUSED = "mailbox_refused"  # accepted, then EXAMINE INBOX / STAT failed
    REFUSED = "refused"  # the server refused the login; `replies` says how
    NOT_ATTEMPTED = "not_attempted"  # nothing was sent: no password login offered, or it cannot be sent
    ERROR = "error"  # the dialogue broke (closed, reset, timed out, not the protocol); see `error`


class LoginResult(BaseModel):
    """One authentication and its proof of access. `replies` are the server's own lines for the step that
    decided the outcome (to classify and quote), bounded, with any echo of the credentials masked."""

    model_config = ConfigDict(extra="forbid")

    protocol: Protocol
    outcome: LoginOutcome
    accepted: bool  # the server took the credentials
    stage: Stage  # the last step begun
    mechanism: Mechanism | None = None
    credentials_sent: bool = False  # the password reached the socket: the lockout guard must count this
    replies: list[str] = Field(default_factory=new_list)
    mailbox_ok: bool | None = None  # EXAMINE INBOX / STAT succeeded; None: not reached, or SMTP
    round_trip_ms: float | None = None  # from the authentication command to the server's verdict
    duration_ms: float = 0.0
    error: ErrorFacts | None = None
