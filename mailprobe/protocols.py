"""The protocols mailprobe speaks, in one table: names, labels, ports and TLS modes, SRV labels, guesses.

Everything else (the plan's guesses, SRV services, `--baseline` ports, autoconfig's server types, the
settings listing) reads this table instead of keeping its own copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

MailProtocol = Literal["imap", "pop3", "smtp"]
Service = Literal["imap", "pop3", "smtp", "web"]


class TlsMode(StrEnum):
    IMPLICIT = "implicit"  # TLS from the first byte (993, 995, 465, 443)
    STARTTLS = "starttls"  # plain greeting, then STARTTLS / STLS upgrade (143, 110, 587)
    PLAIN = "plain"


class Expect(StrEnum):
    """What an endpoint's absence means: a profile's server and a planned endpoint say it alike."""

    REQUIRED = "required"  # mail does not work without it
    OPTIONAL = "optional"  # a failure degrades (warning), does not break
    CANDIDATE = "candidate"  # a guess: refused or missing means "not offered"


@dataclass(frozen=True)
class ProtocolInfo:
    name: Service
    label: str  # how people write it: "IMAP", "POP3", "SMTP", "HTTPS"
    ports: tuple[tuple[int, TlsMode], ...]  # the well-known ports and how each one talks
    srv: tuple[tuple[str, TlsMode], ...] = ()  # RFC 6186 / 8314 service labels, in the order clients try them
    guesses: tuple[tuple[str, int, TlsMode], ...] = ()  # generic plan: (host prefix, port, TLS mode)
    mx_guesses: tuple[tuple[int, TlsMode], ...] = ()  # generic plan: ports tried on the MX host itself
    autoconfig: tuple[str, str] | None = None  # (element, type) naming it in a Thunderbird clientConfig


PROTOCOLS: dict[Service, ProtocolInfo] = {
    "imap": ProtocolInfo(
        name="imap", label="IMAP",
        ports=((993, TlsMode.IMPLICIT), (143, TlsMode.STARTTLS)),
        srv=(("_imaps._tcp", TlsMode.IMPLICIT), ("_imap._tcp", TlsMode.STARTTLS)),
        guesses=(("imap.", 993, TlsMode.IMPLICIT), ("imap.", 143, TlsMode.STARTTLS), ("mail.", 993, TlsMode.IMPLICIT)),
        mx_guesses=((993, TlsMode.IMPLICIT),),
        autoconfig=("incomingServer", "imap"),
    ),
    "pop3": ProtocolInfo(
        name="pop3", label="POP3",
        ports=((995, TlsMode.IMPLICIT), (110, TlsMode.STARTTLS)),
        srv=(("_pop3s._tcp", TlsMode.IMPLICIT), ("_pop3._tcp", TlsMode.STARTTLS)),
        guesses=(("pop.", 995, TlsMode.IMPLICIT),),
        autoconfig=("incomingServer", "pop3"),
    ),
    "smtp": ProtocolInfo(
        name="smtp", label="SMTP",
        ports=((465, TlsMode.IMPLICIT), (587, TlsMode.STARTTLS), (25, TlsMode.PLAIN)),
        srv=(("_submissions._tcp", TlsMode.IMPLICIT), ("_submission._tcp", TlsMode.STARTTLS)),
        guesses=(
            ("smtp.", 465, TlsMode.IMPLICIT), ("smtp.", 587, TlsMode.STARTTLS),
            ("mail.", 465, TlsMode.IMPLICIT), ("mail.", 587, TlsMode.STARTTLS),
        ),
        mx_guesses=((465, TlsMode.IMPLICIT), (587, TlsMode.STARTTLS)),
        autoconfig=("outgoingServer", "smtp"),
    ),
    "web": ProtocolInfo(name="web", label="HTTPS", ports=((443, TlsMode.IMPLICIT), (80, TlsMode.PLAIN))),
}

# RFC 6186 / 8314 SRV service label → (protocol, TLS mode); RFC 8314 prefers implicit TLS, so it comes first.
SRV_SERVICES: dict[str, tuple[MailProtocol, TlsMode]] = {
    label: (info.name, tls)  # type: ignore[misc]  # only mail protocols carry SRV labels
    for info in PROTOCOLS.values() for label, tls in info.srv
}
# A port's usual service, for `--baseline HOST:PORT`.
WELL_KNOWN_PORTS: dict[int, tuple[Service, TlsMode]] = {
    port: (info.name, tls) for info in PROTOCOLS.values() for port, tls in info.ports
}
# The generic plan's guesses in a stable order: (host prefix, protocol, port, TLS mode).
GENERIC_GUESSES: tuple[tuple[str, MailProtocol, int, TlsMode], ...] = tuple(
    (prefix, info.name, port, tls)  # type: ignore[misc]
    for info in PROTOCOLS.values() for prefix, port, tls in info.guesses
)
MX_HOST_GUESSES: tuple[tuple[MailProtocol, int, TlsMode], ...] = tuple(
    (info.name, port, tls) for info in PROTOCOLS.values() for port, tls in info.mx_guesses  # type: ignore[misc]
)
AUTOCONFIG_TYPES: dict[tuple[str, str], MailProtocol] = {
    info.autoconfig: info.name for info in PROTOCOLS.values() if info.autoconfig  # type: ignore[misc]
}


def label(service: str) -> str:
    info = PROTOCOLS.get(service)  # type: ignore[call-overload]
    return info.label if info is not None else service.upper()
