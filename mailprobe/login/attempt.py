"""The frame every login dialogue shares: the TLS check, the attempt's record, its result and the goodbye."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from mailprobe.evidence import ErrorFacts, Failure
from mailprobe.login.result import LoginOutcome, LoginResult, Mechanism, Stage
from mailprobe.login.wire import UnsendableError, check_sendable
from mailprobe.net.connect import ProbeError
from mailprobe.net.dialogue import Dialogue
from mailprobe.protocols import MailProtocol as Protocol
from mailprobe.secret import Credentials

# What a result keeps of the server's words: enough for every known refusal, bounded for hostile servers.
KEEP_LINES = 20
KEEP_LINE_CHARS = 512


@dataclass
class LoginProgress:
    """What one login has done so far; becomes the LoginResult."""

    protocol: Protocol
    dialogue: Dialogue
    credentials: Credentials | None = None
    stage: Stage = "auth"
    mechanism: Mechanism | None = None
    credentials_sent: bool = False
    accepted: bool = False
    mailbox_ok: bool | None = None
    replies: list[str] = field(default_factory=list)
    round_trip_ms: float | None = None
    started: float = field(default_factory=time.monotonic)
    _auth_started: float | None = None

    def heard(self, lines: Sequence[str]) -> None:
        kept = list(lines) if len(lines) <= KEEP_LINES else [*lines[: KEEP_LINES - 1], lines[-1]]
        mask = self.credentials.redactor.text if self.credentials is not None else str
        self.replies = [mask(line[:KEEP_LINE_CHARS]) for line in kept]

    def auth_begins(self, mechanism: Mechanism) -> None:
        self.mechanism = mechanism
        self.stage = "auth"
        self._auth_started = time.monotonic()

    def auth_ends(self) -> None:
        if self._auth_started is not None:
            self.round_trip_ms = round((time.monotonic() - self._auth_started) * 1000.0, 2)

    def result(self, outcome: LoginOutcome, error: ErrorFacts | None = None) -> LoginResult:
        if error is not None and self.credentials is not None:
            error = error.model_copy(update={"detail": self.credentials.redactor.text(error.detail)})
        return LoginResult(
            protocol=self.protocol,
            outcome=outcome,
            accepted=self.accepted,
            stage=self.stage,
            mechanism=self.mechanism,
            credentials_sent=self.credentials_sent,
            replies=self.replies,
            mailbox_ok=self.mailbox_ok,
            round_trip_ms=self.round_trip_ms,
            duration_ms=round((time.monotonic() - self.started) * 1000.0, 2),
            error=error,
        )

    def not_attempted(self, why: str) -> LoginResult:
        return self.result(LoginOutcome.NOT_ATTEMPTED, ErrorFacts(kind=Failure.NOT_OFFERED, stage="auth", detail=why))

    async def write(self, data: bytes, carries_password: bool = False) -> None:
        # Marked before the write: once any byte of the password may be on its way, the login counts.
        self.credentials_sent = self.credentials_sent or carries_password
        self.dialogue.writer.write(data)
        await self.dialogue.bounded_step(self.dialogue.writer.drain(), self.stage)


class NotAttempted(Exception):
    """The server offers no password login this client may use; nothing was sent."""


Flow = Callable[[LoginProgress, Sequence[str]], Awaitable[LoginOutcome]]


async def run_login(
    protocol: Protocol,
    flow: Flow,
    goodbye: str,
    dialogue: Dialogue,
    capabilities: Sequence[str],
    credentials: Credentials,
    tls: bool,
) -> LoginResult:
    """One login with CREDENTIALS (named: `Credentials.named`); every reply, word kept and error detail from
    the moment they are known is masked by their one `redactor`."""
    require_tls(dialogue, tls)
    attempt = LoginProgress(protocol, dialogue)
    caps = [" ".join(cap.upper().split()) for cap in capabilities]
    try:
        check_sendable(credentials)
        attempt.credentials = credentials
        dialogue.scrub = credentials.redactor.bytes  # every reply from here on is masked before it is decoded
        outcome = await flow(attempt, caps)
    except (NotAttempted, UnsendableError) as exc:
        await _goodbye(dialogue, goodbye)
        return attempt.not_attempted(str(exc))
    except ProbeError as exc:
        return attempt.result(LoginOutcome.ERROR, exc.facts)
    except Exception as exc:  # never raise on what a server does; the type alone, as its text may quote input
        internal = ErrorFacts(kind=Failure.INTERNAL, stage=attempt.stage, detail=type(exc).__name__)
        return attempt.result(LoginOutcome.ERROR, internal)
    await _goodbye(dialogue, goodbye)
    return attempt.result(outcome)


def require_tls(dialogue: Dialogue, tls: bool) -> None:
    if not tls:
        raise ValueError("refusing to log in over a plaintext channel")
    if dialogue.writer.get_extra_info("ssl_object") is None:
        raise ValueError("refusing to log in: the connection is not TLS-protected")


async def _goodbye(dialogue: Dialogue, command: str) -> None:
    # The goodbye is courtesy, never worth more than the run's own bound for it.
    wait = dialogue.deadline.bound(dialogue.deadline.timeouts.quit)
    if wait <= 0 or dialogue.writer.is_closing():
        return

    async def say() -> None:
        await dialogue.send(command.format(tag=dialogue.next_tag()), "logout")
        await dialogue.read_line("logout")

    with contextlib.suppress(ProbeError, OSError, RuntimeError, TimeoutError):
        await asyncio.wait_for(say(), wait)
