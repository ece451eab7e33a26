"""The plan: which endpoints to probe for a target — from its provider's profile, or the generic recipe."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from mailprobe.address import Target
from mailprobe.evidence import Endpoint, Expect, Role, SrvRecord, TlsMode
from mailprobe.profiles import Profile, ProfileSet

MatchedBy = Literal["mx", "forced", "generic"]

# Ports every baseline starts with, before the provider is known (they cover the article's providers).
DEFAULT_BASELINE_PORTS: tuple[tuple[str, int], ...] = (("imap", 993), ("smtp", 465), ("pop3", 995), ("web", 443))
BASELINE_PROVIDERS_PER_PORT = 2

# RFC 6186 / 8314 service labels → (protocol, TLS mode).
SRV_SERVICES: dict[str, tuple[Literal["imap", "pop3", "smtp"], TlsMode]] = {
    "_imaps._tcp": ("imap", TlsMode.IMPLICIT),
    "_imap._tcp": ("imap", TlsMode.STARTTLS),
    "_pop3s._tcp": ("pop3", TlsMode.IMPLICIT),
    "_pop3._tcp": ("pop3", TlsMode.STARTTLS),
    "_submissions._tcp": ("smtp", TlsMode.IMPLICIT),
    "_submission._tcp": ("smtp", TlsMode.STARTTLS),
}

# The generic guesses: (host prefix, protocol, port, TLS mode).
GENERIC_GUESSES: tuple[tuple[str, Literal["imap", "pop3", "smtp"], int, TlsMode], ...] = (
    ("imap.", "imap", 993, TlsMode.IMPLICIT),
    ("imap.", "imap", 143, TlsMode.STARTTLS),
    ("smtp.", "smtp", 465, TlsMode.IMPLICIT),
    ("smtp.", "smtp", 587, TlsMode.STARTTLS),
    ("pop.", "pop3", 995, TlsMode.IMPLICIT),
    ("mail.", "imap", 993, TlsMode.IMPLICIT),
    ("mail.", "smtp", 465, TlsMode.IMPLICIT),
    ("mail.", "smtp", 587, TlsMode.STARTTLS),
)
MX_HOST_GUESSES: tuple[tuple[Literal["imap", "pop3", "smtp"], int, TlsMode], ...] = (
    ("imap", 993, TlsMode.IMPLICIT),
    ("smtp", 465, TlsMode.IMPLICIT),
    ("smtp", 587, TlsMode.STARTTLS),
)


@dataclass
class Plan:
    profile: Profile | None
    matched_by: MatchedBy
    endpoints: list[Endpoint] = field(default_factory=list)

    @property
    def provider_id(self) -> str:
        return self.profile.id if self.profile is not None else "generic"


def web_endpoint(url: str, role: Role = Role.PROVIDER, expect: Expect = Expect.REQUIRED, **extra: str) -> Endpoint:
    parts = urlsplit(url)
    secure = parts.scheme.lower() == "https"
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if secure else 80)
    return Endpoint(
        protocol="web",
        host=host,
        port=port,
        tls=TlsMode.IMPLICIT if secure else TlsMode.PLAIN,
        role=role,
        expect=expect,
        url=url,
        **extra,
    )


def profile_endpoints(profile: Profile, target: Target) -> list[Endpoint]:
    endpoints = [
        web_endpoint(url.replace("{domain}", target.domain_ascii)) for url in profile.webmail
    ]
    for server in profile.servers:
        if not server.probe:
            continue
        endpoints.append(
            Endpoint(
                protocol=server.protocol,
                host=server.host_for(target.domain_ascii),
                port=server.port,
                tls=server.tls,
                expect=server.expect,
                label=server.label,
            )
        )
    return _unique(endpoints)


def srv_endpoints(records: dict[str, list[SrvRecord]]) -> list[Endpoint]:
    """Endpoints a domain publishes with RFC 6186 SRV records; a '.' target means the service is off."""
    endpoints = []
    for service, srvs in records.items():
        protocol, tls = SRV_SERVICES[service]
        for srv in srvs:
            host = srv.target.rstrip(".").lower()
            if not host or srv.port == 0:
                continue
            endpoints.append(Endpoint(protocol=protocol, host=host, port=srv.port, tls=tls, label="srv"))
    return _unique(endpoints)


def generic_endpoints(target: Target, mx_hosts: list[str]) -> list[Endpoint]:
    domain = target.domain_ascii
    endpoints = [
        Endpoint(
            protocol=protocol, host=prefix + domain, port=port, tls=tls,
            role=Role.CANDIDATE, expect=Expect.CANDIDATE,
        )
        for prefix, protocol, port, tls in GENERIC_GUESSES
    ]
    for host in mx_hosts[:1]:
        endpoints += [
            Endpoint(
                protocol=protocol, host=host, port=port, tls=tls,
                role=Role.CANDIDATE, expect=Expect.CANDIDATE, label="mx",
            )
            for protocol, port, tls in MX_HOST_GUESSES
        ]
    endpoints.append(web_endpoint(f"https://mail.{domain}/", role=Role.CANDIDATE, expect=Expect.CANDIDATE))
    return _unique(endpoints)


def baseline_endpoints(
    profiles: ProfileSet, exclude: str | None, ports: list[tuple[str, int]]
) -> list[Endpoint]:
    """The same service on other known providers, for telling "your network" from "their server".
    Without `exclude` (provider not known yet) one more is taken, so that two remain once it is."""
    endpoints: list[Endpoint] = []
    eligible = [p for p in profiles.all() if p.baseline and p.id != exclude]
    per_port = BASELINE_PROVIDERS_PER_PORT + (1 if exclude is None else 0)
    for service, port in ports:
        chosen = 0
        for profile in eligible:
            endpoint = _baseline_for(profile, service, port)
            if endpoint is not None:
                endpoints.append(endpoint)
                chosen += 1
            if chosen >= per_port:
                break
    return _unique(endpoints)


def _baseline_for(profile: Profile, service: str, port: int) -> Endpoint | None:
    if service == "web":
        for url in profile.webmail:
            web = web_endpoint(url, role=Role.BASELINE, provider_id=profile.id)
            if web.port == port and "{" not in web.host:
                return web
        return None
    for server in profile.servers:
        if server.protocol == service and server.port == port and "{" not in server.host and not server.label:
            return Endpoint(
                protocol=server.protocol, host=server.host, port=port, tls=server.tls,
                role=Role.BASELINE, provider_id=profile.id,
            )
    return None


def user_baseline_endpoints(hostports: list[tuple[str, int]]) -> list[Endpoint]:
    """--baseline HOST:PORT, replacing the default baseline; the port's usual service says how to talk to it."""
    endpoints = []
    for host, port in hostports:
        protocol, tls = WELL_KNOWN_PORTS.get(port, ("web", TlsMode.PLAIN))
        endpoints.append(
            Endpoint(protocol=protocol, host=host, port=port, tls=tls, role=Role.BASELINE, provider_id="user")
        )
    return endpoints


WELL_KNOWN_PORTS: dict[int, tuple[Literal["imap", "pop3", "smtp", "web"], TlsMode]] = {
    993: ("imap", TlsMode.IMPLICIT), 143: ("imap", TlsMode.STARTTLS),
    995: ("pop3", TlsMode.IMPLICIT), 110: ("pop3", TlsMode.STARTTLS),
    465: ("smtp", TlsMode.IMPLICIT), 587: ("smtp", TlsMode.STARTTLS), 25: ("smtp", TlsMode.PLAIN),
    443: ("web", TlsMode.IMPLICIT), 80: ("web", TlsMode.PLAIN),
}


def required_ports(endpoints: list[Endpoint]) -> list[tuple[str, int]]:
    ports: list[tuple[str, int]] = []
    for endpoint in endpoints:
        key = (endpoint.protocol, endpoint.port)
        if endpoint.expect != Expect.CANDIDATE and key not in ports:
            ports.append(key)
    return ports


def _unique(endpoints: list[Endpoint]) -> list[Endpoint]:
    seen: set[tuple[str, str, int]] = set()
    out = []
    for endpoint in endpoints:
        key = (endpoint.protocol, endpoint.host, endpoint.port)
        if key not in seen:
            seen.add(key)
            out.append(endpoint)
    return out
