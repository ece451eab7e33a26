"""What this run has seen of the network's round trips, so that a silent connect is recognised, not waited out.

A TCP connect that gets no answer while the same network answers other questions within a few round trips
is evidence enough that something drops it (a firewall, a blackhole). The bound for a connect is therefore
a few times the slowest answer seen so far (a DNS answer or another handshake), never below a floor that
covers one lost SYN and its retransmission, never above the step cap. Before anything answered, the step
cap holds.

The same measure tells a stall from a wait the run's deadline cut short: a server that accepted the connection
and then said nothing, or a resolver that answered nothing, for a few times the slowest answer (never less
than a floor) has stalled, and that is evidence about it; a silence the deadline ended sooner is not
(net/deadline.py).
"""

from __future__ import annotations

from mailprobe.timeouts import Timeouts


class Pace:
    def __init__(self) -> None:
        self.slowest_ms: float | None = None  # the slowest round trip that did get an answer

    def saw(self, ms: float | None) -> None:
        """One answered round trip (a DNS answer, a completed TCP handshake), in milliseconds."""
        if ms is not None and ms >= 0.0:
            self.slowest_ms = ms if self.slowest_ms is None else max(self.slowest_ms, ms)

    def dns_ask_again(self, timeouts: Timeouts) -> float:
        """Seconds after which an unanswered DNS question is asked again (the first one stays open)."""
        if self.slowest_ms is None:
            return timeouts.dns_ask_again_floor
        return max(timeouts.dns_ask_again_floor, timeouts.connect_rtt_factor * self.slowest_ms / 1000.0)

    def connect_bound(self, timeouts: Timeouts) -> float:
        """Seconds a TCP connect may wait for its handshake."""
        if self.slowest_ms is None:
            return timeouts.step
        derived = timeouts.connect_rtt_factor * self.slowest_ms / 1000.0
        return min(timeouts.step, max(timeouts.connect_floor, derived))

    def stall_bound(self, timeouts: Timeouts) -> float:
        """Seconds of silence after which the other side has stalled, whatever its step's cap: a connected
        server that says nothing, a resolver that answers nothing."""
        if self.slowest_ms is None:
            return timeouts.stall_floor
        return max(timeouts.stall_floor, timeouts.connect_rtt_factor * self.slowest_ms / 1000.0)
