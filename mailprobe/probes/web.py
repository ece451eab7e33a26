"""Webmail probe: fetch the login page from one address with TLS, redirect, clock and page-resource facts."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

import httpx

from mailprobe import __version__
from mailprobe.evidence import (
    Endpoint,
    ErrorFacts,
    Failure,
    PageResource,
    RedirectHop,
    Status,
    TlsFacts,
    TlsMode,
    WebVisit,
    check_id,
)
from mailprobe.net.connect import bounded, classify_os_error, describe
from mailprobe.net.deadline import Deadline
from mailprobe.net.tls import facts_of, verify_error_of, verify_failure_facts
from mailprobe.probes.base import ProbeContext

PAGE_LIMIT = 512 * 1024
RESOURCE_LIMIT = 128 * 1024
MAX_REDIRECTS = 10
MAX_RESOURCES = 5
RESOURCE_CAP_S = 3.0
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = f"Mozilla/5.0 (compatible; mailprobe/{__version__})"
# OpenSSL reasons that mean "we and the server share no protocol version".
_VERSION_REASONS = ("UNSUPPORTED_PROTOCOL", "PROTOCOL_VERSION", "NO_PROTOCOLS_AVAILABLE", "VERSION_TOO_LOW")


async def probe(endpoint: Endpoint, address: str, ctx: ProbeContext) -> WebVisit:
    """Fetch endpoint.url from ADDRESS (SNI and Host = the real host name); never raises."""
    started = time.monotonic()
    visit = WebVisit(
        id=check_id("web", endpoint.host, address), target=endpoint.target, address=address,
        status=Status.PASS, role=endpoint.role, expect=endpoint.expect, host=endpoint.host,
        port=endpoint.port, url=endpoint.url or _default_url(endpoint),
    )
    try:
        await _Visitor(visit, ctx, address).run()
    except Exception as exc:  # a probe reports its own failure as evidence, never as a crash
        visit.status = Status.FAIL
        visit.error = ErrorFacts(kind=Failure.INTERNAL, stage="internal", detail=bounded(repr(exc)))
    visit.duration_ms = round((time.monotonic() - started) * 1000.0, 2)
    return visit


def _default_url(endpoint: Endpoint) -> str:
    scheme = "http" if endpoint.tls is TlsMode.PLAIN else "https"
    host = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
    return f"{scheme}://{host}:{endpoint.port}/"


class _Failed(Exception):
    def __init__(self, facts: ErrorFacts) -> None:
        super().__init__(facts.detail)
        self.facts = facts


@dataclass
class _Exchange:
    """One request and its response (or how it failed), with the timings the trace saw."""

    response: httpx.Response | None = None
    body: bytes = b""
    error: ErrorFacts | None = None
    tls: TlsFacts | None = None
    connect_ms: float | None = None
    ttfb_ms: float | None = None
    received_at: datetime | None = None


class _Visitor:
    """Follows one visit hop by hop; the addresses of other hosts come from the run's resolver only."""

    def __init__(self, visit: WebVisit, ctx: ProbeContext, address: str) -> None:
        self.visit, self.ctx = visit, ctx
        self.url = httpx.URL(visit.url)
        self.addresses: dict[str, str | ErrorFacts] = {_host(self.url): address}
        # Hosts whose page loaded only through a fallback context (unverified or legacy TLS): their further
        # pages and resources use it too, as a browser does once the user has accepted the warning.
        self.fallbacks: dict[str, ssl.SSLContext] = {}

    async def run(self) -> None:
        final = await self._follow()
        if final is None:
            return
        self._record_final(final)
        if final.response is not None and _is_html_page(final.response):
            self.visit.resources = await self._resources(final)
        _judge(self.visit)

    async def _follow(self) -> _Exchange | None:
        seen = {str(self.url)}
        for _ in range(MAX_REDIRECTS + 1):
            exchange = await self._hop()
            if exchange is None:
                return None
            location = _location(exchange.response)
            if location is None:
                return exchange
            assert exchange.response is not None
            self.visit.redirects.append(
                RedirectHop(url=str(self.url), status_code=exchange.response.status_code, location=location)
            )
            try:
                self.url = self.url.join(location)
            except httpx.InvalidURL as exc:
                self._fail(_facts(Failure.BAD_REPLY, "redirect", f"Location {location!r}: {exc}"))
                return None
            if str(self.url) in seen:
                self._fail(_facts(Failure.REDIRECT_LOOP, "redirect", f"{self.url} was already visited"))
                return None
            seen.add(str(self.url))
        self._fail(_facts(Failure.TOO_MANY_REDIRECTS, "redirect", f"more than {MAX_REDIRECTS} redirects"))
        return None

    async def _hop(self) -> _Exchange | None:
        first = not self.visit.redirects
        try:
            address = await self._address(self.url, "connect" if first else "redirect")
        except _Failed as failed:
            self._fail(failed.facts)
            return None
        exchange = await self._fetch_judging_tls(address)
        if first:
            self.visit.connect_ms, self.visit.ttfb_ms = exchange.connect_ms, exchange.ttfb_ms
            self.visit.tls = self.visit.tls or exchange.tls
        if exchange.response is None:
            assert exchange.error is not None
            self._fail(self._hop_error(exchange.error, first))
            return None
        if exchange.error is not None and self.visit.error is None:
            self.visit.error = self._hop_error(exchange.error, first)  # the body broke off: still a page
        return exchange

    async def _fetch_judging_tls(self, address: str) -> _Exchange:
        """Fetch with the verifying context; after a TLS failure, learn what the server does offer."""
        cap, deadline, host = self.ctx.step_cap, self.ctx.deadline, _host(self.url)
        exchange = await _exchange(self.url, address, self._context(host), deadline, cap, PAGE_LIMIT)
        error = exchange.error
        if error is None or error.stage != "tls" or host in self.fallbacks or self.url.scheme != "https":
            return exchange
        if error.kind is Failure.TLS_VERIFY:
            # What a user clicking through the warning would get: is webmail itself answering?
            self.fallbacks[host] = _unverified()
            retry = await _exchange(self.url, address, self.fallbacks[host], deadline, cap, PAGE_LIMIT)
            reason, message = verify_failure_facts(error.detail)
            facts = retry.tls or TlsFacts()
            self._tls_problem(error, facts.model_copy(
                update={"verified": False, "verify_error": reason, "verify_message": message}
            ))
            return retry if retry.response is not None else exchange
        if error.kind is Failure.TIMEOUT:
            return exchange
        legacy = self.ctx.tls.legacy_context()
        retry = await _exchange(self.url, address, legacy, deadline, cap, PAGE_LIMIT)
        if retry.tls is not None:
            self.fallbacks[host] = legacy
        return self._judge_legacy(exchange, retry)

    def _context(self, host: str) -> ssl.SSLContext:
        return self.fallbacks.get(host) or _verified(self.ctx.tls.ca_file)

    def _judge_legacy(self, modern: _Exchange, legacy: _Exchange) -> _Exchange:
        assert modern.error is not None
        if legacy.tls is not None:
            version = legacy.tls.version
            self.visit.legacy_tls_only, self.visit.legacy_tls_version = True, version
            detail = f"the server offers only {version} (TLS 1.0/1.1), which current browsers refuse"
            self._tls_problem(_facts(Failure.TLS_HANDSHAKE, "tls", detail), legacy.tls)
            return legacy
        if legacy.error is not None and _refuses_old_versions(modern.error.detail, legacy.error.detail):
            # This OpenSSL will not speak TLS 1.0/1.1 even when asked, so the server's version alert is
            # the only witness: it refused TLS 1.2+, and we could not offer anything older.
            self.visit.legacy_tls_only = True
            detail = f"the server refuses TLS 1.2+ ({modern.error.detail}); it likely offers only 1.0/1.1"
            self._tls_problem(_facts(Failure.TLS_HANDSHAKE, "tls", detail), None)
        return modern

    def _tls_problem(self, error: ErrorFacts, tls: TlsFacts | None) -> None:
        if self.visit.error is None:
            first = not self.visit.redirects
            self.visit.error = self._hop_error(error, first)
            if tls is not None:
                self.visit.tls = tls

    def _hop_error(self, error: ErrorFacts, first: bool) -> ErrorFacts:
        if first:
            return error
        return error.model_copy(update={"detail": bounded(f"{self.url}: {error.detail}")})

    def _fail(self, error: ErrorFacts) -> None:
        self.visit.status = Status.FAIL
        if self.visit.error is None:
            self.visit.error = error
        self.visit.final_url = str(self.url)

    async def _address(self, url: httpx.URL, stage: str) -> str:
        """The address to dial for URL's host: pinned, an IP literal, or the run's resolver's first answer."""
        host = _host(url)
        known = self.addresses.get(host)
        if known is None:
            known = await _resolve(self.ctx, host, stage)
            self.addresses[host] = known
        if isinstance(known, ErrorFacts):
            raise _Failed(known.model_copy(update={"stage": stage}))
        return known

    def _record_final(self, final: _Exchange) -> None:
        response = final.response
        assert response is not None
        visit = self.visit
        visit.final_url = str(self.url)
        visit.status_code = response.status_code
        visit.http_version = response.http_version
        visit.server_header = _header(response, "server")
        visit.page_bytes = len(final.body)
        visit.server_date = _server_date(response)
        if visit.server_date is not None and final.received_at is not None:
            visit.clock_offset_s = round((visit.server_date - final.received_at).total_seconds(), 1)

    async def _resources(self, page: _Exchange) -> list[PageResource]:
        assert page.response is not None
        urls = _resource_urls(self.url, _page_text(page))
        if not urls:
            return []
        return list(await asyncio.gather(*(self._resource(url) for url in urls)))

    async def _resource(self, url: httpx.URL) -> PageResource:
        try:
            address = await self._address(url, "resolve")
        except _Failed as failed:
            return PageResource(url=str(url), status=Status.FAIL, error=failed.facts)
        cap = min(RESOURCE_CAP_S, self.ctx.step_cap)
        context = self._context(_host(url))
        exchange = await _exchange(url, address, context, self.ctx.deadline, cap, RESOURCE_LIMIT)
        code = exchange.response.status_code if exchange.response is not None else None
        error = exchange.error
        if error is None and code is not None and code >= 400:
            error = _facts(Failure.HTTP_STATUS, "http", f"HTTP {code}")
        status = Status.PASS if error is None else Status.FAIL
        return PageResource(url=str(url), status=status, error=error, status_code=code)


def _judge(visit: WebVisit) -> None:
    if visit.error is not None:
        visit.status = Status.FAIL
        return
    code = visit.status_code or 0
    if code >= 500 or code in (404, 410):
        visit.status, visit.error = Status.FAIL, _facts(Failure.HTTP_STATUS, "http", f"HTTP {code}")
    elif code >= 400 and code not in (401, 403):  # 401/403 is a login page doing its job
        visit.status, visit.error = Status.WARN, _facts(Failure.HTTP_STATUS, "http", f"HTTP {code}")
    elif any(resource.status is not Status.PASS for resource in visit.resources):
        visit.status = Status.WARN
    else:
        visit.status = Status.PASS


# --- one HTTP exchange -------------------------------------------------------------------------------


class _Trace:
    """httpcore's trace hook: when each step started and ended; the TLS object once the handshake is done."""

    def __init__(self) -> None:
        self.marks: dict[str, float] = {}
        self.ssl_object: ssl.SSLObject | None = None

    async def __call__(self, event: str, info: dict[str, Any]) -> None:
        self.marks[event] = time.monotonic()
        if event == "connection.start_tls.complete":
            stream = info.get("return_value")
            found = stream.get_extra_info("ssl_object") if stream is not None else None
            self.ssl_object = found if isinstance(found, ssl.SSLObject) else None

    def span(self, start: str, end: str) -> float | None:
        if start in self.marks and end in self.marks:
            return round((self.marks[end] - self.marks[start]) * 1000.0, 2)
        return None

    def stage(self) -> str:
        if "connection.connect_tcp.complete" not in self.marks:
            return "connect"
        if "connection.start_tls.started" in self.marks and "connection.start_tls.complete" not in self.marks:
            return "tls"
        return "http"


async def _exchange(
    url: httpx.URL, address: str, context: ssl.SSLContext, deadline: Deadline, cap: float, limit: int
) -> _Exchange:
    """GET URL from ADDRESS with SNI and Host = URL's host; the body is read up to LIMIT bytes."""
    trace, exchange = _Trace(), _Exchange()
    bound = deadline.bound(cap)
    if bound <= 0.0:
        exchange.error = _facts(Failure.TIMEOUT, "connect", "deadline reached")
        return exchange
    try:
        await deadline.run(_get(url, address, context, bound, trace, exchange, limit), cap)
    except Exception as exc:
        exchange.error = _classify(exc, trace.stage())
    if trace.ssl_object is not None:
        handshake_ms = trace.span("connection.start_tls.started", "connection.start_tls.complete") or 0.0
        exchange.tls = facts_of(trace.ssl_object, context.verify_mode == ssl.CERT_REQUIRED, handshake_ms)
    exchange.connect_ms = trace.span("connection.connect_tcp.started", "connection.connect_tcp.complete")
    exchange.ttfb_ms = trace.span(
        "http11.send_request_headers.started", "http11.receive_response_headers.complete"
    )
    return exchange


async def _get(
    url: httpx.URL, address: str, context: ssl.SSLContext, bound: float, trace: _Trace, exchange: _Exchange,
    limit: int,
) -> None:
    # httpx would resolve the URL's host through the system; dialling the address in the URL and naming the
    # host in SNI (sni_hostname) and Host keeps every connection on the run's resolver and on the address
    # under test. A fresh client per exchange: a pooled connection made with one SNI must not serve another.
    timeout = httpx.Timeout(connect=bound, read=bound, write=bound, pool=bound)
    headers = {
        "Host": url.netloc.decode("ascii"),
        "User-Agent": USER_AGENT,
        # Uncompressed, so that the byte bound on the body is a bound on what we parse.
        "Accept-Encoding": "identity",
        "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
    }
    extensions = {"sni_hostname": _host(url), "trace": trace}
    client = httpx.AsyncClient(verify=context, trust_env=False, follow_redirects=False, timeout=timeout)
    async with client:
        dial = url.copy_with(host=address)
        request = client.build_request("GET", dial, headers=headers, extensions=extensions)
        response = await client.send(request, stream=True)
        exchange.response, exchange.received_at = response, datetime.now(UTC)
        try:
            exchange.body = await _read_bounded(response, limit)
        finally:
            await response.aclose()


async def _read_bounded(response: httpx.Response, limit: int) -> bytes:
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += chunk[: limit - len(body)]
        if len(body) >= limit:
            break
    return bytes(body)


def _classify(exc: BaseException, stage: str) -> ErrorFacts:
    """httpx's exception, or what it wraps, in our vocabulary; STAGE is where the trace says we were."""
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return _facts(Failure.TIMEOUT, stage, "no answer in time")
    for cause in _chain(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return _facts(Failure.TLS_VERIFY, "tls", f"{verify_error_of(cause)}: {cause.verify_message}")
        if isinstance(cause, ssl.SSLError):
            return _facts(Failure.TLS_HANDSHAKE, "tls", cause.reason or str(cause))
        if isinstance(cause, OSError) and classify_os_error(cause) is not Failure.INTERNAL:
            return _facts(classify_os_error(cause), stage, describe(cause))
    if isinstance(exc, httpx.RemoteProtocolError):
        closed = "disconnected" in str(exc)
        return _facts(Failure.CLOSED if closed else Failure.BAD_REPLY, stage, str(exc))
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return _facts(Failure.RESET, stage, str(exc) or type(exc).__name__)
    if isinstance(exc, httpx.ConnectError):
        kind = Failure.TLS_HANDSHAKE if stage == "tls" else Failure.UNREACHABLE
        return _facts(kind, stage, str(exc) or type(exc).__name__)
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return _facts(Failure.BAD_REPLY, "redirect", str(exc))
    return _facts(Failure.INTERNAL, stage, repr(exc))


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out and len(out) < 10:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def _refuses_old_versions(modern_detail: str, legacy_detail: str) -> bool:
    """The server rejected TLS 1.2+ for its version, and our own library would not offer 1.0/1.1."""
    modern, legacy = modern_detail.upper(), legacy_detail.upper()
    return any(r in modern for r in _VERSION_REASONS) and any(r in legacy for r in _VERSION_REASONS)


# --- contexts, names, pages --------------------------------------------------------------------------


# httpcore sets ALPN ("http/1.1") on the context it is handed; the shared TlsSettings contexts also serve
# the IMAP/POP3/SMTP probes, whose servers must not be offered HTTP, so the web probe keeps its own.
@lru_cache(maxsize=4)
def _verified(ca_file: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=ca_file)
    return context


@lru_cache(maxsize=1)
def _unverified() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def _resolve(ctx: ProbeContext, host: str, stage: str) -> str | ErrorFacts:
    """A first, then AAAA, through the run's resolver; an IP literal needs no resolving."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    answer_a = await ctx.resolver.query(host, "A")
    if answer_a.ok and answer_a.records:
        return answer_a.records[0]
    if answer_a.failure is Failure.NXDOMAIN:
        return _facts(Failure.NXDOMAIN, stage, f"{host}: {answer_a.detail or 'no such domain'}")
    answer_aaaa = await ctx.resolver.query(host, "AAAA")
    if answer_aaaa.ok and answer_aaaa.records:
        return answer_aaaa.records[0]
    failures = [a.failure for a in (answer_a, answer_aaaa) if a.failure not in (None, Failure.NO_ANSWER)]
    kind = failures[0] if failures else Failure.NO_ADDRESS
    assert kind is not None
    return _facts(kind, stage, f"{host}: {answer_a.detail or answer_aaaa.detail or 'no A or AAAA record'}")


def _host(url: httpx.URL) -> str:
    return url.raw_host.decode("ascii").lower()


def _location(response: httpx.Response | None) -> str | None:
    if response is None or response.status_code not in REDIRECT_CODES:
        return None
    return _header(response, "location")


def _header(response: httpx.Response, name: str) -> str | None:
    value = response.headers.get(name)
    return bounded(value) if value else None


def _server_date(response: httpx.Response) -> datetime | None:
    raw = response.headers.get("date")
    if not raw:
        return None
    try:
        parsed = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _is_html_page(response: httpx.Response) -> bool:
    return response.status_code == 200 and "html" in response.headers.get("content-type", "").lower()


def _page_text(page: _Exchange) -> str:
    assert page.response is not None
    encoding = page.response.charset_encoding or "utf-8"
    try:
        return page.body.decode(encoding, errors="replace")
    except LookupError:
        return page.body.decode("utf-8", errors="replace")


class _ResourceFinder(HTMLParser):
    """Scripts, stylesheets and images a browser would load before the login form works."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in ("script", "img"):
            self._add(values.get("src", ""))
        elif tag == "link" and "stylesheet" in values.get("rel", "").lower().split():
            self._add(values.get("href", ""))

    def _add(self, ref: str) -> None:
        ref = ref.strip()
        if ref and ref not in self.found and len(self.found) < 4 * MAX_RESOURCES:
            self.found.append(ref)


def _resource_urls(page_url: httpx.URL, text: str) -> list[httpx.URL]:
    finder = _ResourceFinder()
    try:
        finder.feed(text[:PAGE_LIMIT])
        finder.close()
    except (AssertionError, ValueError):
        pass  # broken markup: keep what was found before it
    urls: list[httpx.URL] = []
    for ref in finder.found:
        try:
            url = page_url.join(ref)
        except httpx.InvalidURL:
            continue
        if url.scheme in ("http", "https") and url.host and url not in urls:
            urls.append(url)
        if len(urls) == MAX_RESOURCES:
            break
    return urls


def _facts(kind: Failure, stage: str, detail: str) -> ErrorFacts:
    return ErrorFacts(kind=kind, stage=stage, detail=bounded(detail))
