"""The bytes a login puts on the wire (IMAP strings and literals, SASL PLAIN / LOGIN, POP3 USER / PASS): functions
over the one credentials value (`secret.Credentials`). Their echo is masked by its `redactor`, nowhere here."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from mailprobe.secret import Credentials

# RFC 7888: LITERAL- allows non-synchronising literals up to this size.
LITERAL_MINUS_MAX = 4096

# What an IMAP quoted string carries without escapes; anything else (", \, CTL, 8-bit) goes as a literal.
_QUOTABLE = re.compile(rb"[\x20\x21\x23-\x5b\x5d-\x7e]*")
_UNSENDABLE = re.compile(rb"[\x00\r\n]")


class UnsendableError(ValueError):
    """The credentials hold what no login command can carry; the message never quotes them."""


@dataclass(frozen=True)
class Chunk:
    """Bytes to write; `awaits_continuation`: a synchronising literal follows once the server says '+'."""

    data: bytes = field(repr=False)
    awaits_continuation: bool
    carries_password: bool


def check_sendable(credentials: Credentials) -> None:
    """Raise UnsendableError when no login command can carry the credentials (no login name yet, text that is
    not Unicode, NUL, CR or LF); before anything is sent."""
    _login_name(credentials)
    _password(credentials)


def sasl_plain(credentials: Credentials) -> str:
    """RFC 4616 message, no authorization identity: NUL login name NUL password, in base64."""
    return _b64(b"\0" + _login_name(credentials) + b"\0" + _password(credentials))


def sasl_login_name(credentials: Credentials) -> str:
    """AUTH LOGIN's first answer: the login name in base64."""
    return _b64(_login_name(credentials))


def sasl_login_password(credentials: Credentials) -> str:
    """AUTH LOGIN's second answer: the password in base64."""
    return _b64(_password(credentials))


def imap_login(credentials: Credentials, tag: str, nonsync_literals: bool, literal_minus: bool = False) -> list[Chunk]:
    """`tag LOGIN name password` as chunks: quoted strings where they can be, literals otherwise. The password is
    the last argument, so it always travels in the last chunk."""
    chunks: list[Chunk] = []
    current = f"{tag} LOGIN".encode("ascii")
    for value in (_login_name(credentials), _password(credentials)):
        nonsync = nonsync_literals or (literal_minus and len(value) <= LITERAL_MINUS_MAX)
        if _QUOTABLE.fullmatch(value):
            current += b' "' + value + b'"'
            continue
        current += b" {%d%s}\r\n" % (len(value), b"+" if nonsync else b"")
        if not nonsync:
            chunks.append(Chunk(current, awaits_continuation=True, carries_password=False))
            current = b""
        current += value
    chunks.append(Chunk(current + b"\r\n", awaits_continuation=False, carries_password=True))
    return chunks


def pop3_user(credentials: Credentials) -> bytes:
    return b"USER " + _login_name(credentials) + b"\r\n"


def pop3_pass(credentials: Credentials) -> bytes:
    return b"PASS " + _password(credentials) + b"\r\n"


def _login_name(credentials: Credentials) -> bytes:
    if credentials.login_name is None:
        raise UnsendableError("no login name to log in as")
    return _sendable(credentials.login_name, "the login name")


def _password(credentials: Credentials) -> bytes:
    return _sendable(credentials.password.reveal(), "the password")


def _sendable(text: str, what: str) -> bytes:
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raise UnsendableError("the login name or password is not valid Unicode text") from None
    if _UNSENDABLE.search(raw):
        raise UnsendableError(f"{what} holds NUL, CR or LF, which no login command can carry")
    return raw


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
