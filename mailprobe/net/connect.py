"""TCP connections to one resolved address, bounded by the deadline, with failures named in the field's words."""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mailprobe.addresspolicy import NEVER_CONTACTED, ip_class, words
from mailprobe.evidence import CUT_OFF_STAGE, ErrorFacts, Failure
from mailprobe.limits import CONNECTIONS_PER_CHECK
from mailprobe.net.deadline import Deadline, DeadlineReached

# Lines longer than this are not a mail protocol talking: a bound on every read.
LINE_LIMIT = 8192
URL_LIMIT = 2048  # characters of a URL kept as evidence (a redirect's Location can be as long as a header)


class ProbeError(Exception):
    """A probe step failed; carries the evidence of how."""

    def __init__(self, kind: Failure, stage: str, detail: str = "") -> None:
        super().__init__(f"{stage}: {kind.value} {detail}".strip())
        self.facts = ErrorFacts(kind=kind, stage=stage, detail=bounded(detail))


def bounded(text: str, limit: int = 300) -> str:
    text = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}
_RESET = {errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED}


def classify_os_error(exc: BaseException) -> Failure:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Failure.TLS_VERIFY
    if isinstance(exc, ssl.SSLError):
        return Failure.TLS_HANDSHAKE
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return Failure.TIMEOUT
    if isinstance(exc, ConnectionRefusedError):
        return Failure.REFUSED
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return Failure.RESET
    if isinstance(exc, asyncio.IncompleteReadError):
        return Failure.CLOSED
    if isinstance(exc, OSError):
        if exc.errno in _UNREACHABLE:
            return Failure.UNREACHABLE
        if exc.errno in _RESET:
            return Failure.RESET
        if exc.errno == errno.ECONNREFUSED:
            return Failure.REFUSED
        if exc.errno == errno.ETIMEDOUT:
            return Failure.TIMEOUT
    return Failure.INTERNAL


def probe_error(exc: BaseException, stage: str) -> ProbeError:
    """EXC at STAGE as evidence; a wait the run's deadline cut short is recorded as cut off (not tested), the
    stage it was in kept in the detail."""
    if isinstance(exc, DeadlineReached):
        return cut_off(stage)
    return ProbeError(classify_os_error(exc), stage, describe(exc))


def cut_off(stage: str) -> ProbeError:
    """The run's deadline ended the wait at STAGE before the step's own bound: not tested."""
    return ProbeError(Failure.TIMEOUT, CUT_OFF_STAGE, f"the overall deadline ran out ({stage})")


def describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "no answer in time"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


class SocketBudget:
    """How many connections one check holds open at once (limits.py): a permit is held from the connect to the
    close (`slot`). Waiting for one is mailprobe's own limit: it ends with the deadline at CUT_OFF_STAGE
    (not tested), never as the server's time-out."""

    def __init__(self, limit: int = CONNECTIONS_PER_CHECK) -> None:
        self.limit = limit
        self._free = asyncio.Semaphore(limit)

    @asynccontextmanager
    async def slot(self, deadline: Deadline) -> AsyncIterator[None]:
        limit = deadline.bound()
        try:
            if limit <= 0.0:
                raise TimeoutError
            async with asyncio.timeout(limit):
                await self._free.acquire()
        except TimeoutError:
            raise ProbeError(Failure.TIMEOUT, CUT_OFF_STAGE,
                             f"the deadline ran out while waiting for one of mailprobe's own {self.limit} "
                             "connections") from None
        try:
            yield
        finally:
            self._free.release()


def never_dialled(ip: str) -> str | None:
    """Why ADDRESS is never dialled, whoever named it (addresspolicy.NEVER_CONTACTED), or None: the last guard
    before a socket, whatever the plan and the probes decided."""
    try:
        cls = ip_class(ip)
    except ValueError:
        return None  # not an IP address: the socket layer will say so
    if cls in NEVER_CONTACTED:
        return f"{ip} is a {words(cls)} address, where no mail server can be: never dialled"
    return None


async def open_tcp(
    ip: str, port: int, deadline: Deadline, cap: float | None = None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, float]:
    """Connect to ADDRESS:PORT; returns (reader, writer, connect_ms) or raises ProbeError at stage 'connect'
    (Failure.POLICY, before any packet, for an address that is never dialled)."""
    refused = never_dialled(ip)
    if refused is not None:
        raise ProbeError(Failure.POLICY, "policy", refused)
    started = time.monotonic()
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    try:
        reader, writer = await deadline.run(
            asyncio.open_connection(ip, port, family=family, limit=LINE_LIMIT), cap
        )
    except (OSError, TimeoutError) as exc:
        raise probe_error(exc, "connect") from None
    return reader, writer, (time.monotonic() - started) * 1000.0


async def close_quietly(writer: asyncio.StreamWriter, grace: float) -> None:
    """Close without waiting on a peer that will not finish the TLS close or FIN. A probe cancelled while it
    closes (the run cut it off, or was stopped: SIGTERM, Ctrl-C) is cancelled still: the connection is aborted
    and the cancellation goes on, never swallowed here for the probe to carry on as if nothing had happened
    (its next dialogue, the next login of the chain, a wait the run's end would then have to sit out)."""
    try:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), grace)
    except asyncio.CancelledError:
        _abort(writer)
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
    except (OSError, TimeoutError, ssl.SSLError, RuntimeError):
        _abort(writer)


def _abort(writer: asyncio.StreamWriter) -> None:
    transport = writer.transport
    if transport is not None:
        transport.abort()
