"""The hops a message took, read from its `Received:` headers (RFC 5321 4.4): the standard library parses the
headers and their dates; the clauses (from, by, with, id) are read with one pattern each."""

from __future__ import annotations

import re
from datetime import datetime
from email import message_from_bytes
from email.policy import default
from email.utils import parsedate_to_datetime

from mailprobe.kinds.loop import Hop

MAX_HOPS = 30
_NAME_CHARS = 120
_CLAUSE = {
    "from_host": re.compile(r"(?:^|\s)from\s+(\S+)", re.IGNORECASE),
    "by_host": re.compile(r"(?:^|\s)by\s+(\S+)", re.IGNORECASE),
    "protocol": re.compile(r"(?:^|\s)with\s+(\S+)", re.IGNORECASE),
    "id": re.compile(r"(?:^|\s)id\s+<?([^\s;>]+)", re.IGNORECASE),
}


def received_headers(header_block: bytes) -> list[str]:
    """The values of the `Received:` headers in a header block, newest first (as they stand)."""
    parsed = message_from_bytes(header_block, policy=default)
    return [" ".join(str(value).split()) for value in parsed.get_all("Received", [])][:MAX_HOPS]


def hops(values: list[str], sent_at: datetime | None = None) -> list[Hop]:
    """The hops oldest first, each with its delay after the previous one (the first: after SENT_AT)."""
    found: list[Hop] = []
    previous = sent_at
    for value in reversed(values):
        clauses, _, date_text = value.rpartition(";")
        if not clauses:
            clauses, date_text = value, ""
        fields: dict[str, str | None] = {}
        for name, pattern in _CLAUSE.items():
            match = pattern.search(clauses)
            fields[name] = match.group(1)[:_NAME_CHARS].strip("()") if match else None
        at = _date(date_text)
        delay = None
        if at is not None and previous is not None:
            delay = round(max(0.0, (at - previous).total_seconds()), 3)
        found.append(Hop(at=at, delay_s=delay, **fields))
        previous = at or previous
    return found


def _date(text: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else None
