"""What every probe receives: the deadline with its time budget, TLS settings, the one resolver, credentials."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NoReturn

from mailprobe.address import Target
from mailprobe.addresspolicy import DialPolicy, lab_run
from mailprobe.certdays import CertThresholds
from mailprobe.evidence import Endpoint, Observation
from mailprobe.net.connect import SocketBudget
from mailprobe.net.deadline import Deadline
from mailprobe.net.pace import Pace
from mailprobe.net.resolver import Resolver
from mailprobe.net.tls import TlsSettings
from mailprobe.secret import Secret
from mailprobe.timeouts import Timeouts

if TYPE_CHECKING:
    from mailprobe.plan import Step


class LoginCredentials:
    """What `--login` logs in with: the login name (None: the profile's rule decides) and the password.
    Neither is ever printed, repr'd, pickled or serialised: this object has no text form but "***"."""

    __slots__ = ("_begun", "_login", "_password")

    def __init__(self, login: str | None, password: Secret) -> None:
        if not isinstance(password, Secret):
            raise TypeError("the password must be a Secret")
        object.__setattr__(self, "_login", login)
        object.__setattr__(self, "_password", password)
        object.__setattr__(self, "_begun", set())

    def begin(self, protocol: str) -> None:
        """A login dialogue over PROTOCOL is starting: from here the password may be on the wire, so the
        lockout guard counts this login even if the run is cut off before it can say how it ended."""
        begun: set[str] = object.__getattribute__(self, "_begun")
        begun.add(protocol)

    @property
    def begun(self) -> frozenset[str]:
        return frozenset(object.__getattribute__(self, "_begun"))

    @property
    def login(self) -> str | None:
        value: str | None = object.__getattribute__(self, "_login")
        return value

    @property
    def password(self) -> Secret:
        value: Secret = object.__getattribute__(self, "_password")
        return value

    def __repr__(self) -> str:
        return "LoginCredentials(***)"

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return repr(self)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("credentials cannot be changed")

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError("credentials cannot be pickled or serialised")

    def __copy__(self) -> LoginCredentials:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> LoginCredentials:
        return self


@dataclass(frozen=True)
class ProbeContext:
    deadline: Deadline
    tls: TlsSettings
    resolver: Resolver
    target: Target | None = None  # the mailbox checked (autoconfig asks with it, the login logs in as it)
    credentials: LoginCredentials | None = field(default=None, repr=False)  # only with --login
    pace: Pace = field(default_factory=Pace)  # the round trips the run has seen (shared with the resolver)
    policy: DialPolicy | None = None  # which addresses may be dialled; None: as the resolver's servers say
    sockets: SocketBudget = field(default_factory=SocketBudget)  # the check's connections open at once
    cert: CertThresholds = field(default_factory=CertThresholds)  # --cert-warn-days / --cert-crit-days

    @property
    def timeouts(self) -> Timeouts:
        return self.deadline.timeouts

    @property
    def address_policy(self) -> DialPolicy:
        """The run's address policy (addresspolicy.py): a loopback lab's exactly when the resolvers the user named
        make one, unless one was given."""
        if self.policy is not None:
            return self.policy
        return DialPolicy(lab=lab_run(self.resolver.named))

    @property
    def connect_cap(self) -> float:
        """One TCP connect may wait this long: derived from the answers seen so far (net/pace.py)."""
        return self.pace.connect_bound(self.timeouts)

    @property
    def stall_bound(self) -> float:
        """A connected server silent this long has stalled; a silence the deadline ends sooner is not tested."""
        return self.pace.stall_bound(self.timeouts)

    @property
    def step_cap(self) -> float:
        """One connect, handshake or read may take at most this (the whole deadline bounds it too)."""
        return self.timeouts.step


Probe = Callable[["Step", ProbeContext], Awaitable[list[Observation]]]
"""The one probe signature: run one step of the plan, return what was observed. Never raises."""


def endpoint_of(step: Step) -> Endpoint:
    """The endpoint a session step stands for."""
    assert step.endpoint is not None, f"{step.probe} steps stand for an endpoint"
    return step.endpoint
