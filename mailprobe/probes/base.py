"""What every probe receives: the deadline with its time budget, TLS settings, the one resolver, credentials."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mailprobe.address import Target
from mailprobe.addresspolicy import DialPolicy, lab_run
from mailprobe.certdays import CertThresholds
from mailprobe.evidence import Endpoint, Observation
from mailprobe.net.connect import SocketBudget
from mailprobe.net.deadline import Deadline
from mailprobe.net.pace import Pace
from mailprobe.net.resolver import Resolver
from mailprobe.net.tls import TlsSettings
from mailprobe.secret import Credentials
from mailprobe.timeouts import Timeouts

if TYPE_CHECKING:
    from mailprobe.plan import Step


@dataclass(frozen=True)
class ProbeContext:
    deadline: Deadline
    tls: TlsSettings
    resolver: Resolver
    target: Target | None = None  # the mailbox checked (autoconfig asks with it, the login logs in as it)
    credentials: Credentials | None = field(default=None, repr=False)  # only with --login
    # The protocols whose login dialogue has started in this run: from there the password may be on the wire, so
    # the lockout guard counts that login even if the run is cut off before it can say how it ended. Not a
    # credential; shared by the context's copies.
    logins_begun: set[str] = field(default_factory=set, repr=False, compare=False)
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
