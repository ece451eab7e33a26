"""Scripted loopback IMAP, POP3 and SMTP servers that speak the login dialogue, recording every byte received."""

from __future__ import annotations

import base64
import binascii
import contextlib
import html
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

from mailprobe.evidence import TlsMode
from mailprobe.net.connect import close_quietly, open_tcp
from mailprobe.net.deadline import Deadline
from mailprobe.net.dialogue import Dialogue
from mailprobe.net.tls import TlsSettings, upgrade
from mailprobe.probes.imap import IMAP
from mailprobe.probes.mail import MailProtocol
from mailprobe.probes.pop3 import POP3
from mailprobe.probes.smtp import SMTP
from tests.lab.mailserver import _ANSWERS, MailServer, Then, _Connection

USERNAME = "alice@lab.test"
PASSWORD = "correct horse 9"
UNSAFE_LOGIN = "NO {verb} Unsafe Login. Please contact kefu@188.com for help"
DEFAULT_REFUSALS: dict[str, list[str]] = {
    "imap": ["NO [AUTHENTICATIONFAILED] Authentication failed."],
    "pop3": ["-ERR [AUTH] Invalid login"],
    "smtp": ["535 5.7.8 Authentication credentials invalid"],
}
# How a server answers a cancelled SASL exchange; and the mechanisms that have no exchange to cancel.
_CANCELLED = {"imap": "BAD {word}", "pop3": "-ERR {word}", "smtp": "501 5.7.0 {word}"}
_ONE_STEP = {"LOGIN", "USER/PASS"}
# What the server does once credentials arrived: answer them, hang up, say nothing, or (SASL) ask for more.
AfterCredentials = Literal["answer", "close", "silence", "more"]

_LITERAL = re.compile(rb"\{(\d+)(\+?)\}$")
_ECHO = re.compile(r"\{password(?::([a-z0-9_-]+))?\}")


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data)


def _misread(raw: bytes, charset: str) -> bytes:
    """What a server that reads the UTF-8 it received as CHARSET echoes back (in UTF-8): mojibake."""
    return raw.decode(charset, "replace").encode("utf-8")


def _html(raw: bytes) -> bytes:
    escaped = html.escape(raw.decode("utf-8", "replace"))
    return "".join(c if ord(c) < 0x80 else f"&#{ord(c)};" for c in escaped).encode("ascii")


# How a server may echo the password it received: `{password:FORM}` in a scripted refusal. `{password}` sends
# the bytes as received (UTF-8, as mailprobe sends them).
ECHO_FORMS: dict[str, Callable[[bytes], bytes]] = {
    "raw": lambda raw: raw,
    "gb18030": lambda raw: _misread(raw, "gb18030"),  # read as GB18030, echoed as UTF-8
    "latin-1": lambda raw: _misread(raw, "latin-1"),  # read as Latin-1, echoed as UTF-8
    "as-gb18030": lambda raw: raw.decode("utf-8", "replace").encode("gb18030"),  # re-encoded in GB18030
    "percent": lambda raw: quote(raw, safe="").encode("ascii"),
    "percent-lower": lambda raw: quote(raw, safe="").lower().encode("ascii"),
    "html": _html,
    "base64": _b64,
    "base64-gb18030": lambda raw: _b64(_misread(raw, "gb18030")),
    "base64-latin-1": lambda raw: _b64(_misread(raw, "latin-1")),
    "base64-as-gb18030": lambda raw: _b64(raw.decode("utf-8", "replace").encode("gb18030")),
}


def echoed(template: str, password: bytes, charset: str = "utf-8") -> bytes:
    """TEMPLATE as bytes in CHARSET, each `{password[:FORM]}` replaced by that form of PASSWORD."""
    out, position = b"", 0
    for match in _ECHO.finditer(template):
        out += template[position : match.start()].encode(charset)
        out += ECHO_FORMS[match.group(1) or "raw"](password)
        position = match.end()
    return out + template[position:].encode(charset)
_TOKEN = re.compile(rb'"((?:[^"\\]|\\.)*)"|([^\s()"]+)')


@dataclass(frozen=True)
class Received:
    """Bytes as they arrived (a line with its CRLF, or a literal's payload) and whether TLS protected them."""

    tls: bool
    data: bytes


@dataclass(frozen=True)
class Login:
    """One set of credentials that reached the server."""

    mechanism: str  # LOGIN, AUTHENTICATE PLAIN, AUTH PLAIN, AUTH LOGIN, USER/PASS
    username: bytes
    password: bytes
    tls: bool


@dataclass
class _State:
    """One connection's progress through the login."""

    id_sent: bool = False
    authenticated: bool = False
    user: bytes = b""


Answer = tuple[list[str | bytes], Then]


@dataclass
class LoginServer(MailServer):
    """A MailServer that authenticates: accepts `username` / `password`, or refuses with `refusal`.

    `refusal` replaces the answer to every authentication (IMAP: untagged lines start with "* ", the last
    line goes without its tag or with "{tag}"); "{password}" in it echoes the bytes received, and
    "{password:FORM}" one of `ECHO_FORMS` (misread as GB18030 or Latin-1, re-encoded, percent, HTML, base64);
    the rest of the refusal is sent in `refusal_charset`. `replies` (inherited) overrides other verbs, e.g.
    {"EXAMINE": "NO [NONEXISTENT] no INBOX"}, {"ID": "BAD what"}.
    """

    username: str = USERNAME
    password: str = PASSWORD
    refusal: str | list[str] | None = None
    refusal_charset: str = "utf-8"  # e.g. "gbk": a Chinese server's own words, the echo as its form says
    require_id: bool = False  # Coremail: EXAMINE / SELECT without a prior ID answers "Unsafe Login"
    login_disabled: bool = False  # LOGINDISABLED (and no AUTH=) even after TLS
    drop_capabilities: list[str] = field(default_factory=list)
    add_capabilities: list[str] = field(default_factory=list)
    after_credentials: AfterCredentials = "answer"
    received: list[Received] = field(default_factory=list, init=False)
    logins: list[Login] = field(default_factory=list, init=False)

    @property
    def authentications(self) -> int:
        return len(self.logins)

    def plaintext(self) -> bytes:
        return b"".join(r.data for r in self.received if not r.tls)

    def everything(self) -> bytes:
        return b"".join(r.data for r in self.received)

    def _capabilities(self, conn: _Connection) -> list[str]:
        caps = super()._capabilities(conn)
        if self.login_disabled:
            caps = [c for c in caps if not c.upper().startswith("AUTH")]
            caps += [] if "LOGINDISABLED" in caps else ["LOGINDISABLED"]
        drop = {c.upper() for c in self.drop_capabilities}
        return [c for c in caps if c.upper() not in drop] + self.add_capabilities

    # --- the loop ------------------------------------------------------------------------------------

    async def _command_loop(self, conn: _Connection) -> None:
        state = _State()
        while True:
            raw = await self._read_line(conn)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.commands.append(line)
            handler = {"imap": self._imap, "pop3": self._pop3, "smtp": self._smtp}[self.protocol]
            answer = await handler(conn, state, raw, line)
            lines, then = answer if answer is not None else _ANSWERS[self.protocol](self, conn, line)
            await conn.send(*lines)
            if then == "close":
                return
            if then == "starttls" and not await self._upgrade(conn):
                return

    async def _read_line(self, conn: _Connection) -> bytes:
        raw = await conn.reader.readline()
        if raw:
            self.received.append(Received(conn.tls, raw))
        return raw

    async def _credentials(
        self, conn: _Connection, state: _State, mechanism: str, user: bytes, password: bytes
    ) -> list[bytes] | None:
        """Count the login; the lines that answer it, or None when the script says to give no answer."""
        self.logins.append(Login(mechanism, user, password, conn.tls))
        if self.after_credentials == "more" and mechanism not in _ONE_STEP:
            word = "cancelled" if await self._more(conn) == b"*" else "protocol error"
            return [_CANCELLED[self.protocol].format(word=word).encode()]
        if self.after_credentials == "close":
            return None
        if self.after_credentials == "silence":
            await conn.linger()
            return None
        if self.refusal is None and user == self.username.encode() and password == self.password.encode():
            state.authenticated = True
            return []
        refusal = self.refusal if self.refusal is not None else DEFAULT_REFUSALS[self.protocol]
        lines = [refusal] if isinstance(refusal, str) else list(refusal)
        return [echoed(line, password, self.refusal_charset) for line in lines]

    async def _more(self, conn: _Connection) -> bytes:
        """Ask for more after the credentials, as a broken server would; returns the client's answer."""
        await conn.send("+ " if self.protocol != "smtp" else "334 ")
        return (await self._read_line(conn)).rstrip(b"\r\n")

    # --- IMAP ----------------------------------------------------------------------------------------

    async def _imap(self, conn: _Connection, state: _State, raw: bytes, line: str) -> Answer | None:
        tokens = await self._imap_tokens(conn, raw)
        if len(tokens) < 2:
            return None
        tag, verb = tokens[0].decode("utf-8", "replace"), tokens[1].decode("utf-8", "replace").upper()
        override = self._override(verb)
        if verb == "ID":
            state.id_sent = True
            if override is None:
                return ['* ID ("name" "lab")', f"{tag} OK ID completed"], "continue"
        if override is not None:
            return None
        if verb == "LOGIN" and len(tokens) >= 4:
            return await self._imap_verdict(conn, state, tag, "LOGIN", tokens[2], tokens[3])
        if verb == "AUTHENTICATE" and len(tokens) >= 3 and tokens[2].upper() == b"PLAIN":
            response = tokens[3] if len(tokens) >= 4 else await self._more(conn)
            if response == b"*":
                return [f"{tag} BAD Authentication cancelled"], "continue"
            user, password = _sasl_plain(response)
            return await self._imap_verdict(conn, state, tag, "AUTHENTICATE PLAIN", user, password)
        if verb in ("EXAMINE", "SELECT"):
            return self._imap_mailbox(state, tag, verb), "continue"
        return None

    async def _imap_tokens(self, conn: _Connection, raw: bytes) -> list[bytes]:
        """A command's arguments, literals read in (synchronising ones after a '+' go-ahead)."""
        tokens: list[bytes] = []
        body = raw.rstrip(b"\r\n")
        while (match := _LITERAL.search(body)) is not None:
            tokens += _tokens(body[: match.start()])
            if not match.group(2):
                await conn.send("+ Ready for literal data")
            payload = await conn.reader.readexactly(int(match.group(1)))
            self.received.append(Received(conn.tls, payload))
            tokens.append(payload)
            body = (await self._read_line(conn)).rstrip(b"\r\n")
        return tokens + _tokens(body)

    async def _imap_verdict(
        self, conn: _Connection, state: _State, tag: str, mechanism: str, user: bytes, password: bytes
    ) -> Answer:
        if "LOGINDISABLED" in self._capabilities(conn):
            self.logins.append(Login(mechanism, user, password, conn.tls))
            return [f"{tag} NO [PRIVACYREQUIRED] LOGIN is disabled"], "continue"
        lines = await self._credentials(conn, state, mechanism, user, password)
        if lines is None:
            return [], "close"
        if not lines:
            return [f"{tag} OK [CAPABILITY IMAP4rev1 ID] Logged in"], "continue"
        *untagged, last = lines
        if last.upper().startswith(b"* BYE"):
            return [*lines], "close"  # hanging up instead of answering
        last = last.replace(b"{tag}", tag.encode()) if b"{tag}" in last else tag.encode() + b" " + last
        return [*untagged, last], "continue"

    def _imap_mailbox(self, state: _State, tag: str, verb: str) -> list[str]:
        if not state.authenticated:
            return [f"{tag} NO Not authenticated"]
        if self.require_id and not state.id_sent:
            return [f"{tag} {UNSAFE_LOGIN.format(verb=verb)}"]
        return [
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
            "* 2 EXISTS",
            "* 0 RECENT",
            "* OK [UIDVALIDITY 1700000000] UIDs valid",
            f"{tag} OK [READ-ONLY] {verb} completed",
        ]

    # --- SMTP ----------------------------------------------------------------------------------------

    async def _smtp(self, conn: _Connection, state: _State, raw: bytes, line: str) -> Answer | None:
        words = line.split(" ")
        if words[0].upper() != "AUTH" or len(words) < 2 or self._override("AUTH") is not None:
            return None
        if state.authenticated:
            return ["503 5.5.1 Already authenticated"], "continue"
        mechanism = words[1].upper()
        if mechanism == "PLAIN":
            response = words[2].encode() if len(words) > 2 else await self._more(conn)
            if response == b"*":
                return ["501 5.7.0 Authentication cancelled"], "continue"
            user, password = _sasl_plain(response)
        elif mechanism == "LOGIN":
            await conn.send("334 VXNlcm5hbWU6")
            user = _b64decode((await self._read_line(conn)).strip())
            await conn.send("334 UGFzc3dvcmQ6")
            password = _b64decode((await self._read_line(conn)).strip())
        else:
            return ["504 5.5.4 Unrecognized authentication type"], "continue"
        lines = await self._credentials(conn, state, f"AUTH {mechanism}", user, password)
        if lines is None:
            return [], "close"
        return [*lines] or ["235 2.7.0 Authentication successful"], "continue"

    # --- POP3 ----------------------------------------------------------------------------------------

    async def _pop3(self, conn: _Connection, state: _State, raw: bytes, line: str) -> Answer | None:
        verb, _, argument = line.partition(" ")
        verb = verb.upper()
        if self._override(verb) is not None:
            return None
        if verb == "USER":
            state.user = raw.rstrip(b"\r\n")[5:]
            return ["+OK"], "continue"
        if verb == "PASS":
            return await self._pop3_verdict(conn, state, "USER/PASS", state.user, raw.rstrip(b"\r\n")[5:])
        if verb == "AUTH" and argument.upper().startswith("PLAIN"):
            parts = argument.split(" ")
            response = parts[1].encode() if len(parts) > 1 else await self._more(conn)
            if response == b"*":
                return ["-ERR Authentication cancelled"], "continue"
            user, password = _sasl_plain(response)
            return await self._pop3_verdict(conn, state, "AUTH PLAIN", user, password)
        if verb == "STAT":
            return (["+OK 2 320"] if state.authenticated else ["-ERR Not authenticated"]), "continue"
        return None

    async def _pop3_verdict(
        self, conn: _Connection, state: _State, mechanism: str, user: bytes, password: bytes
    ) -> Answer:
        lines = await self._credentials(conn, state, mechanism, user, password)
        if lines is None:
            return [], "close"
        return [*lines] or ["+OK Logged in."], "continue"


def _tokens(text: bytes) -> list[bytes]:
    return [
        re.sub(rb"\\(.)", rb"\1", m.group(1)) if m.group(1) is not None else m.group(2)
        for m in _TOKEN.finditer(text)
    ]


def _b64decode(data: bytes) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return b""


def _sasl_plain(response: bytes) -> tuple[bytes, bytes]:
    parts = _b64decode(response).split(b"\0")
    return (parts[1], parts[2]) if len(parts) == 3 else (b"", b"")


# --- the client side: a dialogue positioned after greeting and capabilities, over TLS ------------------------

BUNDLES: dict[str, MailProtocol] = {"imap": IMAP, "pop3": POP3, "smtp": SMTP}


@dataclass
class Session:
    """What a login dialogue receives from its caller."""

    dialogue: Dialogue
    capabilities: list[str]


@contextlib.asynccontextmanager
async def login_session(
    server: MailServer, ca_file: str, seconds: float = 5.0, cap: float = 2.0
) -> AsyncIterator[Session]:
    """Connect to SERVER, reach TLS (implicit or STARTTLS), read the greeting and capabilities, as the mail
    probe does; yields the session and closes the connection afterwards."""
    deadline = Deadline(seconds)
    reader, writer, _ = await open_tcp(server.address, server.port, deadline, cap)
    dialogue = Dialogue(reader, writer, deadline, cap)
    bundle = BUNDLES[server.protocol]
    context = TlsSettings(ca_file=ca_file).verified_context()
    try:
        if server.tls == TlsMode.IMPLICIT:
            await upgrade(writer, server.hostname, context, deadline, cap)
        greeting = await bundle.read_greeting(dialogue)
        capabilities = await bundle.read_capabilities(dialogue) or greeting.capabilities
        if server.tls == TlsMode.STARTTLS:
            await bundle.start_tls(dialogue)
            dialogue.discard_pending()
            await upgrade(writer, server.hostname, context, deadline, cap)
            capabilities = await bundle.read_capabilities(dialogue)
        yield Session(dialogue, [" ".join(c.upper().split()) for c in capabilities])
    finally:
        await close_quietly(writer, 0.2)


@contextlib.asynccontextmanager
async def plain_session(server: MailServer, seconds: float = 5.0, cap: float = 2.0) -> AsyncIterator[Session]:
    """A session that never reached TLS (a plaintext port): for proving the dialogues refuse it."""
    deadline = Deadline(seconds)
    reader, writer, _ = await open_tcp(server.address, server.port, deadline, cap)
    dialogue = Dialogue(reader, writer, deadline, cap)
    bundle = BUNDLES[server.protocol]
    try:
        greeting = await bundle.read_greeting(dialogue)
        capabilities = await bundle.read_capabilities(dialogue) or greeting.capabilities
        yield Session(dialogue, [" ".join(c.upper().split()) for c in capabilities])
    finally:
        await close_quietly(writer, 0.2)

