"""One IMAP / POP3 / SMTP session: its facts, its report check, its blank, its summary line and its words
(mail.toml)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from mailprobe.empty import new_list
from mailprobe.evidence import (
    Endpoint,
    Expect,
    Facts,
    Observation,
    Status,
    TlsFacts,
    TlsMode,
    check_id,
)
from mailprobe.kinds.base import CheckBase, Kind, provider_first
from mailprobe.lang import Lang
from mailprobe.locales.messages import t
from mailprobe.protocols import MailProtocol
from mailprobe.summaries import (
    certificate_notes,
    counted,
    failure_phrase,
    join,
    status_only,
)


class MailFacts(Facts):
    host: str
    port: int
    tls_mode: TlsMode
    expect: Expect = Expect.REQUIRED
    label: str = ""
    stage: str = "connect"  # the last stage reached
    connect_ms: float | None = None
    tls: TlsFacts | None = None
    greeting: str | None = None  # bounded, control characters escaped
    greeting_ms: float | None = None
    greeting_code: str | None = None  # "220", "OK", "+OK", "BYE", "421", ...
    capabilities: list[str] = Field(default_factory=new_list)
    starttls_offered: bool | None = None
    starttls_ok: bool | None = None


class MailSession(Observation, MailFacts):
    """One IMAP / POP3 / SMTP dialogue with one address: connect, TLS, greeting, capabilities, STARTTLS."""

    kind: MailProtocol


def mail_session(kind: MailProtocol, endpoint: Endpoint, ip: str | None) -> MailSession:
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


# -- its summary line --------------------------------------------------------------------------------------


def _mail(session: MailSession, lang: Lang) -> str:
    label = f"{session.kind.upper()} {session.port}"
    if session.error is not None:
        text = failure_phrase(session.error, lang, session.tls, session.greeting, session.address)
    elif session.status is Status.SKIP:
        text = t("summary.skipped", lang)
    else:
        text = join(_mail_parts(session, lang), lang) or status_only(session.status, lang)
    return t("summary.prefix", lang, label=label, text=text)


def _mail_parts(session: MailSession, lang: Lang) -> list[str]:
    parts: list[str] = []
    version = session.tls.version if session.tls is not None else None
    if session.tls_mode is TlsMode.STARTTLS and session.starttls_ok and version:
        parts.append(t("summary.mail.starttls", lang, version=version))
    elif version:
        parts.append(version)
    elif session.starttls_offered is False:
        parts.append(t("failure.not_offered", lang))
    else:
        parts.append(t("summary.mail.plain", lang))
    if session.greeting_ms is not None:
        parts.append(t("summary.mail.greeting", lang, ms=round(session.greeting_ms)))
    if session.capabilities:
        parts.append(counted("summary.mail.capabilities", len(session.capabilities), lang))
    parts.extend(certificate_notes(session.tls, lang))
    return parts


def blank(endpoint: Endpoint, ip: str | None) -> MailSession:
    """A session with ENDPOINT (over its protocol) at IP, before anything happened."""
    return mail_session(endpoint.protocol, endpoint, ip)  # type: ignore[arg-type]  # mail endpoints only


class MailCheck(CheckBase):
    kind: Literal["imap", "pop3", "smtp"]
    data: MailFacts
    observed: ClassVar[type[Observation]] = MailSession


KIND = Kind(names=("imap", "pop3", "smtp"), observation=MailSession, check=MailCheck, summary=_mail,
            rank=provider_first, blank=blank)
