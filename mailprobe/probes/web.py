"""Webmail probe: fetch the login page from one address with TLS, redirect, clock and page-resource facts."""

from __future__ import annotations

import asyncio
import html
import re
import ssl
import time
from collections.abc import Iterator

import httpx

from mailprobe.evidence import ErrorFacts, Failure, Observation, Status, TlsFacts, deadline_cut, not_tested
from mailprobe.fetchpolicy import may_contact, strip_userinfo
from mailprobe.kinds import web as web_kind
from mailprobe.kinds.web import PageResource, RedirectHop, WebVisit
from mailprobe.net.connect import URL_LIMIT, bounded, cut_off
from mailprobe.net.deadline import Deadline, DeadlineReached
from mailprobe.net.http import (
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
from mailprobe.probes.base import ProbeContext, endpoint_of

PAGE_LIMIT = 512 * 1024
RESOURCE_LIMIT = 128 * 1024
MAX_REDIRECTS = 10
MAX_RESOURCES = 5
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_FAILURE_STATUS = {Failure.DOWNGRADE: Status.WARN, Failure.POLICY: Status.ERROR}
# OpenSSL reasons that mean "we and the server share no protocol version".
_VERSION_REASONS = ("UNSUPPORTED_PROTOCOL", "PROTOCOL_VERSION", "NO_PROTOCOLS_AVAILABLE", "VERSION_TOO_LOW")


async def probe(step: Step, ctx: ProbeContext) -> list[Observation]:
    """Fetch the endpoint's URL from the step's address (SNI and Host = the real host name); never raises."""
    assert step.ip is not None
    started = time.monotonic()
    visit = web_kind.blank(endpoint_of(step), step.ip)
    try:
        await _Visitor(visit, ctx, step.ip).run()
    except Exception as exc:  # a probe reports its own failure as evidence, never as a crash
        visit.status = Status.FAIL
        visit.error = ErrorFacts(kind=Failure.INTERNAL, stage="internal", detail=bounded(repr(exc)))
    visit.duration_ms = round((time.monotonic() - started) * 1000.0, 2)
    return [visit]


class _Failed(Exception):
    def __init__(self, facts: ErrorFacts) -> None:
        super().__init__(facts.detail)
        self.facts = facts


class _Visitor:
    """Follows one visit hop by hop; the addresses of other hosts come from the run's resolver only."""

    def __init__(self, visit: WebVisit, ctx: ProbeContext, ip: str) -> None:
        self.visit, self.ctx = visit, ctx
        self.url = httpx.URL(visit.url)
        self.origin = ip  # where the chain started: the fetch policy judges every further address by it
        self.addresses: dict[str, str | ErrorFacts] = {host_of(self.url): ip}
        # Hosts whose page loaded only with TLS 1.0 / 1.1 (the legacy context): their further pages and resources
        # use it too, as a browser that still spoke it would. Never the unverified look after a certificate
        # failure: that one fetches the first page at the first address only (SECURITY.md).
        self.fallbacks: dict[str, ssl.SSLContext] = {}
        self.verified: ssl.SSLContext | None = None
        self.unverified_page = False  # the final page came through the unverified look: no resource is fetched

    async def run(self) -> None:
        try:
            self.verified = await http_context(self.ctx.tls, self.ctx.deadline, self.ctx.step_cap)
        except DeadlineReached:
            self._fail(cut_off("connect").facts)
            return
        except TimeoutError:  # mailprobe's own trust store was not loaded in time: nothing of the server's
            self._fail(error_facts(Failure.INTERNAL, "connect", "the trust store was not loaded in time"))
            return
        final = await self._follow()
        if final is None:
            return
        self._record_final(final)
        if final.response is not None and _is_html_page(final.response) and not self.unverified_page:
            self.visit.resources = await self._resources(final)
        _judge(self.visit)

    async def _follow(self) -> Exchange | None:
        seen = {str(self.url)}
        for _ in range(MAX_REDIRECTS + 1):
            exchange = await self._hop()
            if exchange is None:
                return None
            location = _location(exchange.response)
            if location is None:
                return exchange
            assert exchange.response is not None
            step = next_hop(self.url, location, seen, len(self.visit.redirects) + 1, MAX_REDIRECTS)
            self.visit.redirects.append(
                RedirectHop(url=_url(self.url), status_code=exchange.response.status_code, location=_url(step.location))
            )
            if step.error is not None:
                if step.url is not None:
                    self.url = step.url
                self._fail(step.error)
                return None
            assert step.url is not None
            self.url = step.url
            seen.add(str(self.url))
        return None  # next_hop has said "too many" by now

    async def _hop(self) -> Exchange | None:
        first = not self.visit.redirects
        try:
            ip = await self._address(self.url, "connect" if first else "redirect")
        except _Failed as failed:
            self._fail(failed.facts)
            return None
        exchange = await self._fetch_judging_tls(ip)
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

    async def _fetch_judging_tls(self, ip: str) -> Exchange:
        """Fetch with the verifying context; after a TLS failure, learn what the server does offer."""
        cap, host = self.ctx.step_cap, host_of(self.url)
        exchange = await self._fetch(self.url, ip, self._context(host), cap, PAGE_LIMIT)
        error = exchange.error
        if error is None or error.stage != "tls" or host in self.fallbacks or self.url.scheme != "https":
            return exchange
        if error.kind is Failure.TLS_VERIFY:
            if self.visit.redirects:
                return exchange  # never a retry without verification to where a redirect led
            # What a user clicking through the warning would get: is webmail itself answering? This page only:
            # a redirect from it, even on the same host, and its resources are never fetched unverified.
            retry = await self._fetch(self.url, ip, self.ctx.tls.unverified_http_context(), cap, PAGE_LIMIT)
            self.unverified_page = retry.response is not None
            reason, message = verify_failure_facts(error.detail)
            facts = retry.tls or TlsFacts()
            self._tls_problem(error, facts.model_copy(
                update={"verified": False, "verify_error": reason, "verify_message": message}
            ))
            return retry if retry.response is not None else exchange
        if error.kind is Failure.TIMEOUT:
            return exchange
        legacy = self.ctx.tls.legacy_context()
        retry = await self._fetch(self.url, ip, legacy, cap, PAGE_LIMIT)
        if retry.tls is not None:
            self.fallbacks[host] = legacy
        return self._judge_legacy(exchange, retry)

    def _context(self, host: str) -> ssl.SSLContext:
        fallback = self.fallbacks.get(host)
        if fallback is not None:
            return fallback
        assert self.verified is not None
        return self.verified

    async def _fetch(self, url: httpx.URL, ip: str, context: ssl.SSLContext, cap: float, limit: int
    ) -> Exchange:
        exchange = await fetch(url, ip, tls_context=context, deadline=self.ctx.deadline, cap=cap,
                               max_bytes=limit, connect_cap=self.ctx.connect_cap, pace=self.ctx.pace,
                               sockets=self.ctx.sockets)
        self.ctx.pace.saw(exchange.connect_ms)
        return exchange

    def _judge_legacy(self, modern: Exchange, legacy: Exchange) -> Exchange:
        assert modern.error is not None
        if legacy.tls is not None:
            version = legacy.tls.version
            self.visit.legacy_tls_only, self.visit.legacy_tls_version = True, version
            # What happened (the modern handshake's own failure), never what it means: summaries word it.
            self._tls_problem(error_facts(Failure.TLS_HANDSHAKE, "tls", modern.error.detail), legacy.tls)
            return legacy
        if legacy.error is not None and _refuses_old_versions(modern.error.detail, legacy.error.detail):
            # This OpenSSL will not speak TLS 1.0/1.1 even when asked, so the server's version alert is
            # the only witness: it refused TLS 1.2+, and we could not offer anything older.
            self.visit.legacy_tls_only = True
            self._tls_problem(error_facts(Failure.TLS_HANDSHAKE, "tls", modern.error.detail), None)
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
        # Not followed by our own policy: a downgrade is a finding about the page (degraded), a chain into
        # a private network is a place we do not test (could not test), anything else a failure.
        # Cut off by mailprobe's deadline (or a fault of its own): not tested.
        self.visit.status = Status.ERROR if not_tested(error) else _FAILURE_STATUS.get(error.kind, Status.FAIL)
        if self.visit.error is None:
            self.visit.error = error
        self.visit.final_url = _url(self.url)

    async def _address(self, url: httpx.URL, stage: str) -> str:
        """The address to dial for URL's host: pinned, an IP literal, or the run's resolver's first answer —
        and only where the fetch policy lets a chain that started at the first address go."""
        host = host_of(url)
        known = self.addresses.get(host)
        if known is None:
            known = await resolve_first(self.ctx.resolver, host, stage)
            if not isinstance(known, ErrorFacts):
                reason = may_contact(self.origin, known)
                if reason is not None:
                    known = error_facts(Failure.POLICY, stage, f"{host} ({known}): {reason}")
            self.addresses[host] = known
        if isinstance(known, ErrorFacts):
            raise _Failed(known if deadline_cut(known) else known.model_copy(update={"stage": stage}))
        return known

    def _record_final(self, final: Exchange) -> None:
        response = final.response
        assert response is not None
        visit = self.visit
        visit.final_url = _url(self.url)
        visit.status_code = response.status_code
        visit.http_version = response.http_version
        visit.server_header = header(response, "server")
        visit.page_bytes = len(final.body)
        visit.server_date = server_date(response)
        if visit.server_date is not None and final.received_at is not None:
            visit.clock_offset_s = round((visit.server_date - final.received_at).total_seconds(), 1)

    async def _resources(self, page: Exchange) -> list[PageResource]:
        assert page.response is not None
        urls = _resource_urls(self.url, await _scan(_page_text(page), self.ctx.deadline))
        if not urls:
            return []
        return list(await asyncio.gather(*(self._resource(url) for url in urls)))

    async def _resource(self, url: httpx.URL) -> PageResource:
        try:
            ip = await self._address(url, "resolve")
        except _Failed as failed:
            # Not ours to test, or not tested (the deadline cut it off).
            untested = failed.facts.kind is Failure.POLICY or not_tested(failed.facts)
            status = Status.SKIP if untested else Status.FAIL
            return PageResource(url=_url(url), status=status, error=failed.facts)
        cap = min(self.ctx.timeouts.web_resource, self.ctx.step_cap)
        context = self._context(host_of(url))
        exchange = await self._fetch(url, ip, context, cap, RESOURCE_LIMIT)
        code = exchange.response.status_code if exchange.response is not None else None
        error = exchange.error
        if error is None and code is not None and code >= 400:
            error = error_facts(Failure.HTTP_STATUS, "http", f"HTTP {code}")
        status = Status.PASS if error is None else (Status.SKIP if not_tested(error) else Status.FAIL)
        return PageResource(url=_url(url), status=status, error=error, status_code=code)


def _judge(visit: WebVisit) -> None:
    if visit.error is not None:
        visit.status = Status.ERROR if not_tested(visit.error) else Status.FAIL
        return
    code = visit.status_code or 0
    if code >= 500:
        visit.status, visit.error = Status.FAIL, error_facts(Failure.HTTP_STATUS, "http", f"HTTP {code}")
    elif code >= 400 and code not in (401, 403):
        # 401/403 is a login page doing its job; 404/429 is a server up and answering, only not at this
        # path or not now: degraded, never an outage.
        visit.status, visit.error = Status.WARN, error_facts(Failure.HTTP_STATUS, "http", f"HTTP {code}")
    elif any(resource.status is Status.FAIL for resource in visit.resources):
        visit.status = Status.WARN
    else:
        visit.status = Status.PASS


def _refuses_old_versions(modern_detail: str, legacy_detail: str) -> bool:
    """The server rejected TLS 1.2+ for its version, and our own library would not offer 1.0/1.1."""
    modern, legacy = modern_detail.upper(), legacy_detail.upper()
    return any(r in modern for r in _VERSION_REASONS) and any(r in legacy for r in _VERSION_REASONS)


# --- contexts, names, pages --------------------------------------------------------------------------


def _location(response: httpx.Response | None) -> str | None:
    if response is None or response.status_code not in REDIRECT_CODES:
        return None
    return header(response, "location")


def _is_html_page(response: httpx.Response) -> bool:
    return response.status_code == 200 and "html" in response.headers.get("content-type", "").lower()


def _page_text(page: Exchange) -> str:
    assert page.response is not None
    encoding = page.response.charset_encoding or "utf-8"
    try:
        return page.body.decode(encoding, errors="replace")
    except LookupError:
        return page.body.decode("utf-8", errors="replace")


# The page scan: a webmail page is whatever the server sends, up to PAGE_LIMIT. The scan is linear in the page
# (html.parser is not: 512 KB of "<a<a<a…" kept it busy for minutes), gives the event loop its turn every
# SCAN_SLICE_S, and stops at SCAN_BUDGET_S or the deadline, keeping what it found by then.
SCAN_BUDGET_S = 0.25
SCAN_SLICE_S = 0.005  # the scan gives the event loop its turn this often
SCAN_WINDOW = 8192  # characters one step searches through
MAX_TAG = 4096  # characters of one tag's attributes: a "tag" that does not close within them is not one
_TAG = re.compile(r"<(?:(!--)|(script|img|link|style)(?=[\s/>]))", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_RAW_END = {name: re.compile(rf"</{name}[\s/>]", re.IGNORECASE) for name in ("script", "style")}


class _ResourceFinder:
    """Scripts, stylesheets and images a browser would load before the login form works: the `src` of
    <script> and <img>, the `href` of <link rel=stylesheet>, outside comments and the raw text of <script> and
    <style>. Each step moves forward through the page: the whole scan is linear in its length."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: list[str] = []
        self._pos = 0
        self._next_close = -1  # where the next '>' after the last search is (-1: not searched yet)

    def steps(self) -> Iterator[None]:
        """Scan one tag (or comment, or raw text, or window without a tag) at a time, yielding after each, until
        the page or the wanted references end."""
        while self._pos < len(self.text) and len(self.found) < 4 * MAX_RESOURCES and self._step():
            yield None

    def _step(self) -> bool:
        text = self.text
        # One search looks at SCAN_WINDOW characters at most (and the few a tag's name needs past them), so that
        # no slice is long: a page of nothing but '<' is as many small steps as any other.
        window = self._pos + SCAN_WINDOW
        found = _TAG.search(text, self._pos, window + len("<script>"))
        if found is None or found.start() >= window:
            self._pos = window
            return window < len(text)
        if found.group(1):  # a comment: nothing inside counts
            end = text.find("-->", found.end())
            self._pos = len(text) if end < 0 else end + 3
            return True
        name, start = found.group(2).lower(), found.end()
        close = self._close_after(start)
        if close < 0 or close - start > MAX_TAG:
            self._pos = start  # no '>' near enough: not a tag; look on past its name
            return True
        self._tag(name, text[start:close])
        self._pos = close + 1
        if name in _RAW_END:  # a script's or style's own text holds no tags
            closing = _RAW_END[name].search(text, self._pos)
            self._pos = len(text) if closing is None else closing.end()
        return True

    def _close_after(self, start: int) -> int:
        """The first '>' at or after START, searched again only once START has passed the last one found."""
        if self._next_close < start and self._next_close != -2:
            self._next_close = self.text.find(">", start)
            if self._next_close < 0:
                self._next_close = -2  # none left in the page
        return -1 if self._next_close == -2 else self._next_close

    def _tag(self, name: str, attributes: str) -> None:
        values: dict[str, str] = {}
        for match in _ATTRIBUTE.finditer(attributes):
            value = next((v for v in match.group(2, 3, 4) if v is not None), "")
            values.setdefault(match.group(1).lower(), html.unescape(value))
        if name in ("script", "img"):
            self._add(values.get("src", ""))
        elif name == "link" and "stylesheet" in values.get("rel", "").lower().split():
            self._add(values.get("href", ""))

    def _add(self, ref: str) -> None:
        ref = ref.strip()
        if ref and ref not in self.found and len(self.found) < 4 * MAX_RESOURCES:
            self.found.append(ref)


async def _scan(text: str, deadline: Deadline) -> list[str]:
    """The page's resource references, scanned in slices that yield, within SCAN_BUDGET_S and the deadline."""
    finder = _ResourceFinder(text[:PAGE_LIMIT])
    now = time.monotonic()
    stop_at, turn_at = now + deadline.bound(SCAN_BUDGET_S), now + SCAN_SLICE_S
    for _ in finder.steps():
        now = time.monotonic()
        if now >= stop_at:
            break
        if now >= turn_at:
            await asyncio.sleep(0)
            turn_at = time.monotonic() + SCAN_SLICE_S
    return finder.found


def _resource_urls(page_url: httpx.URL, refs: list[str]) -> list[httpx.URL]:
    urls: list[httpx.URL] = []
    for ref in refs:
        try:
            url = page_url.join(ref)
        except httpx.InvalidURL:
            continue
        url = httpx.URL(strip_userinfo(str(url)))
        if url.scheme in ("http", "https") and url.host and url not in urls:
            urls.append(url)
        if len(urls) == MAX_RESOURCES:
            break
    return urls


def _url(url: httpx.URL | str) -> str:
    """A URL as the evidence keeps it: bounded, whatever a server put in its Location."""
    return bounded(str(url), URL_LIMIT)
