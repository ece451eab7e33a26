"""Baseline probe: does another provider's same service answer from here? The same dialogue as the provider
probe (mail: up to greeting and capabilities; web: the TLS handshake), so a middlebox that lets TCP through
and then stalls everything is seen as what it is: this network."""

from __future__ import annotations

import asyncio
import ssl
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from mailprobe.evidence import (
    Endpoint,
    ErrorFacts,
    Failure,
    Observation,
    Status,
    TlsMode,
    deadline_cut,
    not_tested,
    server_spoke,
)
from mailprobe.kinds import baseline as baseline_kind
from mailprobe.kinds.baseline import Reachability
from mailprobe.net.connect import ProbeError, close_quietly, open_tcp
from mailprobe.net.tls import facts_of, issuer_name, ssl_object_of, upgrade, verify_failure_facts
from mailprobe.plan import Step
from mailprobe.probes.base import ProbeContext, endpoint_of
from mailprobe.probes.imap import IMAP
from mailprobe.probes.mail import MailProtocol, run_session
from mailprobe.probes.pop3 import POP3
from mailprobe.probes.smtp import SMTP

_DIALOGUES: dict[str, MailProtocol] = {"imap": IMAP, "pop3": POP3, "smtp": SMTP}

async def probe(step: Step, ctx: ProbeContext) -> list[Observation]:
    endpoint, ip = step.endpoint, step.ip
    assert endpoint is not None and ip is not None
    started = time.monotonic()
    observation = baseline_kind.blank(endpoint_of(step), step.ip)
    if endpoint.protocol in _DIALOGUES and endpoint.tls != TlsMode.PLAIN:
        await _dialogue(endpoint, ip, ctx, observation)
    else:
        await _handshake(endpoint, ip, ctx, observation)
    observation.duration_ms = round((time.monotonic() - started) * 1000.0, 2)
    return [observation]


async def _dialogue(endpoint: Endpoint, ip: str, ctx: ProbeContext, observation: Reachability) -> None:
    session = await run_session(_DIALOGUES[endpoint.protocol], endpoint, ip, ctx)
    observation.connect_ms = session.connect_ms
    if session.tls is not None and session.tls.certificate is not None:
        observation.issuer = issuer_name(session.tls.certificate)
    if session.tls is not None:
        observation.verify_error = session.tls.verify_error
    cut = deadline_cut(session.error)  # the stage it was in when the deadline cut it off, not "deadline"
    observation.stage = session.error.stage if session.error and not cut else session.stage
    # A baseline asks "does the other side answer from here": one that answered in its own words (a
    # certificate for another name, a 421) did — the one judgement of that is evidence.server_spoke.
    if session.status in (Status.FAIL, Status.ERROR) and not server_spoke(session.error):
        observation.status = Status.ERROR if not_tested(session.error) else Status.FAIL
        observation.error = session.error


async def _handshake(endpoint: Endpoint, ip: str, ctx: ProbeContext, observation: Reachability) -> None:
    try:
        async with ctx.sockets.slot(ctx.deadline):  # one of the check's connections at a time
            await _handshakes(endpoint, ip, ctx, observation)
    except ProbeError as exc:  # the deadline ran out before a connection of ours was free: not tested
        observation.status, observation.error, observation.stage = Status.ERROR, exc.facts, "connect"


async def _handshakes(endpoint: Endpoint, ip: str, ctx: ProbeContext, observation: Reachability) -> None:
    # Only "does TLS complete" matters here; the certificate is the provider probe's business. A verifying
    # handshake first (OpenSSL then names the issuer itself); one that fails verification is tried again
    # without, to learn whose certificate it was (an interception box re-signs every provider's).
    verifying = endpoint.tls == TlsMode.IMPLICIT
    while True:
        try:
            reader, writer, connect_ms = await open_tcp(ip, endpoint.port, ctx.deadline, ctx.connect_cap)
            ctx.pace.saw(connect_ms)
        except ProbeError as exc:
            observation.status, observation.error, observation.stage = _failed(exc.facts), exc.facts, "connect"
            return
        observation.connect_ms = round(connect_ms, 2)
        try:
            if endpoint.tls == TlsMode.IMPLICIT:
                context = ctx.tls.verified_context() if verifying else ctx.tls.unverified_context()
                handshake_ms = await upgrade(
                    writer, endpoint.host, context, ctx.deadline, ctx.step_cap, ctx.stall_bound
                )
                observation.stage = "tls"
                ssl_object = ssl_object_of(writer)
                if ssl_object is not None:
                    facts = facts_of(ssl_object, verified=verifying, handshake_ms=handshake_ms)
                    if facts.certificate is not None:
                        observation.issuer = issuer_name(facts.certificate)
        except ProbeError as exc:
            if verifying and exc.facts.kind is Failure.TLS_VERIFY:
                observation.verify_error = verify_failure_facts(exc.facts.detail)[0]
                verifying = False
                continue
            observation.status, observation.error, observation.stage = _failed(exc.facts), exc.facts, "tls"
        else:
            if endpoint.protocol == "web":
                observation.clock_offset_s = await _date_offset(reader, writer, endpoint, ctx)
        finally:
            await close_quietly(writer, ctx.deadline.bound(ctx.timeouts.close))  # never past the deadline
        return


def _failed(error: ErrorFacts) -> Status:
    """A baseline that did not answer: failed, or not tested if mailprobe's deadline cut it off."""
    return Status.ERROR if not_tested(error) else Status.FAIL


# A web baseline's Date header is a second opinion on the clock: read at most this much (and for at most
# Timeouts.baseline_date).
_DATE_HEAD_BYTES = 8192


async def _date_offset(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, endpoint: Endpoint, ctx: ProbeContext
) -> float | None:
    """The server's Date minus our clock, from one HEAD request; None if it gave none. Never a failure: the
    baseline's verdict is the handshake's."""
    path = (urlsplit(endpoint.url).path or "/") if endpoint.url else "/"
    path = "".join(ch for ch in path if ch.isprintable() and not ch.isspace())
    request = f"HEAD {path} HTTP/1.1\r\nHost: {endpoint.host}\r\nConnection: close\r\n\r\n"
    try:
        writer.write(request.encode("ascii", "replace"))
        limit = ctx.deadline.bound(min(ctx.timeouts.baseline_date, ctx.step_cap))
        head = await asyncio.wait_for(reader.read(_DATE_HEAD_BYTES), limit) if limit > 0 else b""
    except (TimeoutError, OSError, ConnectionError, ssl.SSLError):
        return None
    received = datetime.now(UTC)
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"date":
            try:
                server = parsedate_to_datetime(value.strip().decode("ascii", "replace"))
            except (TypeError, ValueError, IndexError):
                return None
            if server.tzinfo is None:
                return None
            return round((server - received).total_seconds(), 1)
    return None
