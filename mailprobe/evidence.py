"""The vocabulary probes speak: typed observations of what happened on the network, never what it means."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, Field, PrivateAttr

from mailprobe.protocols import MailProtocol, Service
from mailprobe.protocols import TlsMode as TlsMode  # re-exported: part of the evidence vocabulary

if TYPE_CHECKING:
    from mailprobe.address import Target
    from mailprobe.plan import Plan


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"  # worked, but degraded (certificate expiring soon, slow, STARTTLS missing on a plain port)
    FAIL = "fail"  # the thing tested did not work
    SKIP = "skip"  # not tested: the plan chose not to, or what it needed did not exist
    ERROR = "error"  # could not be tested (a prerequisite could not be determined); never "absent"


class Failure(StrEnum):
    """What went wrong at the failing step, in the field's words."""

    NXDOMAIN = "nxdomain"
    NO_ANSWER = "no_answer"  # the name exists, no record of that type
    SERVFAIL = "servfail"  # the resolver answered SERVFAIL / REFUSED, or no nameserver gave a usable answer
    DNS_TIMEOUT = "dns_timeout"
    NO_RESOLVER = "no_resolver"  # no resolver configured on this machine
    REFUSED = "refused"  # TCP RST to our SYN
    TIMEOUT = "timeout"  # no answer within the step's bound
    RESET = "reset"  # connection reset after it was established
    UNREACHABLE = "unreachable"  # no route to host / network unreachable
    CLOSED = "closed"  # the peer closed the connection before the expected reply
    TLS_VERIFY = "tls_verify"  # handshake completed but the certificate did not verify
    TLS_HANDSHAKE = "tls_handshake"  # handshake failed (alert, no shared protocol or cipher, garbage)
    BAD_REPLY = "bad_reply"  # a reply that is not the protocol (garbage, binary, over-long line)
    REJECTED = "rejected"  # a proper protocol reply that refuses service: SMTP 421/554, IMAP BYE, POP3 -ERR
    NOT_OFFERED = "not_offered"  # STARTTLS / STLS not advertised or refused
    HTTP_STATUS = "http_status"  # an HTTP error status (4xx/5xx)
    REDIRECT_LOOP = "redirect_loop"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    NO_ADDRESS = "no_address"  # the host name has no A/AAAA record
    POLICY = "policy"  # mailprobe refused to go there (the address policy, SECURITY.md): never dialled
    DOWNGRADE = "downgrade"  # an HTTPS page redirecting to plain HTTP, not followed
    INTERNAL = "internal"  # mailprobe itself failed at this step


class ErrorFacts(BaseModel):
    kind: Failure
    stage: str  # the step that failed: resolve, connect, tls, greeting, capabilities, starttls, http, ...
    detail: str = ""  # the raw reason (errno text, TLS alert, first bytes of a bad reply), bounded in size


# Failures in which the server itself spoke: it is there and reachable, it just refused or misbehaved.
SERVER_SPOKE = frozenset({
    Failure.REJECTED, Failure.HTTP_STATUS, Failure.NOT_OFFERED, Failure.TLS_VERIFY,
    Failure.REDIRECT_LOOP, Failure.TOO_MANY_REDIRECTS,
})


def server_spoke(error: ErrorFacts | None) -> bool:
    """The failure happened in the server's own words (a 421, a certificate, an HTTP error): it answered."""
    return error is not None and error.kind in SERVER_SPOKE


# The stage of a step that mailprobe's own deadline cut off before the step's own bound ran out: whatever it
# was waiting for, it was not tested (plan.cut_off, net/deadline.DeadlineReached).
CUT_OFF_STAGE = "deadline"


def deadline_cut(error: ErrorFacts | None) -> bool:
    """mailprobe's own deadline ended the step before its own bound did."""
    return error is not None and error.stage == CUT_OFF_STAGE


def not_tested(error: ErrorFacts | None) -> bool:
    """The step says nothing about the network or a server: mailprobe's deadline cut it off, or mailprobe
    itself failed at it (out of sockets, a fault of its own)."""
    return deadline_cut(error) or (error is not None and error.kind is Failure.INTERNAL)


class Role(StrEnum):
    PROVIDER = "provider"  # the mailbox's own provider or domain: its failures matter
    BASELINE = "baseline"  # another provider's service, to tell "your network" from "their server"
    CANDIDATE = "candidate"  # a guessed host (generic plan): absence is normal, not a fault


class Expect(StrEnum):
    REQUIRED = "required"  # mail does not work without it
    OPTIONAL = "optional"  # a failure degrades (warning), does not break
    CANDIDATE = "candidate"  # a guess: refused or missing means "not offered"


class Endpoint(BaseModel):
    """One service to probe: a host name, a port and how to talk to it."""

    protocol: Service
    host: str  # ASCII host name, no trailing dot
    port: int
    tls: TlsMode
    role: Role = Role.PROVIDER
    expect: Expect = Expect.REQUIRED
    label: str = ""  # e.g. "overseas", "hangzhou": where the profile names an alternate host
    url: str | None = None  # web endpoints: the URL to fetch
    provider_id: str | None = None  # baseline endpoints: whose service this is
    # Who named this host, for the address policy (addresspolicy.py): the user (--baseline, a profile in
    # --providers-dir), a built-in profile, or the mailbox's domain (SRV, autoconfig, MX, guesses from it).
    named_by: Literal["user", "profile", "domain"] = "domain"

    @property
    def dial_origin(self) -> Literal["user", "records"]:
        """Where the addresses of this host come from, as the address policy weighs them."""
        return "user" if self.named_by == "user" else "records"

    @property
    def target(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


class CertificateFacts(BaseModel):
    subject: str
    issuer: str
    issuer_cn: str | None = None
    issuer_org: str | None = None
    san: list[str] = Field(default_factory=list)
    not_before: datetime
    not_after: datetime
    serial: str
    sha256: str
    self_signed: bool = False


VerifyError = Literal["expired", "not_yet_valid", "hostname_mismatch", "untrusted", "self_signed", "other"]


class TlsFacts(BaseModel):
    version: str | None = None  # "TLSv1.3"
    cipher: str | None = None
    handshake_ms: float | None = None
    verified: bool = False
    verify_error: VerifyError | None = None
    verify_message: str | None = None  # OpenSSL's own words
    certificate: CertificateFacts | None = None
    days_left: float | None = None  # until not_after, from the local clock


class Facts(BaseModel):
    """The kind-specific part of an observation: what the report carries as a check's typed `data`."""

    role: Role = Role.PROVIDER
    error: ErrorFacts | None = None

    def get(self, name: str, default: Any = None) -> Any:
        """Read a fact by name, as the untyped `data` mapping of schema version 1 was read."""
        value = getattr(self, name, None)
        return default if value is None else value


class Observation(Facts):
    """Base of every check result: where and when, and how it ended. Subclasses add the facts of their kind.

    `address` is the IP dialled (the report's field name); `started_ms` is the offset from the check's start.
    """

    id: str
    kind: str
    target: str
    address: str | None = None
    status: Status
    started_ms: float = 0.0
    duration_ms: float = 0.0
    # When the work it reports began (a time.monotonic() reading), where that was before the step that returned
    # it: a DNS question asked early (net/early.py) or first by another step, a probe shared by several checks.
    # Never serialised; the engine turns it into started_ms, so that started_ms + duration_ms is when it ended.
    _began: float | None = PrivateAttr(default=None)

    @property
    def ip(self) -> str | None:
        return self.address

    @property
    def began(self) -> float | None:
        return self._began

    def began_at(self, moment: float) -> None:
        """Its work began at MOMENT (time.monotonic()), the earliest of what it is told."""
        self._began = moment if self._began is None else min(self._began, moment)


BASE_FIELDS = frozenset({"id", "kind", "target", "address", "status", "started_ms", "duration_ms"})


class MxRecord(BaseModel):
    preference: int
    exchange: str  # ASCII, no trailing dot; "." (empty) for a null MX


class SrvRecord(BaseModel):
    priority: int
    weight: int
    port: int
    target: str  # "." means "decidedly not available" (RFC 2782 / 6186)


class DnsFacts(Facts):
    name: str
    rdtype: str  # MX, A, AAAA, TXT, SRV, NS, SOA
    purpose: str  # mx, host, spf, srv, resolver_sanity, authoritative, ns, autoconfig
    nameserver: str | None = None  # who answered, "ip:port"
    records: list[str] = Field(default_factory=list)  # answers as text
    mx: list[MxRecord] = Field(default_factory=list)
    null_mx: bool = False
    srv: list[SrvRecord] = Field(default_factory=list)
    ttl: int | None = None
    canonical: str | None = None  # the name the CNAME chain led to, when the name asked was an alias
    addresses_not_probed: int = 0  # addresses beyond plan.MAX_ADDRESSES_PER_FAMILY, left untested
    targets_not_followed: int = 0  # SRV / MX targets beyond the plan's caps (plan.MAX_SRV_TARGETS, MAX_MX_HOSTS)
    records_not_kept: int = 0  # records of the answer beyond probes/dns.MAX_RECORDS, neither kept nor followed


class DnsLookup(Observation, DnsFacts):
    """One DNS question and the resolver's answer (or why there was none)."""

    kind: Literal["dns"] = "dns"


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
    capabilities: list[str] = Field(default_factory=list)
    starttls_offered: bool | None = None
    starttls_ok: bool | None = None


class MailSession(Observation, MailFacts):
    """One IMAP / POP3 / SMTP dialogue with one address: connect, TLS, greeting, capabilities, STARTTLS."""

    kind: MailProtocol


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
    redirects: list[RedirectHop] = Field(default_factory=list)
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
    resources: list[PageResource] = Field(default_factory=list)
    published: list[PublishedServer] = Field(default_factory=list)  # autoconfig: the servers the file names


class WebVisit(Observation, WebFacts):
    """One HTTPS fetch of a webmail URL from one address, following redirects within bounds."""

    kind: Literal["web"] = "web"


class BaselineFacts(Facts):
    host: str
    port: int
    service: str  # imap, pop3, smtp, web
    provider_id: str | None = None
    connect_ms: float | None = None
    stage: str = "connect"  # how far the dialogue got: connect, tls, greeting, capabilities
    issuer: str | None = None  # the certificate issuer seen (unverified): interception re-signs everything
    clock_offset_s: float | None = None  # a web baseline's Date minus our clock: one server's clock or ours?


class Reachability(Observation, BaselineFacts):
    """A baseline: can this machine reach another provider's service on the same port?"""

    kind: Literal["baseline"] = "baseline"


class LoginCandidate(BaseModel):
    """One cause a login refusal may mean, as the classifier ranked it; `code` is the standard code behind it."""

    cause: str
    confidence: float
    basis: Literal["code", "pattern", "text", "remembered"]  # remembered: the lockout guard's, from an earlier run
    code: str | None = None


LoginOutcomeName = Literal["ok", "mailbox_refused", "refused", "not_attempted", "error"]


class LoginFacts(Facts):
    """One authentication (`--login`): how it went, the server's words (redacted), what they may mean.
    Never the password, its length, or anything derived from it beyond the hygiene finding ids."""

    protocol: MailProtocol
    host: str = ""
    port: int | None = None
    outcome: LoginOutcomeName = "not_attempted"
    stage: str = "auth"  # the last step begun: guard, session, id, auth, examine, stat
    mechanism: str | None = None  # PLAIN, LOGIN, USER
    accepted: bool = False
    mailbox_ok: bool | None = None  # EXAMINE INBOX / STAT succeeded; None: not reached, or SMTP
    credentials_sent: bool = False
    login_name_form: Literal["address", "local_part", "other"] | None = None
    replies: list[str] = Field(default_factory=list)  # the deciding reply, credentials masked
    candidates: list[LoginCandidate] = Field(default_factory=list)  # most likely first; empty: not recognised
    # The refusal said nothing a code, pattern or known text explains: `candidates` are what any refusal of
    # the credentials may mean (a wrong password first), not what the words said.
    bare_refusal: bool = False
    hygiene: list[str] = Field(default_factory=list)  # ids of password typing mistakes found locally
    worked_before: bool | None = None  # True: a login succeeded in an earlier run; False: never; None: unknown
    guard_until: datetime | None = None  # a guard refusal: when the next login is allowed
    guard_window_s: float | None = None  # … and the window it keeps between logins
    # … when the login it remembers over this protocol was tried (outcome, replies and candidates then say how
    # it ended), or with none remembered over this protocol, when the mailbox's last login was;
    tried_at: datetime | None = None
    tried_unfinished: bool = False  # … a login whose end was never recorded (under way, cut off, or killed)

    def deciding_reply(self) -> str:
        """The server's deciding words as one line. An SMTP multi-line reply (`534-5.7.9 Application-specific
        password required…` then `534 5.7.9 https://…`) is kept whole, its code said once: its first line is
        often the one that tells. Otherwise the last line (IMAP's tagged answer after its untagged lines)."""
        lines = [line for line in self.replies if line.strip()]
        if not lines:
            return ""
        starts = [_SMTP_REPLY.match(line) for line in lines]
        matched = [m for m in starts if m is not None]
        if len(lines) > 1 and len(matched) == len(lines) and len({m.group(1) for m in matched}) == 1:
            status = matched[0].group(3)
            said = " ".join(line[m.end():].strip() for line, m in zip(lines, matched, strict=True))
            return " ".join(part for part in (matched[0].group(1), status, said) if part)
        return lines[-1]


# One line of an SMTP reply: its code, "-" (more lines follow) or " " (the last), an enhanced status code.
_SMTP_REPLY = re.compile(r"^([2-5][0-9]{2})([ -]|$)(?:([245]\.[0-9]{1,3}\.[0-9]{1,3})(?:\s+|$))?")


class LoginAttempt(Observation, LoginFacts):
    """One login over TLS to one address of the provider's server, or why none was made."""

    kind: Literal["login"] = "login"


AnyObservation = DnsLookup | MailSession | WebVisit | Reachability | LoginAttempt
# Each observation kind and the facts it carries (the report's typed `data`).
FACTS_OF: dict[type[Observation], type[Facts]] = {
    DnsLookup: DnsFacts, MailSession: MailFacts, WebVisit: WebFacts, Reachability: BaselineFacts,
    LoginAttempt: LoginFacts,
}


def check_id(kind: str, *parts: object) -> str:
    """Stable, unique check ids: `imap.993/imap.exmail.qq.com/127.0.0.1`, `dns.mx/example.com`."""
    return "/".join([kind, *(str(p) for p in parts if p is not None and p != "")])


ObservationT = TypeVar("ObservationT", bound=Observation)


@dataclass
class Evidence:
    """Everything the probes saw, with the plan they followed; the diagnosis reads only this."""

    target: "Target"
    plan: "Plan"
    observations: list[Observation] = field(default_factory=list)
    mx_profile_id: str | None = None  # the provider the MX records point to, if any
    baseline_enabled: bool = True
    nameservers: list[str] = field(default_factory=list)
    timeout_s: float = 10.0  # the run's deadline: how much of it DNS alone took is evidence too
    loop_lag_ms: float = 0.0  # how late mailprobe's own event loop woke up at worst: evidence about mailprobe
    # --cert-warn-days / --cert-crit-days: a verified certificate with fewer days left is a warning / critical.
    cert_warn_days: float = 14.0
    cert_crit_days: float = 3.0

    def of_type(self, cls: type[ObservationT]) -> list[ObservationT]:
        return [o for o in self.observations if isinstance(o, cls)]
