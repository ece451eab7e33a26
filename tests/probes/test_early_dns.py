"""The first questions asked while the check loads (net/early.py), and the providers' hosts asked while a slow
MX is awaited (the dns.prefetch step): their answers are taken by the check's one resolver, never asked twice,
and read exactly as if the resolver had asked."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from mailprobe.evidence import Failure
from mailprobe.net import early
from mailprobe.net.deadline import Deadline
from mailprobe.net.resolver import Resolver
from mailprobe.net.tls import TlsSettings
from mailprobe.plan import Query, Step, Why
from mailprobe.probes.base import ProbeContext
from mailprobe.probes.dns import probe_prefetch
from mailprobe.profiles import load_profiles
from tests.lab.dnsserver import LabDnsServer, Zone

ZONE: Zone = {
    "early.example": {"MX": ["10 mx.early.example."], "TXT": ['"v=spf1 -all"']},
    "slow.example": {"MX": ["10 imap.exmail.qq.com."]},
    "imap.exmail.qq.com": {"A": ["127.0.0.2"], "AAAA": ["::1"]},
    "smtp.exmail.qq.com": {"A": ["127.0.0.3"]},
    "qq-customer.example": {"MX": ["5 mxbiz1.qq.com."]},
}
HOSTS = ("imap.exmail.qq.com", "smtp.exmail.qq.com")


@pytest.fixture
async def lab() -> AsyncIterator[LabDnsServer]:
    async with LabDnsServer(ZONE) as server:
        yield server


def asks() -> list[asyncio.Task[object]]:
    """The resolver's questions on the wire (its ask tasks) still running."""
    return [t for t in asyncio.all_tasks() if getattr(t.get_coro(), "__qualname__", "") == "Resolver._ask"
            and not t.done()]


def asked(server: LabDnsServer, name: str, rdtype: str) -> int:
    return sum(1 for q in server.queries if q.name == name and q.rdtype == rdtype)


async def settled(domain: str, server: LabDnsServer) -> None:
    for _ in range(200):
        if asked(server, domain, "MX") and asked(server, domain, "TXT"):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the early questions never reached the server")


async def test_an_early_answer_is_the_resolvers_and_is_not_asked_again(lab: LabDnsServer) -> None:
    early.ask(["someone@Early.Example."], lab.nameservers, Deadline(6.0))
    await settled("early.example", lab)
    resolver = Resolver(Deadline(6.0), lab.nameservers)
    mx, txt = await asyncio.gather(resolver.query("early.example", "MX"), resolver.query("early.example", "TXT"))
    assert mx.ok and mx.records == ["10 mx.early.example."]
    assert txt.ok and txt.records == ['"v=spf1 -all"']
    assert asked(lab, "early.example", "MX") == 1 and asked(lab, "early.example", "TXT") == 1
    # Taken once: a later check of the same domain asks for itself.
    again = await Resolver(Deadline(6.0), lab.nameservers).query("early.example", "MX")
    assert again.ok and asked(lab, "early.example", "MX") == 2


async def test_an_early_failure_reads_as_the_resolvers_own(lab: LabDnsServer) -> None:
    early.ask(["someone@missing.example"], lab.nameservers, Deadline(6.0))
    await settled("missing.example", lab)
    answer = await Resolver(Deadline(6.0), lab.nameservers).query("missing.example", "MX")
    assert answer.failure == Failure.NXDOMAIN
    assert asked(lab, "missing.example", "MX") == 1


async def test_an_early_answer_through_other_nameservers_is_not_taken(lab: LabDnsServer) -> None:
    async with LabDnsServer(ZONE) as other:
        early.ask(["someone@early.example"], other.nameservers, Deadline(6.0))
        await settled("early.example", other)
        answer = await Resolver(Deadline(6.0), lab.nameservers).query("early.example", "MX")
    assert answer.ok and asked(lab, "early.example", "MX") == 1  # asked of its own nameserver after all


@pytest.mark.parametrize("address", ["a@bücher.example", "no-at-sign", "a@bad_label.example", "x@localhost"])
def test_only_plain_domains_are_asked_early(address: str) -> None:
    early.ask([address], [("127.0.0.1", 9)], Deadline(1.0))
    domain = address.rpartition("@")[2].lower()
    assert early.take([("127.0.0.1", 9)], domain, "MX") is None


async def hosts_asked(server: LabDnsServer, hosts: list[str]) -> None:
    for _ in range(200):
        if all(asked(server, host, "A") and asked(server, host, "AAAA") for host in hosts):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the early host questions never reached the server")


async def test_while_a_slow_mx_is_awaited_every_providers_hosts_are_asked_early(lab: LabDnsServer) -> None:
    """Asked while the check loads, by the dns.prefetch step's own rule (the MX is slow): the provider's
    lookups then take those answers, nothing is asked twice."""
    lab.set_faults("slow.example", delay=0.5)
    profiles = load_profiles()
    early.ask(["someone@slow.example"], lab.nameservers, Deadline(6.0))
    early.prefetch(profiles, lab.nameservers, Deadline(6.0), baseline=True)
    await hosts_asked(lab, profiles.fixed_hosts())
    assert not early._ASKED[early._key(lab.nameservers, "slow.example", "MX")].done()  # the MX still to come
    imap_a = await Resolver(Deadline(6.0), lab.nameservers).query("imap.exmail.qq.com", "A")
    assert imap_a.records == ["127.0.0.2"] and asked(lab, "imap.exmail.qq.com", "A") == 1


@pytest.mark.parametrize("baseline", [True, False])
async def test_once_the_mx_named_a_provider_its_hosts_are_asked_early(lab: LabDnsServer, baseline: bool) -> None:
    """An MX already answered names the provider: its fixed hosts are asked (the overseas ones too), and the
    baseline providers' while the default baseline is used; no other provider's."""
    profiles = load_profiles()
    early.ask(["someone@qq-customer.example"], lab.nameservers, Deadline(6.0))
    await settled("qq-customer.example", lab)
    question = early._ASKED[early._key(lab.nameservers, "qq-customer.example", "MX")]
    question.result(5)
    early.prefetch(profiles, lab.nameservers, Deadline(6.0), baseline=baseline)
    wanted = ["imap.exmail.qq.com", "hwsmtp.exmail.qq.com", *(["imap.qiye.163.com", "smtp.qiye.aliyun.com"]
                                                             if baseline else [])]
    await hosts_asked(lab, wanted)
    await asyncio.sleep(0.1)
    names = {q.name for q in lab.queries if q.rdtype in ("A", "AAAA")}
    assert "imap.gmail.com" not in names and "outlook.office365.com" not in names
    assert ("imap.qiye.163.com" in names) is baseline
    smtp_a = await Resolver(Deadline(6.0), lab.nameservers).query("smtp.exmail.qq.com", "A")
    assert smtp_a.records == ["127.0.0.3"] and asked(lab, "smtp.exmail.qq.com", "A") == 1


async def test_an_mx_that_names_no_provider_has_nothing_more_asked_early(lab: LabDnsServer) -> None:
    early.ask(["someone@early.example"], lab.nameservers, Deadline(6.0))
    await settled("early.example", lab)
    early._ASKED[early._key(lab.nameservers, "early.example", "MX")].result(5)
    early.prefetch(load_profiles(), lab.nameservers, Deadline(6.0), baseline=True)
    await asyncio.sleep(0.2)
    assert {q.rdtype for q in lab.queries} == {"MX", "TXT"}


def prefetch_step(domain: str) -> Step:
    return Step("dns.prefetch", Query(name=domain, hosts=HOSTS), Why.PREFETCH, keep=False, grace=0.0)


async def test_a_slow_mx_has_the_providers_hosts_asked_meanwhile(lab: LabDnsServer) -> None:
    lab.set_faults("slow.example", delay=0.5)
    resolver = Resolver(Deadline(6.0), lab.nameservers)
    ctx = ProbeContext(deadline=resolver.deadline, tls=TlsSettings(), resolver=resolver)
    started = time.monotonic()
    assert await probe_prefetch(prefetch_step("slow.example"), ctx) == []
    assert time.monotonic() - started < 0.45  # the hosts answered; the MX is still on its way
    for host in HOSTS:
        assert asked(lab, host, "A") == 1 and asked(lab, host, "AAAA") == 1
    # The provider's own lookups then take those answers: nothing is asked twice.
    imap_a = await resolver.query("imap.exmail.qq.com", "A")
    assert imap_a.records == ["127.0.0.2"] and asked(lab, "imap.exmail.qq.com", "A") == 1


async def test_a_quick_mx_has_nothing_more_asked(lab: LabDnsServer) -> None:
    resolver = Resolver(Deadline(6.0), lab.nameservers)
    ctx = ProbeContext(deadline=resolver.deadline, tls=TlsSettings(), resolver=resolver)
    assert await probe_prefetch(prefetch_step("early.example"), ctx) == []
    assert [q.name for q in lab.queries] == ["early.example"]


async def test_a_lost_question_is_asked_again_after_a_few_round_trips(lab: LabDnsServer) -> None:
    """A lost datagram costs a few round trips (at least Timeouts.dns_ask_again_floor), not dnspython's whole
    per-server timeout (3 s at the default --timeout): the question is asked again beside the first."""
    lab.set_faults("early.example", lose_first=1)
    answer = await Resolver(Deadline(10.0), lab.nameservers, ask_again=True).query("early.example", "MX")
    assert answer.ok and answer.records == ["10 mx.early.example."]
    first, second = [q.at for q in lab.queries if q.name == "early.example"]
    assert second - first < 1.5  # asked again at 0.5 s; the per-server timeout would be 3 s


async def test_a_slow_answer_to_the_first_question_is_still_taken(lab: LabDnsServer) -> None:
    """The first question stays open: a resolver slower than the ask-again bound is still answered (never
    turned into a time-out by asking anew)."""
    lab.set_faults("early.example", delay=1.2)  # past the ask-again bound, within dnspython's 3 s per server
    answer = await Resolver(Deadline(10.0), lab.nameservers, ask_again=True).query("early.example", "MX")
    assert answer.ok and answer.records == ["10 mx.early.example."]
    assert len([q for q in lab.queries if q.name == "early.example"]) == 2  # asked again, the first kept open


async def test_a_batch_resolver_does_not_ask_again(lab: LabDnsServer) -> None:
    lab.set_faults("early.example", lose_first=1)
    answer = await Resolver(Deadline(3.0), lab.nameservers).query("early.example", "MX")
    assert answer.ok
    first, second = [q.at for q in lab.queries if q.name == "early.example"]
    assert second - first >= 0.9  # dnspython's own retry, after its per-server timeout (1 s at --timeout 3)


async def test_a_question_cut_off_while_waiting_to_ask_again_leaves_no_ask_behind(lab: LabDnsServer) -> None:
    """The prefetch step is cut off at the end of a run with its questions in flight: cancelling a question
    cancels its own asks too (asyncio.wait never cancels what it waits for), so none is left to end, unheard,
    in an exception when the loop closes."""
    lab.set_faults("early.example", delay=2.0)
    resolver = Resolver(Deadline(10.0), lab.nameservers, ask_again=True)
    question = asyncio.ensure_future(resolver.query("early.example", "MX"))
    await asyncio.sleep(0.1)  # inside the wait before asking again
    assert len(asks()) == 1, asks()  # the first, inside the wait before asking again
    for shared in resolver._pending.values():
        shared.cancel()  # as asyncio.run's shutdown, or the run's settling, cancels it
    await asyncio.sleep(0.05)
    assert asks() == [] and question.cancelled()


async def test_a_host_asked_early_sets_the_pace_by_its_own_round_trip(lab: LabDnsServer) -> None:
    """It stands in for the check's own lookup, which set the network's pace (a greeting's stall bound): its
    round trip counts, not the time since it was asked; the first questions' answers never count."""
    lab.set_faults("slow.example", delay=0.6)
    lab.set_faults("imap.exmail.qq.com", delay=0.3)
    early.ask(["someone@slow.example"], lab.nameservers, Deadline(6.0))
    early.prefetch(load_profiles(), lab.nameservers, Deadline(6.0), baseline=True)
    await asyncio.sleep(0.9)  # both answered long before the check takes them
    resolver = Resolver(Deadline(6.0), lab.nameservers)
    assert (await resolver.query("slow.example", "MX")).ok
    assert resolver.pace.slowest_ms is None
    assert (await resolver.query("imap.exmail.qq.com", "A")).ok
    assert resolver.pace.slowest_ms is not None and 250 <= resolver.pace.slowest_ms < 700
