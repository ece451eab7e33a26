"""Baseline probe: does another provider's same service answer from here? The same dialogue as the provider
probe (mail: up to greeting and capabilities; web: the TLS handshake), so a middlebox that lets TCP through
and then stalls everything is seen as what it is: this network."""

from __future__ import annotations

import importlib
import time
from collections.abc import Awaitable, Callable

from mailprobe.evidence import Endpoint, Failure, MailSession, Reachability, Status, TlsMode, check_id
from mailprobe.net.connect import ProbeError, close_quietly, open_tcp
from mailprobe.net.tls import facts_of, issuer_name, ssl_object_of, upgrade
from mailprobe.probes.base import ProbeContext

# Failures after which the other side has still shown it is there and talking.
_ANSWERED = {Failure.TLS_VERIFY, Failure.REJECTED, Failure.NOT_OFFERED}


async def probe(endpoint: Endpoint, address: str, ctx: ProbeContext) -> Reachability:
    started = time.monotonic()
    observation = Reachability(
        id=check_id(f"baseline.{endpoint.protocol}.{endpoint.port}", endpoint.host, address),
        target=endpoint.target,
        address=address,
        status=Status.PASS,
        role=endpoint.role,
        host=endpoint.host,
        port=endpoint.port,
        service=endpoint.protocol,
        provider_id=endpoint.provider_id,
    )
    if endpoint.protocol in ("imap", "pop3", "smtp") and endpoint.tls != TlsMode.PLAIN:
        await _dialogue(endpoint, address, ctx, observation)
    else:
        await _handshake(endpoint, address, ctx, observation)
    observation.duration_ms = round((time.monotonic() - started) * 1000.0, 2)
    return observation


async def _dialogue(endpoint: Endpoint, address: str, ctx: ProbeContext, observation: Reachability) -> None:
    module = importlib.import_module(f"mailprobe.probes.{endpoint.protocol}")
    run: Callable[[Endpoint, str, ProbeContext], Awaitable[MailSession]] = module.probe
    session = await run(endpoint, address, ctx)
    observation.connect_ms = session.connect_ms
    if session.tls is not None and session.tls.certificate is not None:
        observation.issuer = issuer_name(session.tls.certificate)
    observation.stage = session.error.stage if session.error else session.stage
    if session.status in (Status.FAIL, Status.ERROR) and not (session.error and session.error.kind in _ANSWERED):
        observation.status = Status.FAIL
        observation.error = session.error


async def _handshake(endpoint: Endpoint, address: str, ctx: ProbeContext, observation: Reachability) -> None:
    try:
        _reader, writer, connect_ms = await open_tcp(address, endpoint.port, ctx.deadline, ctx.step_cap)
    except ProbeError as exc:
        observation.status, observation.error, observation.stage = Status.FAIL, exc.facts, "connect"
        return
    observation.connect_ms = round(connect_ms, 2)
    try:
        if endpoint.tls == TlsMode.IMPLICIT:
            # Only "does TLS complete" matters here; the certificate is the provider probe's business.
            context = ctx.tls.unverified_context()
            handshake_ms = await upgrade(writer, endpoint.host, context, ctx.deadline, ctx.step_cap)
            observation.stage = "tls"
            ssl_object = ssl_object_of(writer)
            if ssl_object is not None:
                facts = facts_of(ssl_object, verified=False, handshake_ms=handshake_ms)
                if facts.certificate is not None:
                    observation.issuer = issuer_name(facts.certificate)
    except ProbeError as exc:
        observation.status, observation.error, observation.stage = Status.FAIL, exc.facts, "tls"
    finally:
        await close_quietly(writer)
