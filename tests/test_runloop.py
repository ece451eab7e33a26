"""runloop.run: a task a run cut off is settled quietly before the loop closes, never printed as a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
from collections.abc import Iterator

import pytest

from mailprobe import runloop
from mailprobe.timeouts import Timeouts


async def _stubborn() -> None:
    """Like a dnspython question whose answer arrived as it was cancelled: it swallows the cancellation and
    ends in the exception its answer carried."""
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.sleep(10)
    raise LookupError("late answer: no such name")


async def _main() -> int:
    left_behind = asyncio.ensure_future(_stubborn())
    await asyncio.sleep(0)
    return 7 if not left_behind.done() else 0


def test_asyncio_run_would_print_the_late_exception(caplog: pytest.LogCaptureFixture) -> None:
    """The fault itself, so the test below can fail: plain asyncio.run reports it as unhandled."""
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        assert asyncio.run(_main()) == 7
    assert any("unhandled exception during asyncio.run() shutdown" in r.getMessage() for r in caplog.records)


def test_a_cut_off_task_ending_in_an_exception_is_settled_quietly(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        assert runloop.run(_main(), Timeouts()) == 7
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_the_run_result_and_its_own_exception_come_through() -> None:
    async def failing() -> None:
        left_behind = asyncio.ensure_future(_stubborn())
        await asyncio.sleep(0)
        raise ValueError("bad input" if not left_behind.done() else "")

    with pytest.raises(ValueError, match="bad input"):
        runloop.run(failing(), Timeouts())


def test_the_grace_a_leftover_gets_is_the_runs_own() -> None:
    """The run's Timeouts (those its --timeout made, as the engine has them) set how long a task the run left
    behind may unwind, never a fresh default: a run that grants a longer grace sees its leftover finish."""
    unwound: list[str] = []

    async def slow_to_unwind() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            await asyncio.sleep(0.2)  # longer than the default grace (0.05 s), shorter than the run's
            unwound.append("done")
            raise

    async def main() -> int:
        left_behind = asyncio.ensure_future(slow_to_unwind())
        await asyncio.sleep(0)
        return 7 if not left_behind.done() else 0

    assert runloop.run(main(), Timeouts(cancel_grace=2.0)) == 7
    assert unwound == ["done"]
    unwound.clear()
    assert runloop.run(main(), Timeouts()) == 7
    assert unwound == []


def test_a_leftover_that_swallows_its_cancellations_is_never_waited_for(capfd: pytest.CaptureFixture[str]) -> None:
    """A task that takes every cancellation (a wait that lost one, a library's cancel scope) and goes on waiting
    would hold the end of the run, and a command SIGTERM stopped, as long as it waits: it is abandoned once it
    outlived its grace, quietly."""
    gave_up: list[str] = []

    async def stubborn() -> None:
        for _ in range(200):  # some 10 s, whatever it is told
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(0.05)
        gave_up.append("only now")

    async def main() -> int:
        left_behind = asyncio.ensure_future(stubborn())
        await asyncio.sleep(0)
        return 7 if not left_behind.done() else 0

    assert runloop.run(main(), Timeouts()) == 7
    assert gave_up == []  # the run did not wait for it to give up
    gc.collect()
    assert capfd.readouterr().err == ""


# -- a signal that stops the run --------------------------------------------------------------------------


class _Stop(KeyboardInterrupt):
    """What the CLI's SIGTERM handler raises (cli._Terminated)."""


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop


@pytest.fixture
def sigterm_raises() -> Iterator[None]:
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


async def _signalled_while_busy() -> None:
    """A run with tasks in flight (they end in an exception when cut off) that receives SIGTERM while the loop
    runs its own code (a callback), as a batch does when the signal lands between its tasks' steps."""
    in_flight = [asyncio.ensure_future(_stubborn()) for _ in range(5)]
    await asyncio.sleep(0)
    assert not any(task.done() for task in in_flight)
    asyncio.get_running_loop().call_soon(os.kill, os.getpid(), signal.SIGTERM)
    await asyncio.sleep(10)


def test_a_signal_during_the_run_unwinds_it_quietly_then_raises(
    sigterm_raises: None, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """Raised inside a task, the handler's exception used to leave that task's exception never retrieved and
    the tasks it cut off ending in theirs: a traceback for each on stderr. Now the run is cancelled, settles,
    and the exception comes after the loop has closed."""
    with caplog.at_level(logging.DEBUG, logger="asyncio"), pytest.raises(_Stop):
        runloop.run(_signalled_while_busy(), Timeouts())
    gc.collect()  # "Task exception was never retrieved" is said when the task is collected
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert capfd.readouterr().err == ""
    assert signal.getsignal(signal.SIGTERM) is _raise_stop  # the CLI's handler is back


def test_sigterm_is_not_held_up_by_a_probe_that_swallows_its_cancellation(
    sigterm_raises: None, capfd: pytest.CaptureFixture[str]
) -> None:
    """SIGTERM while a probe that takes its cancellations goes on waiting (a stalled server, up to the run's
    deadline): the command stops once the grace is over, not when that wait ends."""
    waited_out: list[str] = []

    async def stalled_login() -> None:
        for _ in range(200):  # some 10 s of a stalled server's silence
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(0.05)
        waited_out.append("the whole wait")

    async def run() -> None:
        login = asyncio.ensure_future(stalled_login())
        await asyncio.sleep(0)
        asyncio.get_running_loop().call_soon(os.kill, os.getpid(), signal.SIGTERM)
        await asyncio.wait({login})  # as the engine waits for its steps

    with pytest.raises(_Stop):
        runloop.run(run(), Timeouts())
    assert waited_out == []
    gc.collect()
    assert capfd.readouterr().err == ""


def test_a_signal_the_cli_does_not_handle_is_left_to_its_default(caplog: pytest.LogCaptureFixture) -> None:
    """Held only when a Python handler is there: with SIG_DFL or SIG_IGN, the run leaves the signal alone."""
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        assert runloop.run(_main(), Timeouts()) == 7
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)
