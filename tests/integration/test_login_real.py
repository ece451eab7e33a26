"""`mailprobe check --login` through the real command line against a real Dovecot (IMAP, POP3) and a real
Postfix (submission, SASL through Dovecot) on 127.0.0.2: a good password passes, a wrong one is named."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.realservers import RealServers, check_args, mx_dns, profile
from tests.lab.dnsserver import LabDnsServer
from tests.support.command import Result, run_mailprobe


@pytest.fixture
def dns(real_servers: RealServers) -> Iterator[LabDnsServer]:
    with mx_dns(real_servers) as server:
        yield server


def check(real: RealServers, dns: LabDnsServer, tmp_path: Path, password: str) -> tuple[Result, dict[str, Any]]:
    world = check_args(real, dns, tmp_path, profile(real, "Example mail (real Dovecot + Postfix)", pop3=True))
    result = run_mailprobe(
        "check", real.user, "--login", "--login-protocols", "imap,smtp,pop3", *world, "--format", "json",
        "--timeout", "15", env={"MAILPROBE_PASSWORD": password},
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result, json.loads(result.stdout)


def _logins(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["data"]["protocol"]: c for c in report["checks"] if c["kind"] == "login"}


def test_good_password_logs_in_over_imap_smtp_and_pop3(
    real_servers: RealServers, dns: LabDnsServer, tmp_path: Path
) -> None:
    started = time.monotonic()
    result, report = check(real_servers, dns, tmp_path, real_servers.password)
    elapsed = time.monotonic() - started

    logins = _logins(report)
    assert result.code == 0, (result.stderr, report["diagnosis"], logins)
    assert report["diagnosis"] == []
    assert {p: c["data"]["outcome"] for p, c in logins.items()} == {"imap": "ok", "smtp": "ok", "pop3": "ok"}
    assert logins["imap"]["data"]["mailbox_ok"] is True and logins["pop3"]["data"]["mailbox_ok"] is True
    print(f"real login check (good password): {elapsed:.2f} s, report {report['duration_ms']:.0f} ms")


def test_wrong_password_is_named_password_incorrect(
    real_servers: RealServers, dns: LabDnsServer, tmp_path: Path
) -> None:
    started = time.monotonic()
    result, report = check(real_servers, dns, tmp_path, real_servers.wrong_password)
    elapsed = time.monotonic() - started

    assert result.code == 2, result.stderr
    assert report["diagnosis"][0]["cause"] == "password_incorrect", report["diagnosis"]
    logins = _logins(report)
    assert all(c["data"]["outcome"] == "refused" for c in logins.values()), logins
    text = result.stdout + result.stderr + (tmp_path / "state.db").read_bytes().decode("latin-1")
    blob = base64.b64encode(f"\0{real_servers.user}\0{real_servers.wrong_password}".encode()).decode()
    for form in (real_servers.wrong_password, base64.b64encode(real_servers.wrong_password.encode()).decode(), blob):
        assert form not in text
    print(f"real login check (wrong password): {elapsed:.2f} s, report {report['duration_ms']:.0f} ms")
