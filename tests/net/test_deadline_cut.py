"""A wait the run's deadline ends before the step's own bound is "cut off" (not tested); one that lasted its own
bound, or a silence long enough to show a stall, is evidence about the other side (issue 16)."""

from __future__ import annotations

import asyncio

import pytest

from mailprobe.evidence import Failure, Status
from mailprobe.net.connect import ProbeError
from mailprobe.net.deadline import Deadline, DeadlineReached
from mailprobe.net.dialogue import Dialogue
from mailprobe.timeouts import Timeouts


def deadline(total: float = 0.3) -> Deadline:
    return Deadline(total, timeouts=Timeouts(total=total, reserve=0.05))


async def never() -> None:
    await asyncio.sleep(30)


async def test_a_wait_the_runs_deadline_ends_first_is_cut_off() -> None:
    with pytest.raises(DeadlineReached):
        await deadline().run(never(), cap=10.0)


async def test_a_wait_that_lasts_its_own_bound_is_an_ordinary_time_out() -> None:
    with pytest.raises(TimeoutError) as raised:
        await deadline(5.0).run(never(), cap=0.05)
    assert not isinstance(raised.value, DeadlineReached)


async def test_a_silence_longer_than_a_stall_is_evidence_even_when_the_deadline_ends_it() -> None:
    with pytest.raises(TimeoutError) as raised:
        await deadline().run(never(), cap=10.0, stall=0.05)
    assert not isinstance(raised.value, DeadlineReached)


async def test_a_cap_shorter_than_the_stall_bound_waits_for_the_stall_and_proves_nothing_sooner() -> None:
    # A slow network (the stall bound 0.2 s above the step's cap of 0.05 s): a silence of 0.05 s is no stall.
    # The wait lasts the stall bound, and a deadline that ends it before is a cut-off, not the server's fault.
    loop = asyncio.get_running_loop()
    began = loop.time()
    with pytest.raises(TimeoutError) as raised:
        await deadline(5.0).run(never(), cap=0.05, stall=0.2)
    assert loop.time() - began >= 0.19 and not isinstance(raised.value, DeadlineReached)
    with pytest.raises(DeadlineReached):
        await deadline(0.2).run(never(), cap=0.05, stall=1.0)


async def test_a_slow_greeting_past_the_cap_but_within_the_stall_bound_is_heard() -> None:
    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.15)
        writer.write(b"* OK ready\r\n")
        await writer.drain()
        await asyncio.sleep(1)

    server = await asyncio.start_server(slow, "127.0.0.1", 0)
    async with server:
        reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
        dialogue = Dialogue(reader, writer, deadline(5.0), cap=0.05, stall=0.5)
        line = await dialogue.bounded_step(reader.readline(), "greeting")
        writer.close()
    assert line == b"* OK ready\r\n"


async def test_a_phase_that_runs_out_of_its_own_cap_is_no_cut_off() -> None:
    phase = deadline(5.0).within(0.05)
    with pytest.raises(TimeoutError) as raised:
        await phase.run(never())
    assert not isinstance(raised.value, DeadlineReached)


async def test_a_step_begun_after_the_deadline_is_cut_off_at_once() -> None:
    late = deadline(0.01)
    await asyncio.sleep(0.02)
    with pytest.raises(DeadlineReached):
        await late.run(never(), cap=10.0)


async def test_a_greeting_the_deadline_cut_off_is_recorded_as_not_tested() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        dialogue = Dialogue(reader, writer, deadline(), cap=10.0, stall=10.0)
        with pytest.raises(ProbeError) as raised:
            await dialogue.read_line("greeting")
    finally:
        writer.close()
        server.close()
    facts = raised.value.facts
    assert (facts.kind, facts.stage) == (Failure.TIMEOUT, "deadline")
    assert "greeting" in facts.detail


def test_a_session_cut_off_is_not_tested_and_one_that_stalled_failed() -> None:
    from mailprobe.certdays import CertThresholds
    from mailprobe.evidence import ErrorFacts, TlsMode
    from mailprobe.kinds.mail import MailSession
    from mailprobe.net.connect import cut_off
    from mailprobe.probes.mail import _status

    session = MailSession(id="imap.993/x/127.0.0.1", kind="imap", target="x:993", address="127.0.0.1",
                          status=Status.PASS, host="x", port=993, tls_mode=TlsMode.IMPLICIT)
    session.error = cut_off("greeting").facts
    assert _status(session, CertThresholds()) is Status.ERROR
    session.error = ErrorFacts(kind=Failure.TIMEOUT, stage="greeting", detail="no answer in time")
    assert _status(session, CertThresholds()) is Status.FAIL
