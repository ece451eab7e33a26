"""The address policy: which addresses mailprobe may dial, and why not — pure functions, no sockets.

A domain's DNS records can name any address, on any port (an SRV record names both). They must not turn
mailprobe into a way to reach what the user's machine can reach but the internet cannot: a local service on
127.0.0.1, a router's admin page, the cloud metadata service at 169.254.169.254. One policy judges every
address before it is dialled (SECURITY.md, "The address policy"):

- what no mail host can be is never dialled, whoever named it: link-local, unspecified, multicast,
  broadcast and the cloud metadata addresses (`NEVER_CONTACTED`);
- an address that comes from records — the mailbox's domain, a built-in profile's host names, a redirect —
  must be public; loopback, private and reserved ones are dialled only where the user named them
  (`--baseline`, a profile in `--providers-dir`), or on a loopback lab (`lab_run`);
- a fetch chain (a redirect, a page resource, an autoconfig file's servers) that began at a public address
  never reaches a non-public one (`may_contact`);
- a DNS server named by a request (the exporter's URL) is judged as well (`nameserver_refusal`).

The tables are our own rather than `ipaddress.is_private`, whose answers changed between Python releases.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from mailprobe.safetext import shown

IpClass = Literal[
    "public", "private", "loopback", "link_local", "unspecified", "multicast", "broadcast", "metadata", "reserved",
]
# What no mail host (nor resolver named by a stranger) can be: never dialled, whoever named it.
NEVER_CONTACTED: frozenset[IpClass] = frozenset({"link_local", "unspecified", "multicast", "broadcast", "metadata"})
# Where a run may dial, by where the address came from.
Origin = Literal["user", "records"]
# Why an address was refused: `never` (NEVER_CONTACTED), `named_only` (this machine or its networks, which only
# the user may name), `chain` (a fetch that began on the internet may not lead there).
Rule = Literal["never", "named_only", "chain"]

_IPV4: list[tuple[str, IpClass]] = [
    ("0.0.0.0/32", "unspecified"),
    ("0.0.0.0/8", "reserved"),  # "this network"
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "private"),  # carrier-grade NAT: the provider's network, not the internet
    ("100.100.100.200/32", "metadata"),  # Alibaba Cloud's instance metadata
    ("127.0.0.0/8", "loopback"),
    ("168.63.129.16/32", "metadata"),  # Azure's host node (WireServer): a public-looking platform address
    ("169.254.0.0/16", "link_local"),
    ("169.254.169.254/32", "metadata"),  # AWS, GCP, Azure, Oracle, OpenStack, Tencent, Huawei …
    ("169.254.170.2/32", "metadata"),  # AWS ECS task credentials
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),  # IETF protocol assignments
    ("192.0.0.192/32", "metadata"),  # Oracle Cloud's legacy metadata
    ("192.0.2.0/24", "reserved"),  # TEST-NET-1
    ("192.88.99.0/24", "reserved"),  # former 6to4 relay anycast
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "reserved"),  # benchmarking
    ("198.51.100.0/24", "reserved"),  # TEST-NET-2
    ("203.0.113.0/24", "reserved"),  # TEST-NET-3
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),  # future use
    ("255.255.255.255/32", "broadcast"),  # the limited broadcast
]
_IPV6: list[tuple[str, IpClass]] = [
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "private"),  # local-use NAT64
    ("fc00::/7", "private"),  # unique local
    ("fd00:ec2::254/128", "metadata"),  # AWS instance metadata over IPv6
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
DNS_PORT = 53


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


def words(cls: IpClass) -> str:
    """The class in English, as the error details say it: `link-local`, `metadata`."""
    return cls.replace("_", "-")


# -- one dial -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why an address is not dialled: its class and the rule that refuses it."""

    ip: str
    cls: IpClass
    rule: Rule

    def detail(self, host: str = "") -> str:
        """One line in English for the evidence (`ErrorFacts.detail`); the summaries say it in every language."""
        where = f"{shown(host, 120)} points at {shown(self.ip, 80)}" if host and host != self.ip else shown(self.ip, 80)
        if self.rule == "never":
            return f"{where}, a {words(self.cls)} address, where no mail server can be: never dialled"
        return (f"{where}, a {words(self.cls)} address: an address on this machine or its own networks is dialled"
                " only where the user names it")


def dial_refusal(ip: str, origin: Origin, *, lab: bool = False) -> Refusal | None:
    """None if mailprobe may dial IP, else why not. ORIGIN says where IP came from: `user` (the user named the host
    or the address: `--baseline`, `--nameserver`, a profile in `--providers-dir`) or `records` (everything else:
    the domain's records, a built-in profile's host names resolved through DNS). LAB: the run is a loopback lab
    (`lab_run`), whose loopback addresses stand for the internet."""
    try:
        cls = ip_class(ip)
    except ValueError:
        return Refusal(ip, "reserved", "never")
    if cls in NEVER_CONTACTED:
        return Refusal(ip, cls, "never")
    if origin == "user" or cls == "public" or (lab and cls == "loopback"):
        return None
    return Refusal(ip, cls, "named_only")


def lab_run(nameservers: Iterable[tuple[str, int]] | None) -> bool:
    """Whether a run is a loopback lab: the user named its resolvers with `--nameserver`, each on a loopback
    address and none on port 53, and no lab declared which of its addresses stand for the internet
    (MAILPROBE_LAB_PUBLIC_NETS). Every test world runs its DNS server so (tests/lab/world.py). A resolver this
    machine uses for the internet listens on port 53 (resolv.conf cannot even name another port), so neither the
    system's configuration nor `--nameserver 127.0.0.53` makes a lab."""
    servers = list(nameservers or ())
    if not servers or _LAB_PUBLIC:
        return False
    for address, port in servers:
        try:
            cls = ip_class(address)
        except ValueError:
            return False
        if cls != "loopback" or port == DNS_PORT:
            return False
    return True


@dataclass(frozen=True)
class DialPolicy:
    """One run's policy: `dial_refusal` with the run's lab flag."""

    lab: bool = False

    def refusal(self, ip: str, origin: Origin) -> Refusal | None:
        return dial_refusal(ip, origin, lab=self.lab)


# -- chains -------------------------------------------------------------------------------------------


def may_contact(origin_ip: str, next_ip: str) -> str | None:
    """None if a fetch chain that began at `origin_ip` may connect to `next_ip`, else the reason it may not.

    Ask it for every redirect and every address a name resolves to on the way; the chain's first address is
    judged by `dial_refusal`.
    """
    try:
        origin, following = ip_class(origin_ip), ip_class(next_ip)
    except ValueError:
        return "not an IP address"
    # A %zone may hold any character: shown, never obeyed.
    first, then = shown(origin_ip, 80), shown(next_ip, 80)
    if following in NEVER_CONTACTED:
        return f"{then} is a {words(following)} address, which mailprobe never contacts"
    if origin in NEVER_CONTACTED:
        return f"the fetch began at {first}, a {words(origin)} address, which mailprobe never contacts"
    if origin == "public" and following != "public":
        return f"a fetch that began at the public address {first} may not lead to the {words(following)} one {then}"
    return None


# -- DNS servers --------------------------------------------------------------------------------------


def nameserver_refusal(ip: str, *, requested: bool) -> str | None:
    """None if IP may be asked as a DNS server, else why not (English, one line).

    Unspecified, multicast and broadcast addresses hold no resolver, whoever names them. REQUESTED: the server
    was named by a request (the exporter's URL), not by the user at the command line or in a config file: then
    link-local and metadata addresses are refused too. (A cloud machine's own resolver may be link-local, even
    the metadata address: GCP's is 169.254.169.254, which the user may name; a stranger's request may not.)
    """
    try:
        cls = ip_class(ip)
    except ValueError:
        return f"{shown(ip, 80)} is not an IP address"
    if cls in ("unspecified", "multicast", "broadcast") or (requested and cls in NEVER_CONTACTED):
        return f"{shown(ip, 80)} is a {words(cls)} address, which mailprobe never asks"
    return None
