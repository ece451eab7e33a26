"""Client settings for an address (article 4.2): its provider's hosts, ports, TLS and login name form."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from mailprobe.address import Target, parse_address
from mailprobe.check import CheckOptions, lookup_mx
from mailprobe.evidence import DnsLookup
from mailprobe.profiles import Profile, ServerSpec, load_profiles


@dataclass
class ClientSettings:
    target: Target
    profile: Profile | None
    matched_by: str  # "mx", "forced", "none"
    mx: DnsLookup | None = None
    servers: list[ServerSpec] = field(default_factory=list)

    @property
    def lookup_failed(self) -> bool:
        """The MX lookup could not say anything: a resolver failure, not a fact about the domain."""
        return self.mx is not None and self.mx.status.value == "error"

    @property
    def login_name(self) -> str:
        if self.profile is not None and self.profile.login_name == "local_part":
            return self.target.local_part
        return self.target.address


def client_settings(
    address: str,
    provider: str | None = None,
    providers_dir: str | None = None,
    nameservers: list[tuple[str, int]] | None = None,
    timeout: float = 5.0,
) -> ClientSettings:
    target = parse_address(address)
    profiles = load_profiles(providers_dir)
    if provider is not None:
        profile = profiles.require(provider)
        return ClientSettings(target, profile, "forced", servers=_servers(profile, target))
    options = CheckOptions(timeout=timeout, nameservers=nameservers, profiles=profiles)
    _, mx = asyncio.run(lookup_mx(address, options))
    recognised = profiles.recognise([r.exchange for r in mx.mx if r.exchange])
    if recognised is None:
        return ClientSettings(target, None, "none", mx=mx)
    return ClientSettings(target, recognised, "mx", mx=mx, servers=_servers(recognised, target))


def _servers(profile: Profile, target: Target) -> list[ServerSpec]:
    return [s.model_copy(update={"host": s.host_for(target.domain_ascii)}) for s in profile.servers]
