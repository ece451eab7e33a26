"""The text report as a person reads it, through the real command line over a set of lab worlds: it fits a
screen (README: a healthy report in at most 12 lines of at most 100 columns, a failure with one cause in at
most 30), the verdict comes first, and each world's report says what its facts are in plain words."""

from __future__ import annotations

import ssl
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.lab.dnsserver import LabDnsServer
from tests.lab.mailserver import Fault, MailServer
from tests.lab.webserver import Route, login_page
from tests.lab.world import CUSTOMER, SELF_HOSTED, SITES, World
from tests.support.command import Result, run_mailprobe

ADDRESS = f"zhang.san@{CUSTOMER}"
OWNER = f"owner@{SELF_HOSTED}"
WIDTH = 100
HEALTHY_LINES = 12
ONE_CAUSE_LINES = 30


def columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def more_imap_addresses(count: int, dead: str) -> Callable[[World], None]:
    """imap.exmail.qq.com on COUNT addresses (more than the per-family cap), one of them refusing."""
    def setup(lab: World) -> None:
        ips = [f"127.0.0.{40 + n}" for n in range(count)]
        for ip in ips:
            if ip != dead:
                start(lab, f"extra.{ip}", MailServer("imap", lab=lab.certs, hostname="imap.exmail.qq.com", host=ip,
                                                     listen_port=lab.ports["imap"], tls="implicit", cert="good"))
        lab.dns.set_records("imap.exmail.qq.com", "A", ips)
    return setup


def submission(**server: Any) -> Callable[[World], None]:
    """The self-hosted domain's submission (587-style, STARTTLS) server, published by SRV, misbehaving."""
    def setup(lab: World) -> None:
        smtp = MailServer("smtp", tls="starttls", lab=lab.certs, hostname=f"smtp.{SELF_HOSTED}", host="127.0.0.14",
                          **server)
        start(lab, "submission", smtp)
        lab.dns.set_records(f"_submissions._tcp.{SELF_HOSTED}", "SRV", [])
        lab.dns.set_records(f"_submission._tcp.{SELF_HOSTED}", "SRV", [f"0 1 {smtp.port} smtp.{SELF_HOSTED}."])
    return setup


def start(lab: World, name: str, server: MailServer) -> None:
    async def begin() -> None:
        await server.start()

    lab._run(begin())
    lab.servers[name] = server


@dataclass
class Case:
    world: dict[str, Any] = field(default_factory=dict)
    setup: Callable[[World], None] | None = None
    address: str = ADDRESS
    code: int = 0
    says: tuple[str, ...] = ()
    never: tuple[str, ...] = ()
    lang: str = "en"
    authoritative: dict[str, dict[str, list[str]]] | None = None


CASES: dict[str, Case] = {
    "healthy": Case(says=("Checks: ",), never=("✓ pass", "dns.sanity", "baseline: reachable")),
    "healthy_zh": Case(lang="zh-Hans", says=("检查项: ",)),
    "self_hosted_healthy": Case(address=OWNER, says=(
        "Verdict: Everything answers: the mail servers of indie-shop.com look healthy from here.",),
        never=("unrecognised provider looks healthy",)),
    "self_hosted_healthy_zh": Case(address=OWNER, lang="zh-Hans", says=("indie-shop.com 的邮件服务器运行良好",),
                                   never=("未识别的服务商 运行良好", "未识别的服务商运行良好")),
    "imap_refused": Case(world={"down": {"qq.imap"}}, code=2, says=(
        "1. Provider's mail servers failing [server_outage]", "IMAP", "connection refused")),
    "imap_blocked_here": Case(world={"down": {"qq.imap", "netease.imap", "aliyun.imap"}}, code=2, says=(
        "[network_problem]",)),
    "smtp_421": Case(world={"mail": {"qq.smtp": {"fault": Fault.REFUSE}}}, code=2, says=(
        "answers with an explicit refusal, «421",), never=("breaks off the dialogue",)),
    "webmail_503": Case(world={"web": {"qq": {"route": Route(status=503, body="maintenance")}}}, code=2, says=(
        "answers with an explicit refusal, «HTTP 503»",), never=("breaks off the dialogue",)),
    "starttls_missing": Case(address=OWNER, setup=submission(starttls_offered=False), code=2, says=(
        "the server did not offer STARTTLS (a middlebox on the way may strip it)",),
        never=("breaks off the dialogue",)),
    "webmail_tls_1_1": Case(world={"web": {"qq": {"min_version": ssl.TLSVersion.TLSv1,
                                                  "max_version": ssl.TLSVersion.TLSv1_1}}}, code=1,
                            says=("only TLSv1.1 offered (browsers refuse it)",),
                            never=("which current browsers refuse, only",)),
    "webmail_resources": Case(world={"web": {"qq": {"route": Route(body=login_page(
        "https://static.unreachable-cdn.com/app.js", "/missing.css"))}}}, code=1,
        says=("2 page resources failed (https://static.unreachable-cdn.com/app.js",)),
    "certificate_expired": Case(world={"mail": {"qq.imap": {"cert": "expired"}}}, code=2, says=(
        "[tls_certificate_problem]",)),
    "clock_2h_nothing_broken": Case(world={"web": {site: {"route": Route(body=login_page(), date_offset_s=7200)}
                                                   for site in SITES}}, code=1,
                                    says=("Nothing failed because of it in this check",),
                                    never=("which breaks secure connections",)),
    "implicit_mx": Case(world={"domains": {CUSTOMER: {"A": ["127.0.0.14"]}}}, code=2, says=(
        "only an address of its own (127.0.0.14)", "RFC 5321 implicit MX"),
        never=("no mail provider is set up for it",)),
    "addresses_beyond_the_cap": Case(setup=more_imap_addresses(10, dead="127.0.0.41"), code=1, says=(
        "fails on 1 of 8 addresses", "2 more addresses not probed")),
    "resolver_disagrees": Case(authoritative={CUSTOMER: {"MX": ["10 qiye163mx01.mxmail.netease.com."]}}, code=2,
                               says=("acme-trading.com (resolver 127.0.0.1:", "acme-trading.com (authoritative server "
                                     "127.0.0.1:")),
}


def check(tmp_path: Path, case: Case, *extra: str) -> Result:
    with World(tmp_path / "world", **case.world) as lab:
        if case.setup is not None:
            case.setup(lab)
        args = [*lab.cli_args(), "--timeout", "5", "--lang", case.lang, *extra]
        if case.authoritative is None:
            return run_mailprobe("check", case.address, *args)
        with LabDnsServer(case.authoritative) as authority:
            return run_mailprobe("check", case.address, *args, "--authoritative", authority.nameserver)


@pytest.mark.parametrize("name", list(CASES))
def test_the_text_report_fits_a_screen_and_says_what_happened(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    result = check(tmp_path, case)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.code == case.code, result.stdout
    lines = result.stdout.rstrip("\n").splitlines()
    causes = [line for line in lines if line[:3] in ("1. ", "2. ", "3. ")]

    assert all(columns(line) <= WIDTH for line in lines), [line for line in lines if columns(line) > WIDTH]
    assert lines[1].startswith(("Verdict: ", "结论: ")), lines[:3]  # the verdict first, under the title
    assert ("Report ID: " in lines[0]) or ("报告编号: " in lines[0])
    if case.code == 0:
        assert not causes and len(lines) <= HEALTHY_LINES, result.stdout
    else:
        assert len(causes) == 1 and len(lines) <= ONE_CAUSE_LINES, result.stdout
    flat = " ".join(result.stdout.split())  # a phrase may wrap: read the report as one line of words
    for words in case.says:
        assert words in flat, result.stdout
    for words in case.never:
        assert words not in flat, result.stdout


def test_v_lists_every_check_and_ends_with_the_advice_once(tmp_path: Path) -> None:
    result = check(tmp_path, CASES["imap_refused"], "-v")
    assert result.code == 2
    assert "✓ pass  dns.mx/acme-trading.com" in result.stdout and "- skip " in result.stdout
    assert result.stdout.count("Next time") == 1 and "(article §4.2)" in result.stdout


def test_v_says_what_it_does_in_the_help() -> None:
    result = run_mailprobe("check", "--help")
    assert "list every check (passing and not tested too)" in " ".join(result.stdout.split())


def test_a_batch_on_a_terminal_ends_with_one_summary_line(tmp_path: Path) -> None:
    with World(tmp_path / "world", down={"qq.imap"}, domains={"beta-trading.com": {"MX": ["0 ."]}}) as lab:
        result = run_mailprobe("check", ADDRESS, f"li.si@{SELF_HOSTED}", "nobody@beta-trading.com", *lab.cli_args(),
                               "--timeout", "5")
    assert result.code == 2, result.stderr
    assert result.stdout.rstrip().splitlines()[-1] == "3 mailboxes checked: 2 critical, 1 ok."


def test_a_multi_line_smtp_refusal_keeps_its_first_informative_line(tmp_path: Path) -> None:
    google = ["534-5.7.9 Application-specific password required. Learn more at",
              "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor d2-20020a1709"]
    password = "Tr0ub4dor&3-lab"
    login = {"qq.smtp": {"username": ADDRESS, "password": password, "refusal": google}}
    with World(tmp_path / "world", login=login) as lab:
        result = run_mailprobe("check", ADDRESS, *lab.cli_args(), "--timeout", "5", "--login", "--login-protocols",
                               "smtp", "--state", str(tmp_path / "state.db"), "--no-baseline",
                               env={"MAILPROBE_PASSWORD": password})
    assert result.code == 2, result.stderr
    flat = " ".join(result.stdout.split())
    assert "534 5.7.9 Application-specific password required" in flat, result.stdout
    assert password not in result.stdout
