"""The planner applies the address policy to every address it plans to dial, and the fetch policy to servers an
autoconfig file names: a file fetched from the internet may not send mail commands into the user's own network
(pure planning: no socket is opened here). A refused address is still a step, never dialled (`unresolved`):
the evidence says where the host points."""

from __future__ import annotations

from mailprobe.address import parse_address
from mailprobe.addresspolicy import DialPolicy
from mailprobe.evidence import Failure, Status, TlsMode
from mailprobe.kinds.dns import DnsLookup
from mailprobe.kinds.web import PublishedServer, WebVisit
from mailprobe.plan import Planner, PlanOptions, Query, Step
from mailprobe.profiles import load_profiles

TARGET = parse_address("li@unknown-shop.example")


def _planner_after_autoconfig(origin: str, lab: bool = False) -> tuple[Planner, Step]:
    planner = Planner(TARGET, load_profiles(None), PlanOptions(no_baseline=True, policy=DialPolicy(lab=lab)))
    visit = WebVisit(
        id="autoconfig/autoconfig.unknown-shop.example", target="autoconfig.unknown-shop.example:443",
        address=origin, status=Status.PASS, host="autoconfig.unknown-shop.example", port=443,
        url="https://autoconfig.unknown-shop.example/mail/config-v1.1.xml",
        published=[PublishedServer(protocol="imap", host="imap.corp.example", port=993, tls=TlsMode.IMPLICIT)],
    )
    autoconfig = Step("autoconfig", Query(name=TARGET.domain_ascii))
    steps = [s for s in planner.after(autoconfig, [visit]) if s.probe == "dns.host"]
    assert len(steps) == 1 and steps[0].name == "imap.corp.example"
    return planner, steps[0]


def _answer(host: str, ip: str) -> list[DnsLookup]:
    return [DnsLookup(id=f"dns.a/{host}", target=host, status=Status.PASS, name=host, rdtype="A",
                      purpose="host", records=[ip])]


def test_a_public_autoconfig_file_cannot_send_mail_commands_into_a_private_network() -> None:
    planner, host_step = _planner_after_autoconfig("93.184.216.34")  # a public address; nothing is dialled here
    sessions = planner.after(host_step, _answer("imap.corp.example", "10.1.2.3"))
    assert len(sessions) == 1 and sessions[0].ip == "10.1.2.3"
    assert sessions[0].unresolved is not None  # never dialled
    status, error = sessions[0].unresolved
    assert status is Status.ERROR and error.kind is Failure.POLICY


def test_a_lab_autoconfig_file_may_name_lab_servers() -> None:
    planner, host_step = _planner_after_autoconfig("127.0.0.5", lab=True)
    sessions = planner.after(host_step, _answer("imap.corp.example", "127.0.0.6"))
    assert [(s.ip, s.unresolved) for s in sessions] == [("127.0.0.6", None)]


def test_a_public_autoconfig_file_cannot_lead_out_of_the_internet_even_in_a_lab() -> None:
    planner, host_step = _planner_after_autoconfig("93.184.216.34", lab=True)
    [session] = planner.after(host_step, _answer("imap.corp.example", "127.0.0.6"))
    assert session.unresolved is not None and session.unresolved[1].kind is Failure.POLICY


def test_no_chain_reaches_link_local() -> None:
    planner, host_step = _planner_after_autoconfig("127.0.0.5", lab=True)
    sessions = planner.after(host_step, _answer("imap.corp.example", "169.254.169.254"))
    assert sessions[0].ip == "169.254.169.254" and sessions[0].unresolved is not None


def test_the_providers_hosts_are_prefetched_without_holding_the_report() -> None:
    """Whichever provider the MX names, its hosts were asked while the MX came: the prefetch step names every
    profile's fixed hosts, records nothing, and has no grace to hold the report with."""
    profiles = load_profiles(None)
    steps = Planner(TARGET, profiles, PlanOptions(prefetch=True)).first_steps()
    [prefetch] = [s for s in steps if s.probe == "dns.prefetch"]
    assert prefetch.name == TARGET.domain_ascii and not prefetch.keep and prefetch.grace == 0.0
    for profile in profiles.all():
        assert set(profile.well_known_hosts()) <= set(prefetch.query.hosts)
    assert "imap.exmail.qq.com" in prefetch.query.hosts and "outlook.office365.com" in prefetch.query.hosts


def test_a_forced_provider_or_a_batch_prefetches_nothing() -> None:
    for options in (PlanOptions(forced_provider="qq", prefetch=True), PlanOptions()):
        steps = Planner(TARGET, load_profiles(None), options).first_steps()
        assert not [s for s in steps if s.probe == "dns.prefetch"]
