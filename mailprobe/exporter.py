"""The exporter's own bookkeeping, shared by a `/probe` scrape and the form's check (`webform.py`): its slots
(probes at once), its counters, and each request's deadline, counted from the request's arrival. Waiting for
a slot counts against that deadline: a queue never makes an answer late."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# The least a check is given once it has its slot, unless the request's whole deadline is shorter.
MIN_LEFT_S = 0.5


class Busy(Exception):
    """No slot came free within the request's deadline (counted as a `busy` answer)."""


@dataclass(frozen=True)
class RequestDeadline:
    """One request's deadline: TOTAL seconds from STARTED (its arrival, `time.monotonic()`)."""

    total: float
    started: float = field(default_factory=time.monotonic)

    def left(self) -> float:
        """What is left for the check: never more than the request allowed, never less than MIN_LEFT_S
        unless the request's deadline itself is shorter."""
        return max(min(MIN_LEFT_S, self.total), self.total - (time.monotonic() - self.started))

    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass
class Slots:
    """The exporter's probes at once (a semaphore) and its own metrics."""

    max_concurrent: int
    registry: CollectorRegistry

    def __post_init__(self) -> None:
        self._gate = asyncio.Semaphore(self.max_concurrent)
        self.probes = Counter("mailprobe_exporter_probes", "Probes answered, by result", ["result"],
                              registry=self.registry)
        self.bad_requests = Counter("mailprobe_exporter_bad_requests", "Probe requests refused with 400",
                                    registry=self.registry)
        self.in_flight = Gauge("mailprobe_exporter_probes_in_flight", "Probes running now", registry=self.registry)
        self.duration = Histogram("mailprobe_exporter_probe_duration_seconds", "Time to answer a probe",
                                  registry=self.registry)

    @asynccontextmanager
    async def slot(self, deadline: RequestDeadline) -> AsyncIterator[None]:
        """Hold a slot for one check; Busy if none comes free within DEADLINE's time."""
        try:
            await asyncio.wait_for(self._gate.acquire(), timeout=deadline.total)
        except TimeoutError:
            self.probes.labels("busy").inc()
            raise Busy from None
        self.in_flight.inc()
        try:
            yield
        finally:
            self.in_flight.dec()
            self._gate.release()

    def answered(self, status: str, deadline: RequestDeadline) -> None:
        """Count one answered check: its status and how long the request took."""
        self.probes.labels(status).inc()
        self.duration.observe(deadline.elapsed())
