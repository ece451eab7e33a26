"""One address for every name is this network (issue 16, case 5), through the real command.

On a hotel-style network (`World(captive_portal=True)`) the resolver sends every name, every provider's and
Google's alike, to the portal's address; HTTPS there redirects to the portal's sign-in page under a
certificate for the portal's own name; the mail ports are closed. Before the fix the first cause was
`tls_certificate_problem` ("the certificate served for exmail.qq.com names another host"): the provider was
blamed for the portal's certificate, and the DNS evidence that all names point at one address went unused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.lab.dnsserver import LabDnsServer
from tests.lab.world import CUSTOMER, PORTAL_HOST, PORTAL_IP, World

REPO = Path(__file__).resolve().parents[2]
ADDRESS = f"zhang.san@{CUSTOMER}"
EXIT = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}


def mailprobe(*args: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    done = subprocess.run([sys.executable, "-m", "mailprobe", *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=timeout)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def check(world: World, *args: str) -> dict[str, Any]:
    # A generous deadline: these worlds answer (or refuse) at once, and a loaded machine must not cut them.
    done = mailprobe("check", ADDRESS, "--format", "json", "--timeout", "8", *args, *world.cli_args())
    report: dict[str, Any] = json.loads(done.stdout)
    assert done.returncode == EXIT[report["status"]], (done.returncode, report["status"])
    return report


def verdicts(report: dict[str, Any]) -> list[tuple[str, str | None, float]]:
    return [(d["cause"], d.get("variant"), d["confidence"]) for d in report["diagnosis"]]


def causes(report: dict[str, Any]) -> list[str]:
    return [d["cause"] for d in report["diagnosis"]]


def test_a_captive_portal_answering_for_every_name_is_this_network(tmp_path: Path) -> None:
    with World(tmp_path / "w", captive_portal=True) as lab:
        report = check(lab)

    assert report["status"] == "critical"
    first = report["diagnosis"][0]
    assert (first["cause"], first["variant"]) == ("network_problem", "captive_portal"), verdicts(report)
    # It names the shared address and the portal, and says what to do.
    assert PORTAL_IP in first["summary"] and PORTAL_HOST in first["summary"], first["summary"]
    assert "browser" in first["summary"] and "another network" in first["summary"]
    assert first["params"]["organisations"] >= 3
    # What the portal served is the evidence: its answer for the provider's webmail, and the names sent there.
    assert any(i.startswith("web/exmail.qq.com/") for i in first["evidence"]), first["evidence"]
    assert "dns.sanity/mail.google.com" in first["evidence"]
    # The portal's certificate is not the provider's fault: never the first cause, never above the network.
    assert causes(report).count("network_problem") == 1
    assert causes(report)[0] != "tls_certificate_problem"


def test_the_portal_verdict_is_worded_in_every_language(tmp_path: Path) -> None:
    with World(tmp_path / "w", captive_portal=True) as lab:
        report = check(lab)
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(report), encoding="utf-8")

    for lang, browser, network in (("en", "browser", "network"), ("zh-Hans", "浏览器", "网络"),
                                   ("zh-Hant", "瀏覽器", "網路")):
        done = mailprobe("explain", str(saved), "--lang", lang, "--format", "json")
        verdict = json.loads(done.stdout)["diagnosis"][0]["summary"]
        assert PORTAL_IP in verdict and PORTAL_HOST in verdict, (lang, verdict)
        assert browser in verdict and network in verdict, (lang, verdict)


def test_names_sent_to_one_address_their_own_servers_deny_is_a_dns_hijack_here(tmp_path: Path) -> None:
    # The portal shows nothing of itself (nothing listens there), but the hosts' authoritative server gives
    # their real addresses: the resolver of this network sends every name elsewhere.
    with World(tmp_path / "w", captive_portal=True) as lab:
        portal = lab.servers.pop("portal.web")
        lab._run(portal.stop())
        with LabDnsServer(lab._zone()) as truth:
            report = check(lab, "--authoritative", truth.nameserver)

    first = report["diagnosis"][0]
    assert (first["cause"], first["variant"]) == ("network_problem", "dns_hijack"), verdicts(report)
    assert PORTAL_IP in first["summary"] and "browser" in first["summary"]


def test_a_provider_whose_hosts_share_one_address_keeps_its_own_certificate_problem(tmp_path: Path) -> None:
    # Every qq host is on one address (as in the lab), and its webmail's certificate names another host; the
    # other providers' names resolve elsewhere. That is the provider's certificate, not a portal.
    with World(tmp_path / "w", web={"qq": {"cert": "wrong_host"}}) as lab:
        report = check(lab)

    assert causes(report)[:1] == ["tls_certificate_problem"], verdicts(report)
    assert "network_problem" not in causes(report)


def test_a_healthy_world_is_not_a_network_problem(tmp_path: Path) -> None:
    with World(tmp_path / "w") as lab:
        report = check(lab)

    assert report["status"] == "ok" and report["diagnosis"] == [], verdicts(report)
