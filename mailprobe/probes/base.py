"""What every probe receives: the deadline, TLS settings, the one resolver, and its step bounds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from mailprobe.evidence import Endpoint, Observation
from mailprobe.net.deadline import Deadline
from mailprobe.net.resolver import Resolver
from mailprobe.net.tls import TlsSettings


@dataclass(frozen=True)
class ProbeContext:
    deadline: Deadline
    tls: TlsSettings
    resolver: Resolver

    @property
    def step_cap(self) -> float:
        """One connect, handshake or read may take at most this (the whole deadline bounds it too)."""
        return max(2.0, self.deadline.total * 0.6)


Probe = Callable[[Endpoint, str, ProbeContext], Awaitable[Observation]]
