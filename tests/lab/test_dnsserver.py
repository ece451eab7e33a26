"""The lab DNS server answers like a real one, and fails exactly as told."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from tests.lab.dnsserver import LabDnsServer, Query, Zone

ZONE: Zone = {
    "example.com": {"MX": ["10 mxbiz1.qq.com."], "TXT": ['"v=spf1 include:spf.mail.qq.com ~all"']},
    "mxbiz1.qq.com": {"A": ["127.0.0.1"]},
    "imap.exmail.qq.com": {"A": ["127.0.0.2"], "AAAA": ["::1"]},
    "webmail.example.com": {"CNAME": ["alias.example.com."]},
    "alias.example.com": {"CNAME": ["imap.exmail.qq.com."]},
    "dangling.example.com": {"CNAME": ["gone.example.com."]},
    "_imaps._tcp.example.com": {"SRV": ["0 0 0 ."]},
    "big.example": {"TXT": [f'"{"x" * 200} {i}"' for i in range(12)]},
}
HANG_S = 10.0


@pytest.fixture
async def lab() -> AsyncIterator[LabDnsServer]:
    async with LabDnsServer(ZONE) as server:
        yield server


async def ask(server: LabDnsServer, name: str, rdtype: str, *, tcp: bool = False) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype)
    if tcp:
        return await dns.asyncquery.tcp(query, server.host, timeout=3.0, port=server.port)
    return await dns.asyncquery.udp(query, server.host, timeout=3.0, port=server.port)


def answer_texts(response: dns.message.Message) -> list[str]:
    return [rrset.to_text() for rrset in response.answer]


# --- answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("tcp", [False, True])
async def test_answers_from_the_zone_over_udp_and_tcp(lab: LabDnsServer, tcp: bool) -> None:
    response = await ask(lab, "Example.COM", "MX", tcp=tcp)

    assert response.rcode() == dns.rcode.NOERROR
    # Owner names echo the question's case, as real servers do.
    assert [rrset.to_text().lower() for rrset in response.answer] == [
        "example.com. 300 in mx 10 mxbiz1.qq.com."
    ]
    assert response.flags & dns.flags.AA
    assert lab.queries == [Query("example.com", "MX", "tcp" if tcp else "udp")]


async def test_cname_chain_followed_in_the_answer(lab: LabDnsServer) -> None:
    response = await ask(lab, "webmail.example.com", "AAAA")

    assert [rrset.rdtype for rrset in response.answer] == [
        dns.rdatatype.CNAME,
        dns.rdatatype.CNAME,
        dns.rdatatype.AAAA,
    ]
    assert response.answer[-1].to_text() == "imap.exmail.qq.com. 300 IN AAAA ::1"


async def test_cname_to_an_unknown_name_is_nxdomain(lab: LabDnsServer) -> None:
    response = await ask(lab, "dangling.example.com", "A")

    assert response.rcode() == dns.rcode.NXDOMAIN
    assert [rrset.rdtype for rrset in response.answer] == [dns.rdatatype.CNAME]


async def test_unknown_name_is_nxdomain_with_soa(lab: LabDnsServer) -> None:
    response = await ask(lab, "nope.example.com", "A")

    assert response.rcode() == dns.rcode.NXDOMAIN
    assert response.answer == []
    assert [rrset.rdtype for rrset in response.authority] == [dns.rdatatype.SOA]


async def test_known_name_without_the_type_is_noerror_no_answer_with_soa(lab: LabDnsServer) -> None:
    response = await ask(lab, "example.com", "AAAA")

    assert response.rcode() == dns.rcode.NOERROR
    assert response.answer == []
    assert [rrset.rdtype for rrset in response.authority] == [dns.rdatatype.SOA]


async def test_zone_soa_is_used_for_negative_answers(lab: LabDnsServer) -> None:
    lab.set_records("example.com", "SOA", ["ns.example.com. admin.example.com. 7 60 60 60 60"])

    response = await ask(lab, "nope.example.com", "A")

    assert response.authority[0].to_text().endswith("admin.example.com. 7 60 60 60 60")


async def test_empty_non_terminal_exists(lab: LabDnsServer) -> None:
    response = await ask(lab, "_tcp.example.com", "SRV")

    assert response.rcode() == dns.rcode.NOERROR
    assert response.answer == []


async def test_oversized_udp_answer_is_truncated_and_whole_over_tcp(lab: LabDnsServer) -> None:
    over_udp = await ask(lab, "big.example", "TXT")
    over_tcp = await ask(lab, "big.example", "TXT", tcp=True)

    assert over_udp.flags & dns.flags.TC and over_udp.answer == []
    assert len(over_tcp.answer[0]) == 12


async def test_delegate_serves_ns_and_glue_for_another_instance(lab: LabDnsServer) -> None:
    async with LabDnsServer({"example.com": {"MX": ["5 other.example."]}}) as authority:
        ns_host = lab.delegate("example.com", authority)

        ns = await ask(lab, "example.com", "NS")
        glue = await ask(lab, ns_host, "A")
        direct = await ask(authority, "example.com", "MX")

    assert answer_texts(ns) == ["example.com. 300 IN NS ns1.example.com."]
    assert answer_texts(glue) == ["ns1.example.com. 300 IN A 127.0.0.1"]
    assert answer_texts(direct) == ["example.com. 300 IN MX 5 other.example."]


# --- faults --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "rcode"),
    [
        ("servfail", dns.rcode.SERVFAIL),
        ("refused", dns.rcode.REFUSED),
        ("nxdomain_everything", dns.rcode.NXDOMAIN),
    ],
)
async def test_per_name_fault_hits_only_that_name(
    lab: LabDnsServer, fault: str, rcode: dns.rcode.Rcode
) -> None:
    lab.set_faults("example.com", **{fault: True})

    broken = await ask(lab, "example.com", "MX")
    healthy = await ask(lab, "mxbiz1.qq.com", "A")

    assert broken.rcode() == rcode and broken.answer == []
    assert healthy.rcode() == dns.rcode.NOERROR and healthy.answer


async def test_global_nxdomain_everything_like_a_captive_portal(lab: LabDnsServer) -> None:
    lab.set_faults(nxdomain_everything=True)

    responses = [await ask(lab, name, "A") for name in ("mxbiz1.qq.com", "imap.exmail.qq.com")]

    assert [r.rcode() for r in responses] == [dns.rcode.NXDOMAIN, dns.rcode.NXDOMAIN]


async def test_a_hijacking_resolver_sends_every_name_to_one_address(lab: LabDnsServer) -> None:
    lab.hijack_a("127.0.0.99")

    names = ("imap.exmail.qq.com", "mail.google.com", "no-such-name.example")
    hijacked = [answer_texts(await ask(lab, name, "A")) for name in names]
    mx = await ask(lab, "example.com", "MX")
    lab.hijack_a(None)
    again = await ask(lab, "imap.exmail.qq.com", "A")

    assert all(len(texts) == 1 and texts[0].endswith(" A 127.0.0.99") for texts in hijacked), hijacked
    assert answer_texts(mx)[0].endswith("MX 10 mxbiz1.qq.com.")  # other types still come from the zone
    assert answer_texts(again)[0].endswith(" A 127.0.0.2")
    with pytest.raises(ValueError):
        lab.hijack_a("192.0.2.1")  # the lab sends names to loopback only


@pytest.mark.parametrize("tcp", [False, True])
async def test_drop_never_answers(lab: LabDnsServer, tcp: bool) -> None:
    lab.set_faults(drop=True)
    query = dns.message.make_query("example.com", "MX")
    send = dns.asyncquery.tcp if tcp else dns.asyncquery.udp
    started = time.monotonic()

    with pytest.raises(dns.exception.Timeout):
        await send(query, lab.host, timeout=0.5, port=lab.port)
    assert time.monotonic() - started < HANG_S
    assert lab.queries[0].name == "example.com"


async def test_delay_longer_than_the_client_waits_is_a_timeout(lab: LabDnsServer) -> None:
    lab.set_faults("example.com", delay=3.0)

    with pytest.raises(dns.exception.Timeout):
        await dns.asyncquery.udp(
            dns.message.make_query("example.com", "MX"), lab.host, timeout=0.3, port=lab.port
        )
    answered = await ask(lab, "mxbiz1.qq.com", "A")
    assert answered.answer


async def test_short_delay_still_answers(lab: LabDnsServer) -> None:
    lab.set_faults(delay=0.05)

    response = await ask(lab, "example.com", "MX")

    assert answer_texts(response) == ["example.com. 300 IN MX 10 mxbiz1.qq.com."]


async def test_truncate_sets_tc_over_udp_only(lab: LabDnsServer) -> None:
    lab.set_faults(truncate=True)

    over_udp = await ask(lab, "example.com", "MX")
    over_tcp = await ask(lab, "example.com", "MX", tcp=True)

    assert over_udp.flags & dns.flags.TC and over_udp.answer == []
    assert not over_tcp.flags & dns.flags.TC and over_tcp.answer


async def test_clear_faults_restores_answers(lab: LabDnsServer) -> None:
    lab.set_faults(servfail=True)
    lab.clear_faults()

    response = await ask(lab, "example.com", "MX")

    assert response.rcode() == dns.rcode.NOERROR and response.answer


async def test_unknown_fault_name_is_refused(lab: LabDnsServer) -> None:
    with pytest.raises(TypeError, match="servfial"):
        lab.set_faults(servfial=True)


# --- lifecycle and safety ------------------------------------------------------------------------


def test_listens_on_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        LabDnsServer(ZONE, host="0.0.0.0")


def test_bad_zone_fails_when_given() -> None:
    with pytest.raises(dns.exception.SyntaxError):
        LabDnsServer({"example.com": {"A": ["not-an-address"]}})


async def test_listens_on_a_given_port() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    async with LabDnsServer(ZONE, port=port) as server:
        response = await ask(server, "example.com", "MX", tcp=True)
        nameserver = server.nameserver

    assert nameserver == f"127.0.0.1:{port}"
    assert response.answer


async def test_ipv6_loopback_nameserver_text() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        server = await LabDnsServer(ZONE, host="::1").start()
    except OSError:
        pytest.skip("::1 is not configured")
    try:
        assert server.nameserver == f"[::1]:{server.port}"
        assert (await ask(server, "example.com", "MX")).answer
    finally:
        await server.stop()


def test_thread_mode_serves_and_zone_changes_between_questions() -> None:
    with LabDnsServer(ZONE) as server:
        first = dns.query.udp(
            dns.message.make_query("example.com", "MX"), server.host, timeout=3.0, port=server.port
        )
        changer = threading.Thread(
            target=server.set_zone, args=({"example.com": {"MX": ["20 other.example."]}},)
        )
        changer.start()
        changer.join()
        second = dns.query.tcp(
            dns.message.make_query("example.com", "MX"), server.host, timeout=3.0, port=server.port
        )

    assert answer_texts(first) == ["example.com. 300 IN MX 10 mxbiz1.qq.com."]
    assert answer_texts(second) == ["example.com. 300 IN MX 20 other.example."]


def test_thread_mode_stops_listening() -> None:
    server = LabDnsServer(ZONE).start_in_thread()
    port = server.port
    server.stop_thread()

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(3.0)
        assert probe.connect_ex(("127.0.0.1", port)) != 0
