"""asyncio.run for a check or a batch: what the run cut off is settled before the loop closes."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from mailprobe.timeouts import Timeouts

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run MAIN to its end. A probe cut off at the deadline may leave a task behind (a DNS question whose
    answer nobody waits for any more); asyncio.run would cancel it and, should it end in an exception all the
    same, print that exception with a traceback on stderr. Here such tasks are cancelled, given the engine's
    grace to unwind, and their outcomes taken quietly: they belong to a run whose report is already made."""
    return asyncio.run(_then_settle(main))


async def _then_settle(main: Coroutine[Any, Any, T]) -> T:
    try:
        return await main
    finally:
        await _settle_leftovers(Timeouts().cancel_grace)


async def _settle_leftovers(grace: float) -> None:
    leftovers = asyncio.all_tasks() - {asyncio.current_task()}
    for task in leftovers:
        task.cancel()
    if not leftovers:
        return
    await asyncio.wait(leftovers, timeout=grace)
    for task in leftovers:
        if task.done() and not task.cancelled():
            task.exception()
