"""The vocabulary every observation kind shares (the kinds themselves live in kinds/): what happened on the
network, never what it means."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, Field, PrivateAttr

from mailprobe.certdays import CRIT_DAYS, WARN_DAYS
from mailprobe.empty import new_list
from mailprobe.protocols import Expect as Expect  # re-exported: part of the evidence vocabulary
from mailprobe.protocols import Service
from mailprobe.protocols import TlsMode as TlsMode  # re-exported: part of the evidence vocabulary

if TYPE_CHECKING:
    from mailprobe.address import Target
    from mailprobe.profiles import Profile


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
# was waiting for, it was not tested (probes.cut_off, net/deadline.DeadlineReached).
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
    san: list[str] = Field(default_factory=new_list)
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


def check_id(kind: str, *parts: object) -> str:
    """Stable, unique check ids: `imap.993/imap.exmail.qq.com/127.0.0.1`, `dns.mx/example.com`."""
    return "/".join([kind, *(str(p) for p in parts if p is not None and p != "")])


ObservationT = TypeVar("ObservationT", bound=Observation)


MatchedBy = Literal["mx", "forced", "generic", "mx_failed"]  # mx_failed: the MX lookup itself failed


@dataclass
class PlanSummary:
    """What the plan followed, as the diagnosis and the report read it: the provider, how it was matched, and
    the endpoints planned. A plain record, made from the planner's own once the run is over."""

    profile: "Profile | None"
    matched_by: MatchedBy
    endpoints: list[Endpoint] = field(default_factory=list)


@dataclass
class Evidence:
    """Everything the probes saw, with a summary of the plan they followed; the diagnosis reads only this."""

    target: "Target"
    plan: PlanSummary
    observations: list[Observation] = field(default_factory=list)
    mx_profile_id: str | None = None  # the provider the MX records point to, if any
    baseline_enabled: bool = True
    nameservers: list[str] = field(default_factory=list)
    timeout_s: float = 10.0  # the run's deadline: how much of it DNS alone took is evidence too
    loop_lag_ms: float = 0.0  # how late mailprobe's own event loop woke up at worst: evidence about mailprobe
    # --cert-warn-days / --cert-crit-days: a verified certificate with fewer days left is a warning / critical.
    cert_warn_days: float = WARN_DAYS
    cert_crit_days: float = CRIT_DAYS

    def of_type(self, cls: type[ObservationT]) -> list[ObservationT]:
        return [o for o in self.observations if isinstance(o, cls)]
