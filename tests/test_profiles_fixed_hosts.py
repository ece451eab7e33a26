"""The hosts `dns.prefetch` looks up while a slow MX comes: every provider's fixed hosts, the secondary ones
(overseas, …) too, so that their lookups start with the primary ones' and not after the MX."""

from __future__ import annotations

from mailprobe.profiles import load_profiles


def test_the_providers_fixed_hosts_include_the_secondary_ones() -> None:
    hosts = load_profiles().fixed_hosts()
    assert {"hwimap.exmail.qq.com", "hwpop.exmail.qq.com", "hwsmtp.exmail.qq.com", "imap.exmail.qq.com"} <= set(hosts)
    assert all("{" not in host for host in hosts)  # a templated host is the domain's own, not a fixed one
    assert len(hosts) == len(set(hosts))
