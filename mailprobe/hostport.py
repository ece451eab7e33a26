"""HOST:PORT as the user writes it (`--baseline`, a serve module's `baseline`, `--listen`): one parser.

The port is ASCII digits, at most five (`str.isdigit()` also takes '²' and '١', and `int()` of 5,000 digits
raises); a host is an IP address or a name DNS can ask about."""

from __future__ import annotations

import re

from mailprobe.errors import UsageError
from mailprobe.safetext import quoted_input

_PORT = re.compile(r"[0-9]{1,5}")


def parse_hostport(text: str, what: str = "--baseline") -> tuple[str, int]:
    """HOST:PORT (an IPv6 address in brackets) as (lower-case host, port); UsageError names WHAT."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not _PORT.fullmatch(port) or not 0 < int(port) < 65536:
        raise UsageError(f"{what} {quoted_input(text)} is not HOST:PORT")
    if not host_name(host):
        raise UsageError(f"{what} {quoted_input(text)}: {quoted_input(host)} is neither a host name nor an IP "
                         "address")
    return host.lower(), int(port)


def parse_listen(text: str) -> tuple[str, int]:
    """`--listen HOST:PORT`: port 0 asks the system for one; no host is 127.0.0.1."""
    host, sep, port = text.rpartition(":")
    if not sep or not _PORT.fullmatch(port) or not 0 <= int(port) < 65536:
        raise UsageError(f"--listen {text[:60]!r} is not HOST:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)


def host_name(host: str) -> bool:
    """An IP address, or a name DNS can ask about: IDNA labels of letters, digits and hyphens (never a
    control character, a space or a bidi override)."""
    import ipaddress

    import idna

    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        name = idna.encode(host.rstrip("."), uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return False
    labels = name.split(".")
    return len(name) <= 253 and all(re.fullmatch(r"(?!-)[a-zA-Z0-9-]{1,63}(?<!-)", label) for label in labels)
