"""POP3 probe (RFC 1939 / 2449 / 2595): greeting, CAPA and STLS on one resolved address."""

from __future__ import annotations

import re

from mailprobe.evidence import Failure, Observation
from mailprobe.net.connect import ProbeError
from mailprobe.net.dialogue import Dialogue, bad_reply
from mailprobe.plan import Step
from mailprobe.probes.base import ProbeContext
from mailprobe.probes.mail import Greeting, MailProtocol, run_session

_STATUS = re.compile(r"^(\+OK|-ERR)(?: |$)", re.IGNORECASE)


async def _status_line(dialogue: Dialogue, stage: str) -> tuple[bool, str]:
    """A single-line reply: (+OK?, the line)."""
    line = await dialogue.read_line(stage)
    match = _STATUS.match(line)
    if match is None:
        raise bad_reply(stage, "not a POP3 status line", line)
    return match.group(1).upper() == "+OK", line


async def read_greeting(dialogue: Dialogue) -> Greeting:
    ok, line = await _status_line(dialogue, "greeting")
    return Greeting(code="+OK" if ok else "-ERR", text=line, accepted=ok)


async def read_capabilities(dialogue: Dialogue) -> list[str]:
    await dialogue.send("CAPA", "capabilities")
    ok, _ = await _status_line(dialogue, "capabilities")
    # A server without CAPA (RFC 1939 only) answers -ERR: it works, it just cannot list what it offers.
    return await dialogue.pop3_multiline("capabilities") if ok else []


async def start_tls(dialogue: Dialogue) -> None:
    await dialogue.send("STLS", "starttls")
    ok, line = await _status_line(dialogue, "starttls")
    if not ok:
        raise ProbeError(Failure.REJECTED, "starttls", line)


POP3 = MailProtocol(
    name="pop3",
    starttls_keyword="STLS",
    read_greeting=read_greeting,
    read_capabilities=read_capabilities,
    start_tls=start_tls,
    quit_command="QUIT",
)


async def probe(step: Step, ctx: ProbeContext) -> list[Observation]:
    assert step.endpoint is not None and step.ip is not None
    return [await run_session(POP3, step.endpoint, step.ip, ctx)]


