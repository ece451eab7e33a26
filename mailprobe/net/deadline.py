"""The one overall deadline of a run; every network step takes its bound from it and from its Timeouts."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable
from typing import TypeVar

from mailprobe.timeouts import Timeouts

T = TypeVar("T")
# The field of /proc/<pid>/stat after the command name that holds the process's start, in clock ticks since
# boot (field 22 of proc(5), the 20th after the name's closing parenthesis).
_STARTTIME_FIELD = 19


def process_started() -> float | None:
    """When this process started, as the operating system recorded it, on the time.monotonic() clock; None
    where it is not known (no /proc). Linux records it in clock ticks (10 ms) since boot, rounded down: the
    reading is never later than the real start."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rpartition(b")")[2].split()
        ticks = int(fields[_STARTTIME_FIELD])
        per_second = os.sysconf("SC_CLK_TCK")
        since_boot = time.clock_gettime(time.CLOCK_BOOTTIME)
        now = time.monotonic()
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    if per_second <= 0:
        return None
    return now - max(0.0, since_boot - ticks / per_second)


class Deadline:
    def __init__(self, seconds: float, started: float | None = None, timeouts: Timeouts | None = None) -> None:
        """`started`: a time.monotonic() reading the deadline counts from (default: now). `timeouts`: the
        run's step bounds (default: those derived from `seconds`)."""
        self.total = seconds
        self.timeouts = timeouts if timeouts is not None else Timeouts(total=seconds)
        self.started = time.monotonic() if started is None else started
        self.at = self.started + seconds

    def remaining(self) -> float:
        return max(0.0, self.at - self.timeouts.reserve - time.monotonic())

    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def elapsed_ms(self) -> float:
        return (time.monotonic() - self.started) * 1000.0

    def bound(self, cap: float | None = None) -> float:
        """Seconds a step may take: its own cap, never past the deadline."""
        left = self.remaining()
        return left if cap is None else max(0.0, min(cap, left))

    def within(self, cap: float) -> Deadline:
        """A part of this deadline that ends `cap` seconds from now at the latest (a phase of the run)."""
        part = Deadline(self.total, self.started, self.timeouts)
        part.at = min(self.at, time.monotonic() + cap + self.timeouts.reserve)
        return part

    async def run(self, awaitable: Awaitable[T], cap: float | None = None) -> T:
        """Await with the step's bound; raises TimeoutError when it runs out."""
        limit = self.bound(cap)
        if limit <= 0.0:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise TimeoutError("deadline reached")
        return await asyncio.wait_for(awaitable, limit)
