"""Each cause that evidence without a password can show, as a whole loopback world, diagnosed first."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from mailprobe.check import run_check_sync
from mailprobe.report import Report
from tests.lab.dnsserver import LabDnsServer
from tests.lab.mailserver import Fault
from tests.lab.webserver import Route, login_page, redirect
from tests.lab.world import CUSTOMER, SELF_HOSTED, SITES, World
from tests.support.scenarios import ADDRESS, CheckIn, causes, first_cause

ALL_DOWN = {f"{site}.{service}" for site in SITES for service in ("imap", "pop3", "smtp", "web")}


def assert_verdict(report: Report, cause: str, status: str) -> None:
    assert first_cause(report) == cause, [(d.cause, d.variant, d.confidence) for d in report.diagnosis]
    assert report.status == status
    assert report.exit_code == {"ok": 0, "warning": 1, "critical": 2}[status]


# -- healthy ---------------------------------------------------------------------------------------


def test_healthy_provider_every_probe_passes_and_nothing_is_diagnosed(check_in: CheckIn) -> None:
    report = check_in()

    assert report.status == "ok" and report.exit_code == 0
    assert report.diagnosis == []
    assert report.provider.id == "qq" and report.provider.matched_by == "mx"
    assert {c.status for c in report.checks} <= {"pass", "skip"}
    kinds = {c.kind for c in report.checks if c.status == "pass"}
    assert {"dns", "web", "imap", "pop3", "smtp", "baseline"} <= kinds


# -- is it me or them ------------------------------------------------------------------------------


def test_provider_imap_refused_while_other_providers_answer_is_their_outage(check_in: CheckIn) -> None:
    report = check_in(down={"qq.imap"})

    assert_verdict(report, "server_outage", "critical")
    assert report.diagnosis[0].variant == "service_down"
    assert any(e.startswith("baseline.imap") for e in report.diagnosis[0].evidence)


def test_imap_port_failing_at_every_provider_is_a_blocked_port_on_your_network(check_in: CheckIn) -> None:
    report = check_in(down={"qq.imap", "netease.imap", "aliyun.imap"})

    assert_verdict(report, "network_problem", "critical")
    assert report.diagnosis[0].variant == "port_blocked"
    assert "server_outage" not in causes(report)


def test_nothing_answers_anywhere_is_your_network(check_in: CheckIn) -> None:
    report = check_in(down=ALL_DOWN)

    assert_verdict(report, "network_problem", "critical")
    assert report.diagnosis[0].variant == "nothing_answers"


def test_without_baseline_a_dead_imap_port_is_still_their_outage_but_less_sure(check_in: CheckIn) -> None:
    report = check_in(down={"qq.imap"}, options={"no_baseline": True})

    assert_verdict(report, "server_outage", "critical")
    assert report.diagnosis[0].confidence < 0.9
    assert not any(c.kind == "baseline" for c in report.checks)


def test_smtp_greeting_421_is_a_server_outage(check_in: CheckIn) -> None:
    report = check_in(mail={"qq.smtp": {"fault": Fault.REFUSE}})

    assert_verdict(report, "server_outage", "critical")
    assert report.diagnosis[0].variant == "refused_service"
    assert report.diagnosis[0].params["reply"].startswith("421 ")


def test_imap_server_that_accepts_and_never_greets_is_a_server_outage(check_in: CheckIn) -> None:
    report = check_in(mail={"qq.imap": {"fault": Fault.TARPIT}}, options={"timeout": 3.0})

    assert_verdict(report, "server_outage", "critical")
    assert report.duration_ms < 3000 + 300


def test_webmail_answering_503_is_a_server_outage(check_in: CheckIn) -> None:
    report = check_in(web={"qq": {"route": Route(status=503, body="maintenance")}})

    assert_verdict(report, "server_outage", "critical")
    assert report.diagnosis[0].params["service"] == "web"


# -- DNS -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["servfail", "refused"])
def test_resolver_failing_is_a_dns_problem(check_in: CheckIn, fault: str, tmp_path: object) -> None:
    report = _with_dns_fault(check_in, **{fault: True})

    assert_verdict(report, "dns_resolution_problem", "critical")


def test_resolver_dropping_queries_is_a_dns_problem_within_the_deadline(check_in: CheckIn) -> None:
    report = _with_dns_fault(check_in, timeout=2.0, drop=True)

    assert_verdict(report, "dns_resolution_problem", "critical")
    assert report.diagnosis[0].variant == "timeout"
    assert report.duration_ms < 2000 + 300


def test_resolver_denying_every_name_is_not_a_verdict_about_the_domain(check_in: CheckIn) -> None:
    report = _with_dns_fault(check_in, nxdomain_everything=True)

    assert_verdict(report, "dns_resolution_problem", "critical")
    assert report.diagnosis[0].variant == "denies_everything"
    assert "mx_not_configured" not in causes(report)


def test_resolver_disagreeing_with_the_authoritative_server_is_a_dns_problem(check_in: CheckIn) -> None:
    stale = {CUSTOMER: {"MX": ["10 qiye163mx01.mxmail.netease.com."]}}
    with LabDnsServer(stale) as authority:
        report = check_in(options={"authoritative": [authority.address]})

    assert_verdict(report, "dns_resolution_problem", "critical")
    assert report.diagnosis[0].variant == "disagrees"


def test_resolver_failing_while_the_authoritative_server_answers_is_surely_the_resolver(check_in: CheckIn) -> None:
    truth = {CUSTOMER: {"MX": ["5 mxbiz1.qq.com."]}}
    with LabDnsServer(truth) as authority:
        report = _with_dns_fault(check_in, options={"authoritative": [authority.address]}, servfail=True)

    assert_verdict(report, "dns_resolution_problem", "critical")
    assert report.diagnosis[0].confidence >= 0.9
    assert any(e.startswith("dns.authoritative") for e in report.diagnosis[0].evidence)


def _with_dns_fault(check_in: CheckIn, timeout: float = 5.0, options: dict[str, object] | None = None,
                    **faults: bool) -> Report:
    """Run with the resolver misbehaving for the customer's domain (the providers' names still resolve)."""
    from tests.lab.world import World

    original_enter = World.__enter__

    def enter(self: World) -> World:
        world = original_enter(self)
        if faults.get("nxdomain_everything"):
            world.dns.set_faults(**faults)
        else:
            world.dns.set_faults(CUSTOMER, **faults)
        return world

    World.__enter__ = enter  # type: ignore[method-assign]
    try:
        return check_in(options={"timeout": timeout, **(options or {})})
    finally:
        World.__enter__ = original_enter  # type: ignore[method-assign]


# -- the domain ------------------------------------------------------------------------------------


def test_domain_without_mx_is_not_configured(check_in: CheckIn) -> None:
    report = check_in(domains={CUSTOMER: {"TXT": ['"v=spf1 -all"']}})

    assert_verdict(report, "mx_not_configured", "critical")
    assert report.diagnosis[0].variant == "no_mx"


def test_domain_without_mx_but_with_an_address_is_an_implicit_mx_not_no_provider(check_in: CheckIn) -> None:
    # RFC 5321 §5.1: no MX, an A record: mail goes to that address. Nothing of the domain answers here, so
    # the mailbox still cannot work (critical), but the verdict says what is there, less sure.
    report = check_in(domains={CUSTOMER: {"A": ["127.0.0.50"]}})

    assert_verdict(report, "mx_not_configured", "critical")
    assert report.diagnosis[0].variant == "implicit_mx" and report.diagnosis[0].confidence < 0.85
    assert "127.0.0.50" in report.diagnosis[0].summary
    assert "no mail provider is set up" not in report.diagnosis[0].summary


def test_null_mx_is_not_configured(check_in: CheckIn) -> None:
    report = check_in(domains={CUSTOMER: {"MX": ["0 ."]}})

    assert_verdict(report, "mx_not_configured", "critical")
    assert report.diagnosis[0].variant == "null_mx"


def test_domain_that_does_not_exist_while_the_resolver_works(check_in: CheckIn) -> None:
    report = check_in(address="li.si@no-such-company.com")

    assert_verdict(report, "mx_not_configured", "critical")
    assert report.diagnosis[0].variant == "no_domain"


def test_mx_pointing_at_another_provider_than_the_one_bought(check_in: CheckIn) -> None:
    report = check_in(options={"provider": "netease"})

    assert_verdict(report, "mx_not_configured", "critical")
    assert report.diagnosis[0].variant == "elsewhere"
    assert report.provider.id == "netease" and report.provider.matched_by == "forced"


# -- TLS, clock, browsers --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["expired", "wrong_host"])
def test_bad_certificate_on_the_imap_server(check_in: CheckIn, kind: str) -> None:
    report = check_in(mail={"qq.imap": {"cert": kind}})

    assert_verdict(report, "tls_certificate_problem", "critical")
    assert report.diagnosis[0].variant == {"expired": "expired", "wrong_host": "hostname_mismatch"}[kind]


def test_certificate_from_another_issuer_than_the_providers_other_hosts_looks_like_interception(
    check_in: CheckIn,
) -> None:
    report = check_in(mail={"qq.imap": {"cert": "untrusted"}, "qq.smtp": {"cert": "untrusted"}})

    assert_verdict(report, "tls_certificate_problem", "critical")
    assert report.diagnosis[0].variant == "interception"


def test_certificate_expiring_in_days_is_a_warning(check_in: CheckIn) -> None:
    report = check_in(mail={"qq.pop3": {"cert": "expiring_soon"}})

    assert_verdict(report, "tls_certificate_problem", "warning")
    assert report.diagnosis[0].variant == "expiring"


def test_server_clock_hours_away_from_ours_is_clock_skew(check_in: CheckIn) -> None:
    # Every server's Date (the provider's and the other providers') says the same: our clock is off.
    # (One provider's wrong Date alone is its clock: tests/scenarios/test_misdiagnoses.py.)
    report = check_in(web={site: {"route": Route(body=login_page(), date_offset_s=2 * 3600)} for site in SITES})

    assert_verdict(report, "clock_skew", "warning")
    assert report.diagnosis[0].params["offset_min"] == 120


def test_a_fresh_certificate_not_yet_valid_while_others_are_fine_points_at_our_clock(check_in: CheckIn) -> None:
    # No server Date to check our clock against: a slow clock shows only in the freshest certificate.
    # (Taking webmail away also makes its own outage the first cause: what matters is clock over certificate.)
    # (--no-baseline: the other providers' webmail Dates would otherwise clear our clock.)
    report = check_in(mail={"qq.imap": {"cert": "not_yet_valid"}}, down={"qq.web"}, options={"no_baseline": True})

    found = causes(report)
    assert found.index("clock_skew") < found.index("tls_certificate_problem")
    clock = report.diagnosis[found.index("clock_skew")]
    assert (clock.variant, clock.severity) == ("not_yet_valid", "critical")


def test_not_yet_valid_certificate_while_server_dates_agree_with_our_clock_is_their_certificate(
    check_in: CheckIn,
) -> None:
    report = check_in(mail={"qq.imap": {"cert": "not_yet_valid"}})

    assert_verdict(report, "tls_certificate_problem", "critical")
    assert report.diagnosis[0].variant == "not_yet_valid"
    assert "clock_skew" not in causes(report)


def test_server_dates_days_ahead_and_certificates_not_yet_valid_is_a_clock_breaking_tls(check_in: CheckIn) -> None:
    ahead = Route(body=login_page(), date_offset_s=4 * 86400)
    report = check_in(mail={"qq.imap": {"cert": "not_yet_valid"}}, web={site: {"route": ahead} for site in SITES})

    assert_verdict(report, "clock_skew", "critical")
    assert report.diagnosis[0].variant == "date_header"


def test_webmail_offering_only_tls_1_1_breaks_browsers(check_in: CheckIn) -> None:
    report = check_in(web={"qq": {"min_version": ssl.TLSVersion.TLSv1, "max_version": ssl.TLSVersion.TLSv1_1}})

    assert_verdict(report, "browser_compatibility", "warning")
    assert report.diagnosis[0].variant == "legacy_tls"


def test_webmail_redirecting_in_a_loop_breaks_browsers(check_in: CheckIn) -> None:
    loop = {"/login": redirect("/sso"), "/sso": redirect("/login")}
    report = check_in(web={"qq": {"route": loop["/login"], "routes": {"/sso": loop["/sso"]}}})

    assert_verdict(report, "browser_compatibility", "warning")
    assert report.diagnosis[0].variant == "redirect_loop"


def test_login_page_whose_scripts_cannot_load_breaks_browsers(check_in: CheckIn) -> None:
    page = login_page("https://static.unreachable-cdn.com/app.js", "/style.css")
    report = check_in(web={"qq": {"route": Route(body=page), "routes": {"/style.css": Route(body="b{}")}}})

    assert_verdict(report, "browser_compatibility", "warning")
    assert report.diagnosis[0].variant == "resources"


# -- a domain no profile knows: the generic plan ---------------------------------------------------


def test_self_hosted_domain_is_checked_through_its_srv_records(check_in: CheckIn) -> None:
    report = check_in(address=f"owner@{SELF_HOSTED}")

    assert report.provider.id == "generic" and report.provider.matched_by == "generic"
    assert report.status == "ok" and report.diagnosis == []
    passed = {(c.kind, c.target.split(":")[0]) for c in report.checks if c.status == "pass"}
    assert {("imap", "imap.indie-shop.com"), ("smtp", "smtp.indie-shop.com")} <= passed
    assert {c.status for c in report.checks} <= {"pass", "skip"}


def test_self_hosted_imap_server_down_is_a_server_outage(check_in: CheckIn) -> None:
    report = check_in(address=f"owner@{SELF_HOSTED}", down={"indie.imap"})

    assert_verdict(report, "server_outage", "critical")
    assert report.diagnosis[0].params["host"] == "imap.indie-shop.com"


# -- the deadline ----------------------------------------------------------------------------------


def test_servers_that_hang_after_the_handshake_everywhere_still_give_a_report_by_the_deadline(
    check_in: CheckIn,
) -> None:
    tarpits = {f"{site}.{service}": {"fault": Fault.TARPIT} for site in SITES for service in ("imap", "pop3", "smtp")}
    silent_web = {site: {"silent": True} for site in SITES}

    report = check_in(mail=tarpits, web=silent_web, options={"timeout": 2.0})

    assert report.status == "critical"
    assert report.duration_ms < 2000 + 300
    assert first_cause(report) == "network_problem"


def test_the_checks_come_in_the_same_order_every_run(tmp_path: Path) -> None:
    with World(tmp_path / "world") as lab:
        first = [c.id for c in run_check_sync(ADDRESS, lab.options()).checks]
        second = [c.id for c in run_check_sync(ADDRESS, lab.options()).checks]

    assert first == second
    assert first[0].startswith("dns.mx/")


def test_a_resolver_knowing_only_one_providers_names_still_counts_as_working(tmp_path: Path) -> None:
    from mailprobe.check import CheckOptions

    with LabDnsServer({"mail.35.com": {"A": ["127.0.0.15"]}}) as resolver:
        report = run_check_sync("li@no-such-company.com", CheckOptions(timeout=3.0, nameservers=resolver.nameservers))

    assert_verdict(report, "mx_not_configured", "critical")
    assert report.diagnosis[0].variant == "no_domain"
