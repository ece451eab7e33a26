"""Bounded line dialogue with a mail server: every read and write within the deadline and a size limit."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from mailprobe.evidence import Failure
from mailprobe.net.connect import LINE_LIMIT, ProbeError, bounded, probe_error
from mailprobe.net.deadline import Deadline

T = TypeVar("T")

# A multi-line reply longer than this is not a mail server describing itself.
MAX_REPLY_LINES = 100
# How much of a bad reply the evidence quotes.
QUOTE_BYTES = 64

# C0 controls other than TAB, LF, CR, plus DEL: no mail protocol line carries them (a TLS record, starting
# 0x16 0x03, is the usual culprit when a plain client meets a TLS port).
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_IMAP_BYE = re.compile(r"^\* BYE(?: |$)", re.IGNORECASE)
_SMTP_LINE = re.compile(r"^(\d{3})(?:([ -])(.*))?$", re.DOTALL)
# What the dialogues parse at the start of a line (an SMTP code, POP3 +OK / -ERR, an IMAP tag and status, an
# untagged `*` and its first word, a continuation `+`), with the space after it: never masked, so that a
# password that happens to be, say, a space cannot change how a reply reads.
_PROTOCOL_HEAD = re.compile(
    rb"^(?:\d{3}[ -]|(?:\+OK|-ERR)(?: |$)|\+(?: |$)|\* (?:\S+(?: |$))?|[A-Za-z0-9]+ (?:OK|NO|BAD)(?: |$))",
    re.IGNORECASE,
)


def decode(raw: bytes) -> str:
    """Server text as UTF-8, falling back to GBK (Chinese servers), never failing."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gbk", errors="replace")


def quote(raw: bytes | str, limit: int = QUOTE_BYTES) -> str:
    """The first bytes (or characters) of a reply, escaped, for the evidence."""
    shown = raw[:limit].decode("latin-1") if isinstance(raw, bytes) else raw[:limit]
    return bounded(shown) + ("…" if len(raw) > limit else "")


def bad_reply(stage: str, what: str, raw: bytes | str) -> ProbeError:
    return ProbeError(Failure.BAD_REPLY, stage, f"{what}: {quote(raw)}")


@dataclass
class Dialogue:
    """One conversation: the streams, the deadline each step must keep, and the bytes read ahead."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    deadline: Deadline
    cap: float
    stall: float | None = None  # a silence this long is a stall, even where the deadline ends the wait
    _pending: bytearray = field(default_factory=bytearray)
    _tag: int = 0
    # Set by a login once it holds credentials: masks their echo in the raw bytes of every line (and of every
    # bad reply quoted) before anything decodes them, so no charset can bring back a form of the password.
    scrub: Callable[[bytes], bytes] | None = None

    def next_tag(self) -> str:
        self._tag += 1
        return f"a{self._tag}"

    def discard_pending(self) -> int:
        """Drop bytes read ahead; before a TLS upgrade they would be plaintext injected into the session."""
        dropped = len(self._pending)
        self._pending.clear()
        return dropped

    async def bounded_step(self, step: Awaitable[T], stage: str) -> T:
        """Await one network step within the deadline, naming any failure in the field's words."""
        try:
            return await self.deadline.run(step, self.cap, self.stall)
        except ProbeError:
            raise
        except OSError as exc:  # TimeoutError and ssl.SSLError included
            raise probe_error(exc, stage) from None

    async def send(self, line: str, stage: str) -> None:
        self.writer.write(line.encode("utf-8") + b"\r\n")
        await self.bounded_step(self.writer.drain(), stage)

    async def read_line(self, stage: str) -> str:
        """One line without its CRLF; garbage, over-long lines and EOF become ProbeErrors."""
        return await self.bounded_step(self._line(stage), stage)

    async def unbounded_line(self, stage: str) -> str:
        """One line as `read_line` reads it, with no bound of its own: for a caller that bounds a whole
        exchange (an IMAP response with its literals, an IDLE slice)."""
        return await self._line(stage)

    async def read_bytes(self, size: int, stage: str) -> bytes:
        """Exactly SIZE bytes as they came (an IMAP literal), the bytes read ahead first, masked as every line
        is; no bound of its own (the caller's exchange has one)."""
        while len(self._pending) < size:
            chunk = await self.reader.read(LINE_LIMIT)
            if not chunk:
                raise ProbeError(Failure.CLOSED, stage, "connection closed inside a literal")
            self._pending += chunk
        data = bytes(self._pending[:size])
        del self._pending[:size]
        return self.scrub(data) if self.scrub is not None else data

    async def _line(self, stage: str) -> str:
        while True:
            end = self._pending.find(b"\n")
            if end >= 0:
                raw = bytes(self._pending[: end + 1])
                del self._pending[: end + 1]
                return decode(self._scrubbed(raw.rstrip(b"\r\n")))
            self._check_partial(stage)
            chunk = await self.reader.read(LINE_LIMIT)
            if not chunk:
                detail = "connection closed by the server"
                if self._pending:
                    detail += f" mid-line after: {quote(self._scrubbed(bytes(self._pending)))}"
                raise ProbeError(Failure.CLOSED, stage, detail)
            self._pending += chunk

    def _scrubbed(self, raw: bytes) -> bytes:
        if self.scrub is None:
            return raw
        head = _PROTOCOL_HEAD.match(raw)
        keep = head.end() if head is not None else 0
        return raw[:keep] + self.scrub(raw[keep:])

    def _check_partial(self, stage: str) -> None:
        # Checked before the newline arrives, so a binary talker is named at once rather than timing out.
        if _BINARY.search(self._pending):
            raise bad_reply(stage, "binary data instead of a text line", self._scrubbed(bytes(self._pending)))
        if len(self._pending) > LINE_LIMIT:
            raise bad_reply(stage, f"line longer than {LINE_LIMIT} bytes", self._scrubbed(bytes(self._pending)))

    async def smtp_reply(self, stage: str) -> tuple[str, list[str]]:
        """An SMTP reply (RFC 5321 4.2): `250-…` lines up to `250 …`; returns (code, texts)."""
        return await self.bounded_step(self._smtp_reply(stage), stage)

    async def _smtp_reply(self, stage: str) -> tuple[str, list[str]]:
        code: str | None = None
        texts: list[str] = []
        for _ in range(MAX_REPLY_LINES):
            line = await self._line(stage)
            match = _SMTP_LINE.match(line)
            if match is None or (code is not None and match.group(1) != code):
                raise bad_reply(stage, "not an SMTP reply line", line)
            code = match.group(1)
            texts.append(match.group(3) or "")
            if match.group(2) != "-":
                return code, texts
        raise ProbeError(Failure.BAD_REPLY, stage, f"SMTP reply longer than {MAX_REPLY_LINES} lines")

    async def imap_reply(self, tag: str, stage: str) -> tuple[list[str], str]:
        """Untagged `* …` lines up to the line tagged TAG (RFC 9051 2.2.2); returns (untagged, tagged)."""
        return await self.bounded_step(self._imap_reply(tag, stage), stage)

    async def _imap_reply(self, tag: str, stage: str) -> tuple[list[str], str]:
        untagged: list[str] = []
        prefix = f"{tag} ".lower()
        for _ in range(MAX_REPLY_LINES):
            line = await self._line(stage)
            if line.lower().startswith(prefix):
                return untagged, line
            if _IMAP_BYE.match(line):
                raise ProbeError(Failure.REJECTED, stage, line)  # the server is hanging up (RFC 9051 7.1.5)
            if not line.startswith(("* ", "+ ")) and line != "+":
                raise bad_reply(stage, "not an IMAP response line", line)
            untagged.append(line)
        raise ProbeError(Failure.BAD_REPLY, stage, f"IMAP reply longer than {MAX_REPLY_LINES} lines")

    async def pop3_multiline(self, stage: str) -> list[str]:
        """The body of a POP3 multi-line reply (RFC 1939 3): lines up to `.`, dot-stuffing removed."""
        return await self.bounded_step(self._pop3_multiline(stage), stage)

    async def _pop3_multiline(self, stage: str) -> list[str]:
        lines: list[str] = []
        for _ in range(MAX_REPLY_LINES):
            line = await self._line(stage)
            if line == ".":
                return lines
            lines.append(line[1:] if line.startswith(".") else line)
        raise ProbeError(Failure.BAD_REPLY, stage, f"POP3 reply longer than {MAX_REPLY_LINES} lines")
