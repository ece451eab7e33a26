"""The address policy (SECURITY.md, "The address policy"): which addresses may be dialled, by where they came
from; when a run is a loopback lab; which DNS servers a request may name. A table, no sockets."""

from __future__ import annotations

import pytest

from mailprobe.addresspolicy import DialPolicy, dial_refusal, lab_run, nameserver_refusal
from mailprobe.errors import UsageError
from mailprobe.net.nameservers import parse_nameserver

NEVER = ["169.254.169.254", "169.254.1.1", "fe80::1", "fe80::1%eth0", "0.0.0.0", "::", "224.0.0.1", "ff02::1",
         "255.255.255.255", "100.100.100.200", "168.63.129.16", "fd00:ec2::254", "::ffff:169.254.169.254",
         "64:ff9b::a9fe:a9fe"]
LOCAL = ["127.0.0.1", "::1", "::ffff:127.0.0.1", "10.1.2.3", "192.168.1.1", "172.16.0.1", "100.64.0.1", "fd12::1",
         "192.0.2.1", "240.0.0.1"]
PUBLIC = ["93.184.216.34", "2606:2800:220:1::248", "64:ff9b::5db8:d822"]


@pytest.mark.parametrize("ip", NEVER)
def test_what_no_mail_host_can_be_is_never_dialled_whoever_named_it(ip: str) -> None:
    for origin in ("records", "user"):
        for lab in (False, True):
            refusal = dial_refusal(ip, origin, lab=lab)  # type: ignore[arg-type]
            assert refusal is not None and refusal.rule == "never", (ip, origin, lab)


@pytest.mark.parametrize("ip", LOCAL)
def test_this_machine_and_its_networks_only_where_the_user_named_them(ip: str) -> None:
    refusal = dial_refusal(ip, "records")
    assert refusal is not None and refusal.rule == "named_only"
    assert dial_refusal(ip, "user") is None


@pytest.mark.parametrize("ip", PUBLIC)
def test_public_addresses_from_records_are_dialled(ip: str) -> None:
    assert dial_refusal(ip, "records") is None


def test_a_loopback_lab_lets_records_point_at_loopback_only() -> None:
    lab = DialPolicy(lab=True)
    assert lab.refusal("127.0.0.14", "records") is None
    assert lab.refusal("::1", "records") is None
    assert lab.refusal("10.1.2.3", "records") is not None
    assert lab.refusal("169.254.169.254", "records") is not None


def test_a_refusal_says_where_the_host_points_and_why() -> None:
    refusal = dial_refusal("169.254.169.254", "records")
    assert refusal is not None
    assert refusal.detail("imap.evil.example") == (
        "imap.evil.example points at 169.254.169.254, a metadata address, where no mail server can be: never dialled")


@pytest.mark.parametrize(("nameservers", "lab"), [
    ([("127.0.0.1", 40123)], True),  # every lab world's DNS server (tests/lab/world.py)
    ([("::1", 40123)], True),
    ([("127.0.0.1", 40123), ("127.0.0.2", 40124)], True),
    (None, False),  # the system's resolver, wherever it is, never makes a lab
    ([], False),
    ([("127.0.0.53", 53)], False),  # systemd-resolved, or any resolver this machine uses for the internet
    ([("127.0.0.1", 53)], False),
    ([("127.0.0.1", 40123), ("10.0.0.2", 40124)], False),
    ([("10.0.0.2", 40123)], False),
])
def test_a_run_is_a_lab_only_on_loopback_resolvers_off_port_53(nameservers: list[tuple[str, int]] | None,
                                                               lab: bool) -> None:
    assert lab_run(nameservers) is lab


@pytest.mark.parametrize("ip", ["0.0.0.0", "::", "224.0.0.251", "ff02::fb", "255.255.255.255"])
def test_no_resolver_lives_at_unspecified_multicast_or_broadcast(ip: str) -> None:
    assert nameserver_refusal(ip, requested=False) is not None
    with pytest.raises(UsageError, match="never asks"):
        parse_nameserver(ip)


@pytest.mark.parametrize("ip", ["169.254.169.254", "169.254.169.253", "fe80::1", "100.100.100.200"])
def test_a_request_may_not_name_a_link_local_or_metadata_resolver_but_the_user_may(ip: str) -> None:
    # A cloud machine's own resolver may be there (GCP's is 169.254.169.254): the user may name it at the command
    # line; a stranger's request (the exporter's URL) may not.
    assert nameserver_refusal(ip, requested=True) is not None
    assert nameserver_refusal(ip, requested=False) is None
    assert parse_nameserver(ip) == (ip, 53)
    with pytest.raises(UsageError):
        parse_nameserver(ip, "nameserver", requested=True)


@pytest.mark.parametrize("ip", ["127.0.0.1", "10.0.0.2", "8.8.8.8"])
def test_ordinary_resolvers_may_be_named(ip: str) -> None:
    assert nameserver_refusal(ip, requested=True) is None
