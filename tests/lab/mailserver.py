"""Scripted loopback IMAP, POP3 and SMTP servers with fault injection, for probe tests and benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from mailprobe.evidence import Endpoint, TlsMode
from mailprobe.net.deadline import Deadline
from mailprobe.net.resolver import Resolver
from mailprobe.net.tls import TlsSettings
from mailprobe.probes.base import ProbeContext
from tests.lab.certs import CertLab

MailProtocolName = Literal["imap", "pop3", "smtp"]

# What a plain client sees when it meets something that is not a mail server at all.
GARBAGE = b"\x00\x17\xfe\x9c\x03\x15\x03\x01\x00\x02\x02\x28garbage\x01\x02\xff"
LONG_LINE_BYTES = 20_000
# How long a faulty server keeps a connection open waiting for the client to give up.
LINGER_S = 30.0


class Fault(StrEnum):
    TARPIT = "tarpit"  # accept, then stay silent
    GARBAGE_GREETING = "garbage_greeting"  # binary bytes instead of a greeting
    REFUSE = "refuse"  # a proper refusal greeting: SMTP 421, IMAP BYE, POP3 -ERR
    RESET = "reset"  # RST right after accept
    CLOSE_AFTER_GREETING = "close_after_greeting"
    TLS_GARBAGE = "tls_garbage"  # garbage instead of a TLS handshake (implicit, or after STARTTLS)
    LONG_LINE = "long_line"  # a greeting line far longer than any mail protocol allows
    STARTTLS_INJECTION = "starttls_injection"  # a plaintext reply rides along with the STARTTLS go-ahead


DEFAULT_HOSTS: dict[str, str] = {"imap": "imap.lab.test", "pop3": "pop.lab.test", "smtp": "smtp.lab.test"}


def ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    tls: bool = False

    async def send(self, *lines: str | bytes) -> None:
        for line in lines:
            self.writer.write((line.encode("utf-8") if isinstance(line, str) else line) + b"\r\n")
        await self.writer.drain()

    async def linger(self) -> None:
        """Wait (bounded) for the client to hang up, so closing does not race its last bytes into a RST."""
        with contextlib.suppress(TimeoutError, OSError):
            await asyncio.wait_for(self.reader.read(), LINGER_S)


@dataclass
class MailServer:
    """One scripted server on an ephemeral loopback port; `async with` it, or run it `in_thread()`."""

    protocol: MailProtocolName
    tls: TlsMode | str = TlsMode.STARTTLS
    lab: CertLab | None = None
    cert: str = "good"  # a CertLab kind: good, expired, not_yet_valid, wrong_host, untrusted, expiring_soon
    hostname: str = ""  # the name in the certificate and the greeting; defaults per protocol
    host: str = "127.0.0.1"
    greeting: str | bytes | None = None  # replaces the realistic default
    greeting_delay: float = 0.0
    fault: Fault | str | None = None
    starttls_offered: bool = True
    starttls_error: bool = False  # STARTTLS / STLS answered with an error
    capability_error: bool = False  # CAPABILITY BAD, CAPA -ERR, EHLO 502
    replies: dict[str, str] = field(default_factory=dict)  # verb → reply (IMAP: without the tag)
    listen_port: int = 0  # 0: an ephemeral port; a world of providers shares real-looking port numbers
    port: int = field(default=0, init=False)
    commands: list[str] = field(default_factory=list, init=False)  # every line received, in order
    connections: int = field(default=0, init=False)
    _server: asyncio.Server | None = field(default=None, init=False, repr=False)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, init=False, repr=False)
    _context: ssl.SSLContext | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.tls = TlsMode(self.tls)
        self.fault = Fault(self.fault) if self.fault is not None else None
        self.hostname = self.hostname or DEFAULT_HOSTS[self.protocol]
        if self.tls != TlsMode.PLAIN:
            self.lab = self.lab or CertLab()
            self._context = self.lab.server_context(self.hostname, kind=self.cert)

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(protocol=self.protocol, host=self.hostname, port=self.port, tls=TlsMode(self.tls))

    @property
    def address(self) -> str:
        return self.host

    # --- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> MailServer:
        self._server = await asyncio.start_server(self._handle, self.host, self.listen_port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=2.0)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> MailServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @contextlib.contextmanager
    def in_thread(self) -> Iterator[MailServer]:
        """Serve from a background thread with its own loop (for subprocess tests and benchmarks)."""
        runner = ThreadedServer(self)
        runner.start()
        try:
            yield self
        finally:
            runner.stop()

    # --- one connection --------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self.connections += 1
        conn = _Connection(reader, writer)
        try:
            await self._session(conn)
        except (OSError, ssl.SSLError, asyncio.CancelledError, asyncio.IncompleteReadError, ValueError):
            pass  # the client's business; the tests look at what the probe saw
        finally:
            writer.transport.abort()
            if task is not None:
                self._tasks.discard(task)

    async def _session(self, conn: _Connection) -> None:
        if self.fault == Fault.RESET:
            _reset(conn.writer)
            return
        if self.tls == TlsMode.IMPLICIT and not await self._upgrade(conn):
            return
        if self.greeting_delay:
            await asyncio.sleep(self.greeting_delay)
        if self.fault in (Fault.TARPIT, Fault.GARBAGE_GREETING, Fault.LONG_LINE):
            await self._misbehave(conn)
            return
        await conn.send(self._greeting(conn))
        if self.fault in (Fault.REFUSE, Fault.CLOSE_AFTER_GREETING):
            return
        await self._command_loop(conn)

    async def _misbehave(self, conn: _Connection) -> None:
        if self.fault == Fault.GARBAGE_GREETING:
            conn.writer.write(GARBAGE)
        elif self.fault == Fault.LONG_LINE:
            conn.writer.write(_LONG_PREFIX[self.protocol] + b"A" * LONG_LINE_BYTES + b"\r\n")
        await conn.writer.drain()
        await conn.linger()

    async def _upgrade(self, conn: _Connection) -> bool:
        assert self._context is not None
        if self.fault == Fault.TLS_GARBAGE:
            await conn.reader.read(4096)  # the ClientHello, so closing later does not reset
            conn.writer.write(GARBAGE)
            await conn.writer.drain()
            await conn.linger()
            return False
        await conn.writer.start_tls(self._context)
        conn.tls = True
        return True

    async def _command_loop(self, conn: _Connection) -> None:
        while True:
            raw = await conn.reader.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.commands.append(line)
            lines, then = _ANSWERS[self.protocol](self, conn, line)
            if then == "starttls" and self.fault == Fault.STARTTLS_INJECTION:
                lines = [*lines, _INJECTED[self.protocol]]
            await conn.send(*lines)
            if then == "close":
                return
            if then == "starttls" and not await self._upgrade(conn):
                return

    def _greeting(self, conn: _Connection) -> str | bytes:
        if self.fault == Fault.REFUSE:
            return _REFUSALS[self.protocol].format(host=self.hostname)
        if self.greeting is not None:
            return self.greeting
        if self.protocol == "imap":
            return f"* OK [CAPABILITY {' '.join(self._capabilities(conn))}] {self.hostname} IMAP4rev1 ready"
        if self.protocol == "pop3":
            return f"+OK {self.hostname} POP3 ready <4711.1700000000@{self.hostname}>"
        return f"220 {self.hostname} ESMTP ready"

    def _capabilities(self, conn: _Connection) -> list[str]:
        offer = self.starttls_offered and self.tls == TlsMode.STARTTLS and not conn.tls
        auth = conn.tls or not offer
        return [
            *_BASE_CAPABILITIES[self.protocol],
            *([_STARTTLS[self.protocol]] if offer else []),
            *(_AUTH[self.protocol] if auth else _NO_AUTH[self.protocol]),
        ]

    def _override(self, verb: str) -> str | None:
        return self.replies.get(verb.upper())

    def _starttls_allowed(self, conn: _Connection) -> bool:
        return self.starttls_offered and self.tls == TlsMode.STARTTLS and not conn.tls


Then = Literal["continue", "starttls", "close"]
Answer = tuple[list[str], Then]


def _imap_answer(server: MailServer, conn: _Connection, line: str) -> Answer:
    tag, _, rest = line.partition(" ")
    verb = rest.split(" ", 1)[0].upper()
    override = server._override(verb)
    if override is not None:
        return [f"{tag} {override}"], "continue"
    if verb == "CAPABILITY":
        if server.capability_error:
            return [f"{tag} BAD Unknown command"], "continue"
        listing = f"* CAPABILITY {' '.join(server._capabilities(conn))}"
        return [listing, f"{tag} OK CAPABILITY completed"], "continue"
    if verb == "STARTTLS" and server._starttls_allowed(conn):
        if server.starttls_error:
            return [f"{tag} NO [UNAVAILABLE] TLS is not available right now"], "continue"
        return [f"{tag} OK Begin TLS negotiation now"], "starttls"
    if verb == "LOGOUT":
        return ["* BYE Logging out", f"{tag} OK LOGOUT completed"], "close"
    if verb == "NOOP":
        return [f"{tag} OK NOOP completed"], "continue"
    return [f"{tag} BAD Unknown command"], "continue"


def _pop3_answer(server: MailServer, conn: _Connection, line: str) -> Answer:
    verb = line.split(" ", 1)[0].upper()
    override = server._override(verb)
    if override is not None:
        return [override], "continue"
    if verb == "CAPA":
        if server.capability_error:
            return ["-ERR Unknown command"], "continue"
        return ["+OK Capability list follows", *server._capabilities(conn), "."], "continue"
    if verb == "STLS" and server._starttls_allowed(conn):
        if server.starttls_error:
            return ["-ERR TLS not available"], "continue"
        return ["+OK Begin TLS negotiation"], "starttls"
    if verb == "QUIT":
        return [f"+OK {server.hostname} POP3 server signing off"], "close"
    if verb in ("USER", "NOOP"):
        return ["+OK"], "continue"
    return ["-ERR Unknown command"], "continue"


def _smtp_answer(server: MailServer, conn: _Connection, line: str) -> Answer:
    verb, _, argument = line.partition(" ")
    verb = verb.upper()
    override = server._override(verb)
    if override is not None:
        return [override], "continue"
    if verb == "EHLO":
        if server.capability_error:
            return ["502 5.5.2 Error: command not recognized"], "continue"
        lines = [f"{server.hostname} Hello {argument}", *server._capabilities(conn)]
        return [f"250{'-' if i < len(lines) - 1 else ' '}{text}" for i, text in enumerate(lines)], "continue"
    if verb == "HELO":
        return [f"250 {server.hostname}"], "continue"
    if verb == "STARTTLS" and server._starttls_allowed(conn):
        if server.starttls_error:
            return ["454 4.7.0 TLS not available due to local problem"], "continue"
        return ["220 2.0.0 Ready to start TLS"], "starttls"
    if verb == "QUIT":
        return ["221 2.0.0 Bye"], "close"
    if verb in ("NOOP", "RSET"):
        return ["250 2.0.0 Ok"], "continue"
    return ["502 5.5.2 Error: command not recognized"], "continue"


_ANSWERS = {"imap": _imap_answer, "pop3": _pop3_answer, "smtp": _smtp_answer}
_REFUSALS = {
    "imap": "* BYE Too many connections from your IP, try again later",
    "pop3": "-ERR [SYS/TEMP] Service temporarily unavailable, too many connections",
    "smtp": "421 4.3.2 {host} Service not available, closing transmission channel",
}
_INJECTED = {"imap": "a3 OK injected before TLS", "pop3": "+OK injected before TLS", "smtp": "250 INJECTED"}
_LONG_PREFIX = {"imap": b"* OK ", "pop3": b"+OK ", "smtp": b"220 "}
_BASE_CAPABILITIES = {
    "imap": ["IMAP4rev1", "SASL-IR", "LOGIN-REFERRALS", "ID", "ENABLE", "IDLE", "LITERAL+"],
    "pop3": ["TOP", "UIDL", "RESP-CODES", "PIPELINING", "IMPLEMENTATION lab"],
    "smtp": ["PIPELINING", "SIZE 73400320", "ENHANCEDSTATUSCODES", "8BITMIME"],
}
_STARTTLS = {"imap": "STARTTLS", "pop3": "STLS", "smtp": "STARTTLS"}
_AUTH = {
    "imap": ["AUTH=PLAIN", "AUTH=LOGIN"],
    "pop3": ["USER", "SASL PLAIN LOGIN"],
    "smtp": ["AUTH LOGIN PLAIN"],
}
_NO_AUTH: dict[str, list[str]] = {"imap": ["LOGINDISABLED"], "pop3": [], "smtp": []}


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        # Linger 0: close sends RST instead of FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class ThreadedServer:
    """Runs one MailServer on its own event loop in a daemon thread."""

    def __init__(self, server: MailServer) -> None:
        self.server = server
        self._loop = asyncio.new_event_loop()
        name = f"lab-{server.protocol}-server"
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)

    def start(self) -> MailServer:
        self._thread.start()
        return asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(10)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


def lab_context(seconds: float = 5.0, ca_file: str | None = None) -> ProbeContext:
    """What a probe receives in the lab: a fresh deadline, --ca-file trust, and a resolver it never needs."""
    deadline = Deadline(seconds)
    return ProbeContext(deadline, TlsSettings(ca_file=ca_file), Resolver(deadline, [("127.0.0.1", 9)]))
