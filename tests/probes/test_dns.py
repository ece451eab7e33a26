"""DNS evidence against a real DNS server on loopback: what each answer, absence or failure becomes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from mailprobe.addresspolicy import DialPolicy
from mailprobe.diagnosis.dnsjudgements import mx_disagreement, resolver_is_sane
from mailprobe.evidence import Failure, Role, Status
from mailprobe.kinds.dns import DnsLookup, MxRecord
from mailprobe.net.deadline import Deadline
from mailprobe.net.resolver import Resolver
from mailprobe.plan import addresses_of
from mailprobe.probes.dns import (
    MAX_SANITY_HOSTS,
    compare_authoritative,
    lookup_addresses,
    lookup_implicit_mx,
    lookup_mx,
    lookup_spf,
    lookup_srv,
    resolver_sanity,
    spf_includes,
    zone_candidates,
)
from tests.lab.dnsserver import LabDnsServer, Zone

LAB = DialPolicy(lab=True)  # the name servers found are on loopback: a lab's (addresspolicy.lab_run)

ZONE: Zone = {
    "example.com": {
        "MX": ["20 mx2.example.com.", "10 MXB.Example.com.", "10 mxa.example.com."],
        "TXT": ['"v=spf1 include:spf.mail.qq.com" " ~all"', '"google-site-verification=abc"'],
    },
    "nullmx.example": {"MX": ["0 ."]},
    "nomx.example": {"A": ["127.0.0.1"], "TXT": ['"just text"']},
    "twospf.example": {"TXT": ['"v=spf1 include:a.example -all"', '"v=spf1 mx ~all"']},
    "imap.exmail.qq.com": {"A": ["127.0.0.2"], "AAAA": ["::1"]},
    "mail.example.com": {"CNAME": ["imap.exmail.qq.com."]},
    "smtp.example.com": {"A": ["127.0.0.3"]},
    "_imaps._tcp.srv.example": {"SRV": ["0 0 0 ."]},
    "_submission._tcp.srv.example": {
        "SRV": ["10 5 587 b.srv.example.", "10 60 587 a.srv.example.", "0 0 587 c."]
    },
}
# A generous did-not-hang bound; the resolver's own bound comes from the deadline.
HANG_S = 15.0


@pytest.fixture
async def lab() -> AsyncIterator[LabDnsServer]:
    async with LabDnsServer(ZONE) as server:
        yield server


def resolver_for(server: LabDnsServer, seconds: float = 6.0) -> Resolver:
    return Resolver(Deadline(seconds), server.nameservers)


def hosts(lookup: DnsLookup) -> list[tuple[int, str]]:
    return [(mx.preference, mx.exchange) for mx in lookup.mx]


# --- MX ------------------------------------------------------------------------------------------


async def test_mx_answered_pass_sorted_by_preference_then_name(lab: LabDnsServer) -> None:
    lookup = await lookup_mx(resolver_for(lab), "Example.COM.")

    assert lookup.status is Status.PASS
    assert lookup.id == "dns.mx/example.com"
    assert lookup.target == lookup.name == "example.com"
    assert hosts(lookup) == [(10, "mxa.example.com"), (10, "mxb.example.com"), (20, "mx2.example.com")]
    assert not lookup.null_mx
    assert lookup.nameserver == lab.nameserver
    assert lookup.ttl == 300
    assert len(lookup.records) == 3
    assert lookup.error is None


async def test_null_mx_sets_null_mx(lab: LabDnsServer) -> None:
    lookup = await lookup_mx(resolver_for(lab), "nullmx.example")

    assert lookup.status is Status.PASS
    assert lookup.null_mx
    assert lookup.mx == [MxRecord(preference=0, exchange=".")]


async def test_null_mx_among_other_mx_is_not_a_null_mx(lab: LabDnsServer) -> None:
    lab.set_records("nullmx.example", "MX", ["0 .", "10 mx.nullmx.example."])

    lookup = await lookup_mx(resolver_for(lab), "nullmx.example")

    assert not lookup.null_mx
    assert hosts(lookup) == [(0, "."), (10, "mx.nullmx.example")]


async def test_no_mx_fails_no_answer_and_implicit_mx_a_is_found(lab: LabDnsServer) -> None:
    resolver = resolver_for(lab)

    mx = await lookup_mx(resolver, "nomx.example")
    implicit = await lookup_implicit_mx(resolver, "nomx.example")

    assert mx.status is Status.FAIL
    assert mx.error is not None and mx.error.kind is Failure.NO_ANSWER and mx.error.stage == "resolve"
    assert [(lk.rdtype, lk.status, lk.purpose) for lk in implicit] == [
        ("A", Status.PASS, "implicit_mx"),
        ("AAAA", Status.FAIL, "implicit_mx"),
    ]
    assert addresses_of(implicit) == ["127.0.0.1"]


async def test_nxdomain_domain_fails_nxdomain(lab: LabDnsServer) -> None:
    lookup = await lookup_mx(resolver_for(lab), "no-such-domain.example")

    assert lookup.status is Status.FAIL
    assert lookup.error is not None and lookup.error.kind is Failure.NXDOMAIN
    assert lookup.mx == []


@pytest.mark.parametrize("fault", ["servfail", "refused"])
async def test_servfail_is_an_error_never_absent(lab: LabDnsServer, fault: str) -> None:
    lab.set_faults("example.com", **{fault: True})

    lookup = await lookup_mx(resolver_for(lab), "example.com")

    assert lookup.status is Status.ERROR
    assert lookup.error is not None and lookup.error.kind is Failure.SERVFAIL
    assert lookup.mx == [] and not lookup.null_mx


async def test_resolver_drops_packets_error_dns_timeout_within_the_deadline(lab: LabDnsServer) -> None:
    lab.set_faults(drop=True)
    started = time.monotonic()

    lookup = await lookup_mx(resolver_for(lab, seconds=3.0), "example.com")

    assert time.monotonic() - started < HANG_S
    assert lookup.status is Status.ERROR
    assert lookup.error is not None and lookup.error.kind is Failure.DNS_TIMEOUT


async def test_truncated_answer_retried_over_tcp(lab: LabDnsServer) -> None:
    lab.set_faults(truncate=True)

    lookup = await lookup_mx(resolver_for(lab), "example.com")

    assert lookup.status is Status.PASS
    assert len(lookup.mx) == 3
    assert [(q.name, q.transport) for q in lab.queries] == [("example.com", "udp"), ("example.com", "tcp")]


# --- addresses -----------------------------------------------------------------------------------


async def test_host_behind_cname_has_both_families_ipv4_first(lab: LabDnsServer) -> None:
    a, aaaa = await lookup_addresses(resolver_for(lab), "mail.example.com", Role.BASELINE)

    assert (a.id, a.status, a.role, a.purpose) == (
        "dns.a/mail.example.com",
        Status.PASS,
        Role.BASELINE,
        "host",
    )
    assert (aaaa.id, aaaa.status) == ("dns.aaaa/mail.example.com", Status.PASS)
    assert addresses_of([aaaa, a, a]) == ["127.0.0.2", "::1"]


async def test_host_with_only_ipv4_has_aaaa_skipped_as_normal(lab: LabDnsServer) -> None:
    a, aaaa = await lookup_addresses(resolver_for(lab), "smtp.example.com")

    assert a.status is Status.PASS and a.records == ["127.0.0.3"]
    assert aaaa.status is Status.SKIP
    assert aaaa.error is not None and aaaa.error.kind is Failure.NO_ANSWER
    assert addresses_of([a, aaaa]) == ["127.0.0.3"]


async def test_host_with_no_address_at_all_fails_both_families(lab: LabDnsServer) -> None:
    lab.set_records("bare.example.com", "TXT", ['"no address here"'])

    a, aaaa = await lookup_addresses(resolver_for(lab), "bare.example.com")

    assert (a.status, aaaa.status) == (Status.FAIL, Status.FAIL)
    assert addresses_of([a, aaaa]) == []


# --- SPF -----------------------------------------------------------------------------------------


async def test_spf_with_include_found(lab: LabDnsServer) -> None:
    lookup = await lookup_spf(resolver_for(lab), "example.com")

    assert (lookup.status, lookup.purpose, lookup.id) == (Status.PASS, "spf", "dns.spf/example.com")
    assert lookup.records == ["v=spf1 include:spf.mail.qq.com ~all"]
    assert spf_includes(lookup) == ["spf.mail.qq.com"]


async def test_two_spf_records_warn(lab: LabDnsServer) -> None:
    lookup = await lookup_spf(resolver_for(lab), "twospf.example")

    assert lookup.status is Status.WARN
    assert len(lookup.records) == 2
    assert spf_includes(lookup) == ["a.example"]


async def test_txt_without_spf_is_only_noted_as_skip(lab: LabDnsServer) -> None:
    lookup = await lookup_spf(resolver_for(lab), "nomx.example")

    assert lookup.status is Status.SKIP
    assert lookup.records == []
    assert lookup.error is not None and lookup.error.kind is Failure.NO_ANSWER


def test_spf_includes_reads_qualified_includes_and_redirect() -> None:
    lookup = DnsLookup(
        id="dns.spf/x",
        target="x",
        name="x",
        rdtype="TXT",
        purpose="spf",
        status=Status.PASS,
        records=["v=spf1 +include:A.example ~include:b.example. ip4:192.0.2.0/24 redirect=c.example"],
    )

    assert spf_includes(lookup) == ["a.example", "b.example", "c.example"]


# --- SRV -----------------------------------------------------------------------------------------


async def test_srv_imaps_with_target_dot_is_disabled_and_missing_ones_skip(lab: LabDnsServer) -> None:
    lookups = {lk.name: lk for lk in await lookup_srv(resolver_for(lab), "srv.example")}

    imaps = lookups["_imaps._tcp.srv.example"]
    assert (imaps.status, imaps.purpose, imaps.id) == (Status.PASS, "srv", "dns.srv/_imaps._tcp.srv.example")
    assert [(s.port, s.target) for s in imaps.srv] == [(0, ".")]
    submission = lookups["_submission._tcp.srv.example"]
    assert [s.target for s in submission.srv] == ["c", "a.srv.example", "b.srv.example"]
    pop3 = lookups["_pop3._tcp.srv.example"]
    assert pop3.status is Status.SKIP
    assert pop3.error is not None and pop3.error.kind is Failure.NXDOMAIN
    assert len(lookups) == 6


async def test_srv_servfail_is_an_error_not_a_skip(lab: LabDnsServer) -> None:
    lab.set_faults("_imaps._tcp.srv.example", servfail=True)

    lookups = {lk.name: lk for lk in await lookup_srv(resolver_for(lab), "srv.example")}

    assert lookups["_imaps._tcp.srv.example"].status is Status.ERROR
    assert lookups["_submission._tcp.srv.example"].status is Status.PASS


# --- resolver sanity -----------------------------------------------------------------------------


async def test_resolver_answering_nxdomain_for_everything_is_not_sane(lab: LabDnsServer) -> None:
    lab.set_faults(nxdomain_everything=True)

    lookups = await resolver_sanity(resolver_for(lab), ["imap.exmail.qq.com", "smtp.example.com"])

    assert [lk.status for lk in lookups] == [Status.FAIL, Status.FAIL]
    assert {lk.purpose for lk in lookups} == {"resolver_sanity"}
    assert resolver_is_sane(lookups) is False


async def test_resolver_answering_well_known_hosts_is_sane(lab: LabDnsServer) -> None:
    names = [
        "imap.exmail.qq.com",
        "IMAP.exmail.qq.com.",
        "gone.example",
        *(f"h{i}.example" for i in range(9)),
    ]

    lookups = await resolver_sanity(resolver_for(lab), names + [f"more{i}.example" for i in range(20)])

    assert len(lookups) == MAX_SANITY_HOSTS  # de-duplicated, then bounded
    assert lookups[0].id == "dns.sanity/imap.exmail.qq.com" and lookups[0].role is Role.BASELINE
    assert resolver_is_sane(lookups) is True
    # Once one well-known name resolves, the others' absence is noted, not failed.
    gone = next(lk for lk in lookups if lk.name == "gone.example")
    assert gone.status is Status.SKIP and gone.error is not None and gone.error.kind is Failure.NXDOMAIN


async def test_resolver_denying_every_well_known_host_leaves_them_failed(lab: LabDnsServer) -> None:
    lab.set_faults(nxdomain_everything=True)

    lookups = await resolver_sanity(resolver_for(lab), ["imap.exmail.qq.com", "qiye.163.com"])

    assert {lk.status for lk in lookups} == {Status.FAIL}
    assert resolver_is_sane(lookups) is False


async def test_resolver_failing_every_sanity_host_is_not_sane(lab: LabDnsServer) -> None:
    lab.set_faults(servfail=True)

    lookups = await resolver_sanity(resolver_for(lab), ["imap.exmail.qq.com"])

    assert lookups[0].status is Status.ERROR
    assert resolver_is_sane(lookups) is False
    assert resolver_is_sane([]) is None


# --- authoritative comparison --------------------------------------------------------------------


@pytest.fixture
async def authority() -> AsyncIterator[LabDnsServer]:
    async with LabDnsServer({"example.com": {"MX": ["10 new-mx.example.net."]}}) as server:
        yield server


async def test_authoritative_server_disagrees_with_resolver_about_mx(
    lab: LabDnsServer, authority: LabDnsServer
) -> None:
    lab.delegate("example.com", authority, "ns1.example.net")
    resolver = resolver_for(lab)

    resolver_mx = await lookup_mx(resolver, "example.com")
    compared = await compare_authoritative(resolver, resolver.deadline, "example.com", port=authority.port,
                                           policy=LAB)

    ns, asked = compared[0], compared[1:]
    assert (ns.purpose, ns.status, ns.records) == ("ns", Status.PASS, ["ns1.example.net."])
    assert [(lk.purpose, lk.nameserver, lk.status) for lk in asked] == [
        ("authoritative", authority.nameserver, Status.PASS)
    ]
    assert asked[0].id == f"dns.authoritative/example.com/{authority.nameserver}"
    assert hosts(asked[0]) == [(10, "new-mx.example.net")]
    assert mx_disagreement(resolver_mx, compared) is True


async def test_authoritative_server_agrees_with_resolver(lab: LabDnsServer, authority: LabDnsServer) -> None:
    authority.set_zone(ZONE)
    resolver = resolver_for(lab)

    resolver_mx = await lookup_mx(resolver, "example.com")
    compared = await compare_authoritative(resolver, resolver.deadline, "example.com", [authority.address])

    assert [lk.purpose for lk in compared] == ["authoritative"]
    assert mx_disagreement(resolver_mx, compared) is False


async def test_resolver_nxdomain_while_authority_has_mx_disagrees(
    lab: LabDnsServer, authority: LabDnsServer
) -> None:
    lab.remove_name("example.com")
    resolver = resolver_for(lab)

    resolver_mx = await lookup_mx(resolver, "example.com")
    compared = await compare_authoritative(resolver, resolver.deadline, "example.com", [authority.address])

    assert resolver_mx.status is Status.FAIL
    assert mx_disagreement(resolver_mx, compared) is True


async def test_ns_found_on_the_parent_zone(lab: LabDnsServer, authority: LabDnsServer) -> None:
    lab.delegate("example.com", authority)
    authority.set_records("mail.example.com", "MX", ["5 mx.example.com."])
    resolver = resolver_for(lab)

    compared = await compare_authoritative(
        resolver, resolver.deadline, "mail.example.com", port=authority.port, policy=LAB
    )

    assert (compared[0].name, compared[0].id, compared[0].status) == (
        "example.com",
        "dns.ns/mail.example.com",
        Status.PASS,
    )
    assert hosts(compared[1]) == [(5, "mx.example.com")]


async def test_no_ns_found_could_not_compare(lab: LabDnsServer) -> None:
    resolver = resolver_for(lab)

    resolver_mx = await lookup_mx(resolver, "example.com")
    compared = await compare_authoritative(resolver, resolver.deadline, "example.com")

    assert [(lk.purpose, lk.status) for lk in compared] == [("ns", Status.SKIP)]
    assert compared[0].error is not None and "could not compare" in compared[0].error.detail
    assert mx_disagreement(resolver_mx, compared) is None


async def test_name_server_without_address_could_not_compare(lab: LabDnsServer) -> None:
    lab.set_records("example.com", "NS", ["ns1.nowhere.example."])
    resolver = resolver_for(lab)

    compared = await compare_authoritative(resolver, resolver.deadline, "example.com")

    assert [(lk.purpose, lk.status) for lk in compared] == [("ns", Status.SKIP)]
    assert compared[0].error is not None and compared[0].error.kind is Failure.NO_ADDRESS


async def test_silent_authority_cannot_be_compared(lab: LabDnsServer, authority: LabDnsServer) -> None:
    authority.set_faults(drop=True)
    resolver = resolver_for(lab, seconds=3.0)

    resolver_mx = await lookup_mx(resolver, "example.com")
    compared = await compare_authoritative(resolver, resolver.deadline, "example.com", [authority.address])

    assert compared[0].status is Status.ERROR
    assert compared[0].error is not None and compared[0].error.kind is Failure.DNS_TIMEOUT
    assert mx_disagreement(resolver_mx, compared) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("example.com", ["example.com"]),
        ("mail.example.com", ["mail.example.com", "example.com"]),
        ("a.b.c.example.com", ["a.b.c.example.com", "b.c.example.com", "c.example.com"]),
        ("mail.example.com.cn", ["mail.example.com.cn", "example.com.cn"]),
    ],
)
def test_ns_walk_stops_at_the_registrable_level(name: str, expected: list[str]) -> None:
    assert zone_candidates(name) == expected


async def test_a_recursive_resolver_answering_in_the_authoritys_place_is_not_compared(lab: LabDnsServer) -> None:
    async with LabDnsServer({"example.com": {"MX": ["10 elsewhere.example."]}}, authoritative=False) as stub:
        resolver = resolver_for(lab)
        resolver_mx = await lookup_mx(resolver, "example.com")
        compared = await compare_authoritative(resolver, resolver.deadline, "example.com", [stub.address])

    assert compared[0].status is not Status.PASS
    assert compared[0].error is not None and "AA" in compared[0].error.detail
    assert mx_disagreement(resolver_mx, compared) is None


async def test_a_questions_wait_for_its_turn_is_never_counted_as_the_resolvers_time(lab: LabDnsServer) -> None:
    """A check holds a bounded number of questions in flight (limits.QUESTIONS_PER_CHECK); one that waits for its
    turn behind a slow one is timed from when it is asked, so the wait never reads as a slow resolver."""
    lab.set_records("slow.example.com", "A", ["192.0.2.1"])
    lab.set_records("fast.example.com", "A", ["192.0.2.2"])
    lab.set_faults("slow.example.com", delay=0.8)
    resolver = Resolver(Deadline(6.0), lab.nameservers, questions=1)
    slow, fast = await asyncio.gather(resolver.query("slow.example.com", "A"),
                                      resolver.query("fast.example.com", "A"))
    assert slow.ok and fast.ok
    assert slow.duration_ms >= 700.0
    assert fast.duration_ms < 400.0  # it waited some 800 ms for its turn


async def test_a_question_that_waited_for_its_turn_until_the_deadline_is_mailprobes_own_failure(
    lab: LabDnsServer,
) -> None:
    lab.set_records("slow.example.com", "A", ["192.0.2.1"])
    lab.set_records("fast.example.com", "A", ["192.0.2.2"])
    lab.set_faults("slow.example.com", drop=True)
    resolver = Resolver(Deadline(2.0), lab.nameservers, questions=1)
    slow, fast = await asyncio.gather(resolver.query("slow.example.com", "A"),
                                      resolver.query("fast.example.com", "A"))
    assert slow.failure is Failure.DNS_TIMEOUT  # the resolver's silence is the resolver's
    assert fast.failure is Failure.INTERNAL and "mailprobe's own sockets" in fast.detail
