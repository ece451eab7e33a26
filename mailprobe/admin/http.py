"""The administrator APIs' one way out: httpx under the run's deadline, its trust settings (--ca-file), its one
resolver (--nameserver) and its address policy; every URL and message that may be kept is masked first.

Each request dials the address the run's resolver gave for the URL's host, with SNI and Host set to the real
name, as every probe does (net/http.py). A test may pass an httpx transport instead (respx): the URL is then
sent as it is. A 429 is waited out when its Retry-After fits in what is left of the deadline, once per request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import httpx

from mailprobe.evidence import ErrorFacts, Failure
from mailprobe.net.http import USER_AGENT, classify, error_facts, host_of, http_context, resolve_first
from mailprobe.probes.base import ProbeContext
from mailprobe.secret import CREDENTIAL_MASK, Secret
from mailprobe.secret import Redactor as SecretRedactor

if TYPE_CHECKING:
    from mailprobe.kinds.admin import AdminFacts, AdminProblem

MAX_BODY = 1024 * 1024  # an API answer longer than this is not read further
DETAIL_CHARS = 300
RETRY_MARGIN_S = 0.5  # a 429 is waited out only when this much of the deadline is left after the wait
# Query parameters and JSON fields whose values are credentials, wherever they appear in a URL or a message.
_SECRET_NAMES = ("access_token", "corpsecret", "client_secret", "refresh_token", "assertion", "id_token", "code")
_IN_QUERY = re.compile(r"(?i)\b(" + "|".join(_SECRET_NAMES) + r")=([^&\s\"'#]+)")
_IN_JSON = re.compile(r"(?i)\"(" + "|".join(_SECRET_NAMES) + r")\"\s*:\s*\"[^\"]*\"")
_BEARER = re.compile(r"(?i)\bBearer\s+[A-Za-z0-9._~+/=-]+")


@dataclass
class Redactor:
    """Masks every credential of the run, given as Secrets or met as tokens, with the one masker
    (`secret.Redactor`, built once for each), and on top every credential-named parameter and Bearer token,
    in any text that may be kept or shown."""

    secrets: list[Secret] = field(default_factory=list, repr=False)
    _maskers: list[SecretRedactor] = field(default_factory=list, repr=False, compare=False)

    def add(self, value: str | Secret | None) -> None:
        secret = value if isinstance(value, Secret) else Secret(value or "")
        if len(secret.reveal()) >= 4 and secret not in self.secrets:
            self.secrets.append(secret)
            self._maskers.append(SecretRedactor([secret], secret_label=CREDENTIAL_MASK))

    def __call__(self, text: str) -> str:
        for masker in self._maskers:
            text = masker.text(text)
        text = _IN_QUERY.sub(lambda m: f"{m.group(1)}={CREDENTIAL_MASK}", text)
        text = _IN_JSON.sub(lambda m: f'"{m.group(1)}": "{CREDENTIAL_MASK}"', text)
        return _BEARER.sub(f"Bearer {CREDENTIAL_MASK}", text)


class _MaskedLog(logging.Filter):
    """httpx logs each request's URL (at INFO): whoever turns logging on never sees a credential in one."""

    def filter(self, record: logging.LogRecord) -> bool:
        said = record.getMessage()
        masked = Redactor()(said)
        if masked != said:
            record.msg, record.args = masked, ()
        return True


for _name in ("httpx", "httpcore"):
    if not any(isinstance(f, _MaskedLog) for f in logging.getLogger(_name).filters):
        logging.getLogger(_name).addFilter(_MaskedLog())


@dataclass
class Reply:
    """An API's answer: its status and JSON body, or how the request failed (masked)."""

    status: int | None = None
    body: Any = None  # the decoded JSON, or None
    headers: Mapping[str, str] = field(default_factory=dict)
    error: ErrorFacts | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    def field(self, name: str) -> Any:
        return self.body.get(name) if isinstance(self.body, dict) else None


@dataclass
class AdminHttp:
    ctx: ProbeContext
    origin: Literal["user", "records"] = "records"  # where the API's host names come from (the address policy)
    transport: httpx.AsyncBaseTransport | None = None  # tests only: an httpx transport (respx) instead of sockets
    redact: Redactor = field(default_factory=Redactor)
    sleep: Any = asyncio.sleep

    async def request(
        self, method: str, url: str, *, params: Mapping[str, str] | None = None, json_body: Any = None,
        form: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """One request, and once more after a 429 whose wait fits within the deadline. Never raises."""
        reply = await self._once(method, url, params, json_body, form, headers)
        if reply.status == 429:
            wait = _retry_after(reply.headers)
            left = self.ctx.deadline.remaining()
            if wait is not None and wait + RETRY_MARGIN_S < left:
                await self.sleep(wait)
                reply = await self._once(method, url, params, json_body, form, headers)
        return reply

    async def _once(
        self, method: str, url: str, params: Mapping[str, str] | None, json_body: Any,
        form: Mapping[str, str] | None, headers: Mapping[str, str] | None,
    ) -> Reply:
        deadline, cap = self.ctx.deadline, self.ctx.timeouts.step
        target = httpx.URL(url, params=params)
        if target.scheme != "https" and self.transport is None:
            return Reply(error=error_facts(Failure.POLICY, "policy", f"{self.redact(str(target))}: not HTTPS"))
        sent = dict(headers or {})
        sent.setdefault("User-Agent", USER_AGENT)
        sent.setdefault("Accept", "application/json")
        sent["Accept-Encoding"] = "identity"
        extensions: dict[str, Any] = {}
        try:
            if self.transport is not None:
                client = httpx.AsyncClient(transport=self.transport, trust_env=False, follow_redirects=False)
                dial = target
            else:
                host = host_of(target)
                ip = await resolve_first(self.ctx.resolver, host, "resolve")
                if isinstance(ip, ErrorFacts):
                    return Reply(error=self._masked(ip))
                refusal = self.ctx.address_policy.refusal(ip, self.origin)
                if refusal is not None:
                    return Reply(error=error_facts(Failure.POLICY, "policy", refusal.detail(host)))
                context = await http_context(self.ctx.tls, deadline, cap)
                bound = deadline.bound(cap)
                timeout = httpx.Timeout(connect=min(bound, self.ctx.connect_cap), read=bound, write=bound, pool=bound)
                client = httpx.AsyncClient(verify=context, trust_env=False, follow_redirects=False, timeout=timeout)
                sent["Host"] = target.netloc.decode("ascii")
                extensions["sni_hostname"] = host
                dial = target.copy_with(host=ip)
            async with client:
                request = client.build_request(method, dial, headers=sent, json=json_body, data=form,
                                               extensions=extensions)
                return await deadline.run(self._send(client, request), cap)
        except Exception as exc:  # every failure is evidence, masked
            return Reply(error=self._masked(classify(exc, "http")))

    async def _send(self, client: httpx.AsyncClient, request: httpx.Request) -> Reply:
        response = await client.send(request, stream=True)
        try:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk[: MAX_BODY - len(body)]
                if len(body) >= MAX_BODY:
                    break
        finally:
            await response.aclose()
        try:
            decoded = json.loads(bytes(body).decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            decoded = None
        return Reply(status=response.status_code, body=decoded, headers=dict(response.headers))

    def _masked(self, error: ErrorFacts) -> ErrorFacts:
        return error.model_copy(update={"detail": self.redact(error.detail)[:DETAIL_CHARS]})


def _retry_after(headers: Mapping[str, str]) -> float | None:
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if raw is None:
        return 1.0
    try:
        return max(0.0, float(raw.strip()))
    except ValueError:
        return None


def bounded(text: object, limit: int = DETAIL_CHARS) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def iso_time(value: object) -> datetime | None:
    """An API's ISO 8601 time ("2026-12-07T10:42:00Z"), in UTC when it names no zone; None when it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def first(items: Iterable[Any]) -> Any:
    return next(iter(items), None)


@dataclass
class Signed:
    """An API session: the bearer header its token gives, and the user's own record as the API answered it."""

    auth: dict[str, str]
    account: Reply


async def signed_in(
    http: AdminHttp, token_reply: Reply, problem: Callable[[str, Reply], AdminProblem], facts: AdminFacts,
    call: str, user_url: str, params: Mapping[str, str] | None = None,
) -> Signed | None:
    """The token endpoint's answer turned into a bearer header (the token masked from then on), then the user's
    own record fetched with it. None: nothing more to ask (no token, or the API does not know the user or
    refused the credentials), each said as a problem; a user's record refused otherwise is said and the
    session goes on (the logs may still answer)."""
    token = token_reply.field("access_token") if token_reply.ok else None
    if not isinstance(token, str) or not token:
        facts.problems.append(problem("token", token_reply))
        return None
    http.redact.add(token)
    auth = {"Authorization": f"Bearer {token}"}
    account = await http.request("GET", user_url, headers=auth, params=params)
    if not account.ok:
        facts.problems.append(problem(call, account))
        if facts.problems[-1].kind in ("unknown_user", "invalid_credentials"):
            return None
    return Signed(auth, account)
