"""The built-in profiles against servers on the providers' real ports (993/995/465/443) on loopback, with the
lab DNS answering the real host names: what a user's machine meets, minus the Internet."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from mailprobe.check import run_check_sync
from mailprobe.report import Report
from tests.lab.world import CUSTOMER, REAL_PORTS, SANWU_CUSTOMER, SITES, World


def _can_bind_real_ports() -> bool:
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return False
    for site in SITES.values():
        for port in REAL_PORTS.values():
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind((site.ip, port))
                except OSError:
                    return False
    return True


pytestmark = pytest.mark.skipif(not _can_bind_real_ports(), reason="needs root to listen on ports 443/465/993/995")


def check(tmp_path: Path, address: str = f"zhang.san@{CUSTOMER}", **world: object) -> Report:
    with World(tmp_path / "world", real_ports=True, **world) as lab:  # type: ignore[arg-type]
        return run_check_sync(address, lab.options())


@pytest.mark.parametrize(
    ("provider", "mx"),
    [("qq", "5 mxbiz1.qq.com."), ("netease", "10 qiye163mx01.mxmail.netease.com."),
     ("aliyun", "5 mx1.qiye.aliyun.com.")],
)
def test_healthy_mailbox_at_each_article_provider_with_the_builtin_profile(
    tmp_path: Path, provider: str, mx: str
) -> None:
    report = check(tmp_path, domains={CUSTOMER: {"MX": [mx]}})

    assert (report.provider.id, report.provider.matched_by) == (provider, "mx")
    assert report.status == "ok" and report.diagnosis == [], [(d.cause, d.summary) for d in report.diagnosis]
    assert {c.status for c in report.checks} <= {"pass", "skip"}
    passed = {(c.kind, c.target) for c in report.checks if c.status == "pass"}
    site = SITES[provider]
    assert {("imap", f"{site.imap}:993"), ("pop3", f"{site.pop3}:995"), ("smtp", f"{site.smtp}:465"),
            ("web", f"{site.web}:443")} <= passed


def test_builtin_profile_imap_outage_is_told_from_a_blocked_port(tmp_path: Path) -> None:
    outage = check(tmp_path / "a", down={"qq.imap"})
    blocked = check(tmp_path / "b", down={"qq.imap", "netease.imap", "aliyun.imap"})

    assert [d.cause for d in outage.diagnosis][:1] == ["server_outage"]
    assert [d.cause for d in blocked.diagnosis][:1] == ["network_problem"]


def test_healthy_35com_mailbox_whose_servers_are_named_after_the_customers_domain(tmp_path: Path) -> None:
    report = check(tmp_path, address=f"wang@{SANWU_CUSTOMER}")

    assert (report.provider.id, report.provider.matched_by) == ("35com", "mx")
    assert report.status == "ok" and report.diagnosis == [], [(d.cause, d.summary) for d in report.diagnosis]
    passed = {(c.kind, c.target) for c in report.checks if c.status == "pass"}
    assert {("imap", f"imap.{SANWU_CUSTOMER}:993"), ("smtp", f"smtp.{SANWU_CUSTOMER}:465"),
            ("web", "mail.35.com:443")} <= passed
