"""Regression scenarios of issue 9: misdiagnoses in hostile worlds, each through the real CLI.

Every test runs `python -m mailprobe check … --nameserver <lab dns> --ca-file <lab ca>` as a subprocess in a
loopback World and judges the JSON report, the exit code and stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.lab.world import CUSTOMER, SELF_HOSTED, World

REPO = Path(__file__).resolve().parents[2]
ADDRESS = f"zhang.san@{CUSTOMER}"
EXIT = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}


def cli(world: World, *args: str, timeout: float = 3.0, command: str = "check") -> tuple[dict[str, Any], int]:
    env = {**os.environ, "NO_COLOR": "1", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    extra = ["--format", "json", "--timeout", str(timeout)] if command == "check" else []
    done = subprocess.run([sys.executable, "-m", "mailprobe", command, *args, *extra, *world.cli_args()],
                          capture_output=True, text=True, timeout=timeout + 20, env=env, cwd=REPO)
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout) if command == "check" else {"text": done.stdout, "stderr": done.stderr}
    if command == "check":
        assert done.returncode == EXIT[report["status"]], (done.returncode, report["status"])
    return report, done.returncode


def verdicts(report: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(d["cause"], d.get("variant"), d["severity"]) for d in report["diagnosis"]]


def first(report: dict[str, Any]) -> dict[str, Any]:
    assert report["diagnosis"], report["status"]
    return dict(report["diagnosis"][0])


# 1. -- an MX host that is a CNAME loop; an MX that is an alias of a provider's MX host ----------------


def test_self_hosted_mx_host_in_a_cname_loop_is_not_ok(tmp_path: Path) -> None:
    loop = {"mx.indie-shop.com": {"CNAME": ["mx-a.indie-shop.com."]},
            "mx-a.indie-shop.com": {"CNAME": ["mx.indie-shop.com."]}}
    with World(tmp_path / "w", domains=loop) as lab:
        report, code = cli(lab, f"owner@{SELF_HOSTED}")

    assert code == 2, verdicts(report)
    assert (first(report)["cause"], first(report).get("variant")) == ("mx_not_configured", "mx_dangling")


def test_mx_naming_an_alias_of_the_providers_mx_host_is_recognised(tmp_path: Path) -> None:
    domains = {CUSTOMER: {"MX": ["10 mx.acme-trading.com."]},
               "mx.acme-trading.com": {"CNAME": ["mxbiz1.qq.com."]}}
    with World(tmp_path / "w", domains=domains) as lab:
        report, code = cli(lab, ADDRESS)

    assert report["provider"]["id"] == "qq", report["provider"]
    assert code == 0, verdicts(report)


# 2. -- a local clock far off: both directions tied to the certificate failures ----------------------

DAY = 86400.0
MAIL_SERVICES = ("imap", "pop3", "smtp")


def _clock_world(cert: str, server_offset_s: float) -> dict[str, Any]:
    from tests.lab.webserver import Route, login_page
    from tests.lab.world import SITES

    return {
        "mail": {f"{site}.{svc}": {"cert": cert} for site in SITES for svc in MAIL_SERVICES},
        "web": {site: {"cert": cert, "route": Route(body=login_page(), date_offset_s=server_offset_s)}
                for site in SITES},
    }


def test_local_clock_far_ahead_is_clock_skew_first_not_expired_certificates(tmp_path: Path) -> None:
    # Servers' Date 400 days behind ours: every certificate looks expired from here only.
    with World(tmp_path / "w", **_clock_world("expired", -400 * DAY)) as lab:
        report, code = cli(lab, ADDRESS)

    assert code == 2, verdicts(report)
    assert (first(report)["cause"], first(report)["severity"]) == ("clock_skew", "critical"), verdicts(report)


def test_local_clock_far_behind_is_clock_skew_first_not_certificates_not_yet_valid(tmp_path: Path) -> None:
    with World(tmp_path / "w", **_clock_world("not_yet_valid", 400 * DAY)) as lab:
        report, code = cli(lab, ADDRESS)

    assert code == 2, verdicts(report)
    assert (first(report)["cause"], first(report)["severity"]) == ("clock_skew", "critical"), verdicts(report)


# 3. -- interception needs evidence from more than one place -------------------------------------------


def _neutral_certs() -> Any:
    """An untrusted CA with a public-CA-like name: no interception product's name to go by."""
    import trustme

    from tests.lab.certs import CertLab

    return CertLab(rogue_ca=trustme.CA(organization_name="Sectigo Limited"))


def test_provider_host_missing_its_intermediate_is_the_servers_chain_not_interception(tmp_path: Path) -> None:
    with World(tmp_path / "w", mail={"qq.imap": {"cert": "chain_incomplete"}}) as lab:
        report, code = cli(lab, ADDRESS)

    assert code == 2, verdicts(report)
    verdict = first(report)
    assert (verdict["cause"], verdict.get("variant")) == ("tls_certificate_problem", "server_chain"), verdicts(report)
    assert "imap.exmail.qq.com" in verdict["summary"]


def test_one_port_signed_by_an_unknown_ca_while_the_others_verify_is_the_server_not_interception(
    tmp_path: Path,
) -> None:
    with World(tmp_path / "w", certs=_neutral_certs(), mail={"qq.imap": {"cert": "untrusted"}}) as lab:
        report, code = cli(lab, ADDRESS)

    assert code == 2, verdicts(report)
    verdict = first(report)
    assert (verdict["cause"], verdict.get("variant")) == ("tls_certificate_problem", "server_chain"), verdicts(report)
    assert "intercept" not in verdict["summary"]


def test_same_unknown_issuer_at_the_provider_and_the_baseline_is_interception(tmp_path: Path) -> None:
    from tests.lab.world import SITES

    mail = {f"{site}.{svc}": {"cert": "untrusted"} for site in SITES for svc in MAIL_SERVICES}
    with World(tmp_path / "w", certs=_neutral_certs(), mail=mail,
               web={site: {"cert": "untrusted"} for site in SITES}) as lab:
        report, code = cli(lab, ADDRESS)

    assert code == 2
    assert (first(report)["cause"], first(report).get("variant")) == ("tls_certificate_problem", "interception")


# 4. -- every address of a host, up to a documented cap ------------------------------------------------


def _start_mail(lab: World, service: str, hostname: str, ip: str) -> None:
    from tests.lab.mailserver import MailServer

    server = MailServer(service, lab=lab.certs, hostname=hostname, host=ip,  # type: ignore[arg-type]
                        listen_port=lab.ports[service], tls="implicit", cert="good")

    async def start() -> None:
        await server.start()

    lab._run(start())
    lab.servers[f"extra.{ip}.{service}"] = server


def test_one_of_four_addresses_refusing_is_a_warning_naming_that_address(tmp_path: Path) -> None:
    alive = ["127.0.0.11", "127.0.0.31", "127.0.0.32"]
    dead = "127.0.0.33"  # last in the answer: probing only the first two would miss it
    with World(tmp_path / "w") as lab:
        for ip in alive[1:]:
            _start_mail(lab, "imap", "imap.exmail.qq.com", ip)
        lab.dns.set_records("imap.exmail.qq.com", "A", [*alive, dead])
        report, code = cli(lab, ADDRESS)

    assert code == 1, verdicts(report)
    verdict = first(report)
    assert (verdict["cause"], verdict.get("variant")) == ("server_outage", "partial"), verdicts(report)
    assert dead in verdict["summary"], verdict["summary"]
    probed = {c["address"] for c in report["checks"] if c["kind"] == "imap"}
    assert probed == {*alive, dead}


def test_addresses_beyond_the_cap_are_said_in_the_report(tmp_path: Path) -> None:
    from mailprobe.plan import MAX_ADDRESSES_PER_FAMILY

    ips = [f"127.0.0.{40 + n}" for n in range(MAX_ADDRESSES_PER_FAMILY + 2)]
    with World(tmp_path / "w") as lab:
        for ip in ips:
            _start_mail(lab, "imap", "imap.exmail.qq.com", ip)
        lab.dns.set_records("imap.exmail.qq.com", "A", list(reversed(ips)))
        report, code = cli(lab, ADDRESS)

    probed = sorted(c["address"] for c in report["checks"] if c["kind"] == "imap")
    assert probed == sorted(ips[:MAX_ADDRESSES_PER_FAMILY])  # the lowest, whatever the answer's order
    lookup = next(c for c in report["checks"] if c["id"] == "dns.a/imap.exmail.qq.com")
    assert lookup["data"]["addresses_not_probed"] == 2
    assert code == 0, verdicts(report)


# 5. -- baselines only from required, probe-able servers of other providers -----------------------------

DECOY_PROFILE = """\
id = "decoy"
mx_patterns = ['^mx\\\\.decoy-mail\\\\.com$']
webmail = ["https://mail.decoy-mail.com:{web}/"]
baseline = true

[names]
en = "Decoy"
zh-Hans = "Decoy"
zh-Hant = "Decoy"

[[servers]]
protocol = "imap"
host = "imap.decoy-mail.com"
port = {imap}
tls = "implicit"
probe = false

[[servers]]
protocol = "imap"
host = "imap-hk.decoy-mail.com"
port = {imap}
tls = "implicit"
label = "overseas"

[[servers]]
protocol = "imap"
host = "imap-guess.decoy-mail.com"
port = {imap}
tls = "implicit"
expect = "candidate"
"""


def test_baseline_never_uses_hosts_not_to_contact_nor_alternates_nor_guesses(tmp_path: Path) -> None:
    with World(tmp_path / "w") as lab:
        (lab.providers_dir / "aaa-decoy.toml").write_text(
            DECOY_PROFILE.format(web=lab.ports["web"], imap=lab.ports["imap"]), encoding="utf-8")
        for host in ("imap.decoy-mail.com", "imap-hk.decoy-mail.com", "imap-guess.decoy-mail.com"):
            lab.dns.set_records(host, "A", ["127.0.0.66"])  # nothing listens: a failure if contacted
        report, code = cli(lab, ADDRESS)

    contacted = [c["target"] for c in report["checks"] if c["kind"] == "baseline"]
    assert not [t for t in contacted if t.startswith("imap") and "decoy" in t], contacted
    assert code == 0, verdicts(report)


def test_one_failing_baseline_host_is_not_a_blocked_port(tmp_path: Path) -> None:
    with World(tmp_path / "w", down={"qq.imap", "netease.imap"}) as lab:
        (lab.providers_dir / "aliyun.toml").unlink()  # the only other provider on the IMAP port: NetEase
        report, code = cli(lab, ADDRESS)

    assert code == 2, verdicts(report)
    verdict = first(report)
    assert verdict["cause"] != "network_problem", verdicts(report)
    assert (verdict["cause"], verdict.get("variant")) == ("server_outage", "unconfirmed"), verdicts(report)
    assert "not confirmed" in verdict["summary"]


# 6. -- a resolver that redirects a provider's host --------------------------------------------------


def test_resolver_redirecting_a_provider_host_is_a_dns_problem_naming_the_resolver(tmp_path: Path) -> None:
    from tests.lab.dnsserver import LabDnsServer

    with World(tmp_path / "w") as lab, LabDnsServer() as authority:
        authority.set_zone(lab._zone())  # the providers' own servers: the truth
        # The resolver sends imap.exmail.qq.com to NetEase's server (whose certificate names another host).
        lab.dns.set_records("imap.exmail.qq.com", "A", ["127.0.0.12"])
        report, code = cli(lab, ADDRESS, "--authoritative", authority.nameserver)
        resolver = lab.dns.nameserver

    assert code == 2, verdicts(report)
    verdict = first(report)
    assert (verdict["cause"], verdict.get("variant")) == ("dns_resolution_problem", "redirects_host"), verdicts(report)
    assert "imap.exmail.qq.com" in verdict["summary"] and resolver in verdict["summary"], verdict["summary"]


# 8. -- smaller misreadings ------------------------------------------------------------------------


def test_every_blocked_mail_port_is_named_in_the_verdict(tmp_path: Path) -> None:
    from tests.lab.world import SITES

    down = {f"{site}.{svc}" for site in SITES for svc in MAIL_SERVICES}
    with World(tmp_path / "w", down=down) as lab:
        report, code = cli(lab, ADDRESS)
        ports = [lab.ports[svc] for svc in MAIL_SERVICES]

    assert code == 2, verdicts(report)
    verdict = first(report)
    assert verdict["cause"] == "network_problem", verdicts(report)
    for port in ports:
        assert str(port) in verdict["summary"], (port, verdict["summary"])


def test_failed_mx_lookup_does_not_call_the_provider_unrecognised(tmp_path: Path) -> None:
    with World(tmp_path / "w") as lab:
        lab.dns.set_faults(CUSTOMER, servfail=True)
        report, code = cli(lab, ADDRESS)

    assert code == 2
    assert first(report)["cause"] == "dns_resolution_problem", verdicts(report)
    assert report["provider"]["matched_by"] == "mx_failed", report["provider"]
    assert report["provider"]["name"] == "unknown"


def test_optional_autoconfig_of_the_apex_domain_is_not_a_failure(tmp_path: Path) -> None:
    # The apex resolves to a web host whose certificate names only mail.indie-shop.com: no autoconfig there.
    with World(tmp_path / "w") as lab:
        lab.dns.set_records(SELF_HOSTED, "A", ["127.0.0.14"])
        report, code = cli(lab, f"owner@{SELF_HOSTED}")

    apex = [c for c in report["checks"] if c["id"].startswith(f"autoconfig/{SELF_HOSTED}")]
    assert apex and {c["status"] for c in apex} == {"skip"}, apex
    assert apex[0]["data"]["error"], apex  # why there was no config stays in the evidence
    assert code == 0, verdicts(report)


# 7. -- `mailprobe settings` uses what the domain publishes, and cites the right section ----------------


def _settings(lab: World, address: str, *args: str, builtin: bool = False) -> tuple[str, int]:
    env = {**os.environ, "NO_COLOR": "1", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    profiles = [] if builtin else ["--providers-dir", str(lab.providers_dir)]
    done = subprocess.run([sys.executable, "-m", "mailprobe", "settings", address, "--lang", "en", "--timeout", "3",
                           *args, "--nameserver", lab.dns.nameserver, *profiles],
                          capture_output=True, text=True, timeout=30, env=env, cwd=REPO)
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout, done.returncode


def test_settings_use_the_domains_srv_records_before_guessing(tmp_path: Path) -> None:
    with World(tmp_path / "w") as lab:
        lab.dns.set_records(f"_imaps._tcp.{SELF_HOSTED}", "SRV", [f"0 1 {lab.ports['imap']} mailhost.indie-shop.com."])
        lab.dns.set_records("mailhost.indie-shop.com", "A", ["127.0.0.14"])
        out, code = _settings(lab, f"owner@{SELF_HOSTED}")
        as_json, _ = _settings(lab, f"owner@{SELF_HOSTED}", "--format", "json")

    assert f"mailhost.indie-shop.com:{lab.ports['imap']}" in out, out
    assert "try imap." not in out
    assert code == 0, out
    servers = {(s["protocol"], s["host"]) for s in json.loads(as_json)["servers"]}
    assert ("imap", "mailhost.indie-shop.com") in servers and ("smtp", "smtp.indie-shop.com") in servers


def test_settings_say_when_the_domain_does_not_exist(tmp_path: Path) -> None:
    with World(tmp_path / "w") as lab:
        out, code = _settings(lab, "someone@no-such-company.com")

    assert "does not exist" in out, out
    assert code != 0


def test_settings_cite_the_providers_own_section(tmp_path: Path) -> None:
    netease = {CUSTOMER: {"MX": ["10 qiye163mx01.mxmail.netease.com."]}}
    with World(tmp_path / "w", domains=netease) as lab:
        out, code = _settings(lab, ADDRESS, builtin=True)
        own, _ = _settings(lab, f"owner@{SELF_HOSTED}", builtin=True)

    assert code == 0
    assert "§5.1" in out and "§5.2" not in out, out
    assert "§5.2" not in own and "§5.1" not in own, own


def test_one_providers_wrong_date_is_not_read_as_our_clock(tmp_path: Path) -> None:
    from tests.lab.webserver import Route, login_page

    web = {"qq": {"route": Route(body=login_page(), date_offset_s=3 * 3600.0)}}  # their clock, 3 h ahead
    with World(tmp_path / "w", web=web) as lab:
        report, code = cli(lab, ADDRESS)

    assert "clock_skew" not in [d["cause"] for d in report["diagnosis"]], verdicts(report)
    assert code == 0, verdicts(report)


def test_every_server_agreeing_our_clock_is_off_is_clock_skew(tmp_path: Path) -> None:
    from tests.lab.webserver import Route, login_page
    from tests.lab.world import SITES

    web = {site: {"route": Route(body=login_page(), date_offset_s=3 * 3600.0)} for site in SITES}
    with World(tmp_path / "w", web=web) as lab:
        report, code = cli(lab, ADDRESS)

    assert first(report)["cause"] == "clock_skew", verdicts(report)
    assert code == 1


# -- a certificate for another name at every provider: something on this network answers in their place ----


def test_webmail_certificate_for_another_name_at_every_provider_is_not_the_providers_certificate(
    tmp_path: Path,
) -> None:
    """A transparent proxy answers every provider's 443 with its own certificate (DNS untouched): the other
    providers' servers show the same wrong name, so the provider's certificate is not the one blamed."""
    from tests.lab.world import SITES

    with World(tmp_path / "w", web={site: {"cert": "wrong_host"} for site in SITES}) as lab:
        report, code = cli(lab, ADDRESS)

    assert code == 2, verdicts(report)
    assert ("tls_certificate_problem", "hostname_mismatch", "critical") not in verdicts(report)
    assert (first(report)["cause"], first(report).get("variant")) == ("tls_certificate_problem", "interception")
    baseline = [c for c in report["checks"] if c["kind"] == "baseline" and c["data"]["service"] == "web"]
    assert baseline and all(c["data"]["verify_error"] == "hostname_mismatch" for c in baseline), baseline


def test_portal_certificate_on_every_https_port_with_mail_ports_closed_is_this_network(tmp_path: Path) -> None:
    """A hotel network without a DNS hijack: every provider's 443 shows the portal's certificate, every mail
    port is closed. The network leads; the provider's certificate is not blamed."""
    from tests.lab.world import SITES

    down = {f"{site}.{svc}" for site in SITES for svc in MAIL_SERVICES}
    with World(tmp_path / "w", web={site: {"cert": "wrong_host"} for site in SITES}, down=down) as lab:
        report, code = cli(lab, ADDRESS)

    assert code == 2, verdicts(report)
    assert first(report)["cause"] == "network_problem", verdicts(report)
    assert ("tls_certificate_problem", "hostname_mismatch", "critical") not in verdicts(report)


def test_a_certificate_for_another_name_on_the_providers_webmail_only_stays_its_certificate(tmp_path: Path) -> None:
    with World(tmp_path / "w", web={"qq": {"cert": "wrong_host"}}) as lab:
        report, code = cli(lab, ADDRESS)

    assert code == 2, verdicts(report)
    assert (first(report)["cause"], first(report).get("variant")) == ("tls_certificate_problem", "hostname_mismatch")
    assert first(report)["confidence"] >= 0.9
