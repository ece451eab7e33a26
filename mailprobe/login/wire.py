"""The bytes a login puts on the wire (IMAP strings and literals, SASL PLAIN / LOGIN) and masking their echo."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Protocol

from mailprobe.secret import Redactor

# RFC 7888: LITERAL- allows non-synchronising literals up to this size.
LITERAL_MINUS_MAX = 4096
# Shorter passwords are not masked in replies: replacing two or three common letters would garble the
# server's text and, by the holes it leaves, show the password anyway.
MASK_MIN_CHARS = 4
MASK = "***"

# What an IMAP quoted string carries without escapes; anything else (", \, CTL, 8-bit) goes as a literal.
_QUOTABLE = re.compile(rb"[\x20\x21\x23-\x5b\x5d-\x7e]*")
_UNSENDABLE = re.compile(rb"[\x00\r\n]")


class Revealable(Protocol):
    def reveal(self) -> str: ...


class UnsendableError(ValueError):
    """The credentials hold what no login command can carry; the message never quotes them."""


@dataclass(frozen=True)
class Chunk:
    """Bytes to write; `awaits_continuation`: a synchronising literal follows once the server says '+'."""

    data: bytes = field(repr=False)
    awaits_continuation: bool
    carries_password: bool


@dataclass(frozen=True)
class Credentials:
    """Login name and password as bytes, with the encodings each protocol sends. Its repr shows neither."""

    username: bytes = field(repr=False)
    password: bytes = field(repr=False)
    _masked: tuple[str, ...] = field(default=(), repr=False)
    _redactor: Redactor | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, username: str, password: Revealable) -> Credentials:
        secret = password.reveal()
        try:
            user_bytes, password_bytes = username.encode("utf-8"), secret.encode("utf-8")
        except UnicodeEncodeError:
            raise UnsendableError("the login name or password is not valid Unicode text") from None
        if _UNSENDABLE.search(user_bytes):
            raise UnsendableError("the login name holds NUL, CR or LF, which no login command can carry")
        if _UNSENDABLE.search(password_bytes):
            raise UnsendableError("the password holds NUL, CR or LF, which no login command can carry")
        plain = _b64(b"\0" + user_bytes + b"\0" + password_bytes)
        masked = (plain, secret, _b64(password_bytes)) if len(secret) >= MASK_MIN_CHARS else (plain,)
        return cls(user_bytes, password_bytes, masked, Redactor([secret], login=username))

    def __repr__(self) -> str:
        return "Credentials(***)"

    def sasl_plain(self) -> str:
        """RFC 4616 message, no authorization identity: NUL login NUL password, in base64."""
        return _b64(b"\0" + self.username + b"\0" + self.password)

    def sasl_login_username(self) -> str:
        return _b64(self.username)

    def sasl_login_password(self) -> str:
        return _b64(self.password)

    def imap_login(self, tag: str, nonsync_literals: bool, literal_minus: bool = False) -> list[Chunk]:
        """`tag LOGIN user password` as chunks: quoted strings where they can be, literals otherwise. The
        password is the last argument, so it always travels in the last chunk."""
        chunks: list[Chunk] = []
        current = f"{tag} LOGIN".encode("ascii")
        for value in (self.username, self.password):
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

    def pop3_pass(self) -> bytes:
        return b"PASS " + self.password + b"\r\n"

    def mask(self, text: str) -> str:
        """TEXT with any echo of the credentials replaced by '***' (a server should never echo them)."""
        for form in self._masked:
            text = text.replace(form, MASK)
        return text

    def scrub(self, raw: bytes) -> bytes:
        """A reply's raw bytes with every form of the credentials masked (`secret.Redactor`), before they are
        decoded: a password echoed in a charset the reply is not decoded in cannot come back garbled."""
        return self._redactor.bytes(raw) if self._redactor is not None else raw


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
