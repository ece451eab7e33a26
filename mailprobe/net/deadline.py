"""The one overall deadline of a run; every network step takes its bound from it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")

# Kept back from every step so the engine can still assemble the report before the deadline passes.
RESERVE_S = 0.12


class Deadline:
    def __init__(self, seconds: float, started: float | None = None) -> None:
        """`started`: a time.monotonic() reading the deadline counts from (default: now)."""
        self.total = seconds
        self.started = time.monotonic() if started is None else started
        self.at = self.started + seconds

    def remaining(self) -> float:
        return max(0.0, self.at - RESERVE_S - time.monotonic())

    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def elapsed_ms(self) -> float:
        return (time.monotonic() - self.started) * 1000.0

    def bound(self, cap: float | None = None) -> float:
        """Seconds a step may take: its own cap, never past the deadline."""
        left = self.remaining()
        return left if cap is None else max(0.0, min(cap, left))

    async def run(self, awaitable: Awaitable[T], cap: float | None = None) -> T:
        """Await with the step's bound; raises TimeoutError when it runs out."""
        limit = self.bound(cap)
        if limit <= 0.0:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise TimeoutError("deadline reached")
        return await asyncio.wait_for(awaitable, limit)
