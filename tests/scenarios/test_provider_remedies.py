"""Remedies that fit the provider (issue 19), through the real command line against loopback worlds.

A provider's own advice comes only from its profile; the catalogue's advice names no provider; a cause cites
the provider's own section of the article; certificate remedies follow what is wrong with the certificate;
35.com's missing host records get 35.com's advice, not "add the MX records"; `settings` offers no unencrypted
server, cites 35.com's section, takes --ca-file.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab.certs import CertLab
from tests.lab.dnsserver import LabDnsServer
from tests.lab.webserver import Route, WebServer
from tests.lab.world import CUSTOMER, SANWU_CUSTOMER, SITES, World
from tests.support.command import Result, run_mailprobe

REPO = Path(__file__).resolve().parents[2]
ADDRESS = f"zhang.san@{CUSTOMER}"
PASSWORD = "Tr0ub4dor&3-lab"
MX = {"qq": "5 mxbiz1.qq.com.", "netease": "10 qiye163mx01.mxmail.netease.com.", "aliyun": "5 mx1.qiye.aliyun.com."}
# Every way the built-in profiles and the article name a provider, in our three languages.
PROVIDER_WORDS = (
    "Tencent", "Exmail", "NetEase", "Alibaba", "Aliyun", "35.com", "Microsoft", "Google", "Zoho", "Feishu", "Lark",
    "Coremail", "WeChat", "腾讯", "騰訊", "网易", "網易", "阿里", "三五", "飞书", "飛書", "微信", "QQ",
)


def check(world: World, *extra: str, address: str = ADDRESS, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = run_mailprobe("check", address, *world.cli_args(), "--format", "json", "--timeout", "4", *extra,
                           env=env)
    assert "Traceback" not in result.stderr, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def login_check(world: World, state: Path, *extra: str) -> dict[str, Any]:
    return check(world, "--login", "--login-protocols", "imap", "--state", str(state), "--no-baseline", *extra,
                 env={"MAILPROBE_PASSWORD": PASSWORD})


def with_builtin_words(world: World, provider: str) -> None:
    """Give the lab's override of PROVIDER (its hosts at the lab's ports) the built-in profile's own words: its
    article section and its remedies, as they are written in providers/<id>.toml."""
    builtin = (REPO / "providers" / f"{provider}.toml").read_text(encoding="utf-8")
    section = re.search(r'^section = "[^"]*".*$', builtin, re.MULTILINE)
    remedies = builtin[builtin.index("[[remedies]]"):]
    path = world.providers_dir / f"{provider}.toml"
    text = path.read_text(encoding="utf-8")
    if section is not None:
        text = text.replace("\n[names]", f"\n{section.group(0)}\n\n[names]", 1)
    path.write_text(text + "\n" + remedies, encoding="utf-8")


def remedy_texts(entry: dict[str, Any]) -> list[str]:
    return [r["text"] for r in entry["remedies"]] + [r["text"] for a in entry["also_possible"] for r in a["remedies"]]


# -- the catalogue's advice holds for any provider ----------------------------------------------------------


@pytest.mark.parametrize(("cause", "reply"), [
    ("account_locked", "NO [LIMIT] Too many failed logins, try again later"),
    ("client_auth_code_required", "NO 请使用授权码登录"),
    ("protocol_disabled", "NO [NOPERM] User has no permission"),
    ("login_restricted", "NO ERR.LOGIN.IPDENY"),
])
def test_the_catalogues_remedies_name_no_provider(cause: str, reply: str, tmp_path: Path) -> None:
    """The lab's profiles carry no remedies: what a report says here is the catalogue's alone (before: the
    NetEase hotline for a locked account anywhere, "Tencent Exmail…, NetEase…, Alibaba…" for every client
    password)."""
    login = {"qq.imap": {"username": ADDRESS, "password": PASSWORD, "refusal": reply}}
    with World(tmp_path / "world", login=login) as world:
        report = login_check(world, tmp_path / "state.db")
        explained = tmp_path / "report.json"
        explained.write_text(json.dumps(report), encoding="utf-8")
        chinese = json.loads(run_mailprobe("explain", str(explained), "--lang", "zh-Hans", "--format", "json",
                                           "--providers-dir", str(world.providers_dir)).stdout)

    first = report["diagnosis"][0]
    assert first["cause"] == cause, [(d["cause"], d["variant"]) for d in report["diagnosis"]]
    for entry in (first, chinese["diagnosis"][0]):
        said = [(word, text) for text in remedy_texts(entry) for word in PROVIDER_WORDS if word in text]
        assert not said, said
        assert not [r for r in entry["remedies"] if r["section"] in ("5.1", "5.2", "5.3")], entry["remedies"]


def test_protocol_disabled_is_not_cited_as_an_account_not_activated(tmp_path: Path) -> None:
    login = {"qq.imap": {"username": ADDRESS, "password": PASSWORD, "refusal": "NO [NOPERM] User has no permission"}}
    with World(tmp_path / "world", login=login) as world:
        report = login_check(world, tmp_path / "state.db")

    first = report["diagnosis"][0]
    assert first["cause"] == "protocol_disabled"
    assert first["section"] == "5"  # the article's provider notes (ext.), never §2.6 "not activated"


# -- each provider's own section and advice -------------------------------------------------------------------


@pytest.mark.parametrize(("provider", "section"), [("qq", "5.2"), ("netease", "5.1"), ("aliyun", "5.3")])
def test_a_client_password_cites_each_providers_own_section(provider: str, section: str, tmp_path: Path) -> None:
    login = {f"{provider}.imap": {"username": ADDRESS, "password": PASSWORD, "refusal": "NO 请使用授权码登录"}}
    with World(tmp_path / "world", login=login, domains={CUSTOMER: {"MX": [MX[provider]]}}) as world:
        with_builtin_words(world, provider)
        report = login_check(world, tmp_path / "state.db")

    first = report["diagnosis"][0]
    assert (report["provider"]["id"], first["cause"]) == (provider, "client_auth_code_required")
    assert first["section"] == section  # before: 5.2, Tencent's section, for every provider
    own = [r for r in first["remedies"] if r["id"].startswith(f"provider:{provider}:")]
    assert own and first["remedies"][0] == own[0]  # the provider's own advice first
    others = {"5.1", "5.2", "5.3"} - {section}
    assert not [r for r in first["remedies"] if r["section"] in others], first["remedies"]


@pytest.mark.parametrize("provider", ["aliyun", "qq", "netease"])
def test_the_netease_hotline_is_offered_for_a_locked_netease_account_only(provider: str, tmp_path: Path) -> None:
    login = {f"{provider}.imap": {"username": ADDRESS, "password": PASSWORD,
                                  "refusal": "NO [LIMIT] Too many failed logins, try again later"}}
    with World(tmp_path / "world", login=login, domains={CUSTOMER: {"MX": [MX[provider]]}}) as world:
        with_builtin_words(world, provider)
        report = login_check(world, tmp_path / "state.db")

    first = report["diagnosis"][0]
    assert first["cause"] == "account_locked"
    hotline = [r for r in first["remedies"] if "hotline" in r["text"]]
    if provider == "netease":
        assert hotline and all(r["id"].startswith("provider:netease:") for r in hotline)
    else:
        assert not hotline, first["remedies"]  # before: NetEase's hotline for Alibaba and Tencent too


# -- certificates: the remedies of what is wrong ---------------------------------------------------------------


@pytest.mark.parametrize(("mail", "variant", "leading"), [
    # One server's chain is incomplete while the others verify: the server's fault, not this computer's.
    ({"qq.imap": {"cert": "chain_incomplete"}}, "server_chain", "fix_certificate_chain"),
    ({"qq.imap": {"cert": "expired"}}, "expired", "report_expired_certificate"),
    ({"qq.imap": {"cert": "wrong_host"}}, "hostname_mismatch", "use_documented_host_name"),
    ({"qq.imap": {"cert": "untrusted"}, "qq.smtp": {"cert": "untrusted"}}, "interception", "check_interception"),
    ({"qq.pop3": {"cert": "expiring_soon"}}, "expiring", "renew_before_expiry"),
])
def test_certificate_remedies_follow_the_variant(
    mail: dict[str, dict[str, str]], variant: str, leading: str, tmp_path: Path
) -> None:
    with World(tmp_path / "world", mail=mail) as world:
        report = check(world)

    first = report["diagnosis"][0]
    assert (first["cause"], first["variant"]) == ("tls_certificate_problem", variant)
    ids = [r["id"] for r in first["remedies"]]
    assert ids[0] == leading, ids
    assert 2 <= len(ids) <= 4
    if variant in ("server_chain", "hostname_mismatch", "expiring"):
        # Before: every variant led with "check this computer's clock" and "your antivirus".
        assert "check_date_time" not in ids and "check_interception" not in ids, ids


# -- 35.com: its host records, not its MX ---------------------------------------------------------------------


def sanwu_profile(world: World) -> None:
    """The built-in 35.com profile, its servers at the lab's ports (its remedies and words as they are)."""
    text = (REPO / "providers" / "35com.toml").read_text(encoding="utf-8")
    for port, service in ((993, "imap"), (465, "smtp"), (995, "pop3")):
        text = text.replace(f"port = {port}\n", f"port = {world.ports[service]}\n")
    text = text.replace("https://mail.35.com/", f"https://mail.35.com:{world.ports['web']}/")
    (world.providers_dir / "35com.toml").write_text(text, encoding="utf-8")


def test_a_35com_domain_missing_its_host_records_is_told_to_add_them_not_the_mx(tmp_path: Path) -> None:
    with World(tmp_path / "world") as world:
        sanwu_profile(world)
        for name in ("imap", "smtp", "pop"):
            world.dns.remove_name(f"{name}.{SANWU_CUSTOMER}")
        report = check(world, address=f"wang@{SANWU_CUSTOMER}")

    first = report["diagnosis"][0]
    assert report["provider"]["id"] == "35com"
    assert (first["cause"], first["variant"]) == ("mx_not_configured", "host_missing")
    ids = [r["id"] for r in first["remedies"]]
    # 35.com's own advice first (before: it hung on server_outage and never showed), then how to add records.
    assert ids[0].startswith("provider:35com:mx_not_configured:"), ids
    assert "imap.<your domain>" in first["remedies"][0]["text"]
    assert "add_host_records" in ids
    assert "point_mx_to_provider" not in ids and "check_domain_expiry" not in ids  # the MX is fine


# -- settings ---------------------------------------------------------------------------------------------------

OFFLINE = ("--nameserver", "127.0.0.1:9", "--timeout", "1")


def test_settings_never_offers_an_unencrypted_server() -> None:
    text = run_mailprobe("settings", "li@example.com", "--provider", "aliyun", *OFFLINE)
    as_json = run_mailprobe("settings", "li@example.com", "--provider", "aliyun", "--format", "json", *OFFLINE)

    assert text.code == 0 and as_json.code == 0, (text.stderr, as_json.stderr)
    assert "smtp.qiye.aliyun.com:465" in text.stdout
    assert ":25 " not in text.stdout and "no encryption" not in text.stdout, text.stdout  # before: an alternate
    assert all(server["tls"] != "plain" for server in json.loads(as_json.stdout)["servers"])


@pytest.mark.parametrize(("provider", "section"), [
    ("netease", "5.1"), ("qq", "5.2"), ("aliyun", "5.3"), ("35com", "5"),
])
def test_settings_cites_the_providers_section(provider: str, section: str) -> None:
    text = run_mailprobe("settings", "li@example.com", "--provider", provider, *OFFLINE)
    as_json = run_mailprobe("settings", "li@example.com", "--provider", provider, "--format", "json", *OFFLINE)

    assert json.loads(as_json.stdout)["section"] == section  # before: none for 35.com
    assert f"(article §{section})" in text.stdout, text.stdout


def _can_listen_on_443() -> bool:
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return False
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.16", 443))
        except OSError:
            return False
    return True


AUTOCONFIG_DOMAIN = "cfg-published.test"
MAIL_HOST = "mail.hosting-example.test"  # the servers the config names, at a hosting company (no guess names it)


@pytest.fixture
def published(tmp_path: Path) -> Iterator[tuple[LabDnsServer, Path]]:
    """A domain no profile knows whose autoconfig (HTTPS on 443, the only port it is read from) names its
    servers, under a certificate of the lab's CA; the resolver knows nothing else."""
    certs = CertLab()
    ca_file = certs.write_ca_file(tmp_path)
    servers = "".join(
        f'<{element} type="{kind}"><hostname>{host}</hostname><port>{port}</port><socketType>{socket_type}'
        f"</socketType><username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>"
        f"</{element}>"
        for element, kind, host, port, socket_type in (
            ("incomingServer", "imap", MAIL_HOST, 993, "SSL"),
            ("outgoingServer", "smtp", MAIL_HOST, 465, "SSL"),
            ("outgoingServer", "smtp", MAIL_HOST, 25, "plain"),
        )
    )
    config = (f'<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1"><emailProvider '
              f'id="{AUTOCONFIG_DOMAIN}"><domain>{AUTOCONFIG_DOMAIN}</domain>{servers}</emailProvider></clientConfig>')
    host = f"autoconfig.{AUTOCONFIG_DOMAIN}"
    tls = certs.server_context(host)
    zone = {AUTOCONFIG_DOMAIN: {"MX": [f"10 mx.{AUTOCONFIG_DOMAIN}."]}, host: {"A": ["127.0.0.16"]}}
    with LabDnsServer(zone) as dns, WebServer({"/mail/config-v1.1.xml": Route(body=config, content_type="text/xml")},
                                              tls=tls, host="127.0.0.16", port=443):
        yield dns, ca_file


@pytest.mark.skipif(not _can_listen_on_443(), reason="needs root to listen on 127.0.0.16:443")
def test_settings_reads_a_published_config_under_a_ca_given_with_ca_file(
    published: tuple[LabDnsServer, Path],
) -> None:
    dns, ca_file = published
    address = f"li@{AUTOCONFIG_DOMAIN}"
    base = ("settings", address, "--nameserver", dns.nameserver, "--timeout", "4", "--format", "json")

    trusted: Result = run_mailprobe(*base, "--ca-file", str(ca_file))
    untrusted = run_mailprobe(*base)

    assert trusted.code == 0, trusted.stderr  # before: "No such option: --ca-file"
    found = json.loads(trusted.stdout)
    assert found["matched_by"] == "published"
    assert {(s["host"], s["port"]) for s in found["servers"]} == {(MAIL_HOST, 993), (MAIL_HOST, 465)}  # not 25
    assert json.loads(untrusted.stdout)["matched_by"] != "published"  # the certificate did not verify


def test_settings_says_a_bad_ca_file_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-ca.pem"
    result = run_mailprobe("settings", "li@example.com", "--ca-file", str(missing), *OFFLINE)

    assert result.code == 3 and result.stdout == "", result
    assert len(result.stderr.splitlines()) == 1 and "no-such-ca.pem" in result.stderr, result.stderr


# -- explain: the provider the report was made with -------------------------------------------------------------


def test_explain_names_the_provider_the_report_was_made_with(tmp_path: Path) -> None:
    with World(tmp_path / "world", down={"qq.imap"}) as world:
        report = check(world)
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(report), encoding="utf-8")

    shown = run_mailprobe("explain", str(saved), "--lang", "en")
    chinese = run_mailprobe("explain", str(saved), "--lang", "zh-Hans", "--format", "json")

    assert report["provider"]["name"] == "qq (lab)"  # the lab's own profile, not the built-in one
    assert "qq (lab)" in shown.stdout and "Tencent Exmail" not in shown.stdout, shown.stdout
    assert json.loads(chinese.stdout)["provider"]["name"] == "qq (lab)"
    assert SITES["qq"].imap in shown.stdout
