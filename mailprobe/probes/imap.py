"""IMAP probe (RFC 9051 / 3501): greeting, CAPABILITY and STARTTLS on one resolved address."""

from __future__ import annotations

import re

from mailprobe.evidence import Failure, Observation
from mailprobe.net.connect import ProbeError
from mailprobe.net.dialogue import Dialogue, bad_reply
from mailprobe.plan import Step
from mailprobe.probes.base import ProbeContext
from mailprobe.probes.mail import Greeting, MailProtocol, run_session

_GREETING = re.compile(r"^\* (OK|PREAUTH|BYE)(?: |$)", re.IGNORECASE)
_CAPABILITY_CODE = re.compile(r"\[CAPABILITY ([^\]]*)\]", re.IGNORECASE)
_CAPABILITY_DATA = re.compile(r"^\* CAPABILITY(?: (.*))?$", re.IGNORECASE)


def _code_capabilities(line: str) -> list[str]:
    match = _CAPABILITY_CODE.search(line)
    return match.group(1).split() if match else []


def _tagged_ok(line: str) -> bool:
    parts = line.split(" ", 2)
    return len(parts) > 1 and parts[1].upper() == "OK"


async def read_greeting(dialogue: Dialogue) -> Greeting:
    line = await dialogue.read_line("greeting")
    match = _GREETING.match(line)
    if match is None:
        raise bad_reply("greeting", "not an IMAP greeting", line)
    code = match.group(1).upper()
    return Greeting(
        code=code,
        text=line,
        accepted=code != "BYE",
        capabilities=_code_capabilities(line),
        starttls_possible=code == "OK",
    )


async def read_capabilities(dialogue: Dialogue) -> list[str]:
    tag = dialogue.next_tag()
    await dialogue.send(f"{tag} CAPABILITY", "capabilities")
    untagged, tagged = await dialogue.imap_reply(tag, "capabilities")
    tokens: list[str] = []
    for line in untagged:
        match = _CAPABILITY_DATA.match(line)
        if match is not None:
            tokens += (match.group(1) or "").split()
    if not _tagged_ok(tagged):
        return []
    return tokens or _code_capabilities(tagged)


async def start_tls(dialogue: Dialogue) -> None:
    tag = dialogue.next_tag()
    await dialogue.send(f"{tag} STARTTLS", "starttls")
    _, tagged = await dialogue.imap_reply(tag, "starttls")
    if not _tagged_ok(tagged):
        raise ProbeError(Failure.REJECTED, "starttls", tagged)


IMAP = MailProtocol(
    name="imap",
    starttls_keyword="STARTTLS",
    read_greeting=read_greeting,
    read_capabilities=read_capabilities,
    start_tls=start_tls,
    quit_command="{tag} LOGOUT",
)


async def probe(step: Step, ctx: ProbeContext) -> list[Observation]:
    assert step.endpoint is not None and step.ip is not None
    return [await run_session(IMAP, step.endpoint, step.ip, ctx)]


