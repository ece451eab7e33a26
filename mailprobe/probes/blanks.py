"""The one factory of each endpoint probe's observation: what it records before anything happened.

Kept apart from the probes, with nothing heavier than the evidence model: a step the plan could not resolve
(or that the deadline cut off) is recorded without loading httpx, the TLS parsers or the dialogues.
"""

from __future__ import annotations

from mailprobe.evidence import (
    Endpoint,
    LoginAttempt,
    MailSession,
    Reachability,
    Status,
    TlsMode,
    WebVisit,
    check_id,
)
from mailprobe.plan import Step
from mailprobe.protocols import MailProtocol as MailProtocolName


def web(step: Step) -> WebVisit:
    """A visit of STEP's webmail endpoint."""
    endpoint = _endpoint(step)
    return WebVisit(
        id=check_id("web", endpoint.host, step.ip), target=endpoint.target, address=step.ip,
        status=Status.PASS, role=endpoint.role, expect=endpoint.expect, host=endpoint.host,
        port=endpoint.port, url=endpoint.url or default_url(endpoint),
    )


def default_url(endpoint: Endpoint) -> str:
    scheme = "http" if endpoint.tls is TlsMode.PLAIN else "https"
    host = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
    return f"{scheme}://{host}:{endpoint.port}/"


def mail_session(kind: MailProtocolName, endpoint: Endpoint, ip: str | None) -> MailSession:
    """A session with ENDPOINT at IP."""
    return MailSession(
        id=check_id(f"{kind}.{endpoint.port}", endpoint.host, ip),
        kind=kind,
        target=endpoint.target,
        address=ip,
        status=Status.FAIL,
        role=endpoint.role,
        host=endpoint.host,
        port=endpoint.port,
        tls_mode=endpoint.tls,
        expect=endpoint.expect,
        label=endpoint.label,
        stage="resolve",
    )


def imap(step: Step) -> MailSession:
    return mail_session("imap", _endpoint(step), step.ip)


def pop3(step: Step) -> MailSession:
    return mail_session("pop3", _endpoint(step), step.ip)


def smtp(step: Step) -> MailSession:
    return mail_session("smtp", _endpoint(step), step.ip)


def baseline(step: Step) -> Reachability:
    """A baseline probe of STEP's endpoint."""
    endpoint = _endpoint(step)
    return Reachability(
        id=check_id(f"baseline.{endpoint.protocol}.{endpoint.port}", endpoint.host, step.ip),
        target=endpoint.target,
        address=step.ip,
        status=Status.PASS,
        role=endpoint.role,
        host=endpoint.host,
        port=endpoint.port,
        service=endpoint.protocol,
        provider_id=endpoint.provider_id,
    )


def login(step: Step) -> LoginAttempt:
    """The login for STEP."""
    endpoint = _endpoint(step)
    return LoginAttempt(
        id=check_id(f"login.{endpoint.protocol}", endpoint.host, step.ip),
        target=endpoint.target,
        address=step.ip,
        status=Status.SKIP,
        protocol=endpoint.protocol,  # type: ignore[arg-type]  # the planner plans logins for mail protocols only
        host=endpoint.host,
        port=endpoint.port,
        stage="session",
    )


def _endpoint(step: Step) -> Endpoint:
    assert step.endpoint is not None, f"{step.probe} steps stand for an endpoint"
    return step.endpoint
