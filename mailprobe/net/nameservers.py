"""The --nameserver / --authoritative option's forms, parsed without loading the resolver."""

from __future__ import annotations

import ipaddress
import re

from mailprobe.addresspolicy import nameserver_refusal
from mailprobe.errors import UsageError
from mailprobe.safetext import quoted_input


def parse_nameserver(text: str, option: str = "--nameserver", *, requested: bool = False) -> tuple[str, int]:
    """`IP`, `IP:PORT`, `[IPv6]:PORT` or a bare IPv6 address; raises UsageError. The address policy's rule for DNS
    servers applies (addresspolicy.nameserver_refusal): REQUESTED, when a request (the exporter's URL) named it."""
    raw = text.strip()
    host, port = raw, 53
    if raw.startswith("["):
        end = raw.find("]")
        if end < 0:
            raise UsageError(f"{option} {quoted_input(text)}: missing ']'")
        host, rest = raw[1:end], raw[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise UsageError(f"{option} {quoted_input(text)} is not IP[:PORT]")
            port = _port(rest[1:], text, option)
    elif raw.count(":") == 1:
        host, port_text = raw.split(":")
        port = _port(port_text, text, option)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise UsageError(f"{option} {quoted_input(text)} is not an IP address (IP[:PORT])") from None
    refused = nameserver_refusal(host, requested=requested)
    if refused is not None:
        raise UsageError(f"{option} {quoted_input(text)}: {refused}")
    return host, port


def _port(text: str, whole: str, option: str) -> int:
    # ASCII digits, at most five: str.isdigit() also takes '²' and '١', and int() of 5,000 digits raises.
    if not re.fullmatch(r"[0-9]{1,5}", text) or not 0 < int(text) < 65536:
        raise UsageError(f"{option} {quoted_input(whole)}: {quoted_input(text, 12)} is not a port number (1-65535)")
    return int(text)
