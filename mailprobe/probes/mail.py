"""The shared mail-session driver for IMAP, POP3 and SMTP: connect, TLS, greeting, capabilities, STARTTLS."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from mailprobe.certdays import CertThresholds
from mailprobe.evidence import Endpoint, ErrorFacts, Failure, Status, TlsFacts, TlsMode, not_tested
from mailprobe.kinds.mail import MailSession, mail_session
from mailprobe.net.connect import ProbeError, bounded, close_quietly, open_tcp
from mailprobe.net.dialogue import Dialogue
from mailprobe.net.tls import facts_of, ssl_object_of, upgrade, verify_failure_facts
from mailprobe.probes.base import ProbeContext
from mailprobe.protocols import MailProtocol as MailProtocolName

MAX_CAPABILITIES = 64
CAPABILITY_CHARS = 100
# A certificate this close to its end still works, but the session is reported degraded.
# After these the server is still talking to us, so a goodbye is due.
_POLITE_FAILURES = {Failure.REJECTED, Failure.NOT_OFFERED}


@dataclass(frozen=True)
class Greeting:
    code: str  # "220", "421", "OK", "BYE", "PREAUTH", "+OK", "-ERR"
    text: str
    accepted: bool
    capabilities: list[str] = field(default_factory=list)  # IMAP's [CAPABILITY …] response code
    starttls_possible: bool = True  # IMAP PREAUTH skips the state in which STARTTLS is allowed


@dataclass(frozen=True)
class MailProtocol:
    """How one protocol talks; the driver below strings the pieces together."""

    name: MailProtocolName
    starttls_keyword: str  # the capability that advertises the upgrade
    read_greeting: Callable[[Dialogue], Awaitable[Greeting]]
    read_capabilities: Callable[[Dialogue], Awaitable[list[str]]]  # sends the command; [] when refused
    start_tls: Callable[[Dialogue], Awaitable[None]]  # sends the command; ProbeError REJECTED when refused
    quit_command: str  # "{tag}" is replaced by a fresh IMAP tag

    def offers_starttls(self, capabilities: list[str]) -> bool:
        return any(cap.split(" ", 1)[0] == self.starttls_keyword for cap in capabilities)


# Handed the open dialogue once TLS is up (implicit, or after a successful STARTTLS) and the capabilities
# are read; it then owns the rest of the conversation, goodbye included (the login step).
OnReady = Callable[[Dialogue, MailSession], Awaitable[None]]


@dataclass
class _ConnectionSettings:
    """One connection's worth of settings: which context verifies, and whether it is the judging one."""

    context: ssl.SSLContext
    verified: bool
    on_ready: OnReady | None = None


async def run_session(
    protocol: MailProtocol, endpoint: Endpoint, ip: str, ctx: ProbeContext, on_ready: OnReady | None = None
) -> MailSession:
    """One dialogue with ADDRESS; every failure becomes evidence, nothing is raised. ON_READY, if given, is
    called only on a verified TLS channel; never on a plaintext one, nor on the unverified second look."""
    started = time.monotonic()
    session = mail_session(protocol.name, endpoint, ip)
    session.stage = "connect"
    judged = _ConnectionSettings(ctx.tls.verified_context(), verified=True, on_ready=on_ready)
    session.error = await _guarded(session, _dialogue(protocol, endpoint, ip, ctx, session, judged))
    if session.error is not None and session.error.kind == Failure.TLS_VERIFY:
        await _collect_despite_certificate(protocol, endpoint, ip, ctx, session, session.error)
    session.duration_ms = round((time.monotonic() - started) * 1000.0, 2)
    session.status = _status(session, ctx.cert)
    return session


async def _guarded(session: MailSession, step: Coroutine[Any, Any, None]) -> ErrorFacts | None:
    try:
        await step
    except ProbeError as exc:
        return exc.facts
    except Exception as exc:  # a probe never raises: mailprobe's own failure is evidence too
        detail = bounded(f"{type(exc).__name__}: {exc}")
        return ErrorFacts(kind=Failure.INTERNAL, stage=session.stage, detail=detail)
    return None


async def _collect_despite_certificate(
    protocol: MailProtocol,
    endpoint: Endpoint,
    ip: str,
    ctx: ProbeContext,
    session: MailSession,
    verify_error: ErrorFacts,
) -> None:
    """Reconnect unverified, so the evidence shows whether the server works while its certificate fails."""
    reason, message = verify_failure_facts(verify_error.detail)
    # The verification failure stays the finding; this second dialogue only adds facts.
    unjudged = _ConnectionSettings(ctx.tls.unverified_context(), verified=False)
    await _guarded(session, _dialogue(protocol, endpoint, ip, ctx, session, unjudged))
    tls = session.tls or TlsFacts()
    verdict = {"verified": False, "verify_error": reason, "verify_message": message}
    session.tls = tls.model_copy(update=verdict)


def _status(session: MailSession, cert: CertThresholds) -> Status:
    if not_tested(session.error):
        return Status.ERROR  # cut off by mailprobe's deadline, or a fault of mailprobe's own: not tested
    if session.error is not None:
        return Status.FAIL
    if session.tls is not None and cert.expiring(session.tls.days_left):
        return Status.WARN
    return Status.PASS


async def _dialogue(
    protocol: MailProtocol,
    endpoint: Endpoint,
    ip: str,
    ctx: ProbeContext,
    session: MailSession,
    attempt: _ConnectionSettings,
) -> None:
    session.stage = "connect"
    async with ctx.sockets.slot(ctx.deadline):  # one of the check's connections, from connect to close
        reader, writer, connect_ms = await open_tcp(ip, endpoint.port, ctx.deadline, ctx.connect_cap)
        ctx.pace.saw(connect_ms)
        session.connect_ms = round(connect_ms, 2)
        dialogue = Dialogue(reader, writer, ctx.deadline, ctx.step_cap, ctx.stall_bound)
        try:
            await _converse(protocol, endpoint, dialogue, session, attempt)
            if attempt.on_ready is not None and attempt.verified and ssl_object_of(writer) is not None:
                await attempt.on_ready(dialogue, session)
                return
        except ProbeError as exc:
            if exc.facts.kind in _POLITE_FAILURES:
                await _quit(protocol, dialogue)
            raise
        else:
            await _quit(protocol, dialogue)
        finally:
            # Never past the deadline: what the session saw must be recorded before the engine cuts it off.
            await close_quietly(writer, ctx.deadline.bound(ctx.timeouts.close))


async def _converse(
    protocol: MailProtocol, endpoint: Endpoint, dialogue: Dialogue, session: MailSession, attempt: _ConnectionSettings
) -> None:
    if endpoint.tls == TlsMode.IMPLICIT:
        await _upgrade(dialogue, endpoint.host, session, attempt)
    greeting = await _greet(protocol, dialogue, session)
    session.stage = "capabilities"
    session.capabilities = await _capabilities(protocol, dialogue, greeting.capabilities)
    if endpoint.tls == TlsMode.IMPLICIT:
        return
    session.starttls_offered = protocol.offers_starttls(session.capabilities) and greeting.starttls_possible
    if endpoint.tls == TlsMode.PLAIN:
        return
    session.stage = "starttls"
    if not greeting.starttls_possible:
        raise ProbeError(Failure.NOT_OFFERED, "starttls", f"{greeting.code} greeting: no STARTTLS can follow")
    if not session.starttls_offered:
        raise ProbeError(Failure.NOT_OFFERED, "starttls", f"{protocol.starttls_keyword} not in capabilities")
    session.starttls_ok = False
    await protocol.start_tls(dialogue)
    # Bytes that arrived with the go-ahead were sent in plaintext; keeping them would let them pose as
    # protected replies (the STARTTLS command-injection class of bugs, CVE-2011-0411 and kin).
    dialogue.discard_pending()
    await _upgrade(dialogue, endpoint.host, session, attempt)
    session.starttls_ok = True
    session.stage = "capabilities"
    # Capabilities learned before TLS must be forgotten (RFC 3207 4.2, RFC 2595 3.1, RFC 9051 6.2.1).
    session.capabilities = await _capabilities(protocol, dialogue, [])


async def _upgrade(dialogue: Dialogue, host: str, session: MailSession, attempt: _ConnectionSettings) -> None:
    session.stage = "tls"
    handshake_ms = await upgrade(
        dialogue.writer, host, attempt.context, dialogue.deadline, dialogue.cap, dialogue.stall
    )
    ssl_object = ssl_object_of(dialogue.writer)
    if ssl_object is None:
        session.tls = TlsFacts(verified=attempt.verified, handshake_ms=round(handshake_ms, 2))
    else:
        session.tls = facts_of(ssl_object, attempt.verified, handshake_ms)


async def _greet(protocol: MailProtocol, dialogue: Dialogue, session: MailSession) -> Greeting:
    session.stage = "greeting"
    started = time.monotonic()
    greeting = await protocol.read_greeting(dialogue)
    session.greeting_ms = round((time.monotonic() - started) * 1000.0, 2)
    session.greeting = bounded(greeting.text)
    session.greeting_code = greeting.code
    if not greeting.accepted:
        raise ProbeError(Failure.REJECTED, "greeting", greeting.text)
    return greeting


async def _capabilities(protocol: MailProtocol, dialogue: Dialogue, announced: list[str]) -> list[str]:
    tokens = await protocol.read_capabilities(dialogue) or announced
    unique: dict[str, None] = {}
    for token in tokens:
        if len(unique) >= MAX_CAPABILITIES:
            break
        unique.setdefault(bounded(" ".join(token.upper().split()), CAPABILITY_CHARS), None)
    return [token for token in unique if token]


async def _quit(protocol: MailProtocol, dialogue: Dialogue) -> None:
    async def goodbye() -> None:
        await dialogue.send(protocol.quit_command.format(tag=dialogue.next_tag()), "quit")
        await dialogue.read_line("quit")

    with contextlib.suppress(ProbeError, OSError, RuntimeError):
        # Saying goodbye is courtesy, not evidence: never worth more than its own small bound.
        await asyncio.wait_for(goodbye(), dialogue.deadline.bound(dialogue.deadline.timeouts.quit))
