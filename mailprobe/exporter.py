"""The exporter's own bookkeeping, shared by a `/probe` scrape and the form's check (`webform.py`): its slots
(probes at once) and its counters. Each request has one deadline (net/deadline.py), made at its arrival
(`request_deadline`) and given to the check: waiting for a slot counts against it, so a queue never makes an
answer late, and no floor gives the check more than the request allowed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from mailprobe.net.deadline import Deadline


class Busy(Exception):
    """No slot came free within the request's deadline (counted as a `busy` answer)."""


def request_deadline(total: float, arrived: float) -> Deadline:
    """A request's one deadline: TOTAL seconds from its arrival (a time.monotonic() reading)."""
    return Deadline(total, arrived)


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
    async def slot(self, deadline: Deadline) -> AsyncIterator[None]:
        """Hold a slot for one check; Busy if none comes free within what is left of DEADLINE."""
        try:
            if self._gate.locked():  # a free slot is taken at once, even with no time left (the check says so)
                await asyncio.wait_for(self._gate.acquire(), timeout=max(0.0, deadline.at - time.monotonic()))
            else:
                await self._gate.acquire()
        except TimeoutError:
            self.probes.labels("busy").inc()
            raise Busy from None
        self.in_flight.inc()
        try:
            yield
        finally:
            self.in_flight.dec()
            self._gate.release()

    def answered(self, status: str, deadline: Deadline) -> None:
        """Count one answered check: its status and how long the request took (from its arrival)."""
        self.probes.labels(status).inc()
        self.duration.observe(time.monotonic() - deadline.started)
