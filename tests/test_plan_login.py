"""The planner's login steps: one per protocol, on the first required TLS endpoint, IMAP → SMTP → POP3."""

from __future__ import annotations

from mailprobe.address import parse_address
from mailprobe.addresspolicy import DialPolicy
from mailprobe.evidence import Endpoint, Expect, Status, TlsMode
from mailprobe.kinds.dns import DnsLookup
from mailprobe.plan import Planner, PlanOptions, Step
from mailprobe.profiles import load_profiles

ADDRESS = "li.si@example.com"


def _planner(*protocols: str) -> Planner:
    return Planner(parse_address(ADDRESS), load_profiles(None), PlanOptions(
        forced_provider="qq", no_baseline=True, login_protocols=protocols,
        policy=DialPolicy(lab=True),  # the answers below are loopback addresses: a lab's
    ))


def _answer(step: Step, ip: str | None = "127.0.0.9") -> list[DnsLookup]:
    return [DnsLookup(id=f"dns/{step.name}", target=step.name, status=Status.PASS if ip else Status.FAIL,
                      name=step.name, rdtype="A", purpose="host", records=[ip] if ip else [])]


def _hosts(planner: Planner) -> dict[str, Step]:
    steps = [s for s in planner.first_steps() if s.probe == "dns.host" and s.endpoint is not None]
    return {f"{s.endpoint.protocol}:{s.endpoint.port}": s for s in reversed(steps)
            if s.endpoint is not None and s.endpoint.expect == Expect.REQUIRED}


def test_no_login_steps_unless_asked() -> None:
    planner = _planner()
    for step in _hosts(planner).values():
        assert not [s for s in planner.after(step, _answer(step)) if s.probe == "login"]


def test_one_login_per_protocol_on_implicit_tls_chained_imap_smtp_pop3() -> None:
    planner = _planner("pop3", "smtp", "imap")
    hosts = _hosts(planner)
    # SMTP and POP3 resolve first: still no login before IMAP's.
    logins = [s for key in ("smtp:465", "pop3:995") for s in planner.after(hosts[key], _answer(hosts[key]))
              if s.probe == "login"]
    assert logins == []
    imap = [s for s in planner.after(hosts["imap:993"], _answer(hosts["imap:993"])) if s.probe == "login"]
    assert [(s.endpoint.protocol, s.endpoint.tls, s.ip) for s in imap if s.endpoint] == [
        ("imap", TlsMode.IMPLICIT, "127.0.0.9")]
    assert imap[0].session.profile is not None and imap[0].session.profile.id == "qq"
    smtp = planner.after(imap[0], [])
    assert [s.endpoint.protocol for s in smtp if s.endpoint] == ["smtp"]
    pop3 = planner.after(smtp[0], [])
    assert [s.endpoint.protocol for s in pop3 if s.endpoint] == ["pop3"]
    assert planner.after(pop3[0], []) == []
    # Other endpoints of the same protocols resolving later add no second login.
    for key, step in hosts.items():
        if key not in ("imap:993", "smtp:465", "pop3:995"):
            assert not [s for s in planner.after(step, _answer(step)) if s.probe == "login"]


def test_an_unresolvable_imap_host_lets_smtp_go_on() -> None:
    planner = _planner("imap", "smtp")
    hosts = _hosts(planner)
    planner.after(hosts["smtp:465"], _answer(hosts["smtp:465"]))
    following = planner.after(hosts["imap:993"], _answer(hosts["imap:993"], ip=None))
    assert [s.endpoint.protocol for s in following if s.probe == "login" and s.endpoint] == ["smtp"]


def test_never_a_plaintext_endpoint() -> None:
    planner = _planner("imap")
    plain = Endpoint(protocol="imap", host="imap.plain.test", port=143, tls=TlsMode.PLAIN, expect=Expect.REQUIRED)
    planner._logins.endpoints.clear()
    planner._logins.choose([plain])
    assert planner._logins.endpoints == {}
    starttls = plain.model_copy(update={"tls": TlsMode.STARTTLS})
    planner._logins.choose([plain, starttls])
    assert planner._logins.endpoints["imap"].tls == TlsMode.STARTTLS
