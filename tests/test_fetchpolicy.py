"""Where a web fetch may go: a table of addresses, of chains, and of URLs."""

from __future__ import annotations

import pytest

from mailprobe.fetchpolicy import IpClass, ip_class, is_downgrade, is_public, may_contact, strip_userinfo


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        # IPv4
        ("8.8.8.8", "public"),
        ("1.1.1.1", "public"),
        ("100.63.255.255", "public"),
        ("100.64.0.1", "private"),  # carrier-grade NAT
        ("100.127.255.255", "private"),
        ("100.128.0.0", "public"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("172.32.0.1", "public"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("169.254.169.254", "metadata"),  # cloud metadata service
        ("169.254.169.253", "link_local"),
        ("100.100.100.200", "metadata"),  # Alibaba Cloud's
        ("168.63.129.16", "metadata"),  # Azure's host node
        ("fd00:ec2::254", "metadata"),  # AWS over IPv6
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "reserved"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("192.0.0.8", "reserved"),
        ("192.0.2.1", "reserved"),
        ("198.18.0.1", "reserved"),
        ("198.51.100.7", "reserved"),
        ("203.0.113.9", "reserved"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("255.255.255.254", "reserved"),
        # IPv6
        ("2001:4860:4860::8888", "public"),
        ("2606:4700::1111", "public"),
        ("::1", "loopback"),
        ("[::1]", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link_local"),
        ("fe80::1%eth0", "link_local"),
        ("fd12:3456::1", "private"),
        ("fc00::1", "private"),
        ("fec0::1", "private"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "reserved"),
        ("3fff::1", "reserved"),
        ("2001::1", "reserved"),  # Teredo, inside the IETF protocol block
        ("100::1", "reserved"),  # discard-only
        ("::127.0.0.1", "reserved"),  # deprecated IPv4-compatible form
        ("4000::1", "reserved"),  # outside 2000::/3, not allocated
        # IPv4 inside IPv6: classified by the IPv4 address
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:7f00:1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "metadata"),
        ("::ffff:169.254.1.1", "link_local"),
        ("::ffff:0.0.0.0", "unspecified"),
        ("::ffff:8.8.8.8", "public"),
        ("64:ff9b::8.8.8.8", "public"),  # NAT64: what DNS64 gives on an IPv6-only network
        ("64:ff9b::10.0.0.1", "private"),
        ("64:ff9b::127.0.0.1", "loopback"),
        ("64:ff9b:1::1", "private"),
        ("2002:0a00:0001::1", "private"),  # 6to4 of 10.0.0.1
        ("2002:0808:0808::1", "public"),
    ],
)
def test_ip_class(ip: str, expected: IpClass) -> None:
    assert ip_class(ip) == expected
    assert is_public(ip) is (expected == "public")


@pytest.mark.parametrize("text", ["", "example.com", "1.2.3", "256.1.1.1", "::g", "[::1", "10.0.0.1/8"])
def test_what_is_not_an_ip_address(text: str) -> None:
    with pytest.raises(ValueError):
        ip_class(text)
    assert is_public(text) is False
    assert may_contact(text, "8.8.8.8") == "not an IP address"
    assert may_contact("8.8.8.8", text) == "not an IP address"


@pytest.mark.parametrize(
    ("origin", "following", "allowed"),
    [
        # a chain that began on the internet stays there
        ("8.8.8.8", "1.1.1.1", True),
        ("8.8.8.8", "2606:4700::1111", True),
        ("8.8.8.8", "64:ff9b::1.1.1.1", True),
        ("8.8.8.8", "127.0.0.1", False),
        ("8.8.8.8", "10.0.0.1", False),
        ("8.8.8.8", "100.64.0.1", False),
        ("8.8.8.8", "192.0.2.1", False),
        ("8.8.8.8", "::1", False),
        ("8.8.8.8", "::ffff:127.0.0.1", False),
        ("8.8.8.8", "::ffff:10.0.0.1", False),
        ("8.8.8.8", "64:ff9b::10.0.0.1", False),
        ("8.8.8.8", "fd00::1", False),
        ("2001:4860:4860::8888", "::1", False),
        ("::ffff:8.8.8.8", "192.168.0.1", False),
        # a chain that began on the user's own network may stay there, or leave for the internet
        ("127.0.0.1", "127.0.0.2", True),
        ("127.0.0.1", "::1", True),
        ("::1", "127.0.0.1", True),
        ("10.0.0.1", "10.0.0.2", True),
        ("10.0.0.1", "192.168.1.1", True),
        ("127.0.0.1", "10.0.0.1", True),
        ("10.0.0.1", "127.0.0.1", True),
        ("fd00::1", "::1", True),
        ("198.18.0.1", "127.0.0.1", True),
        ("127.0.0.1", "8.8.8.8", True),
        # never, from anywhere
        ("127.0.0.1", "169.254.169.254", False),
        ("10.0.0.1", "169.254.169.254", False),
        ("8.8.8.8", "169.254.169.254", False),
        ("127.0.0.1", "::ffff:169.254.169.254", False),
        ("::1", "fe80::1", False),
        ("127.0.0.1", "0.0.0.0", False),
        ("::1", "::", False),
        ("127.0.0.1", "224.0.0.1", False),
        ("::1", "ff02::1", False),
        ("169.254.1.1", "169.254.1.1", False),  # the first hop is asked as (ip, ip)
        ("0.0.0.0", "127.0.0.1", False),
        ("224.0.0.1", "8.8.8.8", False),
    ],
)
def test_may_contact(origin: str, following: str, allowed: bool) -> None:
    reason = may_contact(origin, following)
    assert (reason is None) is allowed, reason
    if reason is not None:
        assert reason.isprintable()


def test_a_public_to_private_refusal_says_why() -> None:
    assert may_contact("8.8.8.8", "10.0.0.1") == (
        "a fetch that began at the public address 8.8.8.8 may not lead to the private one 10.0.0.1"
    )
    assert may_contact("127.0.0.1", "169.254.169.254") == (
        "169.254.169.254 is a metadata address, which mailprobe never contacts"
    )


def test_a_zone_id_in_a_reason_is_shown_escaped() -> None:
    reason = may_contact("127.0.0.1", "fe80::1%\x1b[31m")
    assert reason is not None and "\x1b" not in reason and "\\x1b" in reason


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pass@mail.example.com/login?next=/inbox#top",
         "https://mail.example.com/login?next=/inbox#top"),
        ("http://user@mail.example.com", "http://mail.example.com"),
        ("HTTPS://u:p@mail.example.com:8443/", "HTTPS://mail.example.com:8443/"),
        ("https://a@b:c@mail.example.com/", "https://mail.example.com/"),  # the last '@' ends the userinfo
        ("https://user:p%40ss@[::1]:8443/x", "https://[::1]:8443/x"),
        ("https://mail.example.com/path@with-at?q=a@b#f@g", "https://mail.example.com/path@with-at?q=a@b#f@g"),
        ("https://mail.example.com?x=u:p@h", "https://mail.example.com?x=u:p@h"),
        ("https://mail.example.com#u:p@h", "https://mail.example.com#u:p@h"),
        ("https://@mail.example.com/", "https://mail.example.com/"),
        ("https://mail.example.com/", "https://mail.example.com/"),
        ("https://u:p@mail.example.com/?#", "https://mail.example.com/?#"),  # nothing else normalised
        ("ftp://user:pass@files.example.com/", "ftp://user:pass@files.example.com/"),  # not http(s): as is
        ("mailto:user@example.com", "mailto:user@example.com"),
        ("/relative/u:p@x", "/relative/u:p@x"),
    ],
)
def test_strip_userinfo(url: str, expected: str) -> None:
    assert strip_userinfo(url) == expected


@pytest.mark.parametrize(
    ("from_url", "to_url", "downgrade"),
    [
        ("https://mail.example.com/", "http://mail.example.com/", True),
        ("HTTPS://mail.example.com/", "Http://other.example.com/login", True),
        ("https://mail.example.com/", "https://mail.example.com/owa/", False),
        ("http://mail.example.com/", "https://mail.example.com/", False),
        ("http://mail.example.com/", "http://mail.example.com/x", False),
        ("https://mail.example.com/", "/relative", False),
    ],
)
def test_is_downgrade(from_url: str, to_url: str, downgrade: bool) -> None:
    assert is_downgrade(from_url, to_url) is downgrade
