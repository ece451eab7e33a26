"""runloop.run: a task a run cut off is settled quietly before the loop closes, never printed as a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from mailprobe import runloop


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
        assert runloop.run(_main()) == 7
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_the_run_result_and_its_own_exception_come_through() -> None:
    async def failing() -> None:
        left_behind = asyncio.ensure_future(_stubborn())
        await asyncio.sleep(0)
        raise ValueError("bad input" if not left_behind.done() else "")

    with pytest.raises(ValueError, match="bad input"):
        runloop.run(failing())
