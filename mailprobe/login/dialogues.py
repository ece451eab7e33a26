"""One authentication over an open TLS dialogue (IMAP, SMTP, POP3) and the proof of access that follows."""

from __future__ import annotations

import re
import typing
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass

from mailprobe.evidence import Failure
from mailprobe.login import wire
from mailprobe.login.attempt import LoginProgress, NotAttempted, run_login
from mailprobe.login.result import LoginOutcome, LoginResult
from mailprobe.login.wire import Chunk
from mailprobe.net.connect import ProbeError
from mailprobe.net.dialogue import MAX_REPLY_LINES, Dialogue, bad_reply
from mailprobe.protocols import MailProtocol as Protocol
from mailprobe.secret import Credentials
from mailprobe.version import __version__

_IMAP_BYE = re.compile(r"^\* BYE(?: |$)", re.IGNORECASE)
_POP3_STATUS = re.compile(r"^(\+OK|-ERR)(?: |$)", re.IGNORECASE)


# --- IMAP (RFC 9051 / 3501, RFC 2971 ID, RFC 4959 SASL-IR, RFC 7888 literals) ------------------------------


@dataclass
class ImapReply:
    """An IMAP command's reply: its lines (the tagged one last) and its status."""

    lines: list[str]
    status: str  # OK, NO, BAD, BYE, or "+" for a continuation request

    @property
    def ok(self) -> bool:
        return self.status == "OK"


async def imap_login(
    dialogue: Dialogue,
    capabilities: Sequence[str],
    credentials: Credentials,
    *,
    tls: bool,
) -> LoginResult:
    """ID, one LOGIN or AUTHENTICATE PLAIN, EXAMINE INBOX, LOGOUT. Never raises on server behaviour; raises
    ValueError, before sending anything, when the channel is not TLS."""
    return await run_login("imap", _imap_flow, "{tag} LOGOUT", dialogue, capabilities, credentials, tls)


async def _imap_flow(attempt: LoginProgress, caps: Sequence[str]) -> LoginOutcome:
    if "LOGINDISABLED" in caps:
        raise NotAttempted("LOGINDISABLED: the server takes no password login here")
    attempt.stage = "id"
    # NetEase / Coremail answer EXAMINE with "Unsafe Login" to clients that never said who they are.
    reply = await _imap_command(attempt, f'ID ("name" "mailprobe" "version" "{__version__}")')
    if reply.status == "BYE":
        attempt.heard(reply.lines)
        raise ProbeError(Failure.REJECTED, "id", reply.lines[-1])
    reply = await imap_authenticate(attempt, caps)
    attempt.auth_ends()
    attempt.heard(reply.lines)
    if not reply.ok:
        return LoginOutcome.REFUSED
    attempt.accepted = True
    attempt.stage = "examine"
    reply = await _imap_command(attempt, "EXAMINE INBOX")
    attempt.heard(reply.lines)
    attempt.mailbox_ok = reply.ok
    return LoginOutcome.OK if reply.ok else LoginOutcome.MAILBOX_REFUSED


async def imap_authenticate(attempt: LoginProgress, caps: Sequence[str]) -> ImapReply:
    """One authentication as CAPS allow: AUTHENTICATE PLAIN (with SASL-IR when offered), else LOGIN (with the
    literals offered). The server's answer; the caller reads it (the login's flow, the --loop's watch)."""
    if "AUTH=PLAIN" in caps:
        return await _imap_authenticate_plain(attempt, "SASL-IR" in caps)
    return await _imap_login_command(attempt, "LITERAL+" in caps, "LITERAL-" in caps)


async def _imap_command(attempt: LoginProgress, command: str) -> ImapReply:
    tag = attempt.dialogue.next_tag()
    await attempt.write(f"{tag} {command}\r\n".encode())
    return await _imap_reply(attempt, tag)


async def _imap_authenticate_plain(attempt: LoginProgress, initial_response: bool) -> ImapReply:
    assert attempt.credentials is not None
    tag = attempt.dialogue.next_tag()
    attempt.auth_begins("PLAIN")
    response = wire.sasl_plain(attempt.credentials)
    if initial_response:
        await attempt.write(f"{tag} AUTHENTICATE PLAIN {response}\r\n".encode(), carries_password=True)
        return await _after_response(attempt, tag)
    await attempt.write(f"{tag} AUTHENTICATE PLAIN\r\n".encode())
    reply = await _imap_reply(attempt, tag, continuation=True)
    if reply.status != "+":
        return reply  # refused before any credentials went out
    await attempt.write(f"{response}\r\n".encode(), carries_password=True)
    return await _after_response(attempt, tag)


async def _after_response(attempt: LoginProgress, tag: str) -> ImapReply:
    reply = await _imap_reply(attempt, tag, continuation=True)
    if reply.status == "+":
        # PLAIN is one message; a server asking for more gets the exchange cancelled (RFC 9051 6.2.2), and
        # never a second set of credentials.
        await attempt.write(b"*\r\n")
        await _imap_reply(attempt, tag)
        attempt.heard(reply.lines)
        raise bad_reply("auth", "server asked for more after the credentials", reply.lines[-1])
    return reply


async def _imap_login_command(attempt: LoginProgress, literal_plus: bool, literal_minus: bool) -> ImapReply:
    assert attempt.credentials is not None
    tag = attempt.dialogue.next_tag()
    attempt.auth_begins("LOGIN")
    chunks: list[Chunk] = wire.imap_login(attempt.credentials, tag, literal_plus, literal_minus)
    for chunk in chunks:
        await attempt.write(chunk.data, carries_password=chunk.carries_password)
        if chunk.awaits_continuation:
            reply = await _imap_reply(attempt, tag, continuation=True)
            if reply.status != "+":
                return reply  # the server answered before the literal: its verdict stands
    return await _imap_reply(attempt, tag)


async def _imap_reply(attempt: LoginProgress, tag: str, continuation: bool = False) -> ImapReply:
    """Lines up to the one tagged TAG (or a continuation request, or BYE), each read within its bound."""
    lines: list[str] = []
    prefix = f"{tag} ".lower()
    for _ in range(MAX_REPLY_LINES):
        line = await attempt.dialogue.read_line(attempt.stage)
        lines.append(line)
        if line.lower().startswith(prefix):
            status = line[len(prefix) :].split(" ", 1)[0].upper()
            if status not in ("OK", "NO", "BAD"):
                raise bad_reply(attempt.stage, "not an IMAP status response", line)
            return ImapReply(lines, status)
        if continuation and (line == "+" or line.startswith("+ ")):
            return ImapReply(lines, "+")
        if _IMAP_BYE.match(line):
            return ImapReply(lines, "BYE")
    raise ProbeError(Failure.BAD_REPLY, attempt.stage, f"IMAP reply longer than {MAX_REPLY_LINES} lines")


# --- SMTP submission (RFC 4954 AUTH, RFC 4616 PLAIN) --------------------------------------------------------


async def smtp_login(
    dialogue: Dialogue,
    capabilities: Sequence[str],
    credentials: Credentials,
    *,
    tls: bool,
) -> LoginResult:
    """One AUTH PLAIN (initial response) or AUTH LOGIN after EHLO, then QUIT: never MAIL FROM."""
    return await run_login("smtp", smtp_authenticate, "QUIT", dialogue, capabilities, credentials, tls)


def smtp_mechanisms(caps: Sequence[str]) -> list[str]:
    """The SASL mechanisms of `AUTH …` (and the pre-standard `AUTH=…`) EHLO lines."""
    mechanisms: list[str] = []
    for cap in caps:
        words = cap.upper().split()
        if words and words[0] == "AUTH":
            mechanisms += words[1:]
        elif words and words[0].startswith("AUTH="):
            mechanisms += [words[0][5:], *words[1:]]
    return mechanisms


async def smtp_authenticate(attempt: LoginProgress, caps: Sequence[str]) -> LoginOutcome:
    """One AUTH (PLAIN, else LOGIN) on an SMTP session after EHLO: OK, REFUSED, or raises on a reply that is
    none of those. The login's flow, and the --loop's submission before it sends its message."""
    assert attempt.credentials is not None
    mechanisms = smtp_mechanisms(caps)
    if "PLAIN" in mechanisms:
        attempt.auth_begins("PLAIN")
        await attempt.write(f"AUTH PLAIN {wire.sasl_plain(attempt.credentials)}\r\n".encode(), carries_password=True)
        code, lines = await _smtp_reply(attempt)
    elif "LOGIN" in mechanisms:
        attempt.auth_begins("LOGIN")
        code, lines = await _smtp_auth_login(attempt)
    else:
        raise NotAttempted("no AUTH PLAIN or LOGIN advertised after EHLO")
    if code == "334":
        await attempt.write(b"*\r\n")  # asked for more than one login's worth: cancel (RFC 4954 4)
        await _smtp_reply(attempt)
        attempt.heard(lines)
        raise bad_reply("auth", "server asked for more after the credentials", lines[-1])
    attempt.auth_ends()
    attempt.heard(lines)
    if code == "235":
        attempt.accepted = True
        return LoginOutcome.OK
    if code[0] in "45":
        return LoginOutcome.REFUSED
    raise bad_reply("auth", "not an answer to AUTH", lines[-1])


async def _smtp_auth_login(attempt: LoginProgress) -> tuple[str, list[str]]:
    assert attempt.credentials is not None
    await attempt.write(b"AUTH LOGIN\r\n")
    code, lines = await _smtp_reply(attempt)
    if code != "334":
        return code, lines
    await attempt.write(f"{wire.sasl_login_name(attempt.credentials)}\r\n".encode())
    code, lines = await _smtp_reply(attempt)
    if code != "334":
        return code, lines  # refused on the login name: the password never went out
    await attempt.write(f"{wire.sasl_login_password(attempt.credentials)}\r\n".encode(), carries_password=True)
    return await _smtp_reply(attempt)


async def _smtp_reply(attempt: LoginProgress) -> tuple[str, list[str]]:
    code, texts = await attempt.dialogue.smtp_reply(attempt.stage)
    last = len(texts) - 1
    return code, [f"{code}{'-' if i < last else ' '}{text}".rstrip() for i, text in enumerate(texts)]


# --- POP3 (RFC 1939 USER/PASS, RFC 5034 AUTH) ----------------------------------------------------------------


async def pop3_login(
    dialogue: Dialogue,
    capabilities: Sequence[str],
    credentials: Credentials,
    *,
    tls: bool,
) -> LoginResult:
    """AUTH PLAIN when CAPA lists SASL PLAIN, else USER / PASS; then STAT and QUIT."""
    return await run_login("pop3", _pop3_flow, "QUIT", dialogue, capabilities, credentials, tls)


async def _pop3_flow(attempt: LoginProgress, caps: Sequence[str]) -> LoginOutcome:
    assert attempt.credentials is not None
    sasl = [cap.split()[1:] for cap in caps if cap.split()[:1] == ["SASL"]]
    if any("PLAIN" in mechanisms for mechanisms in sasl):
        attempt.auth_begins("PLAIN")
        await attempt.write(f"AUTH PLAIN {wire.sasl_plain(attempt.credentials)}\r\n".encode(), carries_password=True)
        status, line = await _pop3_status(attempt, continuation=True)
        if status == "+":
            await attempt.write(b"*\r\n")
            await _pop3_status(attempt)
            attempt.heard([line])
            raise bad_reply("auth", "server asked for more after the credentials", line)
    else:
        # Servers without CAPA still take USER / PASS; one that does not answers USER before any password.
        attempt.auth_begins("USER")
        await attempt.write(wire.pop3_user(attempt.credentials))
        status, line = await _pop3_status(attempt)
        if status == "+OK":
            await attempt.write(wire.pop3_pass(attempt.credentials), carries_password=True)
            status, line = await _pop3_status(attempt)
    attempt.auth_ends()
    attempt.heard([line])
    if status != "+OK":
        return LoginOutcome.REFUSED
    attempt.accepted = True
    attempt.stage = "stat"
    await attempt.write(b"STAT\r\n")
    status, line = await _pop3_status(attempt)
    attempt.heard([line])
    attempt.mailbox_ok = status == "+OK"
    return LoginOutcome.OK if attempt.mailbox_ok else LoginOutcome.MAILBOX_REFUSED


async def _pop3_status(attempt: LoginProgress, continuation: bool = False) -> tuple[str, str]:
    line = await attempt.dialogue.read_line(attempt.stage)
    if continuation and (line == "+" or line.startswith("+ ")):
        return "+", line
    match = _POP3_STATUS.match(line)
    if match is None:
        raise bad_reply(attempt.stage, "not a POP3 status line", line)
    return match.group(1).upper(), line


class LoginDialogue(typing.Protocol):
    """The signature every login dialogue shares."""

    def __call__(
        self, dialogue: Dialogue, capabilities: Sequence[str], credentials: Credentials, *, tls: bool
    ) -> Awaitable[LoginResult]: ...


# One entry per protocol, for the login probe to pick from.
LOGIN_DIALOGUES: dict[Protocol, LoginDialogue] = {"imap": imap_login, "pop3": pop3_login, "smtp": smtp_login}
