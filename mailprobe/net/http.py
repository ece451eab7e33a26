"""One HTTP exchange dialled to a resolved address (SNI and Host = the real name): timed, bounded, classified."""

from __future__ import annotations

import ipaddress
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from mailprobe.evidence import CUT_OFF_STAGE, ErrorFacts, Failure, TlsFacts
from mailprobe.fetchpolicy import is_downgrade, strip_userinfo
from mailprobe.net.connect import (
    ProbeError,
    SocketBudget,
    bounded,
    classify_os_error,
    cut_off,
    describe,
    never_dialled,
)
from mailprobe.net.deadline import Deadline, silence_bounds
from mailprobe.net.pace import Pace
from mailprobe.net.resolver import Resolver
from mailprobe.net.tls import TlsSettings, facts_of, verify_error_of
from mailprobe.version import __version__

USER_AGENT = f"Mozilla/5.0 (compatible; mailprobe/{__version__})"
ACCEPT_HTML = "text/html,application/xhtml+xml,*/*;q=0.8"
ACCEPT_XML = "application/xml,text/xml;q=0.9,*/*;q=0.1"


@dataclass
class Exchange:
    """One request and its response (or how it failed), with the timings the trace saw."""

    response: httpx.Response | None = None
    body: bytes = b""
    truncated: bool = False  # the body filled the byte bound and was not read further
    error: ErrorFacts | None = None
    tls: TlsFacts | None = None
    connect_ms: float | None = None
    ttfb_ms: float | None = None
    received_at: datetime | None = None

    @property
    def status_code(self) -> int | None:
        return self.response.status_code if self.response is not None else None


async def fetch(
    url: httpx.URL | str,
    ip: str,
    *,
    tls_context: ssl.SSLContext,
    deadline: Deadline,
    cap: float,
    max_bytes: int,
    method: str = "GET",
    accept: str = ACCEPT_HTML,
    connect_cap: float | None = None,
    pace: Pace | None = None,
    sockets: SocketBudget | None = None,
) -> Exchange:
    """Request URL from ADDRESS with SNI and Host = URL's host; the body is read up to MAX_BYTES. Never raises.

    CONNECT_CAP bounds the TCP handshake alone (a run's pace-derived bound), CAP the whole exchange. A time-out
    the run's deadline brought before them (and, once connected, before the silence PACE calls a stall) is
    recorded as cut off. SOCKETS, the check's budget of connections: one is held for the exchange, and the
    bounds count from when it is free. An address that is never dialled (addresspolicy.NEVER_CONTACTED) is
    refused before any packet.

    TLS_CONTEXT must be one for HTTP alone (`TlsSettings.verified_http_context` or `unverified_http_context`):
    httpcore writes ALPN into it.
    """
    refused = never_dialled(ip)
    if refused is not None:
        return Exchange(error=error_facts(Failure.POLICY, "policy", refused))
    args = (url, ip, tls_context, deadline, cap, max_bytes, method, accept, connect_cap, pace)
    if sockets is None:
        return await _fetch(*args)
    try:
        async with sockets.slot(deadline):
            return await _fetch(*args)
    except ProbeError as exc:  # no connection of the check's own was free before the deadline: not tested
        return Exchange(error=exc.facts)


async def _fetch(
    url: httpx.URL | str, ip: str, tls_context: ssl.SSLContext, deadline: Deadline, cap: float,
    max_bytes: int, method: str, accept: str, connect_cap: float | None, pace: Pace | None,
) -> Exchange:
    trace, exchange = _Trace(), Exchange()
    # A connected server's silence is evidence only once it outlives the stall bound: the wait lasts at least
    # that long, taken as Deadline.run and tls.upgrade take it.
    cap, _ = silence_bounds(cap, pace.stall_bound(deadline.timeouts) if pace is not None else None)
    bound = deadline.bound(cap)
    connect = bound if connect_cap is None else min(bound, connect_cap)
    if bound <= 0.0:
        late = error_facts(Failure.TIMEOUT, "connect", "deadline reached")
        exchange.error = cut_off("connect").facts if deadline.cuts(bound, cap) else late
        return exchange
    # Whether a time-out would be the run's deadline, short of the step's own bounds, is known as it begins.
    cut_connect, by_the_run = deadline.cuts(connect, connect_cap or cap), deadline.cuts(bound)
    try:
        request = _Request(httpx.URL(url), ip, method, accept, max_bytes)
        await deadline.run(request.send(tls_context, bound, connect, trace, exchange), cap)
    except Exception as exc:  # every failure of the exchange is evidence
        stage = trace.stage()
        exchange.error = classify(exc, stage)
        if exchange.error.kind is Failure.TIMEOUT and (
            cut_connect if stage == "connect" else by_the_run and _silence_cut(bound, cap, pace, trace, deadline)
        ):
            exchange.error = cut_off(stage).facts
    if trace.ssl_object is not None:
        handshake_ms = trace.span("connection.start_tls.started", "connection.start_tls.complete") or 0.0
        exchange.tls = facts_of(trace.ssl_object, tls_context.verify_mode == ssl.CERT_REQUIRED, handshake_ms)
    exchange.connect_ms = trace.span("connection.connect_tcp.started", "connection.connect_tcp.complete")
    exchange.ttfb_ms = trace.span(
        "http11.send_request_headers.started", "http11.receive_response_headers.complete"
    )
    return exchange


def _silence_cut(bound: float, cap: float, pace: Pace | None, trace: _Trace, deadline: Deadline) -> bool:
    """The run's deadline ended the exchange (given BOUND seconds) before the connected server's silence lasted
    the stall bound at the run's pace (this connection's handshake included)."""
    connect_ms = trace.span("connection.connect_tcp.started", "connection.connect_tcp.complete")
    silence = bound - (connect_ms or 0.0) / 1000.0
    if pace is None:
        return bound < cap
    pace.saw(connect_ms)
    return silence < pace.stall_bound(deadline.timeouts)


async def http_context(tls: TlsSettings, deadline: Deadline, cap: float) -> ssl.SSLContext:
    """The verifying HTTP-only context of TLS (`TlsSettings.verified_http_context`); raises TimeoutError past
    the bound. Awaited: the trust store may still be loading in the background (net/trust.py), and the event
    loop must not stall on it while other probes run.
    """
    context: ssl.SSLContext = await deadline.run(tls.verified_http_context(), cap)
    return context


def classify(exc: BaseException, stage: str) -> ErrorFacts:
    """httpx's exception, or what it wraps, in our vocabulary; STAGE is where the trace says we were."""
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return error_facts(Failure.TIMEOUT, stage, "no answer in time")
    for cause in _chain(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return error_facts(Failure.TLS_VERIFY, "tls", f"{verify_error_of(cause)}: {cause.verify_message}")
        if isinstance(cause, ssl.SSLError):
            return error_facts(Failure.TLS_HANDSHAKE, "tls", cause.reason or str(cause))
        if isinstance(cause, OSError) and classify_os_error(cause) is not Failure.INTERNAL:
            return error_facts(classify_os_error(cause), stage, describe(cause))
    if isinstance(exc, httpx.RemoteProtocolError):
        closed = "disconnected" in str(exc)
        return error_facts(Failure.CLOSED if closed else Failure.BAD_REPLY, stage, str(exc))
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return error_facts(Failure.RESET, stage, str(exc) or type(exc).__name__)
    if isinstance(exc, httpx.ConnectError):
        kind = Failure.TLS_HANDSHAKE if stage == "tls" else Failure.UNREACHABLE
        return error_facts(kind, stage, str(exc) or type(exc).__name__)
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return error_facts(Failure.BAD_REPLY, "redirect", str(exc))
    return error_facts(Failure.INTERNAL, stage, repr(exc))


async def resolve_first(resolver: Resolver, host: str, stage: str) -> str | ErrorFacts:
    """The address to dial for HOST: itself if an IP literal, else the run's resolver's first A, then AAAA."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    answer_a = await resolver.query(host, "A")
    if answer_a.ok and answer_a.records:
        return answer_a.records[0]
    if answer_a.failure is Failure.NXDOMAIN:
        return error_facts(Failure.NXDOMAIN, stage, f"{host}: {answer_a.detail or 'no such domain'}")
    answer_aaaa = await resolver.query(host, "AAAA")
    if answer_aaaa.ok and answer_aaaa.records:
        return answer_aaaa.records[0]
    failures = [a for a in (answer_a, answer_aaaa) if a.failure not in (None, Failure.NO_ANSWER)]
    kind = failures[0].failure if failures else Failure.NO_ADDRESS
    assert kind is not None
    detail = answer_a.detail or answer_aaaa.detail or "no A or AAAA record"
    if failures and failures[0].cut_off:
        stage = CUT_OFF_STAGE  # the deadline cut the lookup off: what it stood for is not tested
    return error_facts(kind, stage, f"{host}: {detail}")


@dataclass(frozen=True)
class NextHop:
    """Where a redirect leads, or why it is not followed. `location` is the header as recorded (no userinfo)."""

    location: str
    url: httpx.URL | None = None
    error: ErrorFacts | None = None


def next_hop(
    current: httpx.URL, location: str, seen: set[str], count: int, max_redirects: int, *, https_only: bool = False
) -> NextHop:
    """The one redirect rule of the web probe and autoconfig: join the Location, drop any userinfo (never sent
    as Basic credentials, never kept in a report), and refuse loops, too many hops, other schemes and a
    downgrade from HTTPS to HTTP (`https_only`: any non-HTTPS target)."""
    recorded = strip_userinfo(location)
    try:
        target = httpx.URL(strip_userinfo(str(current.join(location))))
    except httpx.InvalidURL as exc:
        return NextHop(recorded, error=error_facts(Failure.BAD_REPLY, "redirect", f"Location {recorded!r}: {exc}"))
    if target.scheme not in ("http", "https") or not target.host:
        return NextHop(recorded, target, error_facts(Failure.BAD_REPLY, "redirect", f"redirect to {target}"))
    if https_only and target.scheme != "https":
        return NextHop(recorded, target, error_facts(Failure.BAD_REPLY, "redirect", f"redirect to {target}: not HTTPS"))
    if is_downgrade(str(current), str(target)):
        detail = f"redirect from {current} to {target}: HTTPS to plain HTTP, not followed"
        return NextHop(recorded, target, error_facts(Failure.DOWNGRADE, "redirect", detail))
    if str(target) in seen:
        loop = error_facts(Failure.REDIRECT_LOOP, "redirect", f"{target} was already visited")
        return NextHop(recorded, target, loop)
    if count > max_redirects:
        return NextHop(recorded, target, error_facts(Failure.TOO_MANY_REDIRECTS, "redirect",
                                                     f"more than {max_redirects} redirects"))
    return NextHop(recorded, target)


def host_of(url: httpx.URL) -> str:
    return url.raw_host.decode("ascii").lower()


def header(response: httpx.Response, name: str) -> str | None:
    value = response.headers.get(name)
    return bounded(value) if value else None


def server_date(response: httpx.Response) -> datetime | None:
    """The response's Date header, or None when absent or unparsable."""
    raw = response.headers.get("date")
    if not raw:
        return None
    try:
        parsed = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def error_facts(kind: Failure, stage: str, detail: str) -> ErrorFacts:
    return ErrorFacts(kind=kind, stage=stage, detail=bounded(detail))


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


@dataclass
class _Request:
    url: httpx.URL
    ip: str
    method: str
    accept: str
    max_bytes: int

    async def send(
        self, context: ssl.SSLContext, bound: float, connect: float, trace: _Trace, exchange: Exchange
    ) -> None:
        # httpx would resolve the URL's host through the system; dialling the address in the URL and naming
        # the host in SNI (sni_hostname) and Host keeps every connection on the run's resolver and on the
        # address under test. A fresh client per exchange: a pooled connection made with one SNI must not
        # serve another.
        timeout = httpx.Timeout(connect=connect, read=bound, write=bound, pool=bound)
        headers = {
            "Host": self.url.netloc.decode("ascii"),
            "User-Agent": USER_AGENT,
            # Uncompressed, so that the byte bound on the body is a bound on what we parse.
            "Accept-Encoding": "identity",
            "Accept": self.accept,
        }
        extensions = {"sni_hostname": host_of(self.url), "trace": trace}
        client = httpx.AsyncClient(verify=context, trust_env=False, follow_redirects=False, timeout=timeout)
        async with client:
            dial = self.url.copy_with(host=self.ip)
            request = client.build_request(self.method, dial, headers=headers, extensions=extensions)
            response = await client.send(request, stream=True)
            exchange.response, exchange.received_at = response, datetime.now(UTC)
            try:
                exchange.body, exchange.truncated = await _read_bounded(response, self.max_bytes)
            finally:
                await response.aclose()


async def _read_bounded(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += chunk[: limit - len(body)]
        if len(body) >= limit:
            return bytes(body), True
    return bytes(body), False


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out and len(out) < 10:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out
