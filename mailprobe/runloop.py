"""asyncio.run for a check or a batch: what the run cut off is settled before the loop closes, and a signal that
stops the run (SIGTERM, SIGHUP) unwinds it as Ctrl-C does, quietly."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Coroutine
from types import FrameType
from typing import Any, TypeVar

from mailprobe.timeouts import Timeouts

T = TypeVar("T")

# Signals the command line turns into an exception that ends the run (stopping.Terminated, stopping.HungUp).
_DEFERRED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def run(main: Coroutine[Any, Any, T], timeouts: Timeouts) -> T:
    """Run MAIN to its end. A probe cut off at the deadline may leave a task behind (a DNS question whose
    answer nobody waits for any more); asyncio.run would cancel it and, should it end in an exception all the
    same, print that exception with a traceback on stderr. Here such tasks are cancelled, given the run's
    grace to unwind (TIMEOUTS, the run's own, as the engine has them), and their outcomes taken quietly:
    they belong to a run whose report is already made.

    A signal whose handler is a Python function that raises (mailprobe/stopping.py's SIGTERM and SIGHUP) is
    held while the loop runs: raised at any point of the loop's own code, the exception would leave the loop
    half-run, tasks never awaited and a traceback for each. Instead the run is cancelled, as
    asyncio cancels it for Ctrl-C, settles as above, and the handler is called once the loop has closed."""
    held = _Held()
    held.install()
    try:
        result = asyncio.run(_then_settle(main, timeouts.cancel_grace, held))
    except asyncio.CancelledError:
        held.restore()
        held.deliver()  # raises the handler's exception, when a held signal cancelled the run
        raise
    except BaseException:
        held.restore()
        raise
    held.restore()
    held.deliver()  # a signal during the last moments of the run still stops the command
    return result


class _Held:
    """The signals held during one run: each one's own handler, and the first that arrived."""

    def __init__(self) -> None:
        self.handlers: dict[int, Callable[[int, FrameType | None], Any]] = {}
        self.arrived: int | None = None
        self.task: asyncio.Task[Any] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def install(self) -> None:
        for signum in _DEFERRED:
            try:
                handler = signal.getsignal(signum)
                if callable(handler):
                    signal.signal(signum, self._hold)
                    self.handlers[signum] = handler
            except ValueError:  # not the main thread: nothing of ours to hold
                return

    def restore(self) -> None:
        for signum, handler in self.handlers.items():
            with contextlib.suppress(ValueError):
                signal.signal(signum, handler)
        self.handlers = {}

    def attach(self, task: asyncio.Task[Any]) -> None:
        self.task, self.loop = task, task.get_loop()

    def deliver(self) -> None:
        """Call the handler of the signal that arrived (restored by now), which raises its exception."""
        if self.arrived is None:
            return
        handler = signal.getsignal(self.arrived)
        if callable(handler):
            handler(self.arrived, None)

    def _hold(self, signum: int, frame: FrameType | None) -> None:
        """Runs between two bytecodes of the main thread, wherever the loop is: it only asks for the cancel,
        once (a second signal would cut the settling short)."""
        if self.arrived is not None:
            return
        self.arrived = signum
        if self.task is not None and self.loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: deliver() raises after the run
                self.loop.call_soon_threadsafe(self.task.cancel)


async def _then_settle(main: Coroutine[Any, Any, T], grace: float, held: _Held | None = None) -> T:
    task = asyncio.current_task()
    if held is not None and task is not None:
        held.attach(task)
        if held.arrived is not None:  # it came while the loop was being set up
            main.close()
            raise asyncio.CancelledError
    try:
        return await main
    finally:
        await _settle_leftovers(grace)
        # What a leftover that outlived the grace still ends in belongs to a finished run: asyncio.run's own
        # cancelling, and the garbage collector, would otherwise print it with a traceback.
        asyncio.get_running_loop().set_exception_handler(_leftover)


def _leftover(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The run is over: a leftover task's exception is not the user's business (nor a traceback on stderr)."""


async def _settle_leftovers(grace: float) -> None:
    """Cancel what the run left behind and give it GRACE to unwind, twice (a task may take one cancellation
    inside a close). One that is still running after that has swallowed its cancellations (a wait that lost
    one, a cancel scope of a library): it is abandoned, never waited for. asyncio.run would cancel it once
    more and wait for it without any bound, and a command stopped by a signal (SIGTERM) would sit out whatever
    it still waits for, up to its deadline."""
    leftovers = asyncio.all_tasks() - {asyncio.current_task()}
    if not leftovers:
        return
    try:
        for _ in range(2):
            pending = [task for task in leftovers if not task.done()]
            if not pending:
                break
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=grace)
    finally:
        for task in leftovers:
            if not task.done():
                _abandon(task)
            elif not task.cancelled():
                task.exception()


_ABANDONED: list[asyncio.Task[Any]] = []


def _abandon(task: asyncio.Task[Any]) -> None:
    """Leave TASK out of what the loop's closing cancels and waits for (it is dropped with the loop)."""
    unregister = getattr(asyncio.tasks, "_unregister_task", None)
    if unregister is not None:
        unregister(task)
        _ABANDONED.append(task)
