"""What every probe receives: the deadline with its time budget, TLS settings, the one resolver, credentials."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mailprobe.address import Target
from mailprobe.evidence import Observation
from mailprobe.net.deadline import Deadline
from mailprobe.net.pace import Pace
from mailprobe.net.resolver import Resolver
from mailprobe.net.tls import TlsSettings
from mailprobe.timeouts import Timeouts

if TYPE_CHECKING:
    from mailprobe.plan import Step


@dataclass(frozen=True)
class ProbeContext:
    deadline: Deadline
    tls: TlsSettings
    resolver: Resolver
    target: Target | None = None  # the mailbox checked (autoconfig asks with it, the login logs in as it)
    pace: Pace = field(default_factory=Pace)  # the round trips the run has seen (shared with the resolver)

    @property
    def timeouts(self) -> Timeouts:
        return self.deadline.timeouts

    @property
    def connect_cap(self) -> float:
        """One TCP connect may wait this long: derived from the answers seen so far (net/pace.py)."""
        return self.pace.connect_bound(self.timeouts)

    @property
    def step_cap(self) -> float:
        """One connect, handshake or read may take at most this (the whole deadline bounds it too)."""
        return self.timeouts.step


Probe = Callable[["Step", ProbeContext], Awaitable[list[Observation]]]
"""The one probe signature: run one step of the plan, return what was observed. Never raises."""
