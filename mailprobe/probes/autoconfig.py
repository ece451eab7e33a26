"""Autoconfig discovery for the generic plan: the domain's own clientConfig XML, fetched over verified HTTPS."""

from __future__ import annotations

import asyncio
import re
import ssl
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

import httpx
import idna

from mailprobe.address import Target
from mailprobe.evidence import (
    Endpoint,
    ErrorFacts,
    Expect,
    Failure,
    Observation,
    Role,
    Status,
    TlsFacts,
    TlsMode,
    check_id,
)
from mailprobe.fetchpolicy import may_contact
from mailprobe.kinds.web import PublishedServer, RedirectHop, WebVisit
from mailprobe.net.connect import URL_LIMIT, bounded
from mailprobe.net.deadline import Deadline
from mailprobe.net.http import (
    ACCEPT_XML,
    Exchange,
    error_facts,
    fetch,
    header,
    host_of,
    http_context,
    next_hop,
    resolve_first,
    server_date,
)
from mailprobe.net.tls import verify_failure_facts
from mailprobe.plan import Step
from mailprobe.probes.base import ProbeContext
from mailprobe.protocols import AUTOCONFIG_TYPES

CONFIG_LIMIT = 64 * 1024
MAX_REDIRECTS = 3
MAX_SERVERS = 12
HTTPS_PORT = 443
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Not there, which is normal for most domains: the step is skipped, nothing failed.
_ABSENT = frozenset({
    Failure.NXDOMAIN, Failure.NO_ANSWER, Failure.NO_ADDRESS, Failure.REFUSED, Failure.TIMEOUT, Failure.DNS_TIMEOUT,
    Failure.POLICY,  # not ours to fetch (SECURITY.md): nothing was tested
})
_ABSENT_CODES = frozenset({404, 410})
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_EMAILDOMAIN = re.compile(re.escape("%EMAILDOMAIN%"), re.IGNORECASE)
_SOCKET_TYPES = {"ssl": TlsMode.IMPLICIT, "starttls": TlsMode.STARTTLS, "plain": TlsMode.PLAIN}

UsernameForm = Literal["address", "local_part", "other"]
_USERNAMES: dict[str, UsernameForm] = {"%EMAILADDRESS%": "address", "%EMAILLOCALPART%": "local_part"}


ConfigServer = PublishedServer  # one server of a clientConfig, validated


@dataclass
class Discovery:
    """What discovery saw (one WebVisit per URL) and the servers of the first config that held any."""

    visits: list[WebVisit] = field(default_factory=list)
    servers: list[ConfigServer] = field(default_factory=list)

    @property
    def endpoints(self) -> list[Endpoint]:
        return [server.endpoint() for server in self.servers]


class ConfigError(ValueError):
    """The document is not a clientConfig we are willing to read."""


async def probe(step: Step, ctx: ProbeContext) -> list[Observation]:
    """The domain's autoconfig URLs; each visit carries the servers its config named (`published`)."""
    assert ctx.target is not None
    found = await discover_servers(ctx.target, ctx)
    return list(found.visits)


async def discover(
    target: Target, ctx: ProbeContext, *, port: int = HTTPS_PORT
) -> tuple[list[Observation], list[Endpoint]]:
    """Fetch the domain's autoconfig URLs concurrently; returns their visits and the endpoints found. Never raises."""
    found = await discover_servers(target, ctx, port=port)
    return list(found.visits), found.endpoints


async def discover_servers(target: Target, ctx: ProbeContext, *, port: int = HTTPS_PORT) -> Discovery:
    """As `discover`, keeping each server's username form (for client settings)."""
    # Discovery must leave time for the probes it feeds: it runs within a part of the deadline.
    deadline = ctx.deadline.within(ctx.timeouts.autoconfig)
    visits = [_new_visit(url) for url in config_urls(target, port)]
    try:
        context: ssl.SSLContext | None = await http_context(ctx.tls, deadline, deadline.bound())
    except TimeoutError:
        context = None
    except Exception as exc:  # e.g. an unreadable --ca-file: evidence, never a crash
        for visit in visits:
            _internal(visit, exc)
        return Discovery(visits)
    results = await asyncio.gather(
        *(_fetch_config(visit, ctx, context, target.domain_ascii, deadline) for visit in visits)
    )
    discovery = Discovery(visits)
    for servers in results:
        if servers:  # the first URL that gives servers wins, as in Thunderbird
            discovery.servers = servers
            break
    return discovery


def config_urls(target: Target, port: int = HTTPS_PORT) -> list[httpx.URL]:
    """The domain's two HTTPS autoconfig URLs, preferred first; never http:// (plaintext, deprecated)."""
    domain, suffix = target.domain_ascii, "" if port == HTTPS_PORT else f":{port}"
    query = "emailaddress=" + quote(target.address_ascii, safe="@")
    return [
        httpx.URL(f"https://autoconfig.{domain}{suffix}/mail/config-v1.1.xml?{query}"),
        httpx.URL(f"https://{domain}{suffix}/.well-known/autoconfig/mail/config-v1.1.xml?{query}"),
    ]


# --- parsing -------------------------------------------------------------------------------------


def parse_config(document: bytes, domain: str) -> list[ConfigServer]:
    """The usable servers of a clientConfig document; raises ConfigError for what we will not read.

    ElementTree is safe here only because a DTD is refused before parsing: no entity can be declared, so
    neither entity expansion (billion laughs) nor external entities (XXE) can happen.
    """
    if len(document) > CONFIG_LIMIT:
        raise ConfigError(f"the document is larger than {CONFIG_LIMIT} bytes")
    try:
        text = document.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"the document is not UTF-8 ({exc.reason})") from None
    upper = text.upper()
    if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
        raise ConfigError("the document declares a DTD or entities; refused")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ConfigError(f"not well-formed XML ({exc})") from None
    if _local(root.tag) != "clientConfig":
        raise ConfigError(f"the root element is <{bounded(_local(root.tag), 40)}>, not <clientConfig>")
    servers: list[ConfigServer] = []
    for element in root.iter():
        server = _server(element, domain)
        if server is not None and not any(_same(server, known) for known in servers):
            servers.append(server)
        if len(servers) >= MAX_SERVERS:
            break
    return servers


def _server(element: ET.Element, domain: str) -> ConfigServer | None:
    protocol = AUTOCONFIG_TYPES.get((_local(element.tag), (element.get("type") or "").strip().lower()))
    if protocol is None:
        return None
    fields = {_local(child.tag): (child.text or "").strip() for child in element}
    host = valid_host(_EMAILDOMAIN.sub(domain, fields.get("hostname", "")))
    port_text = fields.get("port", "")
    tls = _SOCKET_TYPES.get(fields.get("socketType", "").lower())
    if host is None or tls is None or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        return None
    username = fields.get("username")
    form = _USERNAMES.get(username.upper(), "other") if username else None
    return ConfigServer(protocol=protocol, host=host, port=int(port_text), tls=tls, username=form)


def valid_host(text: str) -> str | None:
    """TEXT as an ASCII DNS host name (lower case, no trailing dot), or None if it is not one."""
    host = text.strip().rstrip(".")
    if not host or len(host) > 253:
        return None
    try:
        host = idna.encode(host, uts46=True, transitional=False).decode("ascii") if not host.isascii() else host
    except (idna.IDNAError, UnicodeError):
        return None
    labels = host.lower().split(".")
    if len(labels) < 2 or labels[-1].isdigit() or not all(_LABEL.match(label) for label in labels):
        return None  # also refuses IP literals: every address must come from the run's resolver
    return ".".join(labels)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _same(a: ConfigServer, b: ConfigServer) -> bool:
    return (a.protocol, a.host, a.port) == (b.protocol, b.host, b.port)


# --- fetching ------------------------------------------------------------------------------------


def _new_visit(url: httpx.URL) -> WebVisit:
    host, port = host_of(url), url.port or HTTPS_PORT
    return WebVisit(
        id=check_id("autoconfig", host), target=f"{host}:{port}", status=Status.SKIP,
        role=Role.CANDIDATE, expect=Expect.CANDIDATE, host=host, port=port, url=str(url),
    )


async def _fetch_config(
    visit: WebVisit, ctx: ProbeContext, context: ssl.SSLContext | None, domain: str, deadline: Deadline
) -> list[ConfigServer]:
    started = time.monotonic()
    servers: list[ConfigServer] = []
    try:
        if context is None:
            _settle(visit, error_facts(Failure.TIMEOUT, "connect", "deadline reached"))
        else:
            servers = await _Fetch(visit, ctx, context, deadline).run(domain)
    except Exception as exc:  # a probe reports its own failure as evidence, never as a crash
        _internal(visit, exc)
        servers = []
    visit.duration_ms = round((time.monotonic() - started) * 1000.0, 2)
    return servers


class _Fetch:
    """One autoconfig URL: resolve, fetch, follow HTTPS redirects, read the config; all within DEADLINE."""

    def __init__(self, visit: WebVisit, ctx: ProbeContext, context: ssl.SSLContext, deadline: Deadline) -> None:
        self.visit, self.ctx, self.context, self.deadline = visit, ctx, context, deadline
        self.url = httpx.URL(visit.url)
        self.addresses: dict[str, str | ErrorFacts] = {}
        self.origin: str | None = None  # the first address dialled: the fetch policy judges the rest by it

    def _left(self) -> float:
        return self.deadline.bound()

    async def run(self, domain: str) -> list[ConfigServer]:
        final = await self._follow()
        if final is None:
            return []
        return self._read(final, domain)

    async def _follow(self) -> Exchange | None:
        for _ in range(MAX_REDIRECTS + 1):
            first = not self.visit.redirects
            address = await self._address("resolve" if first else "redirect")
            if isinstance(address, ErrorFacts):
                _settle(self.visit, address)
                return None
            if first:
                self.visit.address = address
                self.visit.id = check_id("autoconfig", self.visit.host, address)
            exchange = await fetch(
                self.url, address, tls_context=self.context, deadline=self.deadline, cap=self._left(),
                max_bytes=CONFIG_LIMIT, accept=ACCEPT_XML, connect_cap=self.ctx.connect_cap, sockets=self.ctx.sockets,
            )
            if first:
                self.visit.connect_ms, self.visit.ttfb_ms, self.visit.tls = (
                    exchange.connect_ms, exchange.ttfb_ms, exchange.tls
                )
            if exchange.response is None:
                assert exchange.error is not None
                self._failed(exchange.error)
                return None
            location = header(exchange.response, "location") if exchange.status_code in REDIRECT_CODES else None
            if location is None:
                return exchange
            if not self._redirect(exchange.response.status_code, location):
                return None
        _settle(self.visit, error_facts(Failure.TOO_MANY_REDIRECTS, "redirect", f"more than {MAX_REDIRECTS} redirects"))
        return None

    def _redirect(self, code: int, location: str) -> bool:
        seen = {hop.url for hop in self.visit.redirects} | {str(self.url)}
        step = next_hop(self.url, location, seen, len(self.visit.redirects) + 1, MAX_REDIRECTS, https_only=True)
        self.visit.redirects.append(RedirectHop(url=_url(self.url), status_code=code, location=_url(step.location)))
        if step.error is not None:
            # A config read over plaintext could be anyone's: Thunderbird's http:// lookups are what we skip.
            _settle(self.visit, step.error)
            return False
        assert step.url is not None
        self.url = step.url
        return True

    async def _address(self, stage: str) -> str | ErrorFacts:
        """The address to dial for the URL's host, where the fetch policy lets the chain go."""
        host = host_of(self.url)
        known = self.addresses.get(host)
        if known is None:
            try:
                known = await self.deadline.run(resolve_first(self.ctx.resolver, host, stage))
            except TimeoutError:
                known = error_facts(Failure.DNS_TIMEOUT, stage, f"{host}: no answer in time")
            if isinstance(known, str) and self.origin is None:
                # The chain's first address comes from the domain's records: the address policy judges it; the
                # rest are judged by where the chain began (a public file may not lead into the user's network).
                self.origin = known
                refusal = self.ctx.address_policy.refusal(known, "records")
                if refusal is not None:
                    self.visit.address, self.visit.id = known, check_id("autoconfig", self.visit.host, known)
                    known = error_facts(Failure.POLICY, "policy", refusal.detail(host))
            if isinstance(known, str) and self.origin is not None:
                reason = may_contact(self.origin, known)
                if reason is not None:
                    known = error_facts(Failure.POLICY, stage, f"{host} ({known}): {reason}")
            self.addresses[host] = known
        return known

    def _failed(self, error: ErrorFacts) -> None:
        if error.kind is Failure.TLS_VERIFY:
            reason, message = verify_failure_facts(error.detail)
            self.visit.tls = TlsFacts(verified=False, verify_error=reason, verify_message=message)
        if self.visit.redirects:
            error = error.model_copy(update={"detail": bounded(f"{self.url}: {error.detail}")})
        _settle(self.visit, error)

    def _read(self, final: Exchange, domain: str) -> list[ConfigServer]:
        response = final.response
        assert response is not None
        visit = self.visit
        visit.final_url, visit.status_code = _url(self.url), response.status_code
        visit.http_version, visit.server_header = response.http_version, header(response, "server")
        visit.page_bytes = len(final.body)
        visit.server_date = server_date(response)
        if visit.server_date is not None and final.received_at is not None:
            visit.clock_offset_s = round((visit.server_date - final.received_at).total_seconds(), 1)
        problem = _unreadable(final)
        if problem is not None:
            _settle(visit, problem, response.status_code)
            return []
        try:
            servers = parse_config(final.body, domain)
        except ConfigError as exc:
            _settle(visit, error_facts(Failure.BAD_REPLY, "autoconfig", str(exc)))
            return []
        if not servers:
            visit.status = Status.WARN
            visit.error = error_facts(Failure.BAD_REPLY, "autoconfig", "no usable IMAP, POP3 or SMTP server")
            return []
        visit.status = Status.PASS
        visit.published = servers
        return servers


def _settle(visit: WebVisit, error: ErrorFacts, code: int | None = None) -> None:
    """Record why the URL gave no config: absent (skip) or broken (fail)."""
    absent = error.kind in _ABSENT or (code is not None and code in _ABSENT_CODES)
    visit.status = Status.SKIP if absent else Status.FAIL
    visit.error = error


def _unreadable(final: Exchange) -> ErrorFacts | None:
    """Why the final response holds no config to parse, if it does not."""
    code = final.status_code
    if code != 200:
        return error_facts(Failure.HTTP_STATUS, "http", f"HTTP {code}")
    if final.error is not None:
        return final.error  # the body broke off
    if final.truncated:
        return error_facts(Failure.BAD_REPLY, "autoconfig", f"the config is larger than {CONFIG_LIMIT} bytes")
    return None


def _internal(visit: WebVisit, exc: BaseException) -> None:
    visit.status = Status.FAIL
    visit.error = ErrorFacts(kind=Failure.INTERNAL, stage="internal", detail=bounded(repr(exc)))


def _url(url: httpx.URL | str) -> str:
    """A URL as the evidence keeps it: bounded, whatever a server put in its Location."""
    return bounded(str(url), URL_LIMIT)
