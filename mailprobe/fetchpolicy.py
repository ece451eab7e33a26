"""Where a web fetch may go next: pure functions on addresses and URLs, no sockets (the web probe asks them).

A webmail page that redirects, or a DNS answer that changes, must not turn mailprobe into a tool for
reaching what the user's machine can reach but the internet cannot: a chain that began at a public address
stays on public addresses. A chain that began on the user's own network (a lab, an intranet webmail) may
stay there. Link-local (the cloud metadata service at 169.254.169.254), unspecified and multicast addresses
are never contacted. The tables are our own rather than `ipaddress.is_private`, whose answers changed
between Python releases.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Literal

from mailprobe.safetext import shown

IpClass = Literal["public", "private", "loopback", "link_local", "unspecified", "multicast", "reserved"]
NEVER_CONTACTED: frozenset[IpClass] = frozenset({"link_local", "unspecified", "multicast"})

_IPV4: list[tuple[str, IpClass]] = [
    ("0.0.0.0/32", "unspecified"),
    ("0.0.0.0/8", "reserved"),  # "this network"
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "private"),  # carrier-grade NAT: the provider's network, not the internet
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link_local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),  # IETF protocol assignments
    ("192.0.2.0/24", "reserved"),  # TEST-NET-1
    ("192.88.99.0/24", "reserved"),  # former 6to4 relay anycast
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "reserved"),  # benchmarking
    ("198.51.100.0/24", "reserved"),  # TEST-NET-2
    ("203.0.113.0/24", "reserved"),  # TEST-NET-3
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),  # future use, and the limited broadcast 255.255.255.255
]
_IPV6: list[tuple[str, IpClass]] = [
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "private"),  # local-use NAT64
    ("fc00::/7", "private"),  # unique local
    ("fec0::/10", "private"),  # former site-local
    ("fe80::/10", "link_local"),
    ("ff00::/8", "multicast"),
    ("2001::/23", "reserved"),  # IETF protocol assignments (Teredo, ORCHID, …)
    ("2001:db8::/32", "reserved"),  # documentation
    ("3fff::/20", "reserved"),  # documentation (RFC 9637)
]
_V4_TABLE = [(ipaddress.IPv4Network(net), cls) for net, cls in _IPV4]
_V6_TABLE = [(ipaddress.IPv6Network(net), cls) for net, cls in _IPV6]
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


def parse_ip(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An IPv4 or IPv6 address, also `[::1]` and `fe80::1%eth0`; ValueError otherwise."""
    text = ip.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return ipaddress.ip_address(text)


def ip_class(ip: str) -> IpClass:
    """What kind of address `ip` is; an IPv4 address inside IPv6 (mapped, NAT64, 6to4) counts as itself.

    Raises ValueError when `ip` is not an IP address.
    """
    return _class_of(parse_ip(ip))


def _lab_public() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Networks a lab declares public (MAILPROBE_LAB_PUBLIC_NETS, comma-separated CIDRs): so that a test world
    on loopback can stand for the internet and show that a chain from it never reaches the user's network."""
    nets = []
    for text in os.environ.get("MAILPROBE_LAB_PUBLIC_NETS", "").split(","):
        try:
            nets.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            continue
    return nets


_LAB_PUBLIC = _lab_public()


def _class_of(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> IpClass:
    if any(address in net for net in _LAB_PUBLIC):
        return "public"
    if isinstance(address, ipaddress.IPv4Address):
        return _lookup(address, _V4_TABLE) or "public"
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        # ::ffff:a.b.c.d is a.b.c.d on this machine; NAT64 (DNS64 hands these out for every IPv4-only host
        # on an IPv6-only network) and 6to4 lead to it through a gateway. Either way it is what it carries.
        return _class_of(embedded)
    bare = ipaddress.IPv6Address(int(address))  # without a %zone
    found = _lookup(bare, _V6_TABLE)
    if found is not None:
        return found
    return "public" if bare in _GLOBAL_UNICAST else "reserved"


def _lookup(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
    table: list[tuple[ipaddress.IPv4Network, IpClass]] | list[tuple[ipaddress.IPv6Network, IpClass]],
) -> IpClass | None:
    # The most specific network wins: 0.0.0.0/32 before 0.0.0.0/8, 2001:db8::/32 before 2001::/23.
    best: tuple[int, IpClass] | None = None
    for network, cls in table:
        if address in network and (best is None or network.prefixlen > best[0]):
            best = (network.prefixlen, cls)
    return best[1] if best else None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    bare = ipaddress.IPv6Address(int(address))
    if bare in _NAT64:
        return ipaddress.IPv4Address(int(bare) & 0xFFFFFFFF)
    if bare in _SIX_TO_FOUR:
        return bare.sixtofour
    return None


def is_public(ip: str) -> bool:
    """True for an address on the internet; False for any other, and for what is not an IP address."""
    try:
        return ip_class(ip) == "public"
    except ValueError:
        return False


def may_contact(origin_ip: str, next_ip: str) -> str | None:
    """None if a fetch chain that began at `origin_ip` may connect to `next_ip`, else the reason it may not.

    Ask it for the first connection too (`may_contact(ip, ip)`), and again for every redirect and every
    address a name resolves to on the way.
    """
    try:
        origin, following = ip_class(origin_ip), ip_class(next_ip)
    except ValueError:
        return "not an IP address"
    # A %zone may hold any character: shown, never obeyed.
    first, then = shown(origin_ip, 80), shown(next_ip, 80)
    if following in NEVER_CONTACTED:
        return f"{then} is a {_words(following)} address, which mailprobe never contacts"
    if origin in NEVER_CONTACTED:
        return f"the fetch began at {first}, a {_words(origin)} address, which mailprobe never contacts"
    if origin == "public" and following != "public":
        return f"a fetch that began at the public address {first} may not lead to the {_words(following)} one {then}"
    return None


def _words(cls: IpClass) -> str:
    return cls.replace("_", "-")


def strip_userinfo(url: str) -> str:
    """An http(s) URL without `user:password@` before its host; everything else left exactly as it was.

    The authority ends at the first '/', '?' or '#', as httpx reads it (a '\\' does not end it), so that
    nothing httpx would send as credentials survives. Other URLs come back unchanged.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return url
    end = len(rest)
    for mark in "/?#":
        found = rest.find(mark)
        if found >= 0:
            end = min(end, found)
    authority = rest[:end]
    if "@" not in authority:
        return url
    return f"{scheme}://{authority.rpartition('@')[2]}{rest[end:]}"


def is_downgrade(from_url: str, to_url: str) -> bool:
    """True when a redirect leaves https for plain http (both absolute URLs)."""
    return _scheme(from_url) == "https" and _scheme(to_url) == "http"


def _scheme(url: str) -> str:
    scheme, sep, _ = url.strip().partition(":")
    return scheme.lower() if sep else ""
