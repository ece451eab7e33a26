"""`Planner.mx_answered` says when the provider the MX names is known: for an MX host that is an alias of a
provider's MX host (`mx.example CNAME mxbiz1.qq.com`), only once that host's own lookup has answered. The admin
record waits on it (check.py), and asked too soon it said "no administrator API" for a provider that has one."""

from __future__ import annotations

from mailprobe.address import parse_address
from mailprobe.evidence import Status
from mailprobe.kinds.dns import DnsLookup, MxRecord
from mailprobe.plan import Planner, PlanOptions, Query, Step
from mailprobe.profiles import load_profiles

TARGET = parse_address("zhangsan@alias-shop.example")
MX_HOST = "mx.alias-shop.example"


def _mx() -> DnsLookup:
    return DnsLookup(id="dns.mx/alias-shop.example", target="alias-shop.example", status=Status.PASS,
                     name="alias-shop.example", rdtype="MX", purpose="mx",
                     mx=[MxRecord(preference=10, exchange=MX_HOST)])


def test_an_mx_host_alias_is_not_answered_until_its_canonical_name_is_known() -> None:
    planner = Planner(TARGET, load_profiles(None), PlanOptions(no_baseline=True))
    assert not planner.mx_answered
    steps = planner.after(Step("dns.mx", Query(name=TARGET.domain_ascii)), [_mx()])
    host_step = next(s for s in steps if s.probe == "dns.host" and s.name == MX_HOST)
    assert planner.plan.profile is None
    assert not planner.mx_answered  # the provider is not known yet: the MX host may be a provider's alias

    alias = DnsLookup(id=f"dns.a/{MX_HOST}", target=MX_HOST, status=Status.PASS, name=MX_HOST, rdtype="A",
                      purpose="host", records=["127.0.0.9"], canonical="mxbiz1.qq.com")
    planner.after(host_step, [alias])
    assert planner.mx_answered
    assert planner.plan.profile is not None and planner.plan.profile.id == "qq"


def test_an_mx_naming_a_provider_is_answered_at_once() -> None:
    planner = Planner(TARGET, load_profiles(None), PlanOptions(no_baseline=True))
    mx = _mx().model_copy(update={"mx": [MxRecord(preference=10, exchange="mxbiz1.qq.com")]})
    planner.after(Step("dns.mx", Query(name=TARGET.domain_ascii)), [mx])
    assert planner.mx_answered and planner.plan.profile is not None and planner.plan.profile.id == "qq"
