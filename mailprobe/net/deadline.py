"""The one overall deadline of a run; every network step takes its bound from it and from its Timeouts."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable
from typing import TypeVar, overload

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

# Bounds this close to each other are the same bound (timers and clock readings differ by this much).
_TIMER_SLACK_S = 0.005


class DeadlineReached(TimeoutError):
    """The run's deadline, not the step's own bound, ended the wait: the step was cut off, not tested. A
    TimeoutError still, for code that needs only to know that the wait is over."""


class Deadline:
    def __init__(self, seconds: float, started: float | None = None, timeouts: Timeouts | None = None) -> None:
        """`started`: a time.monotonic() reading the deadline counts from (default: now). `timeouts`: the
        run's step bounds (default: those derived from `seconds`)."""
        self.total = seconds
        self.timeouts = timeouts if timeouts is not None else Timeouts(total=seconds)
        self.started = time.monotonic() if started is None else started
        self.at = self.started + seconds
        self.run_ends = self.at  # the run's own end; a part (`within`) may end earlier, on a cap of its own

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
        part.run_ends = self.run_ends
        return part

    def extended(self, budget_s: float) -> Deadline:
        """A phase after the run's quick part with a budget of its own, as the plan declares it (--loop's
        wait): the same origin and step bounds, the run's end moved on by BUDGET_S, and the phase ending
        BUDGET_S from now (`within`). A part of this deadline, never a second clock."""
        return Deadline(self.total + budget_s, self.started, self.timeouts).within(budget_s)

    def cuts(self, limit: float, own: float | None = None) -> bool:
        """Whether a wait given LIMIT seconds (this deadline's `bound`, taken now, as the wait begins) is cut off
        if it runs out: the run's own end set the limit, short of the step's own bound OWN (None: it has none but
        the deadline). A limit its own bound set, or a phase's cap (`within`), times out on the step's own
        account: that is evidence. Judged from the bounds, never from a clock read after the wait, which a
        starved event loop would make too late."""
        run_left = max(0.0, self.run_ends - self.timeouts.reserve - time.monotonic())
        by_the_run = limit >= run_left - _TIMER_SLACK_S
        return by_the_run and (own is None or limit < own - _TIMER_SLACK_S)

    async def run(self, awaitable: Awaitable[T], cap: float | None = None, stall: float | None = None) -> T:
        """Await with the step's bound; raises TimeoutError when it runs out, DeadlineReached when the run's
        deadline ended it before its own bound: its cap, or STALL, the silence after which a server that
        accepted the connection has stalled (net/pace.py)."""
        wait, own = silence_bounds(cap, stall)
        limit = self.bound(wait)
        cut = self.cuts(limit, own)
        if limit <= 0.0:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise DeadlineReached("deadline reached") if cut else TimeoutError("deadline reached")
        try:
            return await asyncio.wait_for(awaitable, limit)
        except TimeoutError:
            if cut:
                raise DeadlineReached("the overall deadline ran out") from None
            raise


@overload
def silence_bounds(cap: float, stall: float | None) -> tuple[float, float]: ...
@overload
def silence_bounds(cap: float | None, stall: float | None) -> tuple[float | None, float | None]: ...
def silence_bounds(cap: float | None, stall: float | None) -> tuple[float | None, float | None]:
    """How long a wait on a connected peer may last, and the bound its silence must outlive to be evidence.

    Without a STALL bound the step's CAP is both. With one, only a silence that outlived it is a stall: the wait
    lasts at least that long (its cap when that is longer), so on a network slow enough that the stall bound
    exceeds the cap, the cap never ends a wait as if it were the server's fault; the deadline ending it sooner
    is a step cut off, not tested.
    """
    if stall is None:
        return cap, cap
    return (stall if cap is None else max(cap, stall)), stall
