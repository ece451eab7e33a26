"""One webmail visit (and an autoconfig fetch): its facts, its report check, its blank, its summary line and
its words (web.toml)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from mailprobe.empty import new_list
from mailprobe.evidence import (
    Endpoint,
    ErrorFacts,
    Expect,
    Facts,
    Failure,
    Observation,
    Role,
    Status,
    TlsFacts,
    TlsMode,
    check_id,
)
from mailprobe.kinds.base import CheckBase, Kind, provider_first
from mailprobe.lang import Lang
from mailprobe.locales.messages import format_span, t
from mailprobe.protocols import MailProtocol
from mailprobe.summaries import (
    certificate_notes,
    counted,
    failure_phrase,
    join,
    quote,
    status_only,
)

RESOURCES_NAMED = 2  # page resources named in a webmail summary; the others are counted
RESOURCE_LIMIT = 60  # characters of one resource's URL
CLOCK_NOTE_S = 60.0


class RedirectHop(BaseModel):
    url: str
    status_code: int
    location: str | None = None


class PageResource(BaseModel):
    url: str
    status: Status
    error: ErrorFacts | None = None
    status_code: int | None = None


class PublishedServer(BaseModel):
    """A server a domain publishes in its autoconfig file (Thunderbird's clientConfig)."""

    protocol: MailProtocol
    host: str
    port: int
    tls: TlsMode
    username: Literal["address", "local_part", "other"] | None = None  # the login name form it names

    def endpoint(self) -> Endpoint:
        # The domain itself names these servers: with TLS they are its mail service, not a guess.
        expect = Expect.OPTIONAL if self.tls is TlsMode.PLAIN else Expect.REQUIRED
        return Endpoint(
            protocol=self.protocol, host=self.host, port=self.port, tls=self.tls,
            role=Role.PROVIDER, expect=expect, label="autoconfig",
        )


class WebFacts(Facts):
    host: str
    port: int
    url: str
    expect: Expect = Expect.REQUIRED
    final_url: str | None = None
    status_code: int | None = None
    redirects: list[RedirectHop] = Field(default_factory=new_list)
    connect_ms: float | None = None
    ttfb_ms: float | None = None
    tls: TlsFacts | None = None
    http_version: str | None = None
    server_header: str | None = None
    server_date: datetime | None = None  # the server's Date header
    clock_offset_s: float | None = None  # server Date minus local clock, in seconds
    legacy_tls_only: bool | None = None  # handshake works only with TLS 1.0 / 1.1, which browsers refuse
    legacy_tls_version: str | None = None
    page_bytes: int | None = None
    resources: list[PageResource] = Field(default_factory=new_list)
    published: list[PublishedServer] = Field(default_factory=new_list)  # autoconfig: the servers the file names


class WebVisit(Observation, WebFacts):
    """One HTTPS fetch of a webmail URL from one address, following redirects within bounds."""

    kind: Literal["web"] = "web"


def default_url(endpoint: Endpoint) -> str:
    scheme = "http" if endpoint.tls is TlsMode.PLAIN else "https"
    host = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
    return f"{scheme}://{host}:{endpoint.port}/"


# -- its summary line --------------------------------------------------------------------------------------


def _web(visit: WebVisit, lang: Lang) -> str:
    parts: list[str] = []
    legacy_only = visit.legacy_tls_only and visit.error is not None and visit.error.kind is Failure.TLS_HANDSHAKE
    if visit.error is not None and not legacy_only:  # a legacy-only handshake is said once, just below
        parts.append(_web_failure(visit, visit.error, lang))
    elif visit.status is Status.SKIP:
        return t("summary.skipped", lang)
    elif visit.status_code is not None:
        ms = visit.ttfb_ms if visit.ttfb_ms is not None else visit.duration_ms
        parts.append(t("summary.web.ok", lang, code=visit.status_code, ms=round(ms)))
        if visit.tls is not None and visit.tls.version and not visit.legacy_tls_only:  # legacy: said below
            parts.append(visit.tls.version)
        if visit.redirects:
            parts.append(counted("summary.web.redirects", len(visit.redirects), lang))
    if visit.legacy_tls_only:
        parts.append(t("summary.web.legacy_tls", lang, version=visit.legacy_tls_version or "TLS 1.0/1.1"))
    if visit.clock_offset_s is not None and abs(visit.clock_offset_s) >= CLOCK_NOTE_S:
        key = "summary.web.server_ahead" if visit.clock_offset_s > 0 else "summary.web.server_behind"
        parts.append(t(key, lang, amount=format_span(visit.clock_offset_s, lang)))
    broken = [r for r in visit.resources if r.status in (Status.FAIL, Status.ERROR)]
    if broken:  # how many, and which (the first few, each bounded)
        which = [quote(r.url, RESOURCE_LIMIT) for r in broken[:RESOURCES_NAMED]]
        if len(broken) > RESOURCES_NAMED:
            which.append(t("summary.more", lang, count=len(broken) - RESOURCES_NAMED))
        key = "summary.web.resources.one" if len(broken) == 1 else "summary.web.resources"
        parts.append(t(key, lang, count=len(broken), which=t("summary.list_sep", lang).join(which)))
    if visit.error is None:
        parts.extend(certificate_notes(visit.tls, lang))
    return join(parts, lang) or status_only(visit.status, lang)


def _web_failure(visit: WebVisit, error: ErrorFacts, lang: Lang) -> str:
    if error.kind is Failure.HTTP_STATUS:
        code = visit.status_code if visit.status_code is not None else quote(error.detail, 20)
        return t("summary.fail.http_status", lang, code=code) if code else t("failure.http_status", lang)
    if error.kind is Failure.TOO_MANY_REDIRECTS and visit.redirects:
        return t("summary.fail.too_many_redirects", lang, count=len(visit.redirects))
    return failure_phrase(error, lang, visit.tls, address=visit.address)


def blank(endpoint: Endpoint, ip: str | None) -> WebVisit:
    """A visit of ENDPOINT's webmail at IP, before anything happened."""
    return WebVisit(
        id=check_id("web", endpoint.host, ip), target=endpoint.target, address=ip,
        status=Status.PASS, role=endpoint.role, expect=endpoint.expect, host=endpoint.host,
        port=endpoint.port, url=endpoint.url or default_url(endpoint),
    )


class WebCheck(CheckBase):
    kind: Literal["web"] = "web"
    data: WebFacts
    observed: ClassVar[type[Observation]] = WebVisit


KIND = Kind(names=("web",), observation=WebVisit, check=WebCheck, summary=_web, rank=provider_first, blank=blank)
