"""SMTP probe (RFC 5321 / 3207): greeting, EHLO and STARTTLS on one resolved address."""

from __future__ import annotations

from mailprobe.evidence import Failure, Observation
from mailprobe.net.connect import ProbeError
from mailprobe.net.dialogue import Dialogue, bad_reply
from mailprobe.plan import Step
from mailprobe.probes.base import ProbeContext
from mailprobe.probes.mail import Greeting, MailProtocol, run_session


def _reply_text(code: str, texts: list[str]) -> str:
    return " | ".join(f"{code} {text}".rstrip() for text in texts)


def ehlo_name(dialogue: Dialogue) -> str:
    """The local address as an address literal (RFC 5321 4.1.3): honest, and needs no DNS name."""
    sockname = dialogue.writer.get_extra_info("sockname")
    address = str(sockname[0]).split("%", 1)[0] if sockname else "127.0.0.1"
    return f"[IPv6:{address}]" if ":" in address else f"[{address}]"


async def read_greeting(dialogue: Dialogue) -> Greeting:
    code, texts = await dialogue.smtp_reply("greeting")
    text = _reply_text(code, texts)
    # RFC 5321 3.1 / 4.2: 220 opens the session; 421 and 554 (any 4xx / 5xx) refuse it.
    if code != "220" and code[0] not in "45":
        raise bad_reply("greeting", "not an SMTP greeting code", text)
    return Greeting(code=code, text=text, accepted=code == "220")


async def read_capabilities(dialogue: Dialogue) -> list[str]:
    name = ehlo_name(dialogue)
    await dialogue.send(f"EHLO {name}", "capabilities")
    code, texts = await dialogue.smtp_reply("capabilities")
    if code == "250":
        return texts[1:]  # the first line names the server; extensions follow
    if not code.startswith("5"):
        raise ProbeError(Failure.REJECTED, "capabilities", _reply_text(code, texts))
    # An old server without ESMTP: HELO still opens the session, with no extensions to list.
    await dialogue.send(f"HELO {name}", "capabilities")
    code, texts = await dialogue.smtp_reply("capabilities")
    if code != "250":
        raise ProbeError(Failure.REJECTED, "capabilities", _reply_text(code, texts))
    return []


async def start_tls(dialogue: Dialogue) -> None:
    await dialogue.send("STARTTLS", "starttls")
    code, texts = await dialogue.smtp_reply("starttls")
    if code != "220":
        raise ProbeError(Failure.REJECTED, "starttls", _reply_text(code, texts))


SMTP = MailProtocol(
    name="smtp",
    starttls_keyword="STARTTLS",
    read_greeting=read_greeting,
    read_capabilities=read_capabilities,
    start_tls=start_tls,
    quit_command="QUIT",
)


async def probe(step: Step, ctx: ProbeContext) -> list[Observation]:
    assert step.endpoint is not None and step.ip is not None
    return [await run_session(SMTP, step.endpoint, step.ip, ctx)]


