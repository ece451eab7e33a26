"""The loop's one message, built with the standard library's `email` package: a unique id in its own header and
in the subject, a Message-ID, Date, From, To, and a two-line body in the report's language."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from mailprobe.lang import Lang
from mailprobe.locales.messages import t

LOOP_HEADER = "X-Mailprobe-Loop"
# An id is 16 base32 characters: unique per run, and nothing but letters and digits (a safe IMAP search atom).
_ID_BYTES = 10


@dataclass(frozen=True)
class LoopMessage:
    loop_id: str
    message_id: str
    data: bytes = field(repr=False)  # CRLF lines, ready for DATA (dot-stuffing is the sender's)


def new_loop_id() -> str:
    import base64

    return base64.b32encode(secrets.token_bytes(_ID_BYTES)).decode("ascii").rstrip("=")


def build(sender: str, recipient: str, lang: Lang, loop_id: str | None = None,
          now: datetime | None = None) -> LoopMessage:
    loop_id = loop_id or new_loop_id()
    domain = sender.rpartition("@")[2] or "mailprobe.invalid"
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = t("loop.subject", lang, loop_id=loop_id)
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message_id = make_msgid(idstring=f"mailprobe.{loop_id}", domain=domain)
    message["Message-ID"] = message_id
    message[LOOP_HEADER] = loop_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a test message
    message.set_content(t("loop.body", lang, loop_id=loop_id) + "\n")
    return LoopMessage(loop_id=loop_id, message_id=message_id, data=message.as_bytes(policy=SMTP))


def dot_stuffed(data: bytes) -> bytes:
    """DATA's transparency (RFC 5321 4.5.2): a line starting with '.' gets another; ends with CRLF.CRLF."""
    lines = data.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return b"".join((b"." + line if line.startswith(b".") else line) + b"\r\n" for line in lines) + b".\r\n"
