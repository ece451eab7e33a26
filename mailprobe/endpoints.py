"""The endpoint catalogue: the services a profile, a domain's SRV records, the generic guesses and the
baseline name, as endpoints to probe — pure, no network. The planner (plan.py) chooses among them."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from mailprobe.address import Target
from mailprobe.evidence import Endpoint, Expect, Role, TlsMode
from mailprobe.kinds.dns import SrvRecord
from mailprobe.profiles import Profile, ProfileSet
from mailprobe.protocols import GENERIC_GUESSES, MX_HOST_GUESSES, SRV_SERVICES, WELL_KNOWN_PORTS

BASELINE_PROVIDERS_PER_PORT = 2
# How many targets of one SRV name (`_imaps._tcp.DOMAIN`) are followed, in the order a client tries them
# (priority, then weight); the SRV lookup says how many were left (`targets_not_followed`).
MAX_SRV_TARGETS = 4


def web_endpoint(url: str, role: Role = Role.PROVIDER, expect: Expect = Expect.REQUIRED, **extra: Any) -> Endpoint:
    parts = urlsplit(url)
    secure = parts.scheme.lower() == "https"
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if secure else 80)
    return Endpoint(
        protocol="web", host=host, port=port, tls=TlsMode.IMPLICIT if secure else TlsMode.PLAIN,
        role=role, expect=expect, url=url, **extra,
    )


def profile_endpoints(profile: Profile, target: Target) -> list[Endpoint]:
    named_by = _named_by(profile)
    endpoints = [web_endpoint(url.replace("{domain}", target.domain_ascii), named_by=named_by)
                 for url in profile.webmail]
    for server in profile.servers:
        if not server.probe:
            continue
        endpoints.append(Endpoint(
            protocol=server.protocol, host=server.host_for(target.domain_ascii), port=server.port,
            tls=server.tls, expect=server.expect, label=server.label, named_by=named_by,
        ))
    return unique(endpoints)


def _named_by(profile: Profile) -> Literal["user", "profile"]:
    return "user" if profile.from_user else "profile"


def srv_endpoints(records: dict[str, list[SrvRecord]]) -> list[Endpoint]:
    """Endpoints a domain publishes with RFC 6186 SRV records, at most MAX_SRV_TARGETS per service in the order
    given (the DNS probe sorts them as a client tries them); a '.' target means the service is off."""
    endpoints = []
    for service, srvs in records.items():
        protocol, tls = SRV_SERVICES[service]
        for srv in usable_srv(srvs)[:MAX_SRV_TARGETS]:
            host = srv.target.rstrip(".").lower()
            endpoints.append(Endpoint(protocol=protocol, host=host, port=srv.port, tls=tls, label="srv"))
    return unique(endpoints)


def usable_srv(srvs: list[SrvRecord]) -> list[SrvRecord]:
    return [srv for srv in srvs if srv.target.rstrip(".") and srv.port != 0]


def generic_endpoints(target: Target, mx_hosts: list[str]) -> list[Endpoint]:
    domain = target.domain_ascii
    endpoints = [
        Endpoint(protocol=protocol, host=prefix + domain, port=port, tls=tls,
                 role=Role.CANDIDATE, expect=Expect.CANDIDATE)
        for prefix, protocol, port, tls in GENERIC_GUESSES
    ]
    for host in mx_hosts[:1]:
        endpoints += [
            Endpoint(protocol=protocol, host=host, port=port, tls=tls,
                     role=Role.CANDIDATE, expect=Expect.CANDIDATE, label="mx")
            for protocol, port, tls in MX_HOST_GUESSES
        ]
    endpoints.append(web_endpoint(f"https://mail.{domain}/", role=Role.CANDIDATE, expect=Expect.CANDIDATE))
    return unique(endpoints)


def baseline_endpoints(profiles: ProfileSet, exclude: str | None, ports: list[tuple[str, int]]) -> list[Endpoint]:
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
    return unique(endpoints)


def _baseline_for(profile: Profile, service: str, port: int) -> Endpoint | None:
    if service == "web":
        for url in profile.webmail:
            web = web_endpoint(url, role=Role.BASELINE, provider_id=profile.id, named_by=_named_by(profile))
            if web.port == port and "{" not in web.host:
                return web
        return None
    for server in profile.servers:
        # Only a required, probe-able server: never one the profile says not to contact, a guess or an
        # alternate (labelled) host, whose failure says nothing about this network.
        if (server.protocol == service and server.port == port and "{" not in server.host and not server.label
                and server.probe and server.expect == Expect.REQUIRED):
            return Endpoint(protocol=server.protocol, host=server.host, port=port, tls=server.tls,
                            role=Role.BASELINE, provider_id=profile.id, named_by=_named_by(profile))
    return None


def user_baseline_endpoints(hostports: list[tuple[str, int]]) -> list[Endpoint]:
    """--baseline HOST:PORT, replacing the default baseline; the port's usual service says how to talk to it."""
    endpoints = []
    for host, port in hostports:
        protocol, tls = WELL_KNOWN_PORTS.get(port, ("web", TlsMode.PLAIN))
        endpoints.append(
            Endpoint(protocol=protocol, host=host, port=port, tls=tls, role=Role.BASELINE, provider_id="user",
                     named_by="user")
        )
    return endpoints


def required_ports(endpoints: list[Endpoint]) -> list[tuple[str, int]]:
    ports: list[tuple[str, int]] = []
    for endpoint in endpoints:
        key = (endpoint.protocol, endpoint.port)
        if endpoint.expect != Expect.CANDIDATE and key not in ports:
            ports.append(key)
    return ports


def unique(endpoints: list[Endpoint]) -> list[Endpoint]:
    seen: set[tuple[str, str, int]] = set()
    out = []
    for endpoint in endpoints:
        key = (endpoint.protocol, endpoint.host, endpoint.port)
        if key not in seen:
            seen.add(key)
            out.append(endpoint)
    return out
