"""Where a web fetch may go next: pure functions on URLs (the web probe and autoconfig ask them).

Which addresses a fetch may reach is the address policy's (`mailprobe/addresspolicy.py`), re-exported here
for the callers that judge a chain: a chain that began at a public address stays on public addresses, and
link-local, unspecified, multicast, broadcast and metadata addresses are never contacted.
"""

from __future__ import annotations

from mailprobe.addresspolicy import NEVER_CONTACTED, IpClass, ip_class, is_public, may_contact, parse_ip

__all__ = [
    "NEVER_CONTACTED", "IpClass", "ip_class", "is_downgrade", "is_public", "may_contact", "parse_ip", "strip_userinfo",
]


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
